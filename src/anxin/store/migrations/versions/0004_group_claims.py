"""group-cover claims and their result lines; units per enrolment; payments of claim results

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", _ID, nullable=False),
        sa.Column("claim_no", sa.String(length=40), nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("program_code", sa.String(length=64), nullable=False),
        sa.Column("claim_type", sa.String(length=24), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("accident_on", sa.Date(), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=True),
        sa.Column("discharged_on", sa.Date(), nullable=True),
        sa.Column("grades", sa.String(length=40), nullable=False),
        sa.Column("expense_fen", sa.BigInteger(), nullable=False),
        sa.Column("disease_code", sa.String(length=40), nullable=False),
        sa.Column("basic_insurance", sa.Boolean(), nullable=False),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["import_batches.id"], name=op.f("fk_claims_import_id_import_batches")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_claims_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("claim_no", name=op.f("uq_claims_claim_no")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_program_person", ["program_code", "person_id"], unique=False)
    op.create_table(
        "claim_results",
        sa.Column("id", _ID, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("claim_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("program_code", sa.String(length=64), nullable=False),
        sa.Column("policy_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("review_reason", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("param_hash", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_results_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_claim_results_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["adjudication_runs.id"], name=op.f("fk_claim_results_run_id_adjudication_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_results")),
        sa.UniqueConstraint(
            "program_code", "claim_id", "run_id", name=op.f("uq_claim_results_program_code_claim_id_run_id")
        ),
    )
    with op.batch_alter_table("claim_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claim_results_program_person", ["program_code", "person_id", "policy_year"], unique=False
        )
        batch_op.create_index("ix_claim_results_status", ["status"], unique=False)
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("units", sa.Integer(), nullable=True))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_result_id", _ID, nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_payments_claim_result_id"), ["claim_result_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_claim_result_id_claim_results"),
            "claim_results",
            ["claim_result_id"],
            ["id"],
        )
    _append_only("claims")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE, as for the audit log and the ledger (0001): a claim once imported
    stays as it came; a correction is a new claim."""
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
        op.execute(f"DROP TRIGGER IF EXISTS claims_no_{verb}" + (" ON claims" if postgres else ""))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_claim_result_id_claim_results"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_payments_claim_result_id"), type_="unique")
        batch_op.drop_column("claim_result_id")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("units")
    with op.batch_alter_table("claim_results", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_results_status")
        batch_op.drop_index("ix_claim_results_program_person")
    op.drop_table("claim_results")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_program_person")
    op.drop_table("claims")
