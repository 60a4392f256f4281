"""Which registered model version answered (for A/B comparisons), and the curation reviews.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("model_version", sa.String(64), nullable=True))
    op.create_index("ix_interactions_model_version", "interactions", ["model_version"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "interaction_id",
            sa.Integer(),
            sa.ForeignKey("interactions.id", ondelete="CASCADE", name="fk_reviews_interaction_id"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("report", _JSON, nullable=True),
        sa.Column("executed_state", _JSON, nullable=True),
        sa.Column("flags", _JSON, nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("decision IN ('accept', 'reject')", name="ck_reviews_decision"),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 1 AND score <= 10)", name="ck_reviews_score"
        ),
    )
    op.create_index("ix_reviews_interaction_id", "reviews", ["interaction_id"])


def downgrade() -> None:
    op.drop_index("ix_reviews_interaction_id", table_name="reviews")
    op.drop_table("reviews")
    op.drop_index("ix_interactions_model_version", table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("model_version")
