"""Beat's sweep of kept channel answers (issue 11, weakness 6): the leased claim that
keeps two sweeps, or a sweep and the queued task, from both sending one answer, and
the take-over of an answer whose worker died mid-send."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender
from models import PendingReply, utcnow
from services.context import ServiceContext
from services.conversation import channel_state
from tasks import channels as channel_tasks
from tasks.schedule import BEAT_SCHEDULE
from tests.wiring import use

PAST_GRACE = timedelta(seconds=channel_state.SWEEP_GRACE_SECONDS + 1)


@dataclass
class SlowSender(OutboundSender):
    """Takes a while per send, so two sweeps overlap while one is sending."""

    channel: str
    delay: float = 0.0
    sent: list[OutboundMessage] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)

    def send(self, message: OutboundMessage) -> str:
        time.sleep(self.delay)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"id-{len(self.sent)}"


def _kept(ctx: ServiceContext, count: int, channel: str = "wechat") -> list[int]:
    """Answers whose task never ran, kept long enough ago for the sweep to take them."""
    ids = [channel_state.save_pending_reply(ctx, channel, f"openid-{n}", f"回答{n}") for n in range(count)]
    with ctx.db.transaction() as session:
        session.execute(update(PendingReply).values(created_at=utcnow() - PAST_GRACE))
    return ids


def _statuses(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(PendingReply.status).order_by(PendingReply.id)))


def test_two_sweeps_at_once_send_each_answer_once(ctx: ServiceContext) -> None:
    _kept(ctx, 4)
    sender = SlowSender("wechat", delay=0.05)
    results: list[int] = []
    sweeps = [
        threading.Thread(target=lambda: results.append(channel_state.resend_stuck_replies(ctx, {"wechat": sender})))
        for _ in range(2)
    ]
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join(10)
    assert sorted(m.recipient for m in sender.sent) == [f"openid-{n}" for n in range(4)]
    assert sum(results) == 4 and _statuses(ctx) == ["sent"] * 4


def test_a_claim_is_left_alone_while_its_lease_runs_and_taken_over_after(ctx: ServiceContext) -> None:
    [reply_id] = _kept(ctx, 1)
    now = utcnow()
    with ctx.db.transaction() as session:  # a worker claimed it, then died before sending
        session.execute(
            update(PendingReply).values(status="sending", attempts=1, lease_until=now + timedelta(seconds=60))
        )
    sender = SlowSender("wechat")
    assert channel_state.resend_stuck_replies(ctx, {"wechat": sender}, now=now) == 0
    assert channel_state.deliver_pending_reply(ctx, reply_id, sender, now=now) == "sending"  # the queued task too
    assert sender.sent == []
    assert channel_state.resend_stuck_replies(ctx, {"wechat": sender}, now=now + timedelta(seconds=61)) == 1
    assert [m.text for m in sender.sent] == ["回答0"] and _statuses(ctx) == ["sent"]


def test_a_platform_failure_waits_for_the_next_sweep_and_attempts_stay_bounded(ctx: ServiceContext) -> None:
    _kept(ctx, 1)
    sender = SlowSender("wechat", failures=[DeliveryFailed("busy")] * channel_state.MAX_REPLY_ATTEMPTS)
    for sweep in range(channel_state.MAX_REPLY_ATTEMPTS + 2):
        assert channel_state.resend_stuck_replies(ctx, {"wechat": sender}) == 0, sweep
    assert sender.sent == [] and _statuses(ctx) == ["failed"]
    with ctx.db.reading() as session:
        assert session.scalar(select(PendingReply.attempts)) == channel_state.MAX_REPLY_ATTEMPTS


def test_a_lapsed_claim_with_no_attempts_left_is_failed_not_sent(ctx: ServiceContext) -> None:
    _kept(ctx, 1)
    now = utcnow()
    with ctx.db.transaction() as session:
        session.execute(
            update(PendingReply).values(
                status="sending", attempts=channel_state.MAX_REPLY_ATTEMPTS, lease_until=now - timedelta(seconds=1)
            )
        )
    sender = SlowSender("wechat")
    assert channel_state.resend_stuck_replies(ctx, {"wechat": sender}, now=now) == 0
    assert sender.sent == [] and _statuses(ctx) == ["failed"]


def test_beat_runs_the_sweep_as_a_registered_task(app: Flask, ctx: ServiceContext) -> None:
    entry = BEAT_SCHEDULE["resend-stuck-channel-replies"]
    assert entry["task"] == channel_tasks.resend_stuck_replies.name and entry["schedule"] <= 120
    _kept(ctx, 1, channel="alipay")
    sender = SlowSender("alipay")
    use(app, senders={"alipay": sender})
    with app.app_context():
        assert channel_tasks.resend_stuck_replies.apply().get() == 1
    assert [m.recipient for m in sender.sent] == ["openid-0"]
