"""step token estimates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:00:00.000000

Each step keeps lettalite's own token estimate of its request beside the provider's count, so
the next request's estimate can be corrected (see agent/compaction.py: token_scale).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("step") as batch_op:
        batch_op.add_column(
            sa.Column("estimated_prompt_tokens", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_step_agent_id_created_at", ["agent_id", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("step") as batch_op:
        batch_op.drop_index("ix_step_agent_id_created_at")
        batch_op.drop_column("estimated_prompt_tokens")
