"""adjudication runs remember the last settlement they covered

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("adjudication_runs") as batch:
        batch.add_column(sa.Column("settlements_upto", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("adjudication_runs") as batch:
        batch.drop_column("settlements_upto")
