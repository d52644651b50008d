"""New-policy callbacks (新契约回访) on SQLite and PostgreSQL: the daily run opens a task only for
policies of products over one year inside their cooling-off period, due on its last day, and only
once; a call confirming all seven points makes the task done, a call missing one is an attempt and
the task stays open with the point listed; the overdue list; a task closed when its policy ended
refuses a call; the command line."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli.callbacks_cli import app as callbacks_app
from anxin.domain.errors import Conflict, InvalidInput, NotFound
from anxin.domain.identity import mask
from anxin.domain.life.callbacks import CONFIRMATION_COLUMNS, CONFIRMATIONS, CallbackChannel
from anxin.domain.life.products import CoolingOff, LifeProduct
from anxin.services.callbacks import (
    callback_task,
    callback_tasks,
    close_ended_callback_tasks,
    open_callback_tasks,
    record_callback,
)
from anxin.services.servicing_run import run_servicing_day
from anxin.store.database import Database
from anxin.store.life_files import shipped_products
from anxin.store.schema import AuditEntry, CallbackTask, LifePolicy, Person

from .care_support import certno

SHIPPED = shipped_products()
WHOLE = SHIPPED["anxin-whole-life-2026"]
UNIVERSAL = SHIPPED["anxin-universal-life-2026"]
#: A one-year term: no callback. A five-year term with 20 days of cooling-off: a callback.
ONE_YEAR = WHOLE.model_copy(update={"code": "test-term-1y", "term_years": 1})
FIVE_YEAR = WHOLE.model_copy(
    update={"code": "test-term-5y", "term_years": 5, "cooling_off": CoolingOff(days="20 天", fee="10 元")}
)
PRODUCTS = [WHOLE, UNIVERSAL, ONE_YEAR, FIVE_YEAR]
DAY = dt.date(2026, 3, 10)
ALL = dict.fromkeys(CONFIRMATION_COLUMNS, True)


def days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


#: policy_no → (product, received on, status, region)
BOOK: dict[str, tuple[LifeProduct, dt.date, str, str]] = {
    "P1": (WHOLE, days(-3), "in_force", "410102"),
    "P2": (WHOLE, days(-15), "in_force", "410103"),  # the last day of cooling-off
    "P3": (WHOLE, days(-16), "in_force", "410102"),  # cooling-off over
    "P4": (ONE_YEAR, days(-2), "in_force", "410102"),  # one year: no callback
    "P5": (FIVE_YEAR, days(-18), "in_force", "420101"),  # 20 days of cooling-off
    "P6": (WHOLE, days(1), "in_force", "410102"),  # received tomorrow
    "P7": (WHOLE, days(-5), "cancelled", "410102"),  # cancelled in cooling-off
    "P8": (UNIVERSAL, days(-1), "in_force", "410102"),
}


def store_person(db: Database, index: int = 1) -> int:
    number = certno(index)
    with db.engine.begin() as connection:
        return connection.execute(
            sa.insert(Person).values(
                id_hash=db.protector.lookup_hash(number), id_cipher=db.protector.encrypt(number),
                id_masked=mask(number), psn_no=f"CB{index:04d}", sex="female",
                birth_date=dt.date(1980, 1, 1), region_code="410102",
            ).returning(Person.id)
        ).scalar_one()  # fmt: skip


def store_policies(db: Database, book: dict[str, tuple[LifeProduct, dt.date, str, str]]) -> dict[str, int]:
    """Policies straight into ``life_policies`` (annual premium, one paid, next due a year after
    issue); returns their ids by policy number."""
    person = store_person(db)
    rows = []
    for policy_no, (product, received_on, status, region) in book.items():
        issue = received_on - dt.timedelta(days=5)
        rows.append(
            {
                "policy_no": policy_no, "product_code": product.code, "policyholder_id": person,
                "insured_id": person, "region_code": region, "sum_insured_fen": 10_000_000,
                "premium_fen": product.modal_premium(10_000_000), "issue_date": issue,
                "received_on": received_on, "apl": False, "status": status, "status_since": issue,
                "premiums_paid": 1, "premium_credit_fen": 0, "due_on": issue.replace(year=issue.year + 1),
            }
        )  # fmt: skip
    with db.engine.begin() as connection:
        connection.execute(sa.insert(LifePolicy), rows)
        return dict(connection.execute(sa.select(LifePolicy.policy_no, LifePolicy.id)).all())


def tasks(db: Database) -> dict[str, tuple[dt.date, dt.date, str]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.select(LifePolicy.policy_no, CallbackTask.opened_on, CallbackTask.due_on, CallbackTask.status)
            .join(LifePolicy, LifePolicy.id == CallbackTask.policy_id)
        ).all()  # fmt: skip
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


@pytest.fixture
def book(database: Database) -> Database:
    store_policies(database, BOOK)
    run_servicing_day(database, DAY, products=PRODUCTS, campaigns=[])
    return database


def test_the_daily_run_opens_tasks_for_policies_over_one_year_inside_cooling_off(book: Database) -> None:
    assert tasks(book) == {
        "P1": (DAY, days(12), "open"),
        "P2": (DAY, DAY, "open"),
        "P5": (DAY, days(2), "open"),
        "P8": (DAY, days(14), "open"),
    }
    view = callback_task(book, "P1")
    assert view is not None
    assert (view.attempts, view.channel, view.done_on, view.recorded_by) == (0, None, None, "")
    assert view.confirmations == dict.fromkeys(CONFIRMATION_COLUMNS, False)
    assert view.missing == list(CONFIRMATION_COLUMNS)
    assert callback_task(book, "P3") is None


def test_opening_is_idempotent(book: Database) -> None:
    before = tasks(book)
    run_servicing_day(book, DAY, products=PRODUCTS, campaigns=[])
    assert tasks(book) == before
    with book.engine.begin() as connection:
        assert open_callback_tasks(connection, DAY, PRODUCTS) == 0
        assert open_callback_tasks(connection, days(1), PRODUCTS) == 1  # P6, received that day
        assert open_callback_tasks(connection, days(1), PRODUCTS) == 0
    assert tasks(book)["P6"] == (days(1), days(16), "open")
    assert len(tasks(book)) == 5


def test_a_call_confirming_all_seven_points_makes_the_task_done(book: Database) -> None:
    view = record_callback(
        book, "P1", channel=CallbackChannel.ELECTRONIC, confirmations=ALL, day=days(2), actor="agent-1"
    )
    assert (view.status, view.channel, view.done_on, view.attempts, view.recorded_by) == (
        "done", "electronic", days(2), 1, "agent-1",
    )  # fmt: skip
    assert view.confirmations == ALL and view.missing == []
    with book.engine.connect() as connection:
        entry = connection.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "callback_recorded")
        ).one()  # fmt: skip
    assert (entry.actor, entry.entity, entry.entity_id) == ("agent-1", "callback_task", "P1")
    detail = json.loads(entry.detail)
    assert detail["before"] == {"status": "open", "attempts": 0}
    assert detail["after"]["status"] == "done" and detail["after"]["missing"] == []
    with pytest.raises(Conflict) as refused:
        record_callback(book, "P1", channel=CallbackChannel.PHONE, confirmations=ALL, day=days(3), actor="a")
    assert refused.value.code == "callback_not_open"


def test_a_call_missing_a_point_is_an_attempt_and_the_task_stays_open(book: Database) -> None:
    partial = {**ALL, "knows_surrender_losses": False}
    view = record_callback(
        book, "P8", channel=CallbackChannel.PHONE, confirmations=partial, day=DAY, actor="agent-2"
    )
    assert (view.status, view.attempts, view.done_on, view.channel) == ("open", 1, None, "phone")
    assert view.missing == ["knows_surrender_losses"]
    # Points not given count as not confirmed.
    view = record_callback(
        book, "P8", channel=CallbackChannel.PHONE, confirmations={"right_person": True}, day=DAY, actor="b"
    )
    assert (view.status, view.attempts) == ("open", 2)
    assert view.missing == list(CONFIRMATION_COLUMNS[1:])
    view = record_callback(
        book, "P8", channel=CallbackChannel.PHONE, confirmations=ALL, day=days(1), actor="c"
    )
    assert (view.status, view.attempts, view.done_on) == ("done", 3, days(1))
    rows, total = callback_tasks(book, status="open")
    assert total == 3 and [r.policy_no for r in rows] == ["P2", "P5", "P1"]


def test_refusals(book: Database) -> None:
    with pytest.raises(InvalidInput) as unknown:
        record_callback(
            book, "P1", channel=CallbackChannel.PHONE, confirmations={**ALL, "liked_the_agent": True},
            day=DAY, actor="a",
        )  # fmt: skip
    assert "liked_the_agent" in unknown.value.zh and "liked_the_agent" in unknown.value.en
    with pytest.raises(NotFound):
        record_callback(book, "P3", channel=CallbackChannel.PHONE, confirmations=ALL, day=DAY, actor="a")
    with pytest.raises(NotFound):
        record_callback(book, "NOPE", channel=CallbackChannel.PHONE, confirmations=ALL, day=DAY, actor="a")
    with pytest.raises(InvalidInput):
        record_callback(book, "P1", channel="fax", confirmations=ALL, day=DAY, actor="a")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        record_callback(
            book, "P1", channel=CallbackChannel.PHONE, confirmations=ALL, day=days(-10), actor="a"
        )
    assert callback_task(book, "P1").attempts == 0  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        callback_tasks(book, status="pending")


def test_overdue_list_and_filters(book: Database) -> None:
    rows, total = callback_tasks(book, overdue_on=days(1))
    assert (total, [r.policy_no for r in rows]) == (1, ["P2"])
    assert rows[0].overdue(days(1)) and not rows[0].overdue(DAY)
    rows, total = callback_tasks(book, overdue_on=days(3))
    assert (total, [r.policy_no for r in rows]) == (2, ["P2", "P5"])
    record_callback(book, "P5", channel=CallbackChannel.ELECTRONIC, confirmations=ALL, day=days(2), actor="a")
    rows, total = callback_tasks(book, overdue_on=days(3))
    assert (total, [r.policy_no for r in rows]) == (1, ["P2"])
    rows, total = callback_tasks(book, region="4101")
    assert (total, [r.policy_no for r in rows]) == (3, ["P2", "P1", "P8"])
    rows, total = callback_tasks(book, region="4101", limit=1, offset=1)
    assert (total, [r.policy_no for r in rows]) == (3, ["P1"])
    rows, total = callback_tasks(book, status="done")
    assert (total, [r.policy_no for r in rows]) == (1, ["P5"])


def test_a_task_is_closed_when_its_policy_ended_and_refuses_a_call(book: Database) -> None:
    def end(policy_no: str, status: str) -> None:
        with book.engine.begin() as connection:
            connection.execute(
                sa.update(LifePolicy).where(LifePolicy.policy_no == policy_no).values(status=status)
            )

    end("P5", "cancelled")
    with book.engine.begin() as connection:
        assert close_ended_callback_tasks(connection, DAY) == 1
        assert close_ended_callback_tasks(connection, DAY) == 0
    end("P1", "surrendered")
    run_servicing_day(book, days(1), products=PRODUCTS, campaigns=[])
    assert tasks(book) == {
        "P1": (DAY, days(12), "closed"),
        "P2": (DAY, DAY, "open"),
        "P5": (DAY, days(2), "closed"),
        "P6": (days(1), days(16), "open"),
        "P8": (DAY, days(14), "open"),
    }
    assert [callback_task(book, p).closed_reason for p in ("P1", "P5", "P2")] == [
        "surrendered",
        "cancelled",
        "",
    ]  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        record_callback(book, "P5", channel=CallbackChannel.PHONE, confirmations=ALL, day=days(1), actor="a")
    rows, total = callback_tasks(book, overdue_on=days(5))
    assert (total, [r.policy_no for r in rows]) == (1, ["P2"])


def test_command_line(book: Database) -> None:
    runner = CliRunner()
    done = runner.invoke(callbacks_app, ["record", "P1", "--channel", "electronic", "--day", "2026-03-11",
                                         "--all-confirmed", "--actor", "agent-9"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "回访完成" in done.output
    partial = runner.invoke(
        callbacks_app, ["record", "P8", "--channel", "phone", "--day", "2026-03-11",
                        "--confirm", ",".join(CONFIRMATION_COLUMNS[:6])],
    )  # fmt: skip
    assert partial.exit_code == 0, partial.output
    assert CONFIRMATIONS[6][1] in partial.output and "knows_payment_schedule" in partial.output
    assert callback_task(book, "P8").attempts == 1  # type: ignore[union-attr]
    again = runner.invoke(callbacks_app, ["record", "P1", "--channel", "phone", "--day", "2026-03-12",
                                          "--all-confirmed"])  # fmt: skip
    assert again.exit_code == 2 and "callback_not_open" in again.output
    bad = runner.invoke(callbacks_app, ["record", "P8", "--channel", "phone", "--day", "2026-03-12",
                                        "--confirm", "smiled"])  # fmt: skip
    assert bad.exit_code == 2 and "smiled" in bad.output
    listed = runner.invoke(callbacks_app, ["list", "--overdue-on", "2026-03-11"])
    assert listed.exit_code == 0, listed.output
    assert "P2" in listed.output and "P8" not in listed.output
    listed = runner.invoke(callbacks_app, ["list", "--status", "open"])
    assert "P8" in listed.output and "P1" not in listed.output
