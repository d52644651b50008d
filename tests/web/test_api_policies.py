"""Life policies over the API: the list, a policy in full (parties with masked IDs, history with its
causes, ledger), the quotes of a day with their lines, a loan request (postings, status, history),
an idempotent retry that acts once, refusals with their status codes, callbacks, and permissions.

:func:`small_book` (used by the page and browser tests too) imports a few policies for residents of
the web tests' province through the real importer, in a region of their own (``99``, apart from any
policies the demo province holds), and opens the callback tasks as the daily run does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.life.requests import Channel, RequestKind
from anxin.services import policy_view
from anxin.services.callbacks import open_callback_tasks
from anxin.services.imports import import_persons, import_policies
from anxin.services.servicing_requests import submit_request
from anxin.store.database import Database
from anxin.store.life_files import shipped_products
from anxin.store.schema import CallbackTask, LifePolicy, Person, PolicyEvent, ServicingRequest
from tests.integration.care_support import RESIDENT, YEAR, certno
from tests.integration.group_claims_support import write
from tests.web.api_support import V1, key

DAY = dt.date(2026, 1, 10)
LOAN, NEW, SUSPENDED = "P-LOAN-1", "P-NEW-1", "P-SUSP-1"
REGION = "990101"
HEADER = "保单号,产品代码,投保人编号,被保险人编号,业务员代码,行政区划,基本保险金额,生效日期,回执签收日期,自动垫交,保单状态,状态起始日期,已交期数,应交日期,中止日期"


def small_book(db: Database, folder: Path) -> dict[str, Person]:
    """Three whole-life policies of residents: ``P-LOAN-1`` in force since 2020 with six premiums paid
    (sum insured 100,000 yuan: cash value in year 6 is 110 yuan a thousand), ``P-NEW-1`` received on
    5 January 2026 (its callback due on the 20th) and ``P-SUSP-1`` suspended since October 2025. Returns
    the persons by role (holder, insured, other)."""
    with db.session() as session:
        persons = list(
            session.scalars(sa.select(Person).where(Person.psn_no.is_not(None)).order_by(Person.id).limit(3))
        )
    holder, insured, other = persons
    rows = [
        f"{LOAN},anxin-whole-life-2026,{holder.psn_no},{insured.psn_no},AG007,990101,100000.00,2020-03-01,2020-03-03,否,in_force,2020-03-01,6,,",
        f"{NEW},anxin-whole-life-2026,{other.psn_no},,AG007,990101,50000.00,2026-01-01,2026-01-05,否,in_force,2026-01-01,1,,",
        f"{SUSPENDED},anxin-whole-life-2026,{holder.psn_no},,AG008,990101,20000.00,2020-08-01,2020-08-02,否,suspended,2025-10-01,5,2025-08-01,2025-10-01",
    ]  # fmt: skip
    path = folder / "policies.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    summary = import_policies(db, path)
    assert summary.inserted == 3, summary
    with db.engine.begin() as connection:
        open_callback_tasks(connection, dt.date(2026, 1, 6), shipped_products().values())
    return {"holder": holder, "insured": insured, "other": other}


def full_id(db: Database, person: Person) -> str:
    return db.protector.decrypt(person.id_cipher)


def requests_of_book(db: Database) -> list[str]:
    """The statuses of the small book's servicing requests, oldest first."""
    with db.engine.connect() as connection:
        return list(connection.execute(
            sa.select(ServicingRequest.status).join(LifePolicy, LifePolicy.id == ServicingRequest.policy_id)
            .where(LifePolicy.region_code == REGION).order_by(ServicingRequest.id)
        ).scalars())  # fmt: skip


def test_the_list_and_a_policy_in_full_with_masked_ids(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    people = small_book(web_db, tmp_path)
    clerk = api("clerk")
    listed = clerk.get(f"{V1}/policies", params={"status": "in_force", "region": "99"}).json()
    assert listed["total"] == 2 and [p["policy_no"] for p in listed["items"]] == [LOAN, NEW]
    assert listed["items"][0]["status_zh"] == "有效"
    assert clerk.get(f"{V1}/policies", params={"policy_no": "P-SU"}).json()["total"] == 1

    answer = clerk.get(f"{V1}/policies/{LOAN}", params={"day": DAY.isoformat()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["product_name_zh"], body["sum_insured_fen"], body["premium_fen"]) == (
        "安心终身寿险（示例）",
        10_000_000,
        250_000,
    )
    assert (body["status"], body["premiums_paid"], body["agent_code"], body["loan"]) == (
        "in_force",
        6,
        "AG007",
        None,
    )
    assert body["policyholder"]["id_masked"] == people["holder"].id_masked
    assert body["insured"]["person_no"] == people["insured"].psn_no
    assert (
        full_id(web_db, people["holder"]) not in answer.text
        and full_id(web_db, people["insured"]) not in answer.text
    )
    assert [(h["status_to"], h["event"], h["cause"]) for h in body["history"]] == [
        ("in_force", "imported", "import")
    ]
    assert body["events"] == [] and body["requests"] == []
    assert clerk.get(f"{V1}/policies/NOPE").status_code == 404


def test_quotes_of_a_day_are_explained(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    quotes = api("clerk").get(f"{V1}/policies/{LOAN}/quotes", params={"day": DAY.isoformat()}).json()
    # Year 6: 110 yuan a thousand on 100,000 yuan = 11,000 yuan; no debt; a loan up to 80 %.
    assert quotes["surrender"]["amount_fen"] == 1_100_000 and quotes["surrender"]["amount_yuan"] == "11000.00"
    assert quotes["loan"]["amount_fen"] == 880_000
    assert quotes["reinstatement"] is None
    assert any("80" in line for line in quotes["loan"]["lines_zh"]) and quotes["loan"]["lines_en"]
    suspended = (
        api("auditor").get(f"{V1}/policies/{SUSPENDED}/quotes", params={"day": DAY.isoformat()}).json()
    )
    assert suspended["loan"] is None and suspended["reinstatement"]["amount_fen"] > 0


def test_a_loan_request_acts_once_on_a_retry_and_shows_in_the_history(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk, headers = api("clerk"), key()
    body = {"kind": "loan", "channel": "counter", "day": DAY.isoformat(), "details": {"amount_fen": 500_000}}
    first = clerk.post(f"{V1}/policies/{LOAN}/requests", json=body, headers=headers)
    assert first.status_code == 201, first.text
    done = first.json()
    assert (done["kind"], done["kind_zh"], done["status"], done["amount_fen"]) == (
        "loan",
        "保单借款",
        "done",
        500_000,
    )
    assert done["lines_zh"] and done["lines_en"]
    again = clerk.post(f"{V1}/policies/{LOAN}/requests", json=body, headers=headers)
    assert (
        again.status_code == 201 and again.json() == done and again.headers["idempotent-replayed"] == "true"
    )
    assert requests_of_book(web_db) == ["done"]
    with web_db.engine.connect() as connection:
        postings = connection.execute(
            sa.select(PolicyEvent.event, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)
            .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id).where(LifePolicy.region_code == REGION)
        ).all()  # fmt: skip
    assert postings == [("loan_taken", "policy_loans", "cash", 500_000)]

    policy = clerk.get(f"{V1}/policies/{LOAN}", params={"day": "2026-04-10"}).json()
    assert policy["loan"]["principal_fen"] == 500_000 and policy["loan"]["start"] == DAY.isoformat()
    # 5,000 yuan at 5 % a year for 90 days = 61.64 yuan (rounded half up once).
    assert policy["loan"]["interest_fen"] == 6_164 and policy["loan"]["debt_fen"] == 506_164
    assert [(e["event"], e["debit_zh"], e["credit_zh"], e["cause"]) for e in policy["events"]] == [
        ("loan_taken", "保单质押贷款", "银行存款", "request")
    ]
    listed = clerk.get(f"{V1}/policies/{LOAN}/requests").json()
    assert [r["request_no"] for r in listed] == [done["request_no"]] and listed[0]["channel_zh"]


def test_refusals_answer_their_status_with_both_languages(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = api("clerk")
    too_much = {"kind": "loan", "channel": "app", "day": DAY.isoformat(), "details": {"amount_fen": 900_000}}
    above = clerk.post(f"{V1}/policies/{LOAN}/requests", json=too_much, headers=key())
    assert above.status_code == 422 and above.json()["error"] == {
        "code": "loan_above_limit",
        "message": "贷款金额 9,000.00 元超出可贷金额 8,800.00 元",
        "message_en": "a loan of 9,000.00 is above the 8,800.00 available",
    }
    refused = clerk.post(f"{V1}/policies/{SUSPENDED}/requests", json=too_much, headers=key())
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] and error["message"] and error["message_en"]
    bad = {"kind": "contact_change", "channel": "app", "day": DAY.isoformat(), "details": {}}
    invalid = clerk.post(f"{V1}/policies/{LOAN}/requests", json=bad, headers=key())
    assert invalid.status_code == 422 and invalid.json()["error"]["message_en"]
    unknown = clerk.post(f"{V1}/policies/NOPE/requests", json=bad, headers=key())
    assert unknown.status_code == 404
    not_a_kind = clerk.post(f"{V1}/policies/{LOAN}/requests", json=bad | {"kind": "teleport"}, headers=key())
    assert not_a_kind.status_code == 422
    assert clerk.post(f"{V1}/policies/{LOAN}/requests", json=bad).status_code == 428
    # refused requests are kept as refused; the unknown policy and the invalid body leave nothing
    assert requests_of_book(web_db) == ["refused", "refused", "refused"]


def test_callbacks_listed_and_recorded(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = api("clerk")
    tasks = clerk.get(f"{V1}/callbacks", params={"status": "open", "region": "99"}).json()
    assert (
        tasks["total"] == 1
        and tasks["items"][0]["policy_no"] == NEW
        and tasks["items"][0]["due_on"] == "2026-01-20"
    )
    overdue = {"region": "99", "overdue_on": "2026-01-20"}
    assert clerk.get(f"{V1}/callbacks", params=overdue).json()["total"] == 0
    assert clerk.get(f"{V1}/callbacks", params=overdue | {"overdue_on": "2026-01-21"}).json()["total"] == 1
    points = ["right_person", "signed_in_person", "read_brochure_and_risk_notice", "understands_cover",
              "knows_surrender_losses", "knows_cooling_off_rights", "knows_payment_schedule"]  # fmt: skip
    partial = {"channel": "phone", "day": "2026-01-08", "confirmations": dict.fromkeys(points[:6], True)}
    attempt = clerk.post(f"{V1}/policies/{NEW}/callback", json=partial, headers=key())
    assert attempt.status_code == 200, attempt.text
    assert (attempt.json()["status"], attempt.json()["attempts"]) == ("open", 1)
    headers = key()
    complete = {"channel": "electronic", "day": "2026-01-09", "confirmations": dict.fromkeys(points, True)}
    done = clerk.post(f"{V1}/policies/{NEW}/callback", json=complete, headers=headers)
    assert (done.json()["status"], done.json()["attempts"], done.json()["done_on"]) == (
        "done",
        2,
        "2026-01-09",
    )
    assert clerk.post(f"{V1}/policies/{NEW}/callback", json=complete, headers=headers).json() == done.json()
    assert clerk.post(f"{V1}/policies/{NEW}/callback", json=complete, headers=key()).status_code == 409
    assert clerk.post(f"{V1}/policies/{LOAN}/callback", json=complete, headers=key()).status_code == 404
    with web_db.engine.connect() as connection:
        attempts = sa.select(CallbackTask.attempts).join(LifePolicy).where(LifePolicy.policy_no == NEW)
        assert connection.execute(attempts).scalar_one() == 2


def test_permissions(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    body = {"kind": "loan", "channel": "counter", "day": DAY.isoformat(), "details": {"amount_fen": 100_000}}
    finance = api("finance")
    assert finance.post(f"{V1}/policies/{LOAN}/requests", json=body, headers=key()).status_code == 403
    assert finance.post(f"{V1}/policies/{NEW}/callback", json={"channel": "phone", "day": "2026-01-08",
                                                                "confirmations": {}}, headers=key()).status_code == 403  # fmt: skip
    assert api(None).get(f"{V1}/policies").status_code == 401
    assert requests_of_book(web_db) == []


def test_the_policy_view_on_both_databases(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(3)], "人员编号": ["V1", "V2", "V3"]})
    import_persons(database, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    people = small_book(database, tmp_path)
    loan = submit_request(database, LOAN, RequestKind.LOAN, channel=Channel.APP, day=DAY, actor="clerk",
                          details={"amount_fen": 300_000})  # fmt: skip
    found = policy_view.policy_detail(database, LOAN, dt.date(2026, 7, 9))
    assert (found.policyholder.person_no, found.policyholder.id_masked) == ("V1", people["holder"].id_masked)
    assert found.insured.person_no == "V2" and found.product_name_en == "Anxin whole life (example)"
    # 3,000 yuan at 5 % a year for 180 days = 73.97 yuan
    assert found.loan is not None and (found.loan.interest_fen, found.loan.debt_fen) == (7_397, 307_397)
    assert [(e.event, e.debit, e.credit, e.amount_fen, e.cause) for e in found.events] == [
        ("loan_taken", "policy_loans", "cash", 300_000, "request")
    ]
    assert [(c.status_to, c.cause) for c in found.history] == [("in_force", "import")]
    assert [(r.request_no, r.kind, r.status, r.amount_fen) for r in found.requests] == [
        (loan.request_no, "loan", "done", 300_000)
    ]
    assert found.requests[0].lines_zh == loan.lines_zh
    rows, total = policy_view.find_policies(database, region="99", limit=2, offset=1)
    assert total == 3 and [r.policy_no for r in rows] == [NEW, SUSPENDED]
    rows, total = policy_view.find_policies(database, status="suspended", policy_no="P-")
    assert total == 1 and rows[0].policyholder_id_masked == people["holder"].id_masked
    assert policy_view.find_policies(database, policy_no="P-%")[1] == 0  # a prefix, not a pattern
