"""Properties of the long-term care engine on random programs, registers and months of bills.

- the batch equals an independent row-at-a-time reference (tests/reference_long_term_care.py) on
  every bill: paid days, the days put down to each reason, the payout;
- no payout exceeds paid days × the daily cap, nor the cost; the flat allowance is paid days × flat;
- a person is never paid more days in a month than the month has, across all bills;
- any chunking (by persons, or a person-month's bills in order carrying the days already paid) and
  the single-bill path give the same results as one batch.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.errors import InvalidInput
from anxin.domain.long_term_care import ServiceType
from anxin.domain.programs import parse_program
from anxin.engine.long_term_care import compute_one, evaluate, registers
from tests.reference_long_term_care import reference

SERVICES = ["hospital_special_care", "institutional_care", "home_visit", "family_care"]
LEVELS = {"national_2021": ["normal", "mild", "moderate", "severe_1", "severe_2", "severe_3"],
          "barthel": ["intact", "mild", "moderate", "severe"]}  # fmt: skip
NATIONAL = {
    "adl": [100, 65, 45],
    "cognition": [16, 12, 4],
    "perception": [12, 8, 4],
    "matrix": [
        ["normal", "normal", "mild", "mild"],
        ["mild", "mild", "mild", "moderate"],
        ["moderate", "moderate", "moderate", "severe_1"],
        ["severe_1", "severe_1", "severe_2", "severe_3"],
    ],
}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ratio(bp: int) -> str:
    return f"{Decimal(bp) / 100}%"


@st.composite
def parameters(draw):
    method = draw(st.sampled_from(sorted(LEVELS)))
    severe = LEVELS[method][-2:]  # most programs pay the severe levels, some more or fewer
    eligible = draw(
        st.one_of(st.just(severe), st.lists(st.sampled_from(LEVELS[method]), min_size=1, unique=True))
    )
    services = []
    for service in SERVICES:
        tiers = [1, 2, 3] if service == "hospital_special_care" else [None]
        for tier in tiers:
            if services and draw(st.integers(0, 4)) == 0:  # most services are covered
                continue
            entry = {"service": service}
            if tier:
                entry["tier"] = tier
            if service == "family_care":
                entry["flat_daily"] = f"{Decimal(draw(st.integers(0, 10_000))) / 100} 元"
            else:
                entry["ratio"] = _ratio(draw(st.integers(0, 10_000)))
                entry["daily_cap"] = f"{Decimal(draw(st.integers(0, 30_000))) / 100} 元"
            services.append(entry)
    assessment = {
        "method": method,
        "eligible": eligible,
        "valid_for": f"{draw(st.one_of(st.just(24), st.integers(1, 36)))}个月",
    }
    if method == "national_2021":
        assessment["national"] = NATIONAL
    else:
        assessment["barthel"] = {"cutoffs": [100, 65, 45]}
    return {"scheme": "resident", "assessment": assessment, "services": services}


@st.composite
def programs(draw):
    versions = [(dt.date(2020, 1, 1), draw(parameters()))]
    if draw(st.booleans()):  # a second version from mid-March: bills starting after it use it
        versions.append((dt.date(2023, 3, 15), draw(parameters())))
    data = {
        "code": "random-ltc",
        "name_zh": "随机",
        "name_en": "random",
        "kind": "long_term_care",
        "funder": "medical_insurance_fund",
        "versions": [
            {"version": str(i), "effective_from": day, "source": {"title": "test"}, "parameters": params}
            for i, (day, params) in enumerate(versions, start=1)
        ],
    }
    return parse_program(data, source_name="random.toml")


def _day(draw, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=draw(st.integers(0, (hi - lo).days)))


@st.composite
def months_of_care(draw):
    """Providers, a few persons' enrolments and assessments, and their bills for Feb–Apr 2023."""
    providers = []
    for code in ("H", "N", "C"):
        types = [s for s in SERVICES if draw(st.integers(0, 9))]  # most providers offer most services
        tier = draw(st.sampled_from([1, 2, 3])) if "hospital_special_care" in types else None
        providers.append({"provider_code": code, "provider_name": code, "tier": tier, "service_types": types})
    assessments, enrolments, bills = [], [], []
    for p in range(draw(st.integers(1, 4))):
        person = f"P{p}"
        cut = _day(draw, dt.date(2022, 12, 1), dt.date(2023, 5, 1))
        periods = [[(None, None)]] * 4 + [[], [(None, cut)], [(cut, None)]]
        for lo, hi in draw(st.sampled_from(periods)):
            enrolments.append(
                {
                    "person_id": person,
                    "enrolled_from": lo or dt.date(2022, 1, 1),
                    "enrolled_to": hi and hi - dt.timedelta(days=1),
                }
            )
        dates = st.sets(st.integers(400, 1150), min_size=1, max_size=3)  # 2021-02 … 2023-02
        for on in draw(st.one_of(dates, dates, st.sets(st.integers(0, 1200), max_size=3))):
            for method in draw(st.sampled_from([sorted(LEVELS), ["barthel"], ["national_2021"]])):
                top = len(LEVELS[method]) - 1
                assessments.append(
                    {
                        "person_id": person,
                        "assessed_on": dt.date(2020, 1, 1) + dt.timedelta(days=on),
                        "method": method,
                        "level": draw(st.one_of(st.just(top), st.just(top - 1), st.integers(0, top))),
                    }
                )
        for _ in range(draw(st.integers(1, 6))):
            month = dt.date(2023, draw(st.sampled_from([2, 2, 2, 3, 4])), 1)
            length = calendar.monthrange(2023, month.month)[1]
            first = draw(st.integers(1, length))
            last = draw(st.integers(first, length))
            whole = draw(st.booleans())
            span = length if whole else last - first + 1
            bill = {
                "bill_id": f"B{len(bills):03d}",
                "person_id": person,
                "provider_code": draw(st.sampled_from(["H", "N", "C"] * 3 + ["X"])),
                "service_type": draw(st.sampled_from(SERVICES)),
                "month": month,
                "days": draw(st.one_of(st.just(span), st.integers(1, span))),
                "cost_fen": draw(st.integers(0, 2_000_000)),
                "service_from": None if whole else month.replace(day=first),
                "service_to": None if whole else month.replace(day=last),
            }
            bills.append(bill)
    return providers, assessments, enrolments, bills


def _registers(providers, assessments, enrolments):
    return registers(
        pl.DataFrame(assessments, schema={"person_id": pl.String, "assessed_on": pl.Date, "method": pl.String, "level": pl.Int8}),
        pl.DataFrame(enrolments, schema={"person_id": pl.String, "enrolled_from": pl.Date, "enrolled_to": pl.Date}),
        pl.DataFrame(
            providers,
            schema={"provider_code": pl.String, "provider_name": pl.String, "tier": pl.Int8, "service_types": pl.List(pl.String)},
        ),
    )  # fmt: skip


BILL_SCHEMA = {
    "bill_id": pl.String,
    "person_id": pl.String,
    "provider_code": pl.String,
    "service_type": pl.String,
    "month": pl.Date,
    "days": pl.Int32,
    "cost_fen": pl.Int64,
    "service_from": pl.Date,
    "service_to": pl.Date,
    "opening_paid_days": pl.Int32,
}


def _run(bills, reg, program) -> dict[str, dict]:
    rows = [dict(b, opening_paid_days=b.get("opening_paid_days", 0)) for b in bills]
    out = evaluate(pl.DataFrame(rows, schema=BILL_SCHEMA), reg, program)
    return {row["bill_id"]: row for row in out.iter_rows(named=True)}


COMPARED = [
    "paid_days",
    "days_refused",
    "days_not_enrolled",
    "days_no_assessment",
    "days_expired",
    "days_level_ineligible",
    "days_over_month",
    "payout_fen",
]


@FAST
@given(programs(), months_of_care())
def test_batch_equals_the_independent_reference(program, care):
    providers, assessments, enrolments, bills = care
    got = _run(bills, _registers(providers, assessments, enrolments), program)
    expected = reference(program, bills, assessments, enrolments, providers)
    for bill in bills:
        row = got[bill["bill_id"]]
        assert {key: row[key] for key in COMPARED} == expected[bill["bill_id"]], bill


@FAST
@given(programs(), months_of_care())
def test_caps_flat_allowance_and_month_length_hold(program, care):
    providers, assessments, enrolments, bills = care
    got = _run(bills, _registers(providers, assessments, enrolments), program)
    paid_in_month: dict[tuple, int] = {}
    for row in got.values():
        unpaid = sum(row[k] for k in COMPARED[1:7])
        assert row["paid_days"] + unpaid == row["days"]
        if row["flat_daily_fen"] is not None:
            assert row["payout_fen"] == row["paid_days"] * row["flat_daily_fen"]
        elif row["ratio_bp"] is not None:
            assert row["payout_fen"] <= row["paid_days"] * row["daily_cap_fen"]
            assert row["payout_fen"] <= row["days"] * row["daily_cap_fen"]
            assert row["payout_fen"] <= row["cost_fen"]
            assert row["payout_fen"] == min(row["ratio_amount_fen"], row["cap_amount_fen"])
        else:
            assert row["payout_fen"] == 0 and row["paid_days"] == 0
        terms = program.version_named(row["version"]).parameters.terms_for(
            ServiceType(row["service_type"]), row["provider_tier"]
        )
        if terms is not None and not row["days_refused"]:  # the domain's statement of the amount
            assert terms.pay(row["days"], row["paid_days"], row["cost_fen"]).payout == row["payout_fen"]
        key = (row["person_id"], row["month"])
        paid_in_month[key] = paid_in_month.get(key, 0) + row["paid_days"]
        assert paid_in_month[key] <= row["month_days"]


@FAST
@given(programs(), months_of_care(), st.randoms(use_true_random=False))
def test_any_chunking_and_the_single_bill_path_agree_with_the_batch(program, care, rnd):
    providers, assessments, enrolments, bills = care
    reg = _registers(providers, assessments, enrolments)
    batch = _run(bills, reg, program)
    # chunks of whole persons
    persons = sorted({b["person_id"] for b in bills})
    rnd.shuffle(persons)
    cut = rnd.randint(0, len(persons))
    for group in (persons[:cut], persons[cut:]):
        part = [b for b in bills if b["person_id"] in group]
        if part:
            for bill_id, row in _run(part, reg, program).items():
                assert row == batch[bill_id]
    # a person-month's bills in kernel order, cut anywhere, carrying the days already paid
    ordered = sorted(
        bills,
        key=lambda b: tuple(batch[b["bill_id"]][k] for k in ("person_id", "month", "period_from", "bill_id")),
    )
    cuts = sorted(rnd.sample(range(1, len(ordered)), k=min(len(ordered) - 1, 2))) if len(ordered) > 1 else []
    paid: dict[tuple, int] = {}
    for start, end in zip([0, *cuts], [*cuts, len(ordered)], strict=True):
        chunk = [
            dict(b, opening_paid_days=paid.get((b["person_id"], b["month"]), 0)) for b in ordered[start:end]
        ]
        for bill_id, row in _run(chunk, reg, program).items():
            assert row["payout_fen"] == batch[bill_id]["payout_fen"]
            assert row["paid_days"] == batch[bill_id]["paid_days"]
        for b in ordered[start:end]:
            key = (b["person_id"], b["month"])
            paid[key] = paid.get(key, 0) + batch[b["bill_id"]]["paid_days"]
    # one bill at a time
    paid = {}
    for bill in ordered:
        key = (bill["person_id"], bill["month"])
        one = compute_one(bill, reg, program, opening_paid_days=paid.get(key, 0))
        assert one["payout_fen"] == batch[bill["bill_id"]]["payout_fen"]
        paid[key] = paid.get(key, 0) + one["paid_days"]


def test_bad_input_is_refused_whole() -> None:
    program = parse_program(
        {
            "code": "t-ltc",
            "name_zh": "测试",
            "name_en": "test",
            "kind": "long_term_care",
            "funder": "medical_insurance_fund",
            "versions": [
                {
                    "version": "1",
                    "effective_from": dt.date(2023, 1, 1),
                    "source": {"title": "t"},
                    "parameters": {
                        "scheme": "employee",
                        "assessment": {"method": "barthel", "eligible": ["severe"], "valid_for": "1年", "barthel": {"cutoffs": [100, 65, 45]}},
                        "services": [{"service": "family_care", "flat_daily": "30 元"}],
                    },
                }
            ],
        },
        source_name="t.toml",
    )  # fmt: skip
    reg = _registers(
        [{"provider_code": "C", "provider_name": "c", "tier": None, "service_types": ["family_care"]}], [], []
    )
    good = {"bill_id": "B1", "person_id": "P", "provider_code": "C", "service_type": "family_care",
            "month": dt.date(2023, 4, 1), "days": 30, "cost_fen": 0}  # fmt: skip
    assert _run([good], reg, program)["B1"]["reason"] == "not_enrolled"
    for change, phrase in (
        ({"days": 31}, "护理天数"),
        ({"days": 0}, "护理天数"),
        ({"cost_fen": -1}, "费用不能为负"),
        ({"service_type": "massage"}, "不认识的服务类型"),
        ({"service_from": dt.date(2023, 3, 31)}, "护理期间"),
        ({"month": dt.date(2022, 12, 1)}, "尚未生效"),
    ):
        with pytest.raises(InvalidInput, match=phrase):
            _run([dict(good, **change)], reg, program)
    with pytest.raises(InvalidInput, match="账单号重复"):
        _run([good, dict(good)], reg, program)
    with pytest.raises(InvalidInput, match="医院级别"):
        _registers(
            [
                {
                    "provider_code": "H",
                    "provider_name": "h",
                    "tier": None,
                    "service_types": ["hospital_special_care"],
                }
            ],
            [],
            [],
        )
    with pytest.raises(InvalidInput, match="重叠"):
        _registers([], [], [{"person_id": "P", "enrolled_from": dt.date(2023, 1, 1), "enrolled_to": None},
                            {"person_id": "P", "enrolled_from": dt.date(2023, 6, 1), "enrolled_to": None}])  # fmt: skip
    with pytest.raises(InvalidInput, match="等级范围"):
        _registers(
            [], [{"person_id": "P", "assessed_on": dt.date(2023, 1, 1), "method": "barthel", "level": 4}], []
        )
