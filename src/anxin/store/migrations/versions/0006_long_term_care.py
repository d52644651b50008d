"""long-term care: disability assessments, care providers, care bills and their result lines;
payments of care bill results

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: Registers that stay as they came: a correction is a new assessment, or a bill replacing a bill.
_APPEND_ONLY = ("care_assessments", "care_bills")


def _import_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["import_id"], ["import_batches.id"], name=op.f(f"fk_{table}_import_id_import_batches")
    )


def _person_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f(f"fk_{table}_person_id_persons"))


def upgrade() -> None:
    op.create_table(
        "care_providers",
        sa.Column("id", _ID, nullable=False),
        sa.Column("provider_code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider_type", sa.String(length=24), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("service_types", sa.String(length=200), nullable=False),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _import_fk("care_providers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_providers")),
        sa.UniqueConstraint("provider_code", name=op.f("uq_care_providers_provider_code")),
    )
    op.create_table(
        "care_assessments",
        sa.Column("id", _ID, nullable=False),
        sa.Column("assessment_no", sa.String(length=40), nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("barthel_score", sa.Integer(), nullable=True),
        sa.Column("adl_score", sa.Integer(), nullable=True),
        sa.Column("cognition_score", sa.Integer(), nullable=True),
        sa.Column("perception_score", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _import_fk("care_assessments"),
        _person_fk("care_assessments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_assessments")),
        sa.UniqueConstraint("assessment_no", name=op.f("uq_care_assessments_assessment_no")),
        sa.UniqueConstraint(
            "person_id",
            "method",
            "assessed_on",
            name=op.f("uq_care_assessments_person_id_method_assessed_on"),
        ),
    )
    op.create_table(
        "care_bills",
        sa.Column("id", _ID, nullable=False),
        sa.Column("bill_no", sa.String(length=40), nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("program_code", sa.String(length=64), nullable=False),
        sa.Column("provider_code", sa.String(length=40), nullable=False),
        sa.Column("service_type", sa.String(length=24), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service_from", sa.Date(), nullable=True),
        sa.Column("service_to", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("replaces_bill_no", sa.String(length=40), nullable=True),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _import_fk("care_bills"),
        _person_fk("care_bills"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_bills")),
        sa.UniqueConstraint("bill_no", name=op.f("uq_care_bills_bill_no")),
        sa.UniqueConstraint("replaces_bill_no", name=op.f("uq_care_bills_replaces_bill_no")),
    )
    op.create_index(
        "ix_care_bills_program_month_person",
        "care_bills",
        ["program_code", "month", "person_id"],
        unique=False,
    )
    op.create_table(
        "care_bill_results",
        sa.Column("id", _ID, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("bill_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("program_code", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("param_hash", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["care_bills.id"], name=op.f("fk_care_bill_results_bill_id_care_bills")
        ),
        _person_fk("care_bill_results"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["adjudication_runs.id"], name=op.f("fk_care_bill_results_run_id_adjudication_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_bill_results")),
        sa.UniqueConstraint(
            "program_code", "bill_id", "run_id", name=op.f("uq_care_bill_results_program_code_bill_id_run_id")
        ),
    )
    op.create_index(
        "ix_care_bill_results_program_month",
        "care_bill_results",
        ["program_code", "month", "person_id"],
        unique=False,
    )
    op.create_index("ix_care_bill_results_status", "care_bill_results", ["status"], unique=False)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("care_result_id", _ID, nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_payments_care_result_id"), ["care_result_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_care_result_id_care_bill_results"),
            "care_bill_results",
            ["care_result_id"],
            ["id"],
        )
    for table in _APPEND_ONLY:
        _append_only(table)


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE, as for claims (0004), the audit log and the ledger (0001)."""
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
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payments_care_result_id_care_bill_results"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_payments_care_result_id"), type_="unique")
        batch_op.drop_column("care_result_id")
    op.drop_index("ix_care_bill_results_status", table_name="care_bill_results")
    op.drop_index("ix_care_bill_results_program_month", table_name="care_bill_results")
    op.drop_table("care_bill_results")
    op.drop_index("ix_care_bills_program_month_person", table_name="care_bills")
    op.drop_table("care_bills")
    op.drop_table("care_assessments")
    op.drop_table("care_providers")
