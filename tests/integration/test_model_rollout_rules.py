"""The rollout's rules one poll at a time, with the clock in the test's hands
(services/teaching/model_rollout.py; the same over HTTP with several replicas polling
is tests/integration/test_model_rollout.py)."""

from __future__ import annotations

from datetime import timedelta

from models import utcnow
from services.context import ServiceContext
from services.teaching.model_rollout import hand_file, rollout_status

OLD, NEW = "version-1", "version-2"
STEP = 60.0


def test_one_turn_at_a_time_passed_on_by_the_report(ctx: ServiceContext) -> None:
    t0 = utcnow()

    def poll(replica: str, reported: str | None, seconds: float = 0.0) -> bool:
        return hand_file(
            ctx, replica=replica, reported=reported, target=NEW, step_seconds=STEP, now=t0 + timedelta(seconds=seconds)
        )

    assert poll("a", OLD) is True  # the first to ask after activation takes the turn
    assert poll("b", OLD, 1) is False and poll("c", OLD, 2) is False
    assert poll("a", OLD, 3) is True, "the holder asking again (a failed load) is handed it again"
    assert rollout_status(ctx, NEW, t0).moving == "a"
    assert poll("b", OLD, 30) is False, "still a's turn: it has not reported"
    assert poll("a", NEW, 40) is False  # a reports the new model: 304, and the turn is free
    assert poll("c", OLD, 41) is True
    assert poll("b", OLD, 42) is False
    assert poll("c", NEW, 43) is False
    assert poll("b", OLD, 44) is True
    assert poll("b", NEW, 45) is False
    status = rollout_status(ctx, NEW, t0 + timedelta(seconds=46))
    assert status.done and [r.running for r in status.replicas] == [NEW, NEW, NEW]


def test_a_silent_holder_loses_the_turn_after_the_step(ctx: ServiceContext) -> None:
    t0 = utcnow()

    def poll(replica: str, seconds: float) -> bool:
        return hand_file(
            ctx, replica=replica, reported=OLD, target=NEW, step_seconds=STEP, now=t0 + timedelta(seconds=seconds)
        )

    assert poll("a", 0) is True  # and then a is never heard of again
    assert poll("b", STEP - 1) is False
    assert poll("b", STEP + 1) is True
    assert rollout_status(ctx, NEW, t0 + timedelta(seconds=STEP + 1)).moving == "b"


def test_fresh_replicas_at_once_and_step_zero_is_everyone_at_once(ctx: ServiceContext) -> None:
    t0 = utcnow()
    fresh = "3f2a9c0d8e7b4a1f9c2d3e4f5a6b7c8d"  # Rasa's random fingerprint before any model
    assert all(hand_file(ctx, replica=r, reported=fresh, target=NEW, step_seconds=STEP, now=t0) for r in "abc")
    assert rollout_status(ctx, NEW, t0).moving is None, "starting replicas take no turn"
    assert all(hand_file(ctx, replica=r, reported=OLD, target=NEW, step_seconds=0, now=t0) for r in "xyz")
