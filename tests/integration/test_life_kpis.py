"""The life-service KPIs on SQLite and PostgreSQL, counted from stored rows: callback tasks done
electronically and by phone, servicing requests done and refused through several channels; exact
numerators, denominators and rates over a period, for a region, by month; a KPI defined differently
in a file counts differently; the command line."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from anxin.cli.callbacks_cli import kpis as kpis_command
from anxin.domain.kpi import parse_kpis
from anxin.services.life_kpis import KpiValue, kpi_by_month, kpi_by_month_and_region, kpi_values
from anxin.store.database import Database
from anxin.store.kpi_files import shipped_kpis
from anxin.store.schema import CallbackTask, ServicingRequest

from .test_callbacks import WHOLE, store_policies

D = dt.date
#: policy_no → region
REGIONS = {"K1": "410102", "K2": "410103", "K3": "420101"}
#: (policy, status, channel, done on)
CALLBACKS = [
    ("K1", "done", "electronic", D(2026, 3, 5)),
    ("K1", "done", "electronic", D(2026, 3, 20)),
    ("K2", "done", "phone", D(2026, 3, 31)),
    ("K3", "done", "electronic", D(2026, 4, 1)),
    ("K3", "done", "phone", D(2026, 3, 10)),
    ("K1", "open", "phone", None),
    ("K1", "closed", None, None),
    ("K1", "done", "electronic", D(2026, 2, 28)),
]
#: (policy, kind, channel, status, day)
REQUESTS = [
    ("K1", "loan", "app", "done", D(2026, 3, 2)),
    ("K1", "surrender", "app", "done", D(2026, 3, 3)),
    ("K2", "loan", "counter", "done", D(2026, 3, 4)),
    ("K2", "loan", "app", "refused", D(2026, 3, 5)),
    ("K3", "reinstatement", "app", "done", D(2026, 3, 31)),
    ("K3", "loan", "app", "done", D(2026, 4, 1)),
    ("K1", "loan", "phone", "done", D(2026, 3, 15)),
]
MARCH = {"start": D(2026, 3, 1), "end": D(2026, 3, 31)}
TARGETS = {"e-callback-rate": 9862, "e-servicing-rate": 9811}
NAMES = {
    "e-callback-rate": ("电子化回访率", "e-callback rate"),
    "e-servicing-rate": ("电子化保全率", "e-servicing rate"),
}


def value(code: str, numerator: int, denominator: int, rate: int | None) -> KpiValue:
    return KpiValue(code, *NAMES[code], numerator, denominator, rate, TARGETS[code])


@pytest.fixture
def stored(database: Database) -> Database:
    """One policy per callback task (a policy has one task) and the requests on the K policies."""
    book = {p: (WHOLE, D(2026, 1, 10), "in_force", r) for p, r in REGIONS.items()}
    book |= {f"T{n}": (WHOLE, D(2026, 1, 10), "in_force", REGIONS[c[0]]) for n, c in enumerate(CALLBACKS)}
    ids = store_policies(database, book)
    tasks = [
        {"policy_id": ids[f"T{n}"], "opened_on": D(2026, 1, 10), "due_on": D(2026, 1, 25), "status": status,
         "channel": channel, "done_on": done_on, "attempts": 1 if channel else 0}
        for n, (_, status, channel, done_on) in enumerate(CALLBACKS)
    ]  # fmt: skip
    requests = [
        {"request_no": f"R{n}", "policy_id": ids[p], "kind": kind, "channel": channel, "status": status,
         "day": day, "entered_by": "test"}
        for n, (p, kind, channel, status, day) in enumerate(REQUESTS)
    ]  # fmt: skip
    with database.engine.begin() as connection:
        connection.execute(sa.insert(CallbackTask), tasks)
        connection.execute(sa.insert(ServicingRequest), requests)
    return database


def test_march_over_every_region(stored: Database) -> None:
    assert kpi_values(stored, **MARCH) == [
        value("e-callback-rate", 2, 4, 5000),
        value("e-servicing-rate", 3, 5, 6000),
    ]


def test_by_region_prefix(stored: Database) -> None:
    assert kpi_values(stored, **MARCH, region="4101") == [
        value("e-callback-rate", 2, 3, 6667),
        value("e-servicing-rate", 2, 4, 5000),
    ]
    assert kpi_values(stored, **MARCH, region="42") == [
        value("e-callback-rate", 0, 1, 0),
        value("e-servicing-rate", 1, 1, 10_000),
    ]
    nothing = kpi_values(stored, **MARCH, region="43")
    assert [(v.numerator, v.denominator, v.rate_bp, v.rate_text) for v in nothing] == [(0, 0, None, "—")] * 2


def test_both_ends_of_the_period_are_included(stored: Database) -> None:
    last_day = kpi_values(stored, start=D(2026, 3, 31), end=D(2026, 3, 31))
    assert [(v.numerator, v.denominator) for v in last_day] == [(0, 1), (1, 1)]
    spring = kpi_values(stored, start=D(2026, 2, 28), end=D(2026, 4, 1))
    assert spring == [value("e-callback-rate", 4, 6, 6667), value("e-servicing-rate", 4, 6, 6667)]
    assert [v.meets_target for v in spring] == [False, False]
    assert spring[0].rate_text == "66.67%"


def test_by_month(stored: Database) -> None:
    months = kpi_by_month(stored, 2026)
    assert set(months) == {"e-callback-rate", "e-servicing-rate"}
    callbacks = [(v.numerator, v.denominator, v.rate_bp) for v in months["e-callback-rate"]]
    assert callbacks == [(0, 0, None), (1, 1, 10_000), (2, 4, 5000), (1, 1, 10_000)] + [(0, 0, None)] * 8
    requests = [(v.numerator, v.denominator, v.rate_bp) for v in months["e-servicing-rate"]]
    assert requests == [(0, 0, None)] * 2 + [(3, 5, 6000), (1, 1, 10_000)] + [(0, 0, None)] * 8
    in_henan = kpi_by_month(stored, 2026, region="41")["e-callback-rate"]
    assert [(v.numerator, v.denominator) for v in in_henan[1:3]] == [(1, 1), (2, 3)]
    assert all(v.denominator == 0 for v in kpi_by_month(stored, 2025)["e-servicing-rate"])


def test_by_month_and_region(stored: Database) -> None:
    cities = kpi_by_month_and_region(stored, 2026, digits=4)
    callbacks = {key: (v.numerator, v.denominator, v.rate_bp) for key, v in cities["e-callback-rate"].items()}
    assert callbacks == {
        (2, "4101"): (1, 1, 10_000), (3, "4101"): (2, 3, 6667), (3, "4201"): (0, 1, 0), (4, "4201"): (1, 1, 10_000),
    }  # fmt: skip
    requests = {key: (v.numerator, v.denominator) for key, v in cities["e-servicing-rate"].items()}
    assert requests == {(3, "4101"): (2, 4), (3, "4201"): (1, 1), (4, "4201"): (1, 1)}
    provinces = kpi_by_month_and_region(stored, 2026)["e-callback-rate"]
    assert {key: (v.numerator, v.denominator) for key, v in provinces.items()} == {
        (2, "41"): (1, 1), (3, "41"): (2, 3), (3, "42"): (0, 1), (4, "42"): (1, 1),
    }  # fmt: skip
    henan = kpi_by_month_and_region(stored, 2026, digits=4, region="41")["e-callback-rate"]
    assert set(henan) == {(2, "4101"), (3, "4101")}


def test_a_kpi_counts_what_its_definition_says(stored: Database) -> None:
    definitions = parse_kpis(
        {
            "source": {"document": "测试", "confirmed": False},
            "kpi": [
                {
                    "code": "app-loan-rate", "name_zh": "App 借款占比", "name_en": "loans through the app",
                    "numerator": {"source": "servicing_requests", "date_field": "day",
                                  "where": {"status": ["done"], "kind": ["loan"], "channel": ["app"]}},
                    "denominator": {"source": "servicing_requests", "date_field": "day",
                                    "where": {"status": ["done"], "kind": ["loan"]}},
                },
                {
                    "code": "digital-servicing-rate", "name_zh": "线上保全率", "name_en": "online servicing",
                    "target": "50%",
                    "numerator": {"source": "servicing_requests", "date_field": "day",
                                  "where": {"channel": ["app", "phone"]}},
                    "denominator": {"source": "servicing_requests", "date_field": "day"},
                },
            ],
        },
        source_name="custom.toml",
    )  # fmt: skip
    loans, online = kpi_values(stored, **MARCH, kpis=definitions.values())
    assert (loans.code, loans.numerator, loans.denominator, loans.rate_bp, loans.target_bp) == (
        "app-loan-rate", 1, 3, 3333, None,
    )  # fmt: skip
    assert (online.numerator, online.denominator, online.rate_bp, online.meets_target) == (5, 6, 8333, True)


def test_kpis_command(stored: Database) -> None:
    app = typer.Typer()
    app.command()(kpis_command)
    runner = CliRunner()
    shown = runner.invoke(app, ["--from", "2026-03-01", "--to", "2026-03-31"])
    assert shown.exit_code == 0, shown.output
    assert "电子化回访率" in shown.output and "50.00%" in shown.output and "98.62%" in shown.output
    assert "60.00%" in shown.output and "98.11%" in shown.output
    backwards = runner.invoke(app, ["--from", "2026-03-31", "--to", "2026-03-01"])
    assert backwards.exit_code == 2 and "早于" in backwards.output
    assert set(shipped_kpis()) == set(TARGETS)
