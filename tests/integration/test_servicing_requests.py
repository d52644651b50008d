"""Servicing requests (保全申请) on SQLite and PostgreSQL: policies imported through the real importers,
then loans within and above the quote, repayment, reinstatement with interest and interest-free inside
the shipped Henan campaign, cooling-off cancellation closing the callback, surrender with a loan,
beneficiary, contact and policyholder changes, refusals recorded alone, and the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import Conflict, InvalidInput, NotFound
from anxin.domain.life.policy import LoanState, PolicyState, PolicyStatus
from anxin.domain.life.products import parse_product
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.engine.servicing_frames import loans_frame, policies_frame
from anxin.services.imports import import_persons, import_policies
from anxin.services.servicing_requests import policy_requests, quote_policy, submit_request
from anxin.store.life_files import PRODUCTS_DIR, shipped_products
from anxin.store.schema import (
    AuditEntry,
    CallbackTask,
    LifePolicy,
    Person,
    PolicyBeneficiary,
    PolicyEvent,
    PolicyLoan,
    PolicyStatusChange,
    ServicingRequest,
)
from anxin.synth.life import write_policies_file

from .care_support import RESIDENT, YEAR, certno
from .group_claims_support import write

PRODUCTS = shipped_products()
WHOLE = PRODUCTS["anxin-whole-life-2026"]
PEOPLE = ["LP0001", "LP0002", "LP0003"]
K, C = RequestKind, Channel.COUNTER


def policy(policy_id: str, region: str, sum_yuan: int, issue: dt.date, **state) -> PolicyState:  # type: ignore[no-untyped-def]
    """A policy of the shipped whole-life product; ``state`` overrides the servicing state."""
    product = PRODUCTS[state.pop("product", WHOLE.code)]
    values = {
        "received_on": issue, "apl": False, "status": PolicyStatus.IN_FORCE, "status_since": issue,
        "premiums_paid": 1, "last_run_day": None,
    } | state  # fmt: skip
    return PolicyState(
        policy_id,
        product.code,
        region,
        sum_yuan * 100,
        product.modal_premium(sum_yuan * 100),
        issue,
        **values,
    )


def store_book(
    db, tmp_path: Path, policies: list[PolicyState], loans: list[LoanState] = (), products=None
) -> None:  # type: ignore[no-untyped-def, assignment]
    """Import the persons ``LP0001``… and the policies (with their loans) through the importers."""
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(PEOPLE))], "人员编号": PEOPLE})
    import_persons(db, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    path = write_policies_file(
        policies_frame(policies), loans_frame(loans), PEOPLE[:1], tmp_path / "policies.csv"
    )
    import_policies(db, path, products=products)


def ask(db, policy_no: str, kind: RequestKind, day: dt.date, channel: Channel = C, **details):  # type: ignore[no-untyped-def]
    """Submit a request as the clerk (at the counter unless ``channel`` says otherwise)."""
    return submit_request(db, policy_no, kind, channel=channel, day=day, actor="clerk", details=details)


def rows(db, table, **where):  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        query = sa.select(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return connection.execute(query.order_by(table.id)).mappings().all()


def events_of(db, policy_no: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                sa.select(PolicyEvent.event, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)
                .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id)
                .where(LifePolicy.policy_no == policy_no, PolicyEvent.request_id.is_not(None))
                .order_by(PolicyEvent.id)
            )
        ]  # fmt: skip


def counts(db) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return tuple(
            connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (PolicyEvent, PolicyLoan, PolicyStatusChange, PolicyBeneficiary)
        )


def loan_of(db, policy_no: str):  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return connection.execute(
            sa.select(PolicyLoan).join(LifePolicy, LifePolicy.id == PolicyLoan.policy_id)
            .where(LifePolicy.policy_no == policy_no)
        ).mappings().first()  # fmt: skip


def status_of(db, policy_no: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    row = rows(db, LifePolicy, policy_no=policy_no)[0]
    return row["status"], row["premiums_paid"]


def test_loan_within_and_above_the_quote_then_repayment_and_surrender(database, tmp_path):
    store_book(database, tmp_path, [policy("S1", "440106", 200_000, dt.date(2016, 9, 1), premiums_paid=8)])
    day = dt.date(2024, 1, 10)
    quotes = quote_policy(database, "S1", day)
    assert quotes.loan is not None and quotes.loan.amount_fen == 2_608_000
    assert quotes.surrender is not None and quotes.surrender.amount_fen == 3_260_000
    assert quotes.reinstatement is None and quotes.status == "in_force"
    before = counts(database)
    with pytest.raises(InvalidInput) as above:
        ask(database, "S1", K.LOAN, day, amount_fen=2_608_001)
    assert above.value.code == "loan_above_limit"
    assert counts(database) == before and loan_of(database, "S1") is None
    [refused] = rows(database, ServicingRequest)
    assert (refused["status"], refused["refusal_code"], refused["amount_fen"]) == (
        "refused",
        "loan_above_limit",
        0,
    )
    assert "超出可贷金额 26,080.00 元" in refused["explanation_zh"]

    loan = ask(database, "S1", K.LOAN, day, channel=Channel.APP, amount_fen=1_000_000)
    assert (loan.status, loan.amount_fen, loan.due_by) == (RequestStatus.DONE, 1_000_000, None)
    assert loan.request_no.startswith("BQ20240110-") and loan.request_no != refused["request_no"]
    assert events_of(database, "S1") == [("loan_taken", "policy_loans", "cash", 1_000_000)]
    stored = loan_of(database, "S1")
    assert (stored["principal_fen"], stored["start"], stored["maturity"]) == (
        1_000_000, day, dt.date(2024, 7, 8),
    )  # fmt: skip

    with pytest.raises(Conflict) as back:
        ask(database, "S1", K.REPAYMENT, dt.date(2024, 1, 5), amount_fen=100)
    assert back.value.code == "back_dated" and loan_of(database, "S1")["principal_fen"] == 1_000_000
    # 2024-02-19: 40 days of interest 10,000 × 5% × 40 ÷ 365 = 54.79, capitalised; 5,000 repaid
    repaid = ask(database, "S1", K.REPAYMENT, dt.date(2024, 2, 19), amount_fen=500_000)
    assert repaid.amount_fen == 500_000 and "还款 5,000.00 元，尚欠 5,054.79 元" in repaid.lines_zh
    assert events_of(database, "S1")[1:] == [
        ("loan_repaid", "policy_loans", "loan_interest_income", 5_479),
        ("loan_repaid", "cash", "policy_loans", 500_000),
    ]
    assert loan_of(database, "S1")["principal_fen"] == 505_479

    # surrender 2024-04-19: 60 days on 5,054.79 → 41.55; 32,600 − 5,096.34 = 27,503.66, due in 30 days
    end = ask(database, "S1", K.SURRENDER, dt.date(2024, 4, 19))
    assert (end.amount_fen, end.due_by) == (2_750_366, dt.date(2024, 5, 19))
    assert "退保金 = 现金价值 32,600.00 − 借款本息 5,096.34 = 27,503.66 元（30 日内支付）" in end.lines_zh
    assert events_of(database, "S1")[3:] == [
        ("surrendered", "policy_loans", "loan_interest_income", 4_155),
        ("surrendered", "cash_value_paid", "policy_loans", 509_634),
        ("surrendered", "cash_value_paid", "refunds_payable", 2_750_366),
    ]
    assert loan_of(database, "S1") is None and status_of(database, "S1") == ("surrendered", 8)
    changes = rows(database, PolicyStatusChange, event="surrendered")
    assert [(c["status_from"], c["status_to"], c["day"]) for c in changes] == [
        ("in_force", "surrendered", dt.date(2024, 4, 19))
    ]
    assert changes[0]["request_id"] is not None and changes[0]["run_id"] is None
    history = policy_requests(database, "S1")
    assert [(r.kind, r.status) for r in history] == [
        (K.SURRENDER, RequestStatus.DONE), (K.REPAYMENT, RequestStatus.DONE), (K.REPAYMENT, RequestStatus.REFUSED),
        (K.LOAN, RequestStatus.DONE), (K.LOAN, RequestStatus.REFUSED),
    ]  # fmt: skip
    assert history[0] == end
    audit = rows(database, AuditEntry, action="servicing.surrender")
    assert len(audit) == 1 and audit[0]["entity_id"] == "S1"
    detail = json.loads(audit[0]["detail"])
    assert detail["before"] == {"status": "in_force", "premiums_paid": 8, "loan_principal_fen": 505_479}
    assert detail["after"]["status"] == "surrendered" and detail["after"]["amount_fen"] == 2_750_366
    with pytest.raises(Conflict) as again:
        ask(database, "S1", K.SURRENDER, dt.date(2024, 4, 20))
    assert again.value.code == "policy_ended"


def test_reinstatement_with_interest_and_interest_free_in_the_henan_window(database, tmp_path):
    suspended = {"status": PolicyStatus.SUSPENDED, "premiums_paid": 2}
    store_book(database, tmp_path, [
        policy("P1", "370202", 100_000, dt.date(2020, 3, 1), **suspended, status_since=dt.date(2022, 5, 1),
               due_on=dt.date(2022, 3, 1), suspended_on=dt.date(2022, 5, 1)),
        policy("H1", "410102", 100_000, dt.date(2019, 7, 1), **suspended, status_since=dt.date(2021, 12, 29),
               due_on=dt.date(2021, 7, 1), suspended_on=dt.date(2021, 12, 29)),
        policy("S1", "370202", 100_000, dt.date(2019, 7, 1), **suspended, status_since=dt.date(2021, 8, 31),
               due_on=dt.date(2021, 7, 1), suspended_on=dt.date(2021, 8, 31)),
    ])  # fmt: skip
    day = dt.date(2022, 11, 1)
    assert quote_policy(database, "P1", day).reinstatement.amount_fen == 256_336  # type: ignore[union-attr]
    assert quote_policy(database, "P1", day).loan is None
    done = ask(database, "P1", K.REINSTATEMENT, day)
    assert done.amount_fen == 256_336
    assert "2022-03-01 到期保费 2,500.00 元，自宽限期满 2022-04-30 起 185 天，利息 63.36 元" in done.lines_zh
    assert "自杀免责期自复效日 2022-11-01 起重新计算（《保险法》第四十四条）" in done.lines_zh
    assert any("suicide exclusion period runs again from 2022-11-01" in line for line in done.lines_en)
    assert status_of(database, "P1") == ("in_force", 3)
    assert events_of(database, "P1") == [
        ("reinstated", "cash", "premium_income", 250_000),
        ("reinstated", "cash", "reinstatement_interest_income", 6_336),
    ]
    stored = rows(database, ServicingRequest, request_no=done.request_no)[0]
    assert json.loads(stored["details"]) == {"suicide_clock_from": "2022-11-01"}

    henan = dt.date(2021, 12, 30)
    with pytest.raises(Conflict) as outside:
        ask(database, "S1", K.INTEREST_FREE_REINSTATEMENT, henan)
    assert outside.value.code == "no_relief" and status_of(database, "S1") == ("suspended", 2)
    free = ask(database, "H1", K.INTEREST_FREE_REINSTATEMENT, henan)
    assert free.amount_fen == 250_000 and "免息复效（henan-flood-2021）" in free.lines_zh
    details = json.loads(rows(database, ServicingRequest, request_no=free.request_no)[0]["details"])
    # without the campaign: 122 days from the product's grace end 2021-08-30 → 41.78
    assert details == {
        "waived_interest_fen": 4_178,
        "campaigns": ["henan-flood-2021"],
        "suicide_clock_from": "2021-12-30",
    }
    plain = ask(database, "S1", K.REINSTATEMENT, henan)
    assert plain.amount_fen == 254_178
    assert "waived_interest_fen" not in json.loads(
        rows(database, ServicingRequest, request_no=plain.request_no)[0]["details"]
    )
    changes = rows(database, PolicyStatusChange, event="reinstated")
    assert len(changes) == 3 and {c["status_to"] for c in changes} == {"in_force"}


def test_cooling_off_cancellation_refunds_and_closes_the_callback(database, tmp_path):
    issue, received = dt.date(2024, 3, 1), dt.date(2024, 3, 5)
    store_book(database, tmp_path, [
        policy("C1", "110101", 100_000, issue, received_on=received),
        policy("C2", "110101", 100_000, issue, received_on=received),
    ])  # fmt: skip
    with database.session() as session, session.begin():
        for no in ("C1", "C2"):
            policy_id = session.execute(
                sa.select(LifePolicy.id).where(LifePolicy.policy_no == no)
            ).scalar_one()
            session.add(
                CallbackTask(
                    policy_id=policy_id, opened_on=received, due_on=dt.date(2024, 3, 20), status="open"
                )
            )
    late = dt.date(2024, 3, 21)
    with pytest.raises(Conflict) as over:
        ask(database, "C2", K.COOLING_OFF_CANCELLATION, late)
    assert over.value.code == "cooling_off_over"
    done = ask(database, "C1", K.COOLING_OFF_CANCELLATION, dt.date(2024, 3, 20), channel=Channel.PHONE)
    assert (done.amount_fen, done.due_by) == (249_000, dt.date(2024, 4, 19))
    assert done.lines_zh == ("已交保费 2,500.00 元，工本费 10.00 元", "退还 2,490.00 元")
    assert events_of(database, "C1") == [
        ("cooling_off_cancelled", "premium_income", "refunds_payable", 249_000),
        ("cooling_off_cancelled", "premium_income", "fee_income", 1_000),
    ]
    assert status_of(database, "C1") == ("cancelled", 1) and status_of(database, "C2") == ("in_force", 1)
    tasks = {t["policy_id"]: t for t in rows(database, CallbackTask)}
    c1, c2 = (rows(database, LifePolicy, policy_no=n)[0]["id"] for n in ("C1", "C2"))
    assert (tasks[c1]["status"], tasks[c1]["closed_reason"]) == ("closed", "cooling_off_cancelled")
    assert tasks[c2]["status"] == "open"


def test_beneficiary_change_needs_whole_shares_and_consent(database, tmp_path):
    store_book(database, tmp_path, [policy("B1", "370202", 100_000, dt.date(2024, 1, 1))])
    day = dt.date(2024, 6, 1)
    halves = [
        {"name": "张三", "person_no": "LP0002", "order": 1, "share_bp": 5_000},
        {"name": "李四", "order": 1, "share_bp": 4_000},
    ]
    for details, code in (
        ({"beneficiaries": halves, "insured_consent": True}, "invalid_beneficiary_shares"),
        ({"beneficiaries": [{**halves[0], "share_bp": 10_000}], "insured_consent": False}, "consent_required"),
        ({"beneficiaries": [{**halves[0], "share_bp": 10_000, "order": 2}], "insured_consent": True},
         "invalid_beneficiaries"),
        ({"beneficiaries": [{**halves[0], "share_bp": 10_000, "person_no": "NOBODY"}], "insured_consent": True},
         "person_not_found"),
    ):  # fmt: skip
        with pytest.raises((InvalidInput, NotFound)) as refused:
            ask(database, "B1", K.BENEFICIARY_CHANGE, day, **details)
        assert refused.value.code == code
    assert rows(database, PolicyBeneficiary) == []
    halves[1]["share_bp"] = 5_000
    done = ask(
        database,
        "B1",
        K.BENEFICIARY_CHANGE,
        day,
        channel=Channel.AGENT,
        beneficiaries=[*halves, {"name": "王五", "order": 2, "share_bp": 10_000}],
        insured_consent=True,
    )
    assert done.amount_fen == 0 and "第 1 顺序 张三 50%" in done.lines_zh
    stored = rows(database, PolicyBeneficiary)
    lp2 = rows(database, Person, psn_no="LP0002")[0]["id"]
    assert [(b["name"], b["person_id"], b["order_no"], b["share_bp"]) for b in stored] == [
        ("张三", lp2, 1, 5_000), ("李四", None, 1, 5_000), ("王五", None, 2, 10_000),
    ]  # fmt: skip
    assert events_of(database, "B1") == []
    audit = json.loads(rows(database, AuditEntry, action="servicing.beneficiary_change")[-1]["detail"])
    assert audit["before"] == {"beneficiaries": ""}
    assert audit["after"]["beneficiaries"] == "1:5000:LP0002,1:5000,2:10000"
    assert [r.status for r in policy_requests(database, "B1")] == [RequestStatus.DONE] + [
        RequestStatus.REFUSED
    ] * 4


def test_contact_and_policyholder_changes(database, tmp_path):
    store_book(database, tmp_path, [policy("K1", "370202", 100_000, dt.date(2024, 1, 1))])
    day = dt.date(2024, 6, 1)
    for details, code in (({}, "invalid_request"), ({"phone": "12345"}, "invalid_phone")):
        with pytest.raises(InvalidInput) as refused:
            ask(database, "K1", K.CONTACT_CHANGE, day, **details)
        assert refused.value.code == code
    done = ask(
        database, "K1", K.CONTACT_CHANGE, day, phone="13812345678", address="青岛市市南区香港中路 1 号"
    )
    assert done.lines_zh == ("投保人电话变更为 138****5678", "投保人联系地址已变更")
    holder = rows(database, Person, psn_no="LP0001")[0]
    assert (holder["phone"], holder["address"]) == ("13812345678", "青岛市市南区香港中路 1 号")
    entry = rows(database, AuditEntry, action="servicing.contact_change")[-1]  # after the two refusals
    assert (entry["actor"], entry["entity"], entry["entity_id"]) == ("clerk", "life_policy", "K1")
    detail = json.loads(entry["detail"])
    assert detail["before"] == {"phone_masked": "", "address_on_file": False}
    assert detail["after"] == {
        "phone_masked": "138****5678",
        "address_on_file": True,
        "address_changed": True,
        "amount_fen": 0,
        "request_no": done.request_no,
    }
    assert "13812345678" not in entry["detail"] and "香港中路" not in entry["detail"]
    again = ask(database, "K1", K.CONTACT_CHANGE, day, phone="0532-88886666")
    assert json.loads(rows(database, AuditEntry, action="servicing.contact_change")[-1]["detail"])["before"] == {
        "phone_masked": "138****5678", "address_on_file": True,
    }  # fmt: skip
    assert again.status is RequestStatus.DONE

    with pytest.raises(InvalidInput) as no_consent:
        ask(database, "K1", K.POLICYHOLDER_CHANGE, day, policyholder_no="LP0003")
    assert no_consent.value.code == "consent_required"
    moved = ask(database, "K1", K.POLICYHOLDER_CHANGE, day, policyholder_no="LP0003", insured_consent=True)
    assert moved.lines_zh == ("经被保险人同意，投保人由 LP0001 变更为 LP0003",)
    lp3 = rows(database, Person, psn_no="LP0003")[0]["id"]
    assert rows(database, LifePolicy, policy_no="K1")[0]["policyholder_id"] == lp3
    with pytest.raises(NotFound) as unknown:
        ask(database, "NOPE", K.CONTACT_CHANGE, day, phone="13812345678")
    assert unknown.value.code == "policy_not_found"
    assert all(r["policy_id"] for r in rows(database, ServicingRequest))


def test_survival_benefit_once_a_year_and_premium_payment(database, tmp_path):
    data = tomllib.loads((PRODUCTS_DIR / "anxin-whole-life-2026.toml").read_text(encoding="utf-8"))
    data |= {
        "code": "anxin-endowment-test",
        "survival_benefits": [{"policy_year": 3, "per_thousand": "50 元"}],
    }
    product = parse_product(data, source_name="test")
    catalogue = {**PRODUCTS, product.code: product}
    state = policy("E1", "370202", 100_000, dt.date(2020, 3, 1), premiums_paid=4)
    loan = LoanState("E1", 100_000, dt.date(2023, 1, 1), dt.date(2023, 6, 30), 500)
    store_book(
        database, tmp_path, [dataclasses.replace(state, product=product.code)], [loan], products=catalogue
    )
    day, options = dt.date(2023, 6, 1), {"channel": C, "actor": "clerk", "products": catalogue.values()}
    paid = submit_request(database, "E1", K.SURVIVAL_BENEFIT, day=day, details={"policy_year": 3}, **options)
    assert (paid.amount_fen, paid.due_by) == (500_000, dt.date(2023, 7, 1))
    assert events_of(database, "E1") == [
        ("survival_benefit_paid", "survival_benefits_paid", "refunds_payable", 500_000)
    ]
    assert loan_of(database, "E1")["principal_fen"] == 100_000
    for year, code in ((3, "benefit_already_paid"), (4, "no_benefit")):
        with pytest.raises(Conflict) as refused:
            submit_request(
                database, "E1", K.SURVIVAL_BENEFIT, day=day, details={"policy_year": year}, **options
            )
        assert refused.value.code == code
    premium = submit_request(database, "E1", K.PREMIUM_PAYMENT, day=dt.date(2024, 2, 20), **options)
    assert premium.amount_fen == 250_000 and status_of(database, "E1") == ("in_force", 5)
    assert events_of(database, "E1")[1:] == [("premium_paid", "cash", "premium_income", 250_000)]
    assert loan_of(database, "E1")["principal_fen"] == 100_000


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cli_request_and_quote(database, tmp_path, runner):
    store_book(database, tmp_path, [policy("S1", "440106", 200_000, dt.date(2016, 9, 1), premiums_paid=8)])
    quoted = runner.invoke(root, ["servicing", "quote", "S1", "--day", "2024-01-10"])
    assert quoted.exit_code == 0, quoted.output
    assert "可贷金额 / loan available：26,080.00 元" in quoted.output
    assert "退保金 / surrender value：32,600.00 元" in quoted.output
    assert "复效应交 / to reinstate：不适用 / not available" in quoted.output
    done = runner.invoke(
        root,
        [
            "servicing",
            "request",
            "S1",
            "loan",
            "--channel",
            "counter",
            "--day",
            "2024-01-10",
            "--amount",
            "10000",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "保单借款 / policy loan" in done.output and "10,000.00 元" in done.output
    assert "可贷金额 = （32,600.00 − 0.00）× 80% = 26,080.00 元（舍去不足一分）" in done.output
    assert loan_of(database, "S1")["principal_fen"] == 1_000_000
    refused = runner.invoke(root, ["servicing", "request", "S1", "reinstatement", "--day", "2024-01-11"])
    assert refused.exit_code == 2 and "not_suspended" in refused.output
    changed = runner.invoke(root, [
        "servicing", "request", "S1", "beneficiary_change", "--day", "2024-01-11", "--channel", "mail",
        "--beneficiary", "张三:1:60%:LP0002", "--beneficiary", "李四:1:40%", "--consent",
    ])  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "受益人变更 / change of beneficiaries" in changed.output and "第 1 顺序 张三 60%" in changed.output
    stored = [(b["name"], b["order_no"], b["share_bp"]) for b in rows(database, PolicyBeneficiary)]
    assert stored == [("张三", 1, 6_000), ("李四", 1, 4_000)]
    contact = runner.invoke(root, ["servicing", "request", "S1", "contact_change", "--day", "2024-01-11",
                                   "--phone", "021-12345678"])  # fmt: skip
    assert contact.exit_code == 0 and "投保人电话变更为 021*****5678" in contact.output
    assert rows(database, ServicingRequest)[-1]["channel"] == "counter"
    bad = runner.invoke(root, ["servicing", "request", "S1", "beneficiary_change", "--day", "2024-01-11",
                               "--beneficiary", "张三:1:50%", "--consent"])  # fmt: skip
    assert bad.exit_code == 2 and "invalid_beneficiary_shares" in bad.output
    unknown = runner.invoke(root, ["servicing", "request", "S1", "nonsense", "--day", "2024-01-11"])
    assert unknown.exit_code == 2 and "不认识的保全项目" in unknown.output


def test_two_loans_at_once_never_pass_the_quote_together(database, tmp_path):
    if database.dialect != "postgresql":
        pytest.skip("row locks (FOR UPDATE) are PostgreSQL's; SQLite runs one writer at a time")
    store_book(database, tmp_path, [policy("S1", "440106", 200_000, dt.date(2016, 9, 1), premiums_paid=8)])
    day = dt.date(2024, 1, 10)
    amount = 2_000_000  # each within the quote of 26,080.00 alone, together above it
    gate = threading.Barrier(2)

    def borrow() -> str:
        gate.wait()
        try:
            ask(database, "S1", K.LOAN, day, amount_fen=amount)
        except InvalidInput as error:
            return error.code
        return "done"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: borrow(), range(2)))
    assert outcomes == ["done", "loan_above_limit"]
    assert loan_of(database, "S1")["principal_fen"] == amount
