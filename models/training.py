"""What the bot is taught, kept in the database with its history.

`training_items` and `training_examples` hold the *current* state: intents
(including `faq/<topic>`), entity synonyms, lookup tables and regexes with
their examples, and the domain's responses. Every change to them also writes
one `training_revisions` row (who, when, why, the item before and after);
the migration makes that table append-only, like the audit log.

A `training_snapshots` row freezes the exported YAML at a point that matters
(an import, an export to `data/`, a training run): "pending changes" are the
difference between the current state and the newest snapshot.

`model_versions` are training runs and the models they produce; the page
polls their `status` and `log_tail`. `triage_proposals` are edits of
`data/triage/` waiting for a clinician's approval and the triage gates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

ITEM_KINDS = ("intent", "synonym", "lookup", "regex", "response")


class TrainingFile(Base):
    """A YAML file's frame: the text before its first item and, for the domain,
    the sections around `responses:` that are not edited here."""

    __tablename__ = "training_files"

    path: Mapped[str] = mapped_column(String(200), primary_key=True)  # "data/nlu/booking.yml"
    preamble: Mapped[str] = mapped_column(Text, default="")
    trailer: Mapped[str] = mapped_column(Text, default="")


class TrainingItem(Base):
    __tablename__ = "training_items"
    # An intent may appear in several blocks, even of one file: items are blocks, in file order.
    __table_args__ = (Index("ix_training_items_file", "source_file", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # ITEM_KINDS
    name: Mapped[str] = mapped_column(String(120), index=True)
    source_file: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str] = mapped_column(Text, default="")  # comment lines written just above the item
    body: Mapped[str] = mapped_column(Text, default="{}")  # JSON: other keys; a response's variations
    raw: Mapped[str | None] = mapped_column(Text)  # a response's original YAML, kept until it is edited
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    examples: Mapped[list[TrainingExample]] = relationship(
        back_populates="item", order_by="TrainingExample.position", cascade="all, delete-orphan"
    )


class TrainingExample(Base):
    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("training_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)

    item: Mapped[TrainingItem] = relationship(back_populates="examples")


class TrainingRevision(Base):
    """One change, never edited afterwards (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "training_revisions"
    __table_args__ = (Index("ix_training_revisions_item", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(80))
    comment: Mapped[str] = mapped_column(String(500), default="")
    action: Mapped[str] = mapped_column(String(30))  # import, example.add/edit/delete, item.create/update/delete
    kind: Mapped[str | None] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(120))
    before: Mapped[str | None] = mapped_column(Text)  # JSON of the item, or null
    after: Mapped[str | None] = mapped_column(Text)


class TrainingSnapshot(Base):
    __tablename__ = "training_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(20))  # import, export, train
    revision_id: Mapped[int | None]  # the newest revision it contains
    files: Mapped[str] = mapped_column(Text)  # JSON {path: YAML text}


class ModelVersion(Base):
    """A training run and the model it made: queued → validating → training →
    evaluating → ready, or failed at any step."""

    __tablename__ = "model_versions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # also the model's file name
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    comment: Mapped[str] = mapped_column(String(500), default="")
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("training_snapshots.id"))
    triage_digest: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    model_path: Mapped[str | None] = mapped_column(String(400))
    log_tail: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str | None] = mapped_column(Text)  # JSON, see services.model_lifecycle
    error: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=False)
    activated_at: Mapped[datetime | None]


class TriageProposal(Base):
    """New text for files of data/triage/: live only after a second person, a
    clinician, approves and the candidate passes the triage gates."""

    __tablename__ = "triage_proposals"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    proposer: Mapped[str] = mapped_column(String(80))
    comment: Mapped[str] = mapped_column(String(500), default="")
    files: Mapped[str] = mapped_column(Text)  # JSON {"red_flags.yml": "...new text..."}
    base_digest: Mapped[str] = mapped_column(String(64))  # data/triage as it was when proposed
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending/applied/rejected/failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    gate_report: Mapped[str | None] = mapped_column(Text)  # JSON
    reason: Mapped[str | None] = mapped_column(String(500))
