"""life policies (保全): policies with the servicing state, loans, beneficiaries, the append-only
policy events ledger and status history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_NOW = sa.DateTime(timezone=True)
#: The ledger and the history stay as written.
_APPEND_ONLY = ("policy_events", "policy_status_changes")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "life_policies",
        sa.Column("id", _ID, nullable=False),
        sa.Column("policy_no", sa.String(length=40), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("policyholder_id", _ID, nullable=False),
        sa.Column("insured_id", _ID, nullable=False),
        sa.Column("agent_code", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("sum_insured_fen", sa.BigInteger(), nullable=False),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("apl", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("premiums_paid", sa.Integer(), nullable=False),
        sa.Column("premium_credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("cover_to", sa.Date(), nullable=True),
        sa.Column("suspended_on", sa.Date(), nullable=True),
        sa.Column("last_run_day", sa.Date(), nullable=True),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        _fk("life_policies", "import_id", "import_batches"),
        _fk("life_policies", "insured_id", "persons"),
        _fk("life_policies", "policyholder_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_policies")),
        sa.UniqueConstraint("policy_no", name=op.f("uq_life_policies_policy_no")),
    )
    op.create_index(
        "ix_life_policies_status_last_run_day", "life_policies", ["status", "last_run_day"], unique=False
    )
    op.create_table(
        "policy_loans",
        sa.Column("id", _ID, nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("maturity", sa.Date(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        _fk("policy_loans", "policy_id", "life_policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_loans")),
        sa.UniqueConstraint("policy_id", name=op.f("uq_policy_loans_policy_id")),
    )
    op.create_table(
        "policy_beneficiaries",
        sa.Column("id", _ID, nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("order_no", sa.Integer(), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        _fk("policy_beneficiaries", "person_id", "persons"),
        _fk("policy_beneficiaries", "policy_id", "life_policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_beneficiaries")),
    )
    op.create_index(
        op.f("ix_policy_beneficiaries_policy_id"), "policy_beneficiaries", ["policy_id"], unique=False
    )
    op.create_table(
        "policy_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("status_from", sa.String(length=16), nullable=True),
        sa.Column("status_to", sa.String(length=16), nullable=True),
        sa.Column("debit", sa.String(length=40), nullable=True),
        sa.Column("credit", sa.String(length=40), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        _fk("policy_events", "policy_id", "life_policies"),
        _fk("policy_events", "run_id", "adjudication_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_events")),
    )
    op.create_index("ix_policy_events_policy_id_day", "policy_events", ["policy_id", "day"], unique=False)
    op.create_table(
        "policy_status_changes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status_from", sa.String(length=16), nullable=True),
        sa.Column("status_to", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("run_id", _ID, nullable=True),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        _fk("policy_status_changes", "import_id", "import_batches"),
        _fk("policy_status_changes", "policy_id", "life_policies"),
        _fk("policy_status_changes", "run_id", "adjudication_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_status_changes")),
    )
    op.create_index(
        "ix_policy_status_changes_policy_id_day", "policy_status_changes", ["policy_id", "day"], unique=False
    )
    for table in _APPEND_ONLY:
        _append_only(table)


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE, as for claims (0004), care bills (0006) and the ledger (0001)."""
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
    for table in _APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}" + (f" ON {table}" if postgres else ""))
    op.drop_index("ix_policy_status_changes_policy_id_day", table_name="policy_status_changes")
    op.drop_table("policy_status_changes")
    op.drop_index("ix_policy_events_policy_id_day", table_name="policy_events")
    op.drop_table("policy_events")
    op.drop_index(op.f("ix_policy_beneficiaries_policy_id"), table_name="policy_beneficiaries")
    op.drop_table("policy_beneficiaries")
    op.drop_table("policy_loans")
    op.drop_index("ix_life_policies_status_last_run_day", table_name="life_policies")
    op.drop_table("life_policies")
