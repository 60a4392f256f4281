"""The initial schema: interactions and their feedback.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("fixture", JSON, nullable=True),
        sa.Column("pack_ids", JSON, nullable=False),
        sa.Column("prompt_version", sa.String(32), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("adapter_id", sa.Text(), nullable=True),
        sa.Column("samples", JSON, nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.Column("latency_seconds", sa.Float(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.CheckConstraint("source IN ('cli', 'api')", name="ck_interactions_source"),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "interaction_id",
            sa.Integer(),
            sa.ForeignKey("interactions.id", ondelete="CASCADE", name="fk_feedback_interaction_id"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.String(8), nullable=True),
        sa.Column("edited_output", sa.Text(), nullable=True),
        sa.Column("edited_report", JSON, nullable=True),
        sa.Column("had_followup", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("interactions")
