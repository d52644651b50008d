"""Settlement files (CSV, Excel, Parquet) read, validated and shaped into the kernel's input.

Validation is vectorized: every cell is parsed at once, and every bad cell is reported with its row
number (as a spreadsheet shows it), its column header, its value (ID numbers masked) and the reason
in Chinese and English. A file with any problem yields nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from anxin.domain.errors import InvalidInput, InvalidRows, RowProblem
from anxin.domain.identity import mask
from anxin.domain.vulnerability import vocabulary
from anxin.engine.identity import resident_id_is_valid
from anxin.services.settlement_fields import BY_NAME, FieldKind, SettlementField, header_index
from anxin.store.tabular import format_of, read_table

#: How many problems are listed at most (all are counted).
PROBLEM_LIMIT = 1000
_MONEY_TEXT = r"^-?\d{1,13}(\.\d{1,2})?$"
#: The largest amount the text form admits (13 digits of yuan), in fen, plus one.
_MONEY_LIMIT_FEN = 10**15


@dataclass(frozen=True)
class SettlementFile:
    """A validated settlement file: kernel columns plus the original fields, one row per settlement."""

    source: Path
    frame: pl.DataFrame
    fields: tuple[str, ...]
    has_bureau_payout: bool


def known_columns(
    frame: pl.DataFrame, index: Mapping[str, Any], source: str
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The columns whose header ``index`` knows (case-insensitive), renamed to their field names,
    and field name → the header the file used. Two headers meaning one field are an error."""
    headers: dict[str, str] = {}
    for column in frame.columns:
        field = index.get(column.strip().lower())
        if field is None:
            continue
        if field.name in headers:
            raise InvalidInput(
                f"{source}：列「{headers[field.name]}」与「{column}」都表示 {field.name}",
                f"{source}: columns {headers[field.name]!r} and {column!r} both mean {field.name}",
            )
        headers[field.name] = column
    return frame.select(list(headers.values())).rename({v: k for k, v in headers.items()}), headers


def _require(headers: dict[str, str], source: str) -> None:
    def missing(*names: str) -> None:
        labels = " 或 ".join(f"{n}（{BY_NAME[n].label_zh}）" for n in names)
        raise InvalidInput(
            f"{source}：缺少必需的列 {labels}", f"{source}: required column missing: {' or '.join(names)}"
        )

    if "psn_no" not in headers and "certno" not in headers:
        missing("psn_no", "certno")
    for name in ("setl_id", "setl_time"):
        if name not in headers:
            missing(name)
    if "eligible_owed" not in headers:
        for name in ("inscp_scp_amt", "hifp_pay"):
            if name not in headers:
                missing(name)


def text_cell(name: str) -> pl.Expr:
    """A column as trimmed text, whatever its type in the file."""
    return pl.col(name).cast(pl.String).str.strip_chars()


def money_cell(name: str, dtype: pl.DataType | None = None) -> pl.Expr:
    """A yuan amount column as exact fen; null where the text is not an amount with ≤ 2 decimals.

    Exact typed columns skip the text: a ``Decimal`` with at most 2 decimals (as Parquet files carry
    money) is its unscaled value, an integer column whole yuan. Floats go through their text, which
    refuses binary fractions such as ``0.30000000000000004``."""
    if isinstance(dtype, pl.Decimal) and (dtype.scale or 0) <= 2:
        fen = (pl.col(name) * 100).cast(pl.Int64)
        return pl.when(fen.abs() < _MONEY_LIMIT_FEN).then(fen)
    if dtype is not None and dtype.is_integer():
        fen = pl.col(name).cast(pl.Int64) * 100
        return pl.when(pl.col(name).abs() < _MONEY_LIMIT_FEN // 100).then(fen)
    text = text_cell(name).str.replace_all(r"[,，\s]", "")
    digits = text.str.extract(r"^-?(\d+)", 1).cast(pl.Int64, strict=False)
    cents = text.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64).fill_null(0)
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    return pl.when(text.str.contains(_MONEY_TEXT)).then(sign * (digits * 100 + cents))


def date_cell(name: str, dtype: pl.DataType) -> pl.Expr:
    """A date column (date, datetime or text in the usual forms); null where it is not a date."""
    if dtype == pl.Date:
        return pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return pl.col(name).dt.date()
    day = text_cell(name).str.split(" ").list.first().str.split("T").list.first()
    return pl.coalesce(
        day.str.to_date("%Y-%m-%d", strict=False),
        day.str.to_date("%Y/%m/%d", strict=False),
        pl.when(day.str.len_chars() == 8).then(day.str.to_date("%Y%m%d", strict=False)),
    )


def datetime_cell(name: str, dtype: pl.DataType) -> pl.Expr:
    """A timestamp column (or a date, at midnight); null where it is not a time."""
    if isinstance(dtype, pl.Datetime):
        return pl.col(name).cast(pl.Datetime("us"))
    if dtype == pl.Date:
        return pl.col(name).cast(pl.Datetime("us"))
    text = text_cell(name).str.replace("T", " ")
    formats = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S")
    candidates = [text.str.to_datetime(f, strict=False, time_unit="us") for f in formats]
    return pl.coalesce(*candidates, date_cell(name, pl.String()).cast(pl.Datetime("us")))


def _empty(name: str, dtype: pl.DataType) -> pl.Expr:
    """Whether a cell is empty: null, or blank text (typed columns are not read as text)."""
    if dtype == pl.String:
        return text_cell(name).fill_null("") == ""
    return pl.col(name).is_null()


def _parse(field: SettlementField, dtype: pl.DataType) -> tuple[pl.Expr, str, str]:
    """The parsed value of a column (null where invalid) and the reason when it is invalid."""
    name = field.name
    if field.kind is FieldKind.MONEY:
        return (
            money_cell(name, dtype),
            "金额格式无效（应如 1234.56，最多两位小数）",
            "not an amount like 1234.56 (at most 2 decimals)",
        )
    if field.kind is FieldKind.DATE:
        return date_cell(name, dtype), "日期无效（应如 2023-05-01）", "not a date like 2023-05-01"
    if field.kind is FieldKind.DATETIME:
        return (
            datetime_cell(name, dtype),
            "时间无效（应如 2023-05-01 10:30:00）",
            "not a time like 2023-05-01 10:30:00",
        )
    if field.kind is FieldKind.GROUP:
        words = vocabulary()
        parsed = text_cell(name).replace_strict(
            list(words), list(words.values()), default="?", return_dtype=pl.String
        )
        return (
            pl.when(parsed != "?").then(parsed),
            "不认识的人员身份类别（如 特困、低保、返贫致贫）",
            "unknown person category (e.g. 特困, 低保, 返贫致贫)",
        )
    if field.kind is FieldKind.RESIDENT_ID:
        text = text_cell(name).str.to_uppercase()
        return (
            pl.when(resident_id_is_valid(text)).then(text),
            "身份证号码无效（长度、出生日期或校验位错误）",
            "invalid resident ID (length, birth date or check character)",
        )
    return text_cell(name), "", ""


def read_settlements(path: str | Path) -> SettlementFile:
    """Read and validate a settlement file into the kernel's input columns."""
    path = Path(path)
    source = path.name
    raw = read_table(path)
    first_row = 1 if format_of(path) == "parquet" else 2
    frame, headers = known_columns(raw, header_index(), source)
    _require(headers, source)
    frame = frame.with_columns(source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64))

    parsed, checks = [], []
    for name in headers:
        field = BY_NAME[name]
        expression, reason_zh, reason_en = _parse(field, frame.schema[name])
        parsed.append(expression.alias(name))
        present = ~_empty(name, frame.schema[name])
        if field.kind is FieldKind.GROUP:
            present = text_cell(name).is_not_null() & present
        if reason_zh:
            checks.append((name, present & expression.is_null(), reason_zh, reason_en))
    required = ["setl_id", "setl_time"] + (["psn_no"] if "psn_no" in headers else ["certno"])
    required += ["eligible_owed"] if "eligible_owed" in headers else ["inscp_scp_amt", "hifp_pay"]
    for name in required:
        checks.append((name, _empty(name, frame.schema[name]), "必填项为空", "required value is empty"))

    problems: list[RowProblem] = []
    total = 0
    flags = frame.select(
        pl.col("source_row"), *(mask_.alias(f"_bad{i}") for i, (_, mask_, _, _) in enumerate(checks))
    )
    for i, (name, _, reason_zh, reason_en) in enumerate(checks):
        bad_rows = flags.filter(pl.col(f"_bad{i}"))["source_row"]
        total += bad_rows.len()
        problems.extend(
            _problems(
                frame, bad_rows, name, headers[name], reason_zh, reason_en, PROBLEM_LIMIT - len(problems)
            )
        )

    values = frame.with_columns(parsed)
    total += _cross_checks(values, headers, problems)
    if total:
        problems.sort(key=lambda p: (p.row, p.column))
        raise InvalidRows(source, problems[:PROBLEM_LIMIT], total)
    return SettlementFile(
        source=path,
        frame=_kernel_input(values, headers),
        fields=tuple(headers),
        has_bureau_payout="hifmi_pay" in headers,
    )


def _problems(
    frame: pl.DataFrame, rows: pl.Series, name: str, header: str, zh: str, en: str, room: int
) -> list[RowProblem]:
    if room <= 0 or rows.len() == 0:
        return []
    picked = frame.filter(pl.col("source_row").is_in(rows.head(room).implode()))
    found = []
    for row, value in zip(picked["source_row"], picked[name].cast(pl.String), strict=True):
        shown = "" if value is None else str(value)[:40]
        if BY_NAME[name].kind is FieldKind.RESIDENT_ID:
            shown = mask(shown)
        found.append(RowProblem(int(row), header, shown, zh, en))
    return found


def _cross_checks(values: pl.DataFrame, headers: dict[str, str], problems: list[RowProblem]) -> int:
    """Checks across fields and rows: duplicate settlement IDs, dates out of order, fund over cost."""
    rules: list[tuple[str, pl.Expr, str, str]] = [
        ("setl_id", pl.col("setl_id").is_duplicated(), "结算ID重复", "duplicate settlement ID"),
    ]
    if "begndate" in headers and "enddate" in headers:
        rules.append(
            (
                "enddate",
                pl.col("enddate") < pl.col("begndate"),
                "出院日期早于入院日期",
                "discharge before admission",
            )
        )
    if "eligible_owed" not in headers:
        rules.append(
            (
                "hifp_pay",
                (pl.col("inscp_scp_amt") >= 0) & (pl.col("hifp_pay") > pl.col("inscp_scp_amt")),
                "统筹基金支出大于符合政策范围金额",
                "pooled-fund payment exceeds the policy-scope amount",
            )
        )
    total = 0
    for name, condition, zh, en in rules:
        bad = values.filter(condition.fill_null(False))["source_row"]
        total += bad.len()
        problems.extend(_problems(values, bad, name, headers[name], zh, en, PROBLEM_LIMIT - len(problems)))
    return total


def _kernel_input(values: pl.DataFrame, headers: dict[str, str]) -> pl.DataFrame:
    settled = pl.col("setl_time")
    base = (
        pl.col("eligible_owed")
        if "eligible_owed" in headers
        else pl.col("inscp_scp_amt") - pl.col("hifp_pay")
    )
    person = pl.col("psn_no") if "psn_no" in headers else pl.col("certno")
    kernel = values.with_columns(
        person_id=person,
        settlement_id=pl.col("setl_id"),
        settled_at=settled,
        admitted_on=pl.col("begndate").fill_null(settled.dt.date())
        if "begndate" in headers
        else settled.dt.date(),
        discharged_on=pl.col("enddate").fill_null(settled.dt.date())
        if "enddate" in headers
        else settled.dt.date(),
        base_fen=base,
        vulnerable_group=pl.col("psn_idet_type") if "psn_idet_type" in headers else pl.lit(None, pl.String),
    )
    return kernel
