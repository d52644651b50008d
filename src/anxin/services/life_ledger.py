"""The life policies' ledger (保全台账) as a trial balance: every account's debits, credits and balance
over the ``policy_events`` postings up to a day, summed in the database. Each posting has both sides,
so the balances add up to zero: servicing never creates or loses money."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.life.events import Account
from anxin.store.database import Database
from anxin.store.schema import PolicyEvent


@dataclass(frozen=True)
class AccountBalance:
    account: str
    label_zh: str
    debit_fen: int
    credit_fen: int

    @property
    def balance_fen(self) -> int:
        """Debits less credits."""
        return self.debit_fen - self.credit_fen


def trial_balance(db: Database, *, upto: dt.date | None = None) -> list[AccountBalance]:
    """Every account the postings touch, in the order of :class:`Account`."""
    e = PolicyEvent
    when = e.day <= upto if upto is not None else sa.true()
    found: dict[str, list[int]] = {}
    with db.engine.connect() as connection:
        for side, column in (("debit", e.debit), ("credit", e.credit)):
            rows = connection.execute(
                sa.select(column, sa.func.sum(e.amount_fen)).where(when, column.is_not(None)).group_by(column)
            ).all()  # fmt: skip
            for account, fen in rows:
                found.setdefault(account, [0, 0])[0 if side == "debit" else 1] += int(fen or 0)
    order = [a.value for a in Account]
    return [
        AccountBalance(name, Account(name).label_zh if name in order else name, *found[name])
        for name in sorted(found, key=lambda n: (order.index(n) if n in order else len(order), n))
    ]
