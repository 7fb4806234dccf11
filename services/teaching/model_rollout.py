"""A new model reaches Rasa's replicas one at a time, not all at once.

Loading a model costs a replica about 40 s of CPU (minutes on a busy machine), and a
replica answers nothing meanwhile (Rasa 3.6 loads on its event loop). If every
replica pulled the newly activated version on its next poll, the whole fleet would
stall together. So the app, as Rasa's model server, hands the new file to one
replica at a time and tells the others "304, keep what you run" until their turn:

- a replica's poll says who it is (X-Rasa-Replica, else its address) and, in
  If-None-Match, the model it runs; Rasa sets that tag only once a model has
  loaded (the same fingerprint its /status shows), so a poll carrying the new tag
  is the replica reporting that it has finished;
- the turn is one row (`model_rollout`): a replica takes it with a conditional
  UPDATE, so two web processes never hand the file to two replicas at once; it is
  given back when its holder reports the tag it was handed, or lapses after
  `step_seconds` (a replica that died or never comes back must not stop the rest);
- a replica that runs no model of ours (just started: it takes no traffic until
  it has one) gets the file at once, without a turn;
- rollback is activating the previous version: it becomes the target, and only
  the replicas that had already moved move back, one at a time again.

`step_seconds` 0 turns staggering off: every replica pulls on its next poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db import rows_changed
from models import utcnow
from models.model_rollout import ROLLOUT_ROW, ModelRollout, RasaReplica
from services.context import ServiceContext

OUR_TAGS = ("version-", "bootstrap-")  # services/teaching/model_serving.py makes every tag we serve
SEEN_WITHIN = timedelta(minutes=10)  # a replica not heard of for this long is gone from the status


def runs_a_model_of_ours(etag: str | None) -> bool:
    """A fresh Rasa sends a random fingerprint of its own, never one of our tags."""
    return bool(etag) and str(etag).startswith(OUR_TAGS)


def hand_file(
    ctx: ServiceContext,
    *,
    replica: str,
    reported: str | None,
    target: str,
    step_seconds: float,
    now: datetime | None = None,
) -> bool:
    """Answer one poll: True to send `target`'s file now, False for 304 (not yet, or done)."""
    now = now or utcnow()
    with ctx.db.transaction() as session:
        _record(session, replica, reported, now)
        # its load has finished: whatever it was handed, it now reports
        session.execute(
            update(ModelRollout)
            .where(ModelRollout.moving_replica == replica, ModelRollout.moving_etag == reported)
            .values(moving_replica=None, moving_etag=None, moving_since=None)
        )
        if reported == target:
            return False
        if (
            runs_a_model_of_ours(reported)
            and step_seconds > 0
            and not _take_turn(session, replica, target, now, step_seconds)
        ):
            return False
        session.execute(
            update(RasaReplica).where(RasaReplica.replica == replica).values(handed_etag=target, handed_at=now)
        )
        return True


def _take_turn(session: Session, replica: str, target: str, now: datetime, step_seconds: float) -> bool:
    """Free or lapsed: this replica's now. Held by this replica for this model: its
    retry (a download cut off, a load that failed), within its own time."""
    lapsed = now - timedelta(seconds=step_seconds)
    taken = rows_changed(
        session,
        update(ModelRollout)
        .where(ModelRollout.id == ROLLOUT_ROW)
        .where((ModelRollout.moving_replica.is_(None)) | (ModelRollout.moving_since < lapsed))
        .values(moving_replica=replica, moving_etag=target, moving_since=now),
    )
    if taken:
        return True
    holder = session.execute(
        select(ModelRollout.moving_replica, ModelRollout.moving_etag).where(ModelRollout.id == ROLLOUT_ROW)
    ).one_or_none()
    return holder is not None and tuple(holder) == (replica, target)


def _record(session: Session, replica: str, reported: str | None, now: datetime) -> None:
    running = reported if runs_a_model_of_ours(reported) else None
    values: dict[str, Any] = {"replica": replica, "running_etag": running, "last_seen_at": now}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RasaReplica).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[RasaReplica.replica], set_={"running_etag": running, "last_seen_at": now}
        )
    )


@dataclass(frozen=True)
class ReplicaView:
    replica: str
    running: str | None
    last_seen_at: datetime
    handed: str | None
    handed_at: datetime | None


@dataclass(frozen=True)
class RolloutView:
    target: str | None
    moving: str | None  # the replica loading now
    moving_since: datetime | None
    replicas: list[ReplicaView]

    @property
    def done(self) -> bool:
        return self.moving is None and all(r.running == self.target for r in self.replicas)


def rollout_status(ctx: ServiceContext, target: str | None, now: datetime | None = None) -> RolloutView:
    """The replicas heard of lately and where they stand, for operators and tests."""
    now = now or utcnow()
    with ctx.db.reading() as session:
        rows = session.scalars(
            select(RasaReplica).where(RasaReplica.last_seen_at > now - SEEN_WITHIN).order_by(RasaReplica.replica)
        ).all()
        slot = session.get(ModelRollout, ROLLOUT_ROW)
        replicas = [ReplicaView(r.replica, r.running_etag, r.last_seen_at, r.handed_etag, r.handed_at) for r in rows]
        return RolloutView(target, slot.moving_replica if slot else None, slot.moving_since if slot else None, replicas)
