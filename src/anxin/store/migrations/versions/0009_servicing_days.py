"""servicing days: how far each day's daily run has got (instead of stamping every policy each day)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "servicing_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("through_policy_id", _ID, nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("run_id", _ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["adjudication_runs.id"], name=op.f("fk_servicing_days_run_id_adjudication_runs")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_servicing_days")),
    )
    # The days done are recorded from now on; a book already run keeps its days in last_run_day,
    # which the run still honours policy by policy.
    op.drop_index("ix_life_policies_status_last_run_day", table_name="life_policies")


def downgrade() -> None:
    op.create_index(
        "ix_life_policies_status_last_run_day", "life_policies", ["status", "last_run_day"], unique=False
    )
    op.drop_table("servicing_days")
