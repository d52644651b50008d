"""Payments, the ledger and reconciliation, on SQLite and PostgreSQL.

The persons, settlements and result lines are made directly with the models (:class:`Books`), so
these tests do not depend on the import and adjudication services.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import polars as pl
import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from anxin.cli import payments_cli
from anxin.domain.identity import check_character, mask
from anxin.domain.money import parse_yuan
from anxin.services import ledger
from anxin.services.payments import PaymentError, pay, reverse_payment
from anxin.services.reconciliation import export_reconciliation, reconcile
from anxin.store.schema import (
    Adjudication,
    AdjudicationRun,
    AuditEntry,
    Enrollment,
    LedgerEntry,
    Payment,
    PaymentBatch,
    Person,
    Settlement,
)
from anxin.store.tabular import read_table
from tests.conftest import TEST_KEY

PROGRAM = "taian-ci"


class Books:
    """Persons, settlements and result lines written straight into the database."""

    def __init__(self, database) -> None:  # type: ignore[no-untyped-def]
        self.db = database
        self.session = database.session()
        self.persons = self.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0
        self.masked: dict[int, str] = {}
        self.due: dict[tuple[str, int], int] = {}

    def person(self, *enrolled: tuple[str, int]) -> int:
        self.persons += 1
        first17 = f"11010519491231{self.persons:03d}"
        number = first17 + check_character(first17)
        protector = self.db.protector
        person = Person(
            id_hash=protector.lookup_hash(number),
            id_cipher=protector.encrypt(number),
            id_masked=mask(number),
            sex="female",
            birth_date=dt.date(1949, 12, 31),
        )
        self.session.add(person)
        self.session.flush()
        for program, year in enrolled:
            self.session.add(
                Enrollment(
                    person_id=person.id,
                    program_code=program,
                    year=year,
                    funder="government",
                    covered_from=dt.date(year, 1, 1),
                    covered_to=dt.date(year, 12, 31),
                )
            )
        self.masked[person.id] = person.id_masked
        return person.id

    def settlement(
        self,
        setl_id: str,
        person: int,
        *,
        base: int = 100_000,
        hifmi: int | None = None,
        at: dt.datetime = dt.datetime(2023, 6, 1, 10, 0),
        hosp_lv: str = "3",
        admdvs: str = "370902",
        idet: str | None = None,
    ) -> int:
        settlement = Settlement(
            setl_id=setl_id,
            person_id=person,
            setl_time=at,
            begndate=at.date() - dt.timedelta(days=5),
            enddate=at.date(),
            base_fen=base,
            hifmi_fen=hifmi,
            hosp_lv=hosp_lv,
            insuplc_admdvs=admdvs,
            psn_idet_type=idet,
        )
        self.session.add(settlement)
        self.session.flush()
        return settlement.id

    def line(
        self,
        settlement: int,
        person: int,
        amount: int,
        *,
        status: str = "approved",
        kind: str = "payout",
        program: str = PROGRAM,
        year: int = 2023,
    ) -> int:
        run = AdjudicationRun(program_code=program, year=year, mode="incremental", status="completed")
        self.session.add(run)
        self.session.flush()
        due = self.due.get((program, settlement), 0) + amount
        self.due[(program, settlement)] = due
        line = Adjudication(
            run_id=run.id,
            settlement_id=settlement,
            person_id=person,
            program_code=program,
            program_year=year,
            kind=kind,
            version="test",
            param_hash="0" * 16,
            base_fen=0,
            ytd_before_fen=0,
            ytd_after_fen=0,
            deductible_fen=0,
            deductible_applied_fen=0,
            bands="[]",
            gross_e4=0,
            cap_cut_fen=0,
            due_fen=due,
            amount_fen=amount,
            status=status,
        )
        self.session.add(line)
        self.session.flush()
        return line.id

    def commit(self) -> None:
        self.session.commit()
        self.session.close()


def standard_books(database) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Lines of every kind: approved, a recovery, in review, rejected, zero, another program."""
    books = Books(database)
    p1, p2, p3, p4 = (books.person((PROGRAM, 2023)) for _ in range(4))
    s1 = books.settlement("S1", p1, hifmi=80_000)
    s2 = books.settlement("S2", p2, hifmi=50_001)
    s3 = books.settlement("S3", p3, hifmi=None)
    s4 = books.settlement("S4", p4, hifmi=30_000)
    s5 = books.settlement("S5", p1, hifmi=0)
    books.settlement("S6", p2, hifmi=9_900, at=dt.datetime(2023, 11, 2, 9, 30))  # never adjudicated
    books.settlement("S7", p3, hifmi=7_700, at=dt.datetime(2022, 11, 2, 9, 30))  # another year
    outsider = books.person(("weihai-ci", 2023))
    books.settlement("S8", outsider, hifmi=500)  # not enrolled in the program
    ids = {
        "L1": books.line(s1, p1, 100_000),
        "L2": books.line(s2, p2, 50_000),
        "L3": books.line(s3, p3, 70_000, status="review"),
        "L4": books.line(s4, p4, 30_000, status="rejected"),
        "L5": books.line(s1, p1, -20_000, kind="adjustment"),
        "L6": books.line(s5, p1, 0),
        "L7": books.line(s1, p1, 12_345, program="weihai-ci"),
    }
    books.commit()
    return ids


def paid_lines(database) -> list[int]:  # type: ignore[no-untyped-def]
    with database.session() as session:
        return sorted(
            session.scalars(sa.select(Payment.adjudication_id).where(Payment.adjudication_id.is_not(None)))
        )


def test_a_batch_pays_each_approved_line_exactly_once(database):
    ids = standard_books(database)
    summary = pay(database, PROGRAM, actor="clerk")
    assert (summary.payments, summary.payouts, summary.recoveries) == (3, 2, 1)
    assert (summary.payouts_fen, summary.recoveries_fen, summary.total_fen) == (150_000, 20_000, 130_000)
    assert paid_lines(database) == sorted([ids["L1"], ids["L2"], ids["L5"]])  # not review, rejected, 0

    again = pay(database, PROGRAM, actor="clerk")
    assert again.batch_id is None and again.payments == 0
    assert paid_lines(database) == sorted([ids["L1"], ids["L2"], ids["L5"]])

    with database.session() as session:
        recovery = session.scalar(sa.select(Payment).where(Payment.adjudication_id == ids["L5"]))
        assert recovery.amount_fen == -20_000
        batch = session.get(PaymentBatch, summary.batch_id)
        assert (batch.payments, batch.total_fen, batch.payee, batch.actor) == (3, 130_000, "fund", "clerk")
        audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "pay_batch")).all()
        assert [entry.entity_id for entry in audit] == [str(summary.batch_id)]

    balances = ledger.trial_balance(database)
    assert balances == {
        "bank": -130_000,
        "claims_expense:taian-ci": 130_000,
        "claims_payable:taian-ci:fund": 0,
        "claims_recoverable:taian-ci:fund": 0,
    }
    ledger.assert_balanced(database)


def test_idempotency_key_returns_the_same_batch(database):
    standard_books(database)
    first = pay(database, PROGRAM, actor="clerk", idempotency_key="2023-12-batch-1")
    books = Books(database)
    person = books.person((PROGRAM, 2023))
    late = books.line(books.settlement("S9", person), person, 5_000)
    books.commit()
    replay = pay(database, PROGRAM, actor="clerk", idempotency_key="2023-12-batch-1")
    assert replay.replayed and replay.batch_id == first.batch_id
    assert (replay.payments, replay.total_fen) == (first.payments, first.total_fen) == (3, 130_000)
    assert late not in paid_lines(database)
    with pytest.raises(PaymentError, match="idempotency key"):
        pay(database, PROGRAM, payee="person", actor="clerk", idempotency_key="2023-12-batch-1")
    later = pay(database, PROGRAM, actor="clerk", idempotency_key="2023-12-batch-2")
    assert (later.payments, later.total_fen) == (1, 5_000)
    empty = pay(database, PROGRAM, actor="clerk", idempotency_key="2023-12-batch-3")
    assert empty.batch_id is not None and empty.payments == 0
    assert pay(database, PROGRAM, actor="clerk", idempotency_key="2023-12-batch-3").batch_id == empty.batch_id


def test_persons_recoveries_stay_recoverable_and_limit_splits_batches(database):
    standard_books(database)
    first = pay(database, PROGRAM, payee="person", actor="clerk", limit=2)
    second = pay(database, PROGRAM, payee="person", actor="clerk", limit=2)
    assert (first.payments, second.payments) == (2, 1)
    assert pay(database, PROGRAM, payee="person", actor="clerk").payments == 0
    assert ledger.trial_balance(database) == {
        "bank": -150_000,
        "claims_expense:taian-ci": 130_000,
        "claims_payable:taian-ci:person": 0,
        "claims_recoverable:taian-ci:person": 20_000,
    }
    ledger.assert_balanced(database)


def test_reversal_posts_the_opposite_journal_and_never_edits(database):
    ids = standard_books(database)
    pay(database, PROGRAM, actor="clerk")
    with database.session() as session:
        original = session.scalar(sa.select(Payment).where(Payment.adjudication_id == ids["L1"]))
        recovery = session.scalar(sa.select(Payment).where(Payment.adjudication_id == ids["L5"]))
        before = session.execute(
            sa.select(LedgerEntry.id, LedgerEntry.debit_fen, LedgerEntry.credit_fen)
        ).all()

    reversal = reverse_payment(
        database, original.id, actor="auditor", reason="重复结算 duplicate 11010519491231002X"
    )
    assert (reversal.reverses_payment_id, reversal.amount_fen) == (original.id, -100_000)
    with database.session() as session:
        entries = session.execute(
            sa.select(LedgerEntry.account, LedgerEntry.debit_fen, LedgerEntry.credit_fen)
            .where(LedgerEntry.journal == reversal.journal)
            .order_by(LedgerEntry.id)
        ).all()
        assert sorted(entries) == sorted(
            [
                ("claims_expense:taian-ci", 0, 100_000),
                ("claims_payable:taian-ci:fund", 100_000, 0),
                ("claims_payable:taian-ci:fund", 0, 100_000),
                ("bank", 100_000, 0),
            ]
        )
        unchanged = session.execute(
            sa.select(LedgerEntry.id, LedgerEntry.debit_fen, LedgerEntry.credit_fen).where(
                LedgerEntry.id.in_([row.id for row in before])
            )
        ).all()
        assert sorted(unchanged) == sorted(before)
        new = session.get(Payment, reversal.payment_id)
        assert (new.adjudication_id, new.reverses_payment_id, new.amount_fen) == (None, original.id, -100_000)
        assert session.get(Payment, original.id).amount_fen == 100_000
        audit = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reverse_payment"))
        assert "11010519491231002X" not in audit.detail and "duplicate" in audit.detail

    undone = reverse_payment(database, recovery.id, actor="auditor", reason="追回有误 wrong recovery")
    assert undone.amount_fen == 20_000
    balances = ledger.trial_balance(database)
    with database.session() as session:
        net = session.scalar(sa.select(sa.func.sum(Payment.amount_fen)))
    assert net == 50_000 == balances["claims_expense:taian-ci"] == -balances["bank"]
    ledger.assert_balanced(database)

    with pytest.raises(PaymentError, match="already reversed"):
        reverse_payment(database, original.id, actor="auditor", reason="again")
    with pytest.raises(PaymentError, match="is a reversal"):
        reverse_payment(database, reversal.payment_id, actor="auditor", reason="undo")
    with pytest.raises(PaymentError, match="no payment"):
        reverse_payment(database, 999_999, actor="auditor", reason="missing")
    assert ids["L1"] in paid_lines(database) and pay(database, PROGRAM, actor="clerk").payments == 0


def test_an_unbalanced_journal_is_refused_and_detected(database):
    with pytest.raises(ledger.LedgerUnbalanced), database.session() as session:
        ledger.post(session, "X1", [ledger.Posting("bank", 5, "")], reference="test")
    with database.session() as session, session.begin():
        session.add(LedgerEntry(journal="X2", account="bank", debit_fen=7, credit_fen=0))
    with pytest.raises(ledger.LedgerUnbalanced, match="X2"):
        ledger.assert_balanced(database)


def test_concurrent_batches_never_pay_a_line_twice(database):
    books = Books(database)
    lines = []
    for i in range(12):
        person = books.person((PROGRAM, 2023))
        for j in range(10):
            lines.append(books.line(books.settlement(f"C{i:02d}-{j}", person), person, 1_000 + j))
    books.commit()
    results, keyed, failures = [], [], []

    def worker(key: str) -> None:
        try:
            while (summary := pay(database, PROGRAM, actor="worker", limit=15)).payments:
                results.append(summary)
            keyed.append(pay(database, PROGRAM, actor="worker", idempotency_key=key))
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=("same-key",)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert paid_lines(database) == sorted(lines)
    assert len({s.batch_id for s in keyed}) == 1 and sum(not s.replayed for s in keyed) == 1
    made = [s for s in results + keyed if not s.replayed]
    assert sum(s.payments for s in made) == len(lines)
    total = sum(1_000 + j for _ in range(12) for j in range(10))
    assert ledger.trial_balance(database)["claims_expense:taian-ci"] == total
    ledger.assert_balanced(database)


def test_reconciliation_finds_the_planted_differences(database, tmp_path):
    standard_books(database)
    report = reconcile(database, PROGRAM, 2023)
    assert (report.settlements, report.compared, report.matched, report.differing) == (5, 4, 3, 1)
    assert (report.bureau_missing, report.not_adjudicated) == (1, 1)
    # ours: S1 100,000 − 20,000; S2 50,000; S3 70,000 (review); S4 30,000 (rejected); S5 0
    assert report.ours_fen == 80_000 + 50_000 + 70_000 + 30_000 + 0
    assert report.bureau_fen == 80_000 + 50_001 + 30_000 + 0 + 9_900
    assert report.difference_fen == 1 + 9_900
    with database.session() as session:
        masked = dict(session.execute(sa.select(Settlement.setl_id, Person.id_masked).join(Person)).all())
    assert report.differences.rows() == [
        ("S2", masked["S2"], 50_000, 50_001, 1, "differs"),
        ("S3", masked["S3"], 70_000, None, None, "bureau_missing"),
        ("S6", masked["S6"], None, 9_900, 9_900, "not_adjudicated"),
    ]

    for suffix in ("csv", "xlsx"):
        written = export_reconciliation(database, report, tmp_path / f"diff.{suffix}", actor="clerk")
        frame = read_table(written[0])
        assert frame.columns[:3] == ["结算ID", "参保人（脱敏）", "我方应赔(元)"]
        assert frame["结算ID"].to_list() == ["S2", "S3", "S6"]
        assert [parse_yuan(v) if v else None for v in frame["差额(元)（医保−我方）"].to_list()] == [
            1,
            None,
            9_900,
        ]
        assert [parse_yuan(v) if v else None for v in frame["医保大病保险支付(元)"].to_list()] == [
            50_001,
            None,
            9_900,
        ]
    assert (tmp_path / "diff_summary.csv").exists()
    summary = pl.read_excel(tmp_path / "diff.xlsx", sheet_name="汇总", infer_schema_length=0)
    assert dict(summary.select("指标", "数值").rows())["差额合计（医保−我方） difference"] == "99.01"
    with database.session() as session:
        exports = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "reconciliation")).all()
    assert len(exports) == 2


def test_cli_pays_reverses_reconciles_and_balances(database, tmp_path):
    ids = standard_books(database)
    cli = typer.Typer()
    cli.add_typer(payments_cli.app, name="pay")
    env = {"ANXIN_DATABASE_URL": database.settings.database_url, "ANXIN_SECRET_KEY": TEST_KEY}
    runner = CliRunner()

    result = runner.invoke(cli, ["pay", "batch", "-p", PROGRAM, "--key", "k1", "--actor", "clerk"], env=env)
    assert result.exit_code == 0, result.output
    assert "1,300.00" in result.output and "PB1-accrue" in result.output
    result = runner.invoke(cli, ["pay", "batch", "-p", PROGRAM, "--actor", "clerk"], env=env)
    assert result.exit_code == 0 and "nothing to pay" in result.output
    with database.session() as session:
        paid = session.scalar(sa.select(Payment.id).where(Payment.adjudication_id == ids["L2"]))
    result = runner.invoke(cli, ["pay", "reverse", str(paid), "--reason", "退回 returned"], env=env)
    assert result.exit_code == 0, result.output
    assert "-500.00" in result.output
    result = runner.invoke(cli, ["pay", "reverse", str(paid), "--reason", "again"], env=env)
    assert result.exit_code == 2 and "already reversed" in result.output

    out = tmp_path / "diff.xlsx"
    args = ["pay", "reconcile", "--program", PROGRAM, "--year", "2023", "--out", str(out), "--actor", "clerk"]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert out.exists() and "S6" in result.output

    result = runner.invoke(cli, ["pay", "ledger"], env=env)
    assert result.exit_code == 0, result.output
    assert "claims_expense:taian-ci" in result.output and "800.00" in result.output
    assert Decimal(ledger.trial_balance(database)["claims_expense:taian-ci"]) / 100 == Decimal("800.00")
