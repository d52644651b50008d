"""Premium collection (收费) over a whole book at once: collected premiums applied to the servicing
run's policies frame, vectorized with Polars.

``review(policies, payments, products, day)`` says, for every payment (``policy_id``, ``due``,
``amount`` fen, ``paid_on``; :data:`PAYMENT_SCHEMA`), whether it can be applied and, if not, why (one
code of :data:`PROBLEMS`): the policy must be known and in a status that pays (in force, in grace,
in APL cover) with premiums left; the payment not made after ``day``; its due date the policy's next
unpaid due and its amount the premium owed (the premium less what a partial automatic premium loan
already paid towards it). A policy may pay several premiums in one file: its payments are taken in
order of due date, each must be the next after the one before, and once one is refused the policy's
later ones are too.

``collect(policies, payments, products, day) -> (policies, events)`` applies payments that
``review`` accepts, each with exactly the result of the domain rule
:func:`anxin.domain.life.servicing.pay_premium` on ``day``: one more premium paid, the APL credit and
cover cleared, back in force from grace or APL cover — or in grace again (``due_on`` the following
due date) when the following premium has already fallen due; ``status_since`` as the rule sets it.
Events are in the daily run's schema (:data:`anxin.engine.servicing_terms.EVENT_SCHEMA`): one
``premium_paid`` row per payment, posting ``cash`` → ``premium_income`` of the premium less the credit;
``status_to`` only where the status changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.life.events import Account as A
from anxin.domain.life.events import EventKind as E
from anxin.domain.life.policy import PolicyStatus as St
from anxin.domain.life.products import LifeProduct
from anxin.engine import servicing_terms as t
from anxin.engine.servicing_terms import EVENT_SCHEMA, POLICY_SCHEMA

c = pl.col
I64 = pl.Int64
PAYMENT_SCHEMA: dict[str, pl.DataType] = {
    "policy_id": pl.String(),
    "due": pl.Date(),
    "amount": I64,
    "paid_on": pl.Date(),
}
#: Why a payment is refused, in the order the checks apply (the first that applies is reported).
PROBLEMS = (
    "unknown_policy", "not_payable", "paid_in_future", "already_paid", "premiums_complete",
    "not_next_due", "wrong_amount", "earlier_refused",
)  # fmt: skip
_PAYING = [St.IN_FORCE.value, St.GRACE.value, St.APL_COVER.value]


def _terms(products: Iterable[LifeProduct]) -> pl.DataFrame:
    terms, _ = t.product_terms(products)
    return terms.select("product", "_months", "_count")


def review(
    policies: pl.DataFrame, payments: pl.DataFrame, products: Iterable[LifeProduct], day: dt.date
) -> pl.DataFrame:
    """The payments (in their order, every column kept) with ``problem`` (null when it can be applied),
    ``round`` (0 for a policy's first payment in the frame, 1 for its second …) and ``expected_due`` /
    ``expected_amount`` (what the policy owes at that round; null for an unknown policy)."""
    t.check_schema("payments", payments, PAYMENT_SCHEMA)
    products = list(products)
    unknown = set(policies.get_column("product").unique().to_list()) - {p.code for p in products}
    if unknown:
        raise InvalidInput(
            f"未知的产品代码：{sorted(unknown)}",
            f"unknown product codes: {sorted(unknown)}",
            code="unknown_product",
        )
    book = policies.select("policy_id", "product", "status", "premium", "premium_credit", "premiums_paid",
                           "issue_date").join(_terms(products), on="product", how="left")  # fmt: skip
    # a payment of a premium already paid takes no turn: the policy's other payments are numbered
    # from its next unpaid premium, in order of due date
    ranked = (
        payments.with_row_index("_order")
        .join(book, on="policy_id", how="left", maintain_order="left")
        .with_columns(_early=(c("due") < add_due(c("issue_date"), c("premiums_paid"), c("_months"))).fill_null(False))
        .sort("policy_id", "due", "_order", nulls_last=True)
        .with_columns(round=pl.int_range(pl.len(), dtype=I64).over("policy_id", "_early"))
        .lazy()
        .with_columns(
            expected_due=add_due(c("issue_date"), c("premiums_paid") + c("round"), c("_months")),
            expected_amount=c("premium") - pl.when(c("round") == 0).then(c("premium_credit")).otherwise(0),
        )
    )  # fmt: skip
    first = (
        pl.when(c("product").is_null()).then(pl.lit("unknown_policy"))
        .when(~c("status").is_in(_PAYING)).then(pl.lit("not_payable"))
        .when(c("paid_on") > pl.lit(day, pl.Date)).then(pl.lit("paid_in_future"))
        .when(c("_early")).then(pl.lit("already_paid"))
        .when(c("premiums_paid") + c("round") >= c("_count")).then(pl.lit("premiums_complete"))
        .when(c("due") != c("expected_due")).then(pl.lit("not_next_due"))
        .when(c("amount") != c("expected_amount")).then(pl.lit("wrong_amount"))
    )  # fmt: skip
    reviewed = (
        ranked.with_columns(problem=first)
        .with_columns(
            _refused_before=c("problem").is_not_null().cast(I64).cum_sum().over("policy_id", "_early")
            - c("problem").is_not_null().cast(I64)
        )
        .with_columns(
            problem=pl.when(c("problem").is_null() & (c("_refused_before") > 0))
            .then(pl.lit("earlier_refused"))
            .otherwise(c("problem"))
        )
        .sort("_order")
        .collect()
    )
    return reviewed.select(*payments.columns, "round", "expected_due", "expected_amount", "problem")


def add_due(issue: pl.Expr, paid: pl.Expr, months: pl.Expr) -> pl.Expr:
    """The due date of the premium after ``paid`` premiums (issue date + paid × months, clamped), as an
    expression (month arithmetic by :func:`anxin.engine.servicing_terms.add_months`'s rule)."""
    total = issue.dt.year().cast(I64) * 12 + issue.dt.month().cast(I64) - 1 + paid * months
    year, month = total // 12, total % 12 + 1
    day = pl.min_horizontal(issue.dt.day().cast(I64), t.days_in_month(year, month))
    return pl.date(year, month, day)


def collect(
    policies: pl.DataFrame, payments: pl.DataFrame, products: Iterable[LifeProduct], day: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(policies after the payments, their events); refuses payments ``review`` does not accept."""
    products = list(products)
    reviewed = review(policies, payments, products, day)
    refused = reviewed.filter(c("problem").is_not_null())
    if refused.height:
        raise InvalidInput(
            f"{refused.height} 笔交费不能入账（首笔：{refused['policy_id'][0]}，{refused['problem'][0]}）",
            f"{refused.height} payments cannot be applied (first: {refused['policy_id'][0]}, "
            f"{refused['problem'][0]})",
            code="payment_refused",
        )
    terms = _terms(products)
    events, current = [], policies
    rounds = int(reviewed["round"].max() or 0) + 1 if reviewed.height else 0
    for number in range(rounds):
        paying = reviewed.filter(c("round") == number).select("policy_id")
        current, round_events = _pay(current, paying, terms, day)
        events.append(round_events)
    if not events:
        return policies, pl.DataFrame(schema=EVENT_SCHEMA)
    return current, pl.concat(events)


def _pay(
    policies: pl.DataFrame, paying: pl.DataFrame, terms: pl.DataFrame, day: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One payment each for the policies in ``paying`` (a frame of distinct ``policy_id``)."""
    today = pl.lit(day, pl.Date)
    marked = policies.join(
        paying.with_columns(_pays=pl.lit(True)), on="policy_id", how="left", maintain_order="left"
    ).with_columns(_pays=c("_pays").fill_null(False))
    frame = (
        marked.filter(c("_pays"))
        .join(terms, on="product", how="left", maintain_order="left")
        .with_columns(
            _following=add_due(c("issue_date"), c("premiums_paid") + 1, c("_months")),
            _amount=c("premium") - c("premium_credit"),
        )
        .with_columns(_still_due=(c("_following") <= today) & (c("premiums_paid") + 1 < c("_count")))
        .with_columns(
            _new_status=pl.when(c("_still_due")).then(pl.lit(St.GRACE.value)).otherwise(pl.lit(St.IN_FORCE.value))
        )
    )  # fmt: skip
    after = frame.select(
        "policy_id",
        status="_new_status",
        status_since=pl.when((c("status") != St.IN_FORCE.value) | c("_still_due"))
        .then(today)
        .otherwise(c("status_since")),
        premiums_paid=c("premiums_paid") + 1,
        premium_credit=pl.lit(0, I64),
        due_on=pl.when(c("_still_due")).then(c("_following")).otherwise(pl.lit(None, pl.Date)),
        cover_to=pl.lit(None, pl.Date),
    )
    changed = [n for n in after.columns if n != "policy_id"]
    index = marked.get_column("_pays").arg_true()  # ``after`` has the rows of ``index``, in order
    new = policies.with_columns(
        **{
            n: policies.get_column(n).clone().scatter(index, after.get_column(n).cast(POLICY_SCHEMA[n]))
            for n in changed
        }
    )
    events = frame.select(
        "policy_id",
        day=today,
        event=pl.lit(E.PREMIUM_PAID.value),
        status_from="status",
        status_to=pl.when(c("_new_status") != c("status")).then(c("_new_status")),
        debit=pl.lit(A.CASH.value),
        credit=pl.lit(A.PREMIUM_INCOME.value),
        amount="_amount",
    ).cast(EVENT_SCHEMA)  # type: ignore[arg-type]
    return new, events
