"""The double-entry ledger behind payments: journals that always balance, never edited.

Accounts, per program and payee (``fund`` = the medical-insurance fund account that advances the
one-stop settlement, ``person`` = the insured person):

- ``claims_expense:{program}``: what the program has spent on claims (expense, debit balance);
- ``claims_payable:{program}:{payee}``: what is owed to a payee and not yet transferred (liability);
- ``claims_recoverable:{program}:{payee}``: what a payee owes back after a downward correction (asset);
- ``bank``: the program's bank account (asset).

A payment batch posts two journals. ``PB{id}-accrue`` recognises its lines: payouts Dr expense /
Cr payable, recoveries (negative lines) Dr recoverable / Cr expense. ``PB{id}-transfer`` moves the
money: Dr payable / Cr bank for the payouts; for the fund, which settles by the net amount, the
recoveries are set off in the same transfer (Dr bank / Cr recoverable); a person's recovery stays
recoverable until collected. So ``claims_expense`` always equals the net of every payment made,
and ``bank`` the net money that left. A reversal posts the mirror image of what the reversed
payment posted, as one new journal ``RV{id}``.

Entries hold non-negative amounts (a CHECK constraint): the sign is the side.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.errors import AnxinError
from anxin.store.database import Database
from anxin.store.schema import LedgerEntry

BANK = "bank"
PAYEES = ("fund", "person")


class LedgerUnbalanced(AnxinError):
    code = "ledger_unbalanced"


@dataclass(frozen=True)
class Posting:
    """One side of an entry: an account and a signed amount (positive = debit, negative = credit)."""

    account: str
    amount_fen: int
    memo: str

    @property
    def debit_fen(self) -> int:
        return max(self.amount_fen, 0)

    @property
    def credit_fen(self) -> int:
        return max(-self.amount_fen, 0)


def expense_account(program: str) -> str:
    return f"claims_expense:{program}"


def payable_account(program: str, payee: str) -> str:
    return f"claims_payable:{program}:{payee}"


def recoverable_account(program: str, payee: str) -> str:
    return f"claims_recoverable:{program}:{payee}"


def accrual_postings(program: str, payee: str, payouts_fen: int, recoveries_fen: int) -> list[Posting]:
    """Recognise a batch's lines: payouts owed to the payee, recoveries owed by the payee."""
    postings: list[Posting] = []
    if payouts_fen:
        postings += [
            Posting(expense_account(program), payouts_fen, "赔款计提 payouts accrued"),
            Posting(payable_account(program, payee), -payouts_fen, "赔款计提 payouts accrued"),
        ]
    if recoveries_fen:
        postings += [
            Posting(recoverable_account(program, payee), recoveries_fen, "应追回 recoveries due"),
            Posting(expense_account(program), -recoveries_fen, "应追回 recoveries due"),
        ]
    return postings


def transfer_postings(program: str, payee: str, payouts_fen: int, recoveries_fen: int) -> list[Posting]:
    """Move the money: payouts leave the bank; the fund's recoveries are set off in the same transfer."""
    postings: list[Posting] = []
    if payouts_fen:
        postings += [
            Posting(payable_account(program, payee), payouts_fen, "赔款划拨 payouts transferred"),
            Posting(BANK, -payouts_fen, "赔款划拨 payouts transferred"),
        ]
    if recoveries_fen and payee == "fund":
        postings += [
            Posting(BANK, recoveries_fen, "追回抵扣 recoveries set off"),
            Posting(recoverable_account(program, payee), -recoveries_fen, "追回抵扣 recoveries set off"),
        ]
    return postings


def payment_postings(program: str, payee: str, amount_fen: int) -> list[Posting]:
    """Everything one payment of ``amount_fen`` posted (accrual and transfer)."""
    payouts, recoveries = max(amount_fen, 0), max(-amount_fen, 0)
    return accrual_postings(program, payee, payouts, recoveries) + transfer_postings(
        program, payee, payouts, recoveries
    )


def mirror(postings: list[Posting], memo: str) -> list[Posting]:
    """The opposite of ``postings``: every debit becomes a credit and back."""
    return [Posting(p.account, -p.amount_fen, f"{memo}：{p.memo}") for p in postings]


def post(session: Session, journal: str, postings: list[Posting], *, reference: str) -> None:
    """Add one journal to ``session``; refuses one whose debits and credits differ."""
    if not postings:
        return
    total = sum(p.amount_fen for p in postings)
    if total != 0:
        raise LedgerUnbalanced(
            f"凭证 {journal} 借贷不平（差 {total} 分），未记账",
            f"journal {journal} does not balance (off by {total} fen); nothing posted",
        )
    session.add_all(
        LedgerEntry(
            journal=journal,
            account=p.account,
            debit_fen=p.debit_fen,
            credit_fen=p.credit_fen,
            reference=reference,
            memo=p.memo[:200],
        )
        for p in postings
        if p.amount_fen
    )


def trial_balance(db: Database) -> dict[str, int]:
    """Every account's balance in fen (debits minus credits), summed in the database."""
    statement = (
        sa.select(
            LedgerEntry.account,
            sa.func.sum(LedgerEntry.debit_fen) - sa.func.sum(LedgerEntry.credit_fen),
        )
        .group_by(LedgerEntry.account)
        .order_by(LedgerEntry.account)
    )
    with db.session() as session:
        return {account: int(balance or 0) for account, balance in session.execute(statement)}


def unbalanced_journals(session: Session) -> dict[str, int]:
    """Journals whose debits differ from their credits, with the difference in fen (none, normally)."""
    difference = sa.func.sum(LedgerEntry.debit_fen) - sa.func.sum(LedgerEntry.credit_fen)
    statement = (
        sa.select(LedgerEntry.journal, difference)
        .group_by(LedgerEntry.journal)
        .having(difference != 0)
        .order_by(LedgerEntry.journal)
    )
    return {journal: int(off) for journal, off in session.execute(statement)}


def assert_balanced(db: Database) -> None:
    """Raise :class:`LedgerUnbalanced` naming every journal whose debits differ from its credits."""
    with db.session() as session:
        wrong = unbalanced_journals(session)
    if wrong:
        listed = ", ".join(f"{journal} ({off:+d})" for journal, off in list(wrong.items())[:10])
        raise LedgerUnbalanced(
            f"{len(wrong)} 张凭证借贷不平：{listed}", f"{len(wrong)} journal(s) do not balance: {listed}"
        )
