"""KPI definition files: the shipped file loads with both rates and their targets; a definition naming
an unknown record set, field, date field or value is refused in Chinese and English, naming the file,
the KPI and the key; rates are basis points rounded half up."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from anxin.domain.errors import InvalidProgram
from anxin.domain.kpi import RecordSet, format_percent, parse_kpis, rate_bp
from anxin.domain.life.requests import RequestKind
from anxin.store.kpi_files import KPIS_DIR, load_kpis, shipped_kpis

VALID: dict[str, Any] = {
    "source": {"document": "测试口径", "confirmed": False},
    "kpi": [
        {
            "code": "e-callback-rate",
            "name_zh": "电子化回访率",
            "name_en": "e-callback rate",
            "unit": "percent",
            "target": "98.62%",
            "numerator": {
                "source": "callback_tasks",
                "date_field": "done_on",
                "where": {"status": ["done"], "channel": ["electronic"]},
            },
            "denominator": {
                "source": "callback_tasks",
                "date_field": "done_on",
                "where": {"status": ["done"]},
            },
        }
    ],
}


def changed(**numerator: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data["kpi"][0]["numerator"].update(numerator)
    return data


def refused(data: dict[str, Any]) -> InvalidProgram:
    with pytest.raises(InvalidProgram) as caught:
        parse_kpis(data, source_name="service.toml")
    return caught.value


def test_shipped_file_loads() -> None:
    kpis = shipped_kpis()
    assert set(kpis) >= {"e-callback-rate", "e-servicing-rate"}
    callback, servicing = kpis["e-callback-rate"], kpis["e-servicing-rate"]
    assert (callback.name_zh, callback.target, servicing.name_zh, servicing.target) == (
        "电子化回访率", 9862, "电子化保全率", 9811,
    )  # fmt: skip
    assert (
        callback.numerator.source == RecordSet.CALLBACK_TASKS and callback.numerator.date_field == "done_on"
    )
    assert callback.numerator.where == {"status": ("done",), "channel": ("electronic",)}
    assert callback.denominator.where == {"status": ("done",)}
    assert (
        servicing.numerator.source == RecordSet.SERVICING_REQUESTS and servicing.numerator.date_field == "day"
    )
    servicing_kinds = tuple(k.value for k in RequestKind if k is not RequestKind.PREMIUM_PAYMENT)
    assert servicing.numerator.where == {"status": ("done",), "channel": ("app",), "kind": servicing_kinds}
    assert servicing.denominator.where == {"status": ("done",), "kind": servicing_kinds}
    assert callback.source is not None and callback.source.confirmed is False
    assert not callback.all_confirmed()
    assert load_kpis(KPIS_DIR / "life-service.toml") == kpis


def test_valid_definition_takes_the_file_source() -> None:
    kpi = parse_kpis(VALID, source_name="service.toml")["e-callback-rate"]
    assert kpi.source is not None and kpi.source.document == "测试口径"


def test_unknown_where_field_is_refused_in_both_languages() -> None:
    error = refused(changed(where={"status": ["done"], "agent": ["A1"]}))
    assert "service.toml: kpi[e-callback-rate].numerator:" in error.zh
    assert "where 中不认识的字段 'agent'（callback_tasks 可用：channel, status）" in error.zh
    assert "unknown field 'agent' in where (callback_tasks allows: channel, status)" in error.en
    assert error.code == "invalid_program"


def test_a_field_allowed_on_requests_only_is_refused_on_callbacks() -> None:
    error = refused(changed(where={"kind": ["surrender"]}))
    assert "'kind'" in error.zh and "'kind'" in error.en


def test_unknown_source_is_refused_in_both_languages() -> None:
    error = refused(changed(source="claims"))
    assert "service.toml: kpi[e-callback-rate].numerator.source: 取值不在允许范围内" in error.zh
    assert "kpi[e-callback-rate].numerator.source" in error.en and "callback_tasks" in error.en


def test_unknown_date_field_and_value_and_key_are_refused() -> None:
    error = refused(changed(date_field="created_at"))
    assert "没有日期字段 'created_at'" in error.zh and "has no date field 'created_at'" in error.en
    error = refused(changed(where={"channel": ["fax"]}))
    assert "fax" in error.zh and "not allowed" in error.en
    error = refused(changed(where={"status": []}))
    assert "至少列出一个取值" in error.zh
    data = copy.deepcopy(VALID)
    data["kpi"][0]["owner"] = "x"
    error = refused(data)
    assert "kpi[e-callback-rate].owner: 不认识的键" in error.zh


def test_numerator_and_denominator_must_count_the_same_records() -> None:
    error = refused(changed(source="servicing_requests", date_field="day", where={}))
    assert "同一记录集" in error.zh and "same record set" in error.en


def test_duplicate_codes_and_empty_files_are_refused(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["kpi"].append(copy.deepcopy(data["kpi"][0]))
    assert "重复" in refused(data).zh
    assert "[[kpi]]" in refused({"source": VALID["source"]}).en
    (tmp_path / "a.toml").write_text(
        (KPIS_DIR / "life-service.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "b.toml").write_text(
        (KPIS_DIR / "life-service.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(InvalidProgram) as caught:
        shipped_kpis(tmp_path)
    assert "b.toml" in caught.value.zh
    (tmp_path / "bad.toml").write_text("kpi = [", encoding="utf-8")
    with pytest.raises(InvalidProgram) as caught:
        load_kpis(tmp_path / "bad.toml")
    assert "TOML" in caught.value.zh


def test_rates_round_half_up_in_basis_points() -> None:
    assert rate_bp(0, 0) is None
    assert rate_bp(2, 3) == 6667
    assert rate_bp(1, 8) == 1250
    assert rate_bp(1, 16) == 625  # 625.0 exactly
    assert rate_bp(1, 32) == 313  # 312.5 → 313
    assert rate_bp(5, 5) == 10_000
    assert [format_percent(b) for b in (9862, 10_000, 5, None)] == ["98.62%", "100.00%", "0.05%", "—"]
