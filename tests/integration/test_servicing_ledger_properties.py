"""The policy ledger stays whole when the daily run and servicing requests mix (SQLite and PostgreSQL):
a synthetic book stored, days run, a seeded random mix of requests between them. Every posting has
both sides and a positive amount; a refused request writes no posting; cash moves exactly by the
requests' amounts (in for premiums, repayments and reinstatements, out for loans); refunds payable
grow by the requests' payouts; ``policy_loans`` moves exactly as the stored loans' principals; a loan
is never granted above its quote, and every request above it is refused."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import AnxinError
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.services.imports import import_persons, import_policies
from anxin.services.servicing_requests import quote_policy, submit_request
from anxin.services.servicing_run import run_servicing_day
from anxin.store.life_files import shipped_products
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyLoan, ServicingRequest
from anxin.synth.life import life_book, write_policies_file

from .care_support import RESIDENT, YEAR, certno
from .group_claims_support import write

K = RequestKind
PRODUCTS = list(shipped_products().values())
AS_OF = dt.date(2026, 1, 1)
DAYS = [AS_OF + dt.timedelta(days=n) for n in (0, 1, 45, 75, 200, 400)]
PEOPLE = [f"LP{i:04d}" for i in range(10)]
#: Kinds worth trying in each status (a kind may still be refused: no loan, window over, …).
TRIES = {
    "in_force": [K.LOAN, K.LOAN, K.REPAYMENT, K.SURRENDER, K.PREMIUM_PAYMENT, K.COOLING_OFF_CANCELLATION],
    "grace": [K.PREMIUM_PAYMENT, K.REPAYMENT, K.SURRENDER],
    "apl_cover": [K.PREMIUM_PAYMENT, K.SURRENDER],
    "suspended": [K.REINSTATEMENT, K.SURRENDER, K.REPAYMENT],
}
CASH_IN = (K.PREMIUM_PAYMENT, K.REPAYMENT, K.REINSTATEMENT)
PAYOUTS = (K.SURRENDER, K.COOLING_OFF_CANCELLATION, K.SURVIVAL_BENEFIT)


def _load(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(PEOPLE))], "人员编号": PEOPLE})
    import_persons(db, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    policies, loans = life_book(160, seed=23, as_of=AS_OF, products=PRODUCTS)
    import_policies(db, write_policies_file(policies, loans, PEOPLE, tmp_path / "policies.csv"))


def _scalar(db, query):  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def _statuses(db) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                sa.select(LifePolicy.policy_no, LifePolicy.status).order_by(LifePolicy.id)
            )
        ]  # type: ignore[misc]


def _event_rows(db) -> int:  # type: ignore[no-untyped-def]
    return _scalar(db, sa.select(sa.func.count()).select_from(PolicyEvent))


def _try(db, rng: random.Random, policy_no: str, kind: RequestKind, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    details: dict[str, int] = {}
    quote = None
    if kind is K.LOAN:
        quote = quote_policy(db, policy_no, day).loan
        limit = quote.amount_fen if quote else 100_000
        details["amount_fen"] = rng.randint(1, max(limit * 6 // 5, 2))
    elif kind is K.REPAYMENT:
        details["amount_fen"] = rng.choice([10_000, 100_000, 10_000_000])
    before = _event_rows(db)
    try:
        result = submit_request(
            db, policy_no, kind, channel=rng.choice(list(Channel)), day=day, actor="test", details=details
        )
    except AnxinError as error:
        assert _event_rows(db) == before, (policy_no, kind, error.code)
        if quote is not None and details["amount_fen"] > quote.amount_fen:
            assert error.code == "loan_above_limit"
        return
    assert result.status is RequestStatus.DONE and _event_rows(db) > before
    if quote is not None:
        assert 0 < details["amount_fen"] <= quote.amount_fen


def test_requests_and_runs_keep_the_ledger_whole(database, tmp_path):
    _load(database, tmp_path)
    principal_before = _scalar(
        database, sa.select(sa.func.coalesce(sa.func.sum(PolicyLoan.principal_fen), 0))
    )
    rng = random.Random(5)
    for day in DAYS:
        run_servicing_day(database, day)
        candidates = [(no, status) for no, status in _statuses(database) if status in TRIES]
        for policy_no, status in rng.sample(candidates, min(14, len(candidates))):
            _try(database, rng, policy_no, rng.choice(TRIES[status]), day)
    run_servicing_day(database, DAYS[-1] + dt.timedelta(days=1))

    with database.engine.connect() as connection:
        postings = pl.DataFrame(
            connection.execute(
                sa.select(PolicyEvent.request_id, PolicyEvent.run_id, PolicyEvent.debit, PolicyEvent.credit,
                          PolicyEvent.amount_fen)
            ).all(),
            schema={"request_id": pl.Int64, "run_id": pl.Int64, "debit": pl.String, "credit": pl.String,
                    "amount": pl.Int64},
            orient="row",
        )  # fmt: skip
        requests = pl.DataFrame(
            connection.execute(
                sa.select(ServicingRequest.id, ServicingRequest.kind, ServicingRequest.status, ServicingRequest.amount_fen)
            ).all(),
            schema={"request_id": pl.Int64, "kind": pl.String, "status": pl.String, "amount": pl.Int64},
            orient="row",
        )  # fmt: skip
        principal_after = connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(PolicyLoan.principal_fen), 0))
        ).scalar_one()
    done = requests.filter(pl.col("status") == "done")
    assert done.height >= 20 and requests.filter(pl.col("status") == "refused").height >= 5
    assert set(done["kind"]) >= {K.LOAN, K.SURRENDER, K.PREMIUM_PAYMENT}, set(done["kind"])
    # each row is written by exactly one run or one request; money rows have both sides
    assert (postings["request_id"].is_null() ^ postings["run_id"].is_null()).all()
    moving = postings.filter(pl.col("debit").is_not_null())
    assert moving["credit"].is_not_null().all() and (moving["amount"] > 0).all()
    assert postings.filter(pl.col("debit").is_null())["amount"].eq(0).all()
    # refused requests posted nothing; each done request posted at least one row
    by_request = postings.filter(pl.col("request_id").is_not_null())["request_id"].unique()
    assert set(by_request.to_list()) == set(done["request_id"].to_list())

    def net(account: str, rows: pl.DataFrame) -> int:
        return int(rows.filter(pl.col("debit") == account)["amount"].sum()) - int(
            rows.filter(pl.col("credit") == account)["amount"].sum()
        )

    # cash: in by premiums, repayments and reinstatements, out by loans — and by nothing else
    cash_in = int(done.filter(pl.col("kind").is_in([k.value for k in CASH_IN]))["amount"].sum())
    cash_out = int(done.filter(pl.col("kind") == K.LOAN.value)["amount"].sum())
    assert net("cash", moving) == cash_in - cash_out != 0
    assert net("cash", moving.filter(pl.col("run_id").is_not_null())) == 0
    # refunds payable: the requests' payouts exactly (the run adds terminations' refunds of its own)
    from_requests = moving.filter(pl.col("request_id").is_not_null())
    payouts = int(done.filter(pl.col("kind").is_in([k.value for k in PAYOUTS]))["amount"].sum())
    assert -net("refunds_payable", from_requests) == payouts
    # the loan account moves exactly as the stored principals
    assert net("policy_loans", moving) == principal_after - principal_before
    # the whole ledger balances
    assert sum(net(a, moving) for a in set(moving["debit"]) | set(moving["credit"])) == 0
