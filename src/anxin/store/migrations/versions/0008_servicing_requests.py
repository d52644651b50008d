"""servicing requests (保全申请) and new-policy callback tasks (回访); policy events and status changes
may come from a request

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_NOW = sa.DateTime(timezone=True)
_CONFIRMATIONS = (
    "right_person", "signed_in_person", "read_brochure_and_risk_notice", "understands_cover",
    "knows_surrender_losses", "knows_cooling_off_rights", "knows_payment_schedule",
)  # fmt: skip


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "servicing_requests",
        sa.Column("id", _ID, nullable=False),
        sa.Column("request_no", sa.String(length=40), nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("refusal_code", sa.String(length=40), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        _fk("servicing_requests", "policy_id", "life_policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_servicing_requests")),
        sa.UniqueConstraint("request_no", name=op.f("uq_servicing_requests_request_no")),
    )
    op.create_index(
        op.f("ix_servicing_requests_policy_id"), "servicing_requests", ["policy_id"], unique=False
    )
    op.create_index(
        "ix_servicing_requests_day_channel", "servicing_requests", ["day", "channel"], unique=False
    )
    op.create_table(
        "callback_tasks",
        sa.Column("id", _ID, nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Boolean(), nullable=False) for name in _CONFIRMATIONS),
        sa.Column("closed_reason", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        _fk("callback_tasks", "policy_id", "life_policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
        sa.UniqueConstraint("policy_id", name=op.f("uq_callback_tasks_policy_id")),
    )
    op.create_index("ix_callback_tasks_status_due_on", "callback_tasks", ["status", "due_on"], unique=False)
    if _postgres():
        op.alter_column("policy_events", "run_id", existing_type=_ID, nullable=True)
        for table in ("policy_events", "policy_status_changes"):
            op.add_column(table, sa.Column("request_id", _ID, nullable=True))
            op.create_foreign_key(
                op.f(f"fk_{table}_request_id_servicing_requests"), table, "servicing_requests",
                ["request_id"], ["id"],
            )  # fmt: skip
        return
    # SQLite cannot relax NOT NULL in place: the table is rebuilt (its rows copied; dropping the old
    # table fires no row trigger), then its append-only triggers are made again.
    with op.batch_alter_table("policy_events", recreate="always") as batch:
        batch.alter_column("run_id", existing_type=_ID, nullable=True)
        batch.add_column(sa.Column("request_id", _ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_policy_events_request_id_servicing_requests"),
            "servicing_requests",
            ["request_id"],
            ["id"],
        )
    _sqlite_append_only("policy_events")
    with op.batch_alter_table("policy_status_changes", recreate="always") as batch:
        batch.add_column(sa.Column("request_id", _ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_policy_status_changes_request_id_servicing_requests"), "servicing_requests",
            ["request_id"], ["id"],
        )  # fmt: skip
    _sqlite_append_only("policy_status_changes")


def _sqlite_append_only(table: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}")
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only / 只能追加，不能修改或删除'); END"
        )


def downgrade() -> None:
    if _postgres():
        for table in ("policy_status_changes", "policy_events"):
            op.drop_constraint(op.f(f"fk_{table}_request_id_servicing_requests"), table, type_="foreignkey")
            op.drop_column(table, "request_id")
        op.alter_column("policy_events", "run_id", existing_type=_ID, nullable=False)
    else:
        for table in ("policy_status_changes", "policy_events"):
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.drop_constraint(op.f(f"fk_{table}_request_id_servicing_requests"), type_="foreignkey")
                batch.drop_column("request_id")
                if table == "policy_events":
                    batch.alter_column("run_id", existing_type=_ID, nullable=False)
            _sqlite_append_only(table)
    op.drop_index("ix_callback_tasks_status_due_on", table_name="callback_tasks")
    op.drop_table("callback_tasks")
    op.drop_index("ix_servicing_requests_day_channel", table_name="servicing_requests")
    op.drop_index(op.f("ix_servicing_requests_policy_id"), table_name="servicing_requests")
    op.drop_table("servicing_requests")
