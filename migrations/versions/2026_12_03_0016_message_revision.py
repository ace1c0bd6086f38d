"""message revision

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00.000000

`message.revision` counts the changes to a stored message (every UPDATE adds one). A server
keeps what the model is shown of a conversation's context window between steps and checks
it against the count and the revisions' sum of the window's messages, in the step's own
query: a message changed meanwhile (by any worker) makes it read the window anew.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "message", sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("message", "revision")
