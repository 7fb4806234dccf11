"""Which Rasa replica runs which model, and whose turn it is to load the next one.

Every replica asks the app for its model every few seconds (GET /rasa/model), saying
who it is and which model it runs; `rasa_replicas` keeps the last answer of each, so
an operator sees the fleet's progress. `model_rollout` is one row: the replica now
loading a new model (handed the file, not yet back with it). Handing the file is a
conditional UPDATE of that row, so two web processes answering two replicas at the
same instant can never start two loads at once (services/teaching/model_rollout.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

ROLLOUT_ROW = 1  # the one row of model_rollout, created by the migration


class RasaReplica(Base):
    __tablename__ = "rasa_replicas"

    replica: Mapped[str] = mapped_column(String(120), primary_key=True)  # X-Rasa-Replica, or its address
    running_etag: Mapped[str | None] = mapped_column(String(120))  # None: it has no model of ours yet
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_etag: Mapped[str | None] = mapped_column(String(120))  # the last file it was given
    handed_at: Mapped[datetime | None] = mapped_column()


class ModelRollout(Base):
    __tablename__ = "model_rollout"

    id: Mapped[int] = mapped_column(primary_key=True)
    moving_replica: Mapped[str | None] = mapped_column(String(120))
    moving_etag: Mapped[str | None] = mapped_column(String(120))
    moving_since: Mapped[datetime | None] = mapped_column()
