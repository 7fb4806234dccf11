"""training data: intents, examples, synonyms, lookups, responses, versions and model runs

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_files",
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("preamble", sa.Text(), nullable=False),
        sa.Column("trailer", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_training_files")),
    )
    op.create_table(
        "training_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("source_file", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_items")),
    )
    op.create_index(op.f("ix_training_items_name"), "training_items", ["name"])
    op.create_index("ix_training_items_file", "training_items", ["source_file", "position"])
    op.create_table(
        "training_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["training_items.id"],
            name=op.f("fk_training_examples_item_id_training_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_examples")),
    )
    op.create_index(op.f("ix_training_examples_item_id"), "training_examples", ["item_id"])
    op.create_table(
        "training_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(12), nullable=True),
        sa.Column("name", sa.String(120), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_revisions")),
    )
    op.create_index("ix_training_revisions_item", "training_revisions", ["kind", "name"])
    op.create_table(
        "training_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("files", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_snapshots")),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("triage_digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("model_path", sa.String(400), nullable=True),
        sa.Column("log_tail", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["training_snapshots.id"],
            name=op.f("fk_model_versions_snapshot_id_training_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
    )
    op.create_index(op.f("ix_model_versions_status"), "model_versions", ["status"])
    op.create_table(
        "triage_proposals",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("proposer", sa.String(80), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("base_digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("gate_report", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_proposals")),
    )
    op.create_index(op.f("ix_triage_proposals_status"), "triage_proposals", ["status"])
    _protect_revisions()


def _protect_revisions() -> None:
    """Revisions are history: refuse UPDATE and DELETE in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION training_revisions_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'training_revisions is append-only'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER training_revisions_no_change BEFORE UPDATE OR DELETE ON training_revisions "
            "FOR EACH ROW EXECUTE FUNCTION training_revisions_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER training_revisions_no_{verb.lower()} BEFORE {verb} ON training_revisions "
                "BEGIN SELECT RAISE(ABORT, 'training_revisions is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS training_revisions_no_change ON training_revisions")
        op.execute("DROP FUNCTION IF EXISTS training_revisions_append_only()")
    op.drop_index(op.f("ix_triage_proposals_status"), table_name="triage_proposals")
    op.drop_table("triage_proposals")
    op.drop_index(op.f("ix_model_versions_status"), table_name="model_versions")
    op.drop_table("model_versions")
    op.drop_table("training_snapshots")
    op.drop_index("ix_training_revisions_item", table_name="training_revisions")
    op.drop_table("training_revisions")
    op.drop_index(op.f("ix_training_examples_item_id"), table_name="training_examples")
    op.drop_table("training_examples")
    op.drop_index("ix_training_items_file", table_name="training_items")
    op.drop_index(op.f("ix_training_items_name"), table_name="training_items")
    op.drop_table("training_items")
    op.drop_table("training_files")
