"""The program office's year on each database: import → adjudicate → pay → reconcile → report.

Runs on SQLite and on PostgreSQL (CI). Also checks that no resident ID number is readable anywhere
in the database, the logs or the output.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from anxin.services.adjudication import adjudicate
from anxin.services.demo import with_bureau_payouts
from anxin.services.imports import import_persons, import_settlements
from anxin.services.ledger import assert_balanced, trial_balance
from anxin.services.payments import pay
from anxin.services.reconciliation import reconcile
from anxin.services.reports import program_year_report, summary_zh
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, Base, Payment
from anxin.synth import generate_province, write_province

PROGRAM = resolve_program("taian-ci")


def _counts(db) -> dict[str, int]:
    with db.engine.connect() as c:
        return {
            t.name: c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name != "audit_log"
        }


def _all_text(db) -> str:
    """Every stored value of every table as text (the database's own view of its contents)."""
    parts = []
    with db.engine.connect() as c:
        for table in Base.metadata.sorted_tables:
            for row in c.execute(sa.select(table)):
                parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def test_a_program_year_end_to_end(database, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    province = generate_province(persons=800, seed=21, year=2023)
    paths = write_province(province, tmp_path, fmt="parquet")
    settlements = with_bureau_payouts(paths["settlements"], PROGRAM, seed=21)

    people = import_persons(database, paths["persons"], program_code=PROGRAM.code, year=2023, actor="clerk")
    claims = import_settlements(database, settlements, actor="clerk")
    assert (people.inserted, claims.inserted) == (800, province.settlements.height)

    before = _counts(database)
    again_people = import_persons(
        database, paths["persons"], program_code=PROGRAM.code, year=2023, actor="clerk"
    )
    again_claims = import_settlements(database, settlements, actor="clerk")
    assert again_people.already_imported and again_claims.already_imported
    assert _counts(database) == before  # importing the same files twice changes nothing

    run = adjudicate(database, PROGRAM, actor="adjuster")
    assert run.payout_lines == province.settlements.height
    batch = pay(database, PROGRAM.code, payee="fund", actor="finance")
    assert pay(database, PROGRAM.code, payee="fund", actor="finance").payments == 0

    with database.engine.connect() as c:
        approved = c.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Adjudication.amount_fen), 0)).where(
                Adjudication.status == "approved", Adjudication.amount_fen != 0
            )
        ).scalar_one()
        paid = c.execute(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_fen), 0))).scalar_one()
        review = c.execute(sa.select(sa.func.count()).where(Adjudication.status == "review")).scalar_one()
    assert paid == approved == batch.total_fen > 0
    assert_balanced(database)
    assert trial_balance(database)[f"claims_expense:{PROGRAM.code}"] == paid

    report = program_year_report(database, PROGRAM.code, 2023)
    assert report.insured == 800 and report.paid_fen > 0
    assert sum(share.paid_fen for share in report.by_city) == report.paid_fen
    assert "2023年度，泰安市城乡居民大病保险参保800人" in summary_zh(report)

    reconciliation = reconcile(database, PROGRAM.code, 2023)
    assert reconciliation.differing == review  # the bureau's off figures are exactly those held for review

    # No resident ID number is readable in the database, the logs, or anything shown.
    numbers = province.persons["certno"].to_list()
    stored = _all_text(database)
    if database.dialect == "sqlite":  # the file's raw bytes, write-ahead log included
        database.dispose()
        for path in tmp_path.glob("anxin.db*"):
            stored += path.read_bytes().decode("latin-1")
    shown = caplog.text + summary_zh(report) + str(reconciliation.differences.to_dicts())
    leaked = [n for n in numbers if n in stored or n in shown or n[:-1] in stored]
    assert not leaked, f"{len(leaked)} ID numbers readable"
