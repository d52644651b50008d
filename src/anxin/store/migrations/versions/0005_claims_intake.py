"""claims intake (channel, documents received, entered by) and review decisions on claim results

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLE = "claim_review_decisions"


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN on both engines: the claims table keeps its append-only triggers.
    op.add_column("claims", sa.Column("channel", sa.String(length=12), server_default="file", nullable=False))
    op.add_column("claims", sa.Column("documents", sa.String(length=400), server_default="", nullable=False))
    op.add_column("claims", sa.Column("entered_by", sa.String(length=64), server_default="", nullable=False))
    op.create_table(
        _TABLE,
        sa.Column("id", _ID, nullable=False),
        sa.Column("claim_result_id", _ID, nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("status_after", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_result_id"],
            ["claim_results.id"],
            name=op.f("fk_claim_review_decisions_claim_result_id_claim_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_review_decisions")),
    )
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_review_decisions_claim_result_id"), ["claim_result_id"], unique=False
        )
    _append_only(_TABLE)


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE, as for the audit log, the ledger and review decisions."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for verb in ("UPDATE", "DELETE"):
        name = f"{table}_no_{verb.lower()}"
        if postgres:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION anxin_refuse_change()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only / 只能追加，不能修改或删除'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_{verb}" + (f" ON {_TABLE}" if postgres else ""))
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_review_decisions_claim_result_id"))
    op.drop_table(_TABLE)
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("entered_by")
        batch_op.drop_column("documents")
        batch_op.drop_column("channel")
