"""Which client asked (a server's API callers), and the indexes that listing and curation filter on.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("client_id", sa.String(200), nullable=True))
    op.create_index("ix_interactions_client_id", "interactions", ["client_id"])
    op.create_index("ix_interactions_domain_created_at", "interactions", ["domain", "created_at"])
    op.create_index("ix_feedback_interaction_id", "feedback", ["interaction_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_interaction_id", table_name="feedback")
    op.drop_index("ix_interactions_domain_created_at", table_name="interactions")
    op.drop_index("ix_interactions_client_id", table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("client_id")
