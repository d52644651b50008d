"""Long-term care files (assessments, care providers, care bills) read and validated whole, every
cell at once: each bad cell is reported with its row (as a spreadsheet shows it), its header and a
bilingual reason. A file with any problem yields nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.long_term_care import AssessmentMethod, ServiceType
from anxin.services.imports.care_fields import (
    ASSESSMENT_FIELDS,
    BILL_FIELDS,
    LEVEL_WORDS,
    PROVIDER_FIELDS,
    SERVICE_WORDS,
    CareField,
    header_index,
)
from anxin.services.imports.problems import Problems, masked, masked_if_id
from anxin.services.settlement_files import date_cell, known_columns, money_cell, text_cell
from anxin.store.tabular import format_of, read_table

_SANITIZE = {"certno": masked, "psn_no": masked_if_id}
Check = tuple[str, pl.Expr, str, str]

#: The columns each kind keeps (besides ``source_row`` and ``psn_no``/``certno``) and their types.
ASSESSMENT_COLUMNS: dict[str, pl.DataType] = {
    "assessment_no": pl.String(), "assessed_on": pl.Date(), "method": pl.String(), "level": pl.Int64(),
    "barthel_score": pl.Int64(), "adl_score": pl.Int64(), "cognition_score": pl.Int64(),
    "perception_score": pl.Int64(), "valid_until": pl.Date(),
}  # fmt: skip
PROVIDER_COLUMNS: dict[str, pl.DataType] = {
    "provider_code": pl.String(), "name": pl.String(), "provider_type": pl.String(), "tier": pl.Int64(),
    "region_code": pl.String(), "service_types": pl.String(),
}  # fmt: skip
BILL_COLUMNS: dict[str, pl.DataType] = {
    "bill_no": pl.String(), "provider_code": pl.String(), "service_type": pl.String(), "month": pl.Date(),
    "service_from": pl.Date(), "service_to": pl.Date(), "days": pl.Int64(), "cost_fen": pl.Int64(),
    "replaces_bill_no": pl.String(),
}  # fmt: skip


@dataclass(frozen=True)
class CareFile:
    """A validated file: ``source_row``, ``psn_no``/``certno`` as given (assessments and bills) and
    the kind's columns, parsed."""

    source: Path
    frame: pl.DataFrame
    headers: dict[str, str]


def _month_cell(name: str, dtype: pl.DataType) -> pl.Expr:
    """A month as its first day: a date, or ``2023-03``, ``2023/3``, ``202303``, ``2023年3月``."""
    text = text_cell(name).str.replace_all(r"[年/.]", "-").str.replace(r"月.*$", "")
    text = (
        pl.when(text.str.contains(r"^\d{6}$"))
        .then(text.str.slice(0, 4) + "-" + text.str.slice(4))
        .otherwise(text)
    )
    parts = text.str.split("-")
    year = parts.list.get(0, null_on_oob=True).cast(pl.Int32, strict=False)
    month = parts.list.get(1, null_on_oob=True).cast(pl.Int8, strict=False)
    built = pl.when(year.is_between(1900, 2999) & month.is_between(1, 12)).then(pl.date(year, month, 1))
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return date_cell(name, dtype).dt.month_start()
    return built


def _parse(f: CareField, dtype: pl.DataType, given: pl.Expr) -> tuple[pl.Expr, list[Check]]:
    """A column's parsed value and the checks of its form (null where not given)."""
    name = f.name
    if f.kind == "date":
        day = date_cell(name, dtype)
        return day, [
            (name, given & day.is_null(), "日期无效（应如 2023-05-01）", "not a date like 2023-05-01")
        ]
    if f.kind == "month":
        month = _month_cell(name, dtype)
        return month, [
            (name, given & month.is_null(), "月份无效（应如 2023-05）", "not a month like 2023-05")
        ]
    if f.kind == "money":
        fen = money_cell(name)
        return fen, [
            (name, given & fen.is_null(), "金额格式无效（应如 380.00）", "not an amount like 380.00"),
            (name, fen < 0, "金额不能为负数", "an amount cannot be negative"),
        ]
    if f.kind == "int":
        number = text_cell(name).str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        low, high = f.bounds or (0, 10**9)
        return number, [
            (name, given & (number.is_null() | ~number.is_between(low, high)),
             f"应为 {low}–{high} 的整数", f"must be a whole number from {low} to {high}"),
        ]  # fmt: skip
    if f.kind == "words":
        word = text_cell(name).str.replace(r"\.0+$", "").str.to_lowercase()
        code = word.replace_strict(
            list(f.words), list(f.words.values()), default=None, return_dtype=pl.String
        )
        known = "、".join(sorted({w for w in f.words if not w.isascii()})[:8])
        return code, [(name, given & code.is_null(), f"不认识的取值（可用 {known} 等）",
                       f"unknown value (known: {', '.join(sorted(set(f.words.values())))})")]  # fmt: skip
    parsed = pl.when(given).then(text_cell(name))
    if f.name in ("psn_no", "certno"):
        parsed = parsed.str.to_uppercase()
    checks: list[Check] = []
    if f.limit is not None:
        checks.append((name, text_cell(name).str.len_chars() > f.limit, f"超过 {f.limit} 个字符",
                       f"longer than {f.limit} characters"))  # fmt: skip
    return parsed, checks


def _read(
    path: Path, fields: tuple[CareField, ...], required: tuple[str, ...], *, person: bool
) -> tuple[pl.DataFrame, dict[str, str], dict[str, pl.Expr], list[Check], dict[str, pl.Expr]]:
    source = path.name
    raw = read_table(path)
    first_row = 1 if format_of(path) == "parquet" else 2
    frame, headers = known_columns(raw, header_index(fields), source)
    by_name = {f.name: f for f in fields}
    for name in required:
        if name not in headers:
            raise _missing(source, by_name, name)
    if person and "psn_no" not in headers and "certno" not in headers:
        raise _missing(source, by_name, "psn_no", "certno")
    frame = frame.with_columns(source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64))
    given = {name: text_cell(name).fill_null("") != "" for name in headers}
    parsed: dict[str, pl.Expr] = {}
    checks: list[Check] = []
    for name in headers:
        value, own = _parse(by_name[name], frame.schema[name], given[name])
        parsed[name] = value
        checks += own
    for name in required:
        checks.append((name, ~given[name], "必填项为空", "required value is empty"))
    if person:
        who = [given[n] for n in ("psn_no", "certno") if n in headers]
        first = "psn_no" if "psn_no" in headers else "certno"
        checks.append((first, ~pl.any_horizontal(who), "缺少人员编号或证件号码", "no personnel or ID number"))
    key = required[0]
    checks.append((key, given[key] & text_cell(key).is_duplicated(), "编号在文件中重复", "appears more than once in the file"))  # fmt: skip
    return frame, headers, parsed, checks, given


def _missing(source: str, by_name: dict[str, CareField], *names: str) -> InvalidInput:
    labels = " 或 ".join(f"{n}（{by_name[n].label_zh}）" for n in names)
    return InvalidInput(
        f"{source}：缺少必需的列 {labels}", f"{source}: required column missing: {' or '.join(names)}"
    )


def _finish(
    path: Path,
    frame: pl.DataFrame,
    headers: dict[str, str],
    parsed: dict[str, pl.Expr],
    checks: list[Check],
    columns: dict[str, pl.DataType],
    *,
    person: bool,
) -> CareFile:
    """Run the checks at once; raise every problem, or return the parsed columns."""
    flags = frame.select(*(bad.fill_null(False).alias(f"_bad{i}") for i, (_, bad, _, _) in enumerate(checks)))
    problems = Problems()
    for i, (name, _, zh, en) in enumerate(checks):
        bad = frame.filter(flags[f"_bad{i}"])
        problems.add(bad, headers.get(name, name), zh, en, value=name if name in headers else None,
                     sanitize=_SANITIZE.get(name))  # fmt: skip
    if error := problems.error(path.name):
        raise error
    keep = ["source_row", *(n for n in ("psn_no", "certno") if person and n in headers)]
    values = frame.with_columns(**parsed).select(
        *keep, *((pl.col(n) if n in parsed else pl.lit(None)).cast(t).alias(n) for n, t in columns.items())
    )
    return CareFile(source=path, frame=values, headers=headers)


def read_assessments(path: str | Path) -> CareFile:
    """An assessments file: number, person, date, method (default: the national standard), level."""
    path = Path(path)
    required = ("assessment_no", "assessed_on", "level")
    frame, headers, parsed, checks, given = _read(path, ASSESSMENT_FIELDS, required, person=True)
    method = parsed.get("method", pl.lit(None, pl.String)).fill_null(AssessmentMethod.NATIONAL_2021.value)
    parsed["method"] = method
    word = text_cell("level").str.to_lowercase().str.replace_all(r"\s", "")
    level = pl.lit(None, pl.Int64)
    for code, words in LEVEL_WORDS.items():
        found = word.replace_strict(list(words), list(words.values()), default=None, return_dtype=pl.Int64)
        level = pl.when(method == code).then(found).otherwise(level)
    parsed["level"] = level
    checks.append(("level", given["level"] & level.is_null(), "不认识的失能等级（如 重度失能Ⅰ级、3；Barthel 如 重度依赖）",
                   "unknown level (national: normal … severe_3 or 0–5; Barthel: intact … severe or 0–3)"))  # fmt: skip
    return _finish(path, frame, headers, parsed, checks, ASSESSMENT_COLUMNS, person=True)


def read_providers(path: str | Path) -> CareFile:
    """A care providers file: code, name, services (several separated by commas), tier for hospitals."""
    path = Path(path)
    frame, headers, parsed, checks, given = _read(
        path, PROVIDER_FIELDS, ("provider_code", "name", "service_types"), person=False
    )
    parts = text_cell("service_types").str.replace_all(r"[，、;；/]", ",").str.split(",")
    codes = parts.list.eval(
        pl.element()
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(
            list(SERVICE_WORDS), list(SERVICE_WORDS.values()), default="?", return_dtype=pl.String
        )
    )
    parsed["service_types"] = codes.list.unique().list.sort().list.join(",")
    checks.append(("service_types", given["service_types"] & codes.list.contains("?"),
                   f"不认识的服务类型（可用 {'、'.join(s.label_zh for s in ServiceType)}，以逗号分隔）",
                   f"unknown service types (known: {', '.join(s.value for s in ServiceType)}; comma-separated)"))  # fmt: skip
    tier = parsed.get("tier", pl.lit(None, pl.String)).cast(pl.Int64)
    parsed["tier"] = tier
    hospital = codes.list.contains(ServiceType.HOSPITAL_SPECIAL_CARE.value)
    column = "tier" if "tier" in headers else "service_types"
    checks.append((column, hospital & tier.is_null(), "提供医疗专护的机构须填写医院等级（一级、二级、三级）",
                   "a provider of hospital special care needs its hospital tier (1, 2 or 3)"))  # fmt: skip
    for name in ("provider_type", "region_code"):
        parsed[name] = parsed.get(name, pl.lit("")).fill_null("")
    return _finish(path, frame, headers, parsed, checks, PROVIDER_COLUMNS, person=False)


def read_bills(path: str | Path) -> CareFile:
    """A care bills file: number, person, provider, service, month, days, cost; optionally the care
    period's first and last day and the bill this one replaces."""
    path = Path(path)
    required = ("bill_no", "provider_code", "service_type", "month", "days", "cost")
    frame, headers, parsed, checks, _given = _read(path, BILL_FIELDS, required, person=True)
    parsed["cost_fen"] = parsed.pop("cost")
    month = parsed["month"]
    start = parsed.get("service_from", pl.lit(None, pl.Date))
    end = parsed.get("service_to", pl.lit(None, pl.Date))
    first, last = start.fill_null(month), end.fill_null(month.dt.month_end())
    outside = (first.dt.month_start() != month) | (last.dt.month_start() != month) | (last < first)
    where = "service_from" if "service_from" in headers else "month"
    checks.append((where, outside, "护理期间须在护理月份之内且起止有序",
                   "the care period must lie within the bill's month, first day before last"))  # fmt: skip
    period = (last - first).dt.total_days() + 1
    checks.append(("days", parsed["days"] > period, "护理天数超过护理期间的天数", "more days than the care period has"))  # fmt: skip
    if "replaces_bill_no" in headers:
        itself = parsed["replaces_bill_no"] == parsed["bill_no"]
        checks.append(("replaces_bill_no", itself, "账单不能更正它自己", "a bill cannot replace itself"))
        twice = parsed["replaces_bill_no"].is_not_null() & parsed["replaces_bill_no"].is_duplicated()
        checks.append(("replaces_bill_no", twice, "同一账单在文件中被更正了两次", "one bill is replaced twice in the file"))  # fmt: skip
    return _finish(path, frame, headers, parsed, checks, BILL_COLUMNS, person=True)
