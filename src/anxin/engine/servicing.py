"""The daily servicing run (保全日批), vectorized with Polars over every policy at once.

``run_day(policies, loans, products, campaigns, day) -> (policies, loans, events)``. For each policy
still serviced (in force, in grace, in APL cover or suspended) whose ``last_run_day`` is before
``day``, in this order:

1. **Loan maturity.** A loan at or past its maturity has its interest (from the start of its term to
   ``day``) capitalised into a new loan of ``loan.term_days`` at the product's rate — unless a relief
   campaign defers loan interest for the policy's region on ``day``.
2. **At most one change of status**, the first that applies:

   0. a term product's policy on or after its expiry day (``issue_date`` + ``12 × term_years`` months)
      → matured: covered, the product's maturity benefit (none for pure term) is paid, suspended, the
      cash value; the debt is settled from it, the rest refunded (``maturity_benefits_paid`` or
      ``cash_value_paid`` → ``refunds_payable``);
   a. covered and debt (principal + interest) ≥ cash value, not deferred by relief → suspended, or
      terminated with the cash value settled against the debt (product ``on_debt_reaching_cash_value``);
   b. in force, a premium left to pay and its due date reached → grace (``due_on`` = the due date);
   c. in grace after ``due_on`` + grace days (the longer of the product's and any relief campaign's):
      with automatic premium loan (policy opted in, product offers it) and cash value − debt ≥ the
      premium owed → the premium is lent, in force again; if the cash value buys at least a day of
      cover (``⌊(cash value − debt) × days of the period ÷ premium⌋``) → those days are lent for
      (rounded half up to the fen) and the policy is covered to ``day − 1 + days`` (APL cover);
      otherwise → suspended;
   d. in APL cover past ``cover_to`` → suspended;
   e. suspended past ``suspended_on`` + the reinstatement window → terminated, the cash value less the
      debt refunded.
3. The loan's accrued interest is brought to ``day`` and ``last_run_day`` set to ``day``.

Relief leaves a trace (events moving no money, no status change): ``loan_interest_deferred`` on the
day a loan matures while a campaign defers its interest, and ``grace_extended_by_relief`` on the day
after the product's own grace (``due_on`` + grace days + 1) when a campaign's longer grace keeps the
policy in grace.

A new loan on a loan account (automatic premium loans) first capitalises the interest so far; its term
restarts on ``day``. Running a day again changes nothing (``last_run_day``); every policy's row
depends only on its own row and loan, so any split of the book into chunks gives the same result.
Events carry postings (debit, credit, fen) that always balance.

Speed: a cheap screen over the whole book (``_screen``) finds the policies that can change today; the
full rules (``_decide``) run on those only and their new values are scattered back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from anxin.domain.life.events import Account as A
from anxin.domain.life.events import EventKind as E
from anxin.domain.life.policy import PolicyStatus as St
from anxin.domain.life.products import LifeProduct
from anxin.domain.life.relief import ReliefCampaign
from anxin.engine import servicing_terms as t
from anxin.engine.servicing_terms import EVENT_SCHEMA, LOAN_SCHEMA

c = pl.col
I64 = pl.Int64
#: Many narrow column steps over one frame: the in-memory engine is faster here than streaming.
ENGINE = "in-memory"
_LOAN_COLS = {
    "principal": "_principal",
    "start": "_start",
    "maturity": "_maturity",
    "rate_bp": "_rate",
    "interest": "_interest",
}
_ACTIVE = [St.IN_FORCE.value, St.GRACE.value, St.APL_COVER.value, St.SUSPENDED.value]
_COVERED = [St.IN_FORCE.value, St.GRACE.value, St.APL_COVER.value]
#: Months to the expiry of a policy that never expires (whole life), for the screen.
_NEVER = 1 << 40


def run_day(
    policies: pl.DataFrame,
    loans: pl.DataFrame,
    products: Iterable[LifeProduct],
    campaigns: Iterable[ReliefCampaign],
    day: dt.date,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    products = list(products)
    terms, cash_values = t.product_terms(products)
    t.check_frames(policies, loans, terms)
    todo, candidate = _screen(policies, loans, products, day)
    frame = _decide(policies.filter(candidate), loans, terms, cash_values, list(campaigns), day)
    updated = frame.select(_policy_columns(day))
    index = candidate.arg_true()
    changed = {
        name: policies.get_column(name).clone().scatter(index, updated.get_column(name)) for name in _STATE
    }
    new_policies = policies.with_columns(
        **changed, last_run_day=pl.when(todo).then(pl.lit(day, pl.Date)).otherwise(c("last_run_day"))
    )
    return new_policies, _loans(frame, loans, day), _events(frame, day)


#: The columns the day can change besides ``last_run_day``.
_STATE = ("status", "status_since", "premiums_paid", "premium_credit", "due_on", "cover_to", "suspended_on")


def _screen(
    policies: pl.DataFrame, loans: pl.DataFrame, products: list[LifeProduct], day: dt.date
) -> tuple[pl.Series, pl.Series]:
    """(to do today, may change today): a cheap first pass, so the full rules run only where something
    can happen: a loan, a premium falling due, a grace period, APL cover or reinstatement window that
    may be over, a term product's N-th anniversary of issue reached."""
    today = pl.lit(day, pl.Date)
    per_period = _by_product({p.code: p.premium.mode.months for p in products})
    count = _by_product({p.code: p.premium_count for p in products})
    todo = c("status").is_in(_ACTIVE) & (c("last_run_day").is_null() | (c("last_run_day") < today))
    # a premium falls due by ``day`` when issue date + premiums_paid × months (clamped) ≤ day, that is
    # when at least that many whole months have passed (a month ending on the day's last day counts)
    last_of_month = (day + dt.timedelta(days=1)).day == 1
    issued = c("issue_date")
    passed = (
        (day.year * 12 + day.month) - (issued.dt.year().cast(I64) * 12 + issued.dt.month().cast(I64))
        - ((issued.dt.day() > day.day) & (not last_of_month)).cast(I64)
    )  # fmt: skip
    may_fall_due = (c("premiums_paid") < count) & (passed >= c("premiums_paid") * per_period)
    # the same count of months: a term policy's expiry (issue date + 12 × term years) ≤ day
    terms = {p.code: p.term_months for p in products}
    may_expire = (
        passed >= _by_product({code: months or _NEVER for code, months in terms.items()})
        if any(terms.values())
        else pl.lit(False)
    )
    has_loan = c("policy_id").is_in(loans.get_column("policy_id").implode())
    # relief only lengthens grace: the shortest grace and window of any product bound who may change
    shortest_grace = pl.duration(days=min(p.grace.days for p in products))
    shortest_window = pl.duration(days=min(p.reinstatement.window_days for p in products))
    status = c("status")
    may_change = (
        has_loan
        | may_expire
        | ((status == St.IN_FORCE.value) & may_fall_due)
        | ((status == St.GRACE.value) & (c("due_on") + shortest_grace < today))
        | ((status == St.APL_COVER.value) & (c("cover_to") < today))
        | ((status == St.SUSPENDED.value) & (c("suspended_on") + shortest_window < today))
    )
    screened = (
        policies.lazy().select(todo=todo, candidate=todo & may_change.fill_null(False)).collect(engine=ENGINE)
    )
    return screened.get_column("todo"), screened.get_column("candidate")


def _by_product(values: dict[str, int]) -> pl.Expr:
    """A product's figure per row: a literal, a short when-chain, or a look-up for many products."""
    if len(set(values.values())) == 1:
        return pl.lit(next(iter(values.values())), I64)
    if len(values) > 8:
        return c("product").replace_strict(values, return_dtype=I64)
    *rest, (_, last) = values.items()
    chain = pl.lit(last, I64)
    for code, value in rest:
        chain = pl.when(c("product") == code).then(pl.lit(value, I64)).otherwise(chain)
    return chain


def _decide(
    policies: pl.DataFrame,
    loans: pl.DataFrame,
    terms: pl.DataFrame,
    cash_values: pl.DataFrame,
    campaigns: list[ReliefCampaign],
    day: dt.date,
) -> pl.DataFrame:
    today = pl.lit(day, pl.Date)
    loan_side = loans.rename(_LOAN_COLS).with_columns(_has_loan=pl.lit(True))
    lazy = (
        policies.lazy()
        .join(terms.lazy(), on="product", how="left", maintain_order="left")
        .join(loan_side.lazy(), on="policy_id", how="left", maintain_order="left")
        .with_columns(t.relief_columns(campaigns, day))
        .with_columns(
            _has_loan=c("_has_loan").fill_null(False),
            _todo=c("status").is_in(_ACTIVE) & (c("last_run_day").is_null() | (c("last_run_day") < today)),
        )
        .pipe(t.add_months, "issue_date", c("premiums_paid") * c("_months"), "_paid_to")
        .pipe(t.add_months, "issue_date", (c("premiums_paid") + 1) * c("_months"), "_next_due")
        .pipe(t.add_months, "issue_date", c("_term_months"), "_expiry")  # null: whole life
        # 1. loan maturity
        .with_columns(_cap=c("_todo") & c("_has_loan") & (c("_maturity") <= today) & ~c("_defer"))
        .with_columns(
            _cap_interest=pl.when(c("_cap"))
            .then(t.interest(c("_principal"), c("_rate"), t.days_between(today, c("_start"))))
            .otherwise(0),
        )
        .with_columns(
            _principal=c("_principal") + c("_cap_interest"),
            _start=pl.when(c("_cap")).then(today).otherwise(c("_start")),
            _maturity=pl.when(c("_cap"))
            .then(today + pl.duration(days=c("_loan_term")))
            .otherwise(c("_maturity")),
            _rate=pl.when(c("_cap")).then(c("_loan_rate")).otherwise(c("_rate")),
        )
        # the cash value and the debt on the day
        .with_columns(
            _counted=pl.when(c("premiums_paid") < c("_count"))
            .then(pl.min_horizontal(today, c("_paid_to") - pl.duration(days=1)))
            .otherwise(today),
            _accrued=t.interest(
                c("_principal").fill_null(0),
                c("_rate").fill_null(0),
                t.days_between(today, c("_start")).fill_null(0),
            ),
        )
        .with_columns(
            _cv_key=c("_cv_offset") + t.policy_year(c("issue_date"), c("_counted")).clip(1, c("_cv_len")) - 1
        )
        .join(cash_values.lazy(), on="_cv_key", how="left", maintain_order="left")
        .with_columns(
            _cv=t.cash_value(c("sum_insured"), c("_cv_per_thousand")),
            _debt=c("_principal").fill_null(0) + c("_accrued"),
            _need=c("premium") - c("premium_credit"),
            _grace_days=pl.max_horizontal(c("_grace"), c("_relief_grace")),
        )
        .with_columns(
            _available=c("_cv") - c("_debt"),
            _period=t.days_between(c("_next_due"), c("_paid_to")),
        )
        .with_columns(
            _buy_days=pl.when(c("_available") > 0)
            .then(c("_available") * c("_period") // c("premium"))
            .otherwise(0)
        )
    )
    s = c("status")
    matures = c("_todo") & (c("_expiry") <= today)
    debt_hit = c("_todo") & s.is_in(_COVERED) & c("_has_loan") & (c("_debt") >= c("_cv")) & ~c("_defer")
    due = c("_todo") & (s == St.IN_FORCE) & (c("premiums_paid") < c("_count")) & (c("_paid_to") <= today)
    grace_over = c("_todo") & (s == St.GRACE) & (today > c("due_on") + pl.duration(days=c("_grace_days")))
    apl = grace_over & c("apl") & c("_apl_allowed")
    event = (
        pl.when(matures).then(pl.lit(E.MATURED.value))
        .when(debt_hit).then(pl.lit(E.DEBT_REACHED_CASH_VALUE.value))
        .when(due).then(pl.lit(E.PREMIUM_DUE.value))
        .when(apl & (c("_available") >= c("_need"))).then(pl.lit(E.AUTOMATIC_PREMIUM_LOAN.value))
        .when(apl & (c("_buy_days") >= 1)).then(pl.lit(E.AUTOMATIC_PREMIUM_LOAN_PARTIAL.value))
        .when(grace_over).then(pl.lit(E.GRACE_ENDED.value))
        .when(c("_todo") & (s == St.APL_COVER) & (today > c("cover_to"))).then(pl.lit(E.APL_COVER_ENDED.value))
        .when(c("_todo") & (s == St.SUSPENDED) & (today > c("suspended_on") + pl.duration(days=c("_window"))))
        .then(pl.lit(E.REINSTATEMENT_WINDOW_OVER.value))
    )  # fmt: skip
    lazy = lazy.with_columns(_event=event).with_columns(
        _settle=((c("_event") == E.REINSTATEMENT_WINDOW_OVER) | (c("_event") == E.MATURED) | ((c("_event") == E.DEBT_REACHED_CASH_VALUE) & c("_terminate_on_debt"))).fill_null(False),
        # a maturity benefit settles a covered policy (none for pure term); otherwise the cash value
        _benefit=((c("_event") == E.MATURED) & s.is_in(_COVERED)).fill_null(False),
        _lend=pl.when(c("_event") == E.AUTOMATIC_PREMIUM_LOAN).then(c("_need"))
        .when(c("_event") == E.AUTOMATIC_PREMIUM_LOAN_PARTIAL)
        .then(t.round_half_up(c("premium") * c("_buy_days"), c("_period")))
        .otherwise(0),
    )  # fmt: skip
    return lazy.with_columns(
        _value=pl.when(c("_benefit"))
        .then(t.cash_value(c("sum_insured"), c("_maturity_per_thousand").fill_null(0)))
        .otherwise(c("_cv")),
        _status_to=_status_to(),
        **_relief_flags(today),
    ).collect(engine=ENGINE)


def _relief_flags(today: pl.Expr) -> dict[str, pl.Expr]:
    """What relief did today, as events moving no money: ``_deferred``, a loan maturing today whose
    interest a campaign defers (not capitalised); ``_extended``, a policy in grace on the day after the
    product's own grace that a campaign's longer grace keeps in grace (no other event today)."""
    deferred = c("_todo") & c("_has_loan") & (c("_maturity") == today) & c("_defer")
    extended = (
        c("_todo")
        & (c("status") == St.GRACE)
        & c("_event").is_null()
        & (c("due_on") + pl.duration(days=c("_grace") + 1) == today)
    )
    return {"_deferred": deferred.fill_null(False), "_extended": extended.fill_null(False)}


def _status_to() -> pl.Expr:
    ev = c("_event")
    return (
        pl.when(ev == E.DEBT_REACHED_CASH_VALUE).then(pl.when(c("_terminate_on_debt")).then(pl.lit(St.TERMINATED.value)).otherwise(pl.lit(St.SUSPENDED.value)))
        .when(ev == E.PREMIUM_DUE).then(pl.lit(St.GRACE.value))
        .when(ev == E.AUTOMATIC_PREMIUM_LOAN).then(pl.lit(St.IN_FORCE.value))
        .when(ev == E.AUTOMATIC_PREMIUM_LOAN_PARTIAL).then(pl.lit(St.APL_COVER.value))
        .when(ev.is_in([E.GRACE_ENDED.value, E.APL_COVER_ENDED.value])).then(pl.lit(St.SUSPENDED.value))
        .when(ev == E.REINSTATEMENT_WINDOW_OVER).then(pl.lit(St.TERMINATED.value))
        .when(ev == E.MATURED).then(pl.lit(St.MATURED.value))
    )  # fmt: skip


def _policy_columns(day: dt.date) -> list[pl.Expr]:
    today = pl.lit(day, pl.Date)
    ev, changed = c("_event"), c("_status_to").is_not_null()
    null_date = pl.lit(None, pl.Date)
    return [
        pl.exclude("status", "status_since", "premiums_paid", "premium_credit", "due_on", "cover_to", "suspended_on", "last_run_day"),
        pl.when(changed).then(c("_status_to")).otherwise(c("status")).alias("status"),
        pl.when(changed).then(today).otherwise(c("status_since")).alias("status_since"),
        (c("premiums_paid") + (ev == E.AUTOMATIC_PREMIUM_LOAN).fill_null(False).cast(I64)).alias("premiums_paid"),
        pl.when(ev == E.AUTOMATIC_PREMIUM_LOAN).then(0)
        .when(ev == E.AUTOMATIC_PREMIUM_LOAN_PARTIAL).then(c("premium_credit") + c("_lend"))
        .otherwise(c("premium_credit")).alias("premium_credit"),
        pl.when(ev == E.PREMIUM_DUE).then(c("_paid_to"))
        .when(ev == E.AUTOMATIC_PREMIUM_LOAN).then(null_date)
        .otherwise(c("due_on")).alias("due_on"),
        pl.when(ev == E.AUTOMATIC_PREMIUM_LOAN_PARTIAL).then(today + pl.duration(days=c("_buy_days") - 1))
        .otherwise(c("cover_to")).alias("cover_to"),
        pl.when(c("_status_to") == St.SUSPENDED).then(today).otherwise(c("suspended_on")).alias("suspended_on"),
        pl.when(c("_todo")).then(today).otherwise(c("last_run_day")).alias("last_run_day"),
    ]  # fmt: skip


def _loans(frame: pl.DataFrame, loans: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Loans after the day: unchanged, capitalised, newly lent (interest so far capitalised, the term
    restarted) or closed by a settlement. Loans of policies not in the frame pass through."""
    today = pl.lit(day, pl.Date)
    lent = c("_lend") > 0
    out = frame.filter((c("_has_loan") | lent) & ~c("_settle")).select(
        "policy_id",
        principal=c("_principal").fill_null(0) + pl.when(lent).then(c("_accrued") + c("_lend")).otherwise(0),
        start=pl.when(lent).then(today).otherwise(c("_start")),
        maturity=pl.when(lent).then(today + pl.duration(days=c("_loan_term"))).otherwise(c("_maturity")),
        rate_bp=pl.when(lent).then(c("_loan_rate")).otherwise(c("_rate")),
        interest=pl.when(lent).then(0).when(c("_todo")).then(c("_accrued")).otherwise(c("_interest")),
    )
    matched = int(frame.get_column("_has_loan").sum())
    if matched < loans.height:
        out = pl.concat([out, loans.join(frame.select("policy_id"), on="policy_id", how="anti")])
    return out.select(LOAN_SCHEMA.keys()).cast(LOAN_SCHEMA)  # type: ignore[arg-type]


#: Postings of each event: (event, condition, debit, credit, amount) in the order they are written.
def _posting_specs() -> list[tuple[pl.Expr, A, A, pl.Expr]]:
    ev = c("_event")
    apl = ev.is_in([E.AUTOMATIC_PREMIUM_LOAN.value, E.AUTOMATIC_PREMIUM_LOAN_PARTIAL.value])
    # a settlement pays out ``_value`` (the cash value, or a maturity benefit: ``_benefit``)
    settle, value, benefit = c("_settle"), c("_value"), c("_benefit")
    cash_value, maturity = settle & ~benefit, settle & benefit
    debt_paid = pl.min_horizontal(value, c("_debt"))
    specs = [
        (apl & (c("_accrued") > 0), A.POLICY_LOANS, A.LOAN_INTEREST_INCOME, c("_accrued")),
        (apl, A.POLICY_LOANS, A.PREMIUM_INCOME, c("_lend")),
        (settle & (c("_accrued") > 0), A.POLICY_LOANS, A.LOAN_INTEREST_INCOME, c("_accrued")),
        (cash_value & (debt_paid > 0), A.CASH_VALUE_PAID, A.POLICY_LOANS, debt_paid),
        (maturity & (debt_paid > 0), A.MATURITY_BENEFITS_PAID, A.POLICY_LOANS, debt_paid),
        (settle & (c("_debt") > value), A.LOAN_LOSSES, A.POLICY_LOANS, c("_debt") - value),
        (cash_value & (value > c("_debt")), A.CASH_VALUE_PAID, A.REFUNDS_PAYABLE, value - c("_debt")),
        (maturity & (value > c("_debt")), A.MATURITY_BENEFITS_PAID, A.REFUNDS_PAYABLE, value - c("_debt")),
    ]
    return [(cond.fill_null(False), debit, credit, amount) for cond, debit, credit, amount in specs]


def _events(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """One row per posting; an event without postings gets one row with no accounts and 0 fen."""
    base = (
        frame.lazy()
        .filter(c("_cap") | c("_deferred") | c("_event").is_not_null() | c("_extended"))
        .with_row_index("_n")
    )
    none = pl.lit(None, pl.String)
    parts = [
        base.filter(c("_cap")).select(
            "_n", "policy_id", _slot=pl.lit(0), event=pl.lit(E.LOAN_INTEREST_CAPITALISED.value),
            status_from=none, status_to=none,
            debit=pl.lit(A.POLICY_LOANS.value), credit=pl.lit(A.LOAN_INTEREST_INCOME.value), amount=c("_cap_interest"),
        ),
        base.filter(c("_deferred")).select(
            "_n", "policy_id", _slot=pl.lit(0), event=pl.lit(E.LOAN_INTEREST_DEFERRED.value),
            status_from=none, status_to=none, debit=none, credit=none, amount=pl.lit(0, I64),
        ),
        base.filter(c("_extended")).select(
            "_n", "policy_id", _slot=pl.lit(1), event=pl.lit(E.GRACE_EXTENDED_BY_RELIEF.value),
            status_from=none, status_to=none, debit=none, credit=none, amount=pl.lit(0, I64),
        ),
    ]  # fmt: skip
    specs = _posting_specs()
    any_posting = pl.any_horizontal([cond for cond, *_ in specs])
    for slot, (cond, debit, credit, amount) in enumerate(
        [*specs, (~any_posting, None, None, pl.lit(0, I64))], 1
    ):
        parts.append(
            base.filter(c("_event").is_not_null() & cond).select(
                "_n", "policy_id", _slot=pl.lit(slot), event=c("_event"), status_from=c("status"),
                status_to=c("_status_to"), debit=pl.lit(debit and debit.value, pl.String),
                credit=pl.lit(credit and credit.value, pl.String), amount=amount.cast(I64),
            )
        )  # fmt: skip
    events = pl.concat(parts).sort("_n", "_slot").with_columns(day=pl.lit(day, pl.Date))
    return events.select(EVENT_SCHEMA.keys()).collect(engine=ENGINE).cast(EVENT_SCHEMA)  # type: ignore[arg-type]
