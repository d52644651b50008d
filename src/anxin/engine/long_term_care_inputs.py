"""The long-term care kernel's inputs, checked and cast: a month of bills and the registers they are
judged against (assessments, enrolments, care providers). Bad input is refused whole, naming up to
five offending rows, in Chinese and English.

=====================  ============  ========================================================
bills
``bill_id``            string        the bill, unique
``person_id``          string        the insured person
``provider_code``      string        the care provider (定点护理服务机构)
``service_type``       string        ``hospital_special_care``, ``institutional_care``, ``home_visit``,
                                     ``family_care``
``month``              date          the month billed (any day of it; read as its first day)
``days``               int           days of care billed, at least 1
``cost_fen``           int64         the bill's cost in fen (may be 0 for family care)
``service_from``       date|null     optional: first day of the care period (default: the month's first)
``service_to``         date|null     optional: last day (default: the month's last); ``days`` fit in it
``opening_paid_days``  int           optional: days already paid to the person in that month by earlier
                                     runs (the same on each of the person-month's rows)
assessments
``person_id``          string
``assessed_on``        date          the day the assessment's conclusion takes effect
``method``             string        ``national_2021`` (level 0–5) or ``barthel`` (grade 0–3)
``level``              int           the result in the method's scale
enrolments
``person_id``          string
``enrolled_from``      date
``enrolled_to``        date|null     null: still enrolled
providers
``provider_code``      string        unique
``provider_name``      string
``tier``               int|null      hospital tier 1/2/3 (required to bill hospital special care)
``service_types``      list[string]  the services the provider may bill
=====================  ============  ========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from anxin.domain.errors import InvalidInput
from anxin.domain.long_term_care import AssessmentMethod, CareLevel, Grade, ServiceType

BILLS = {
    "bill_id": pl.String,
    "person_id": pl.String,
    "provider_code": pl.String,
    "service_type": pl.String,
    "month": pl.Date,
    "days": pl.Int32,
    "cost_fen": pl.Int64,
}
ASSESSMENTS = {"person_id": pl.String, "assessed_on": pl.Date, "method": pl.String, "level": pl.Int8}
ENROLMENTS = {"person_id": pl.String, "enrolled_from": pl.Date, "enrolled_to": pl.Date}
PROVIDERS = {
    "provider_code": pl.String,
    "provider_name": pl.String,
    "tier": pl.Int8,
    "service_types": pl.List(pl.String),
}
SERVICE_CODES = [s.value for s in ServiceType]
_TOP_LEVEL = {
    AssessmentMethod.NATIONAL_2021.value: max(CareLevel),
    AssessmentMethod.BARTHEL.value: max(Grade),
}

Table = pa.Table | pl.DataFrame


def _frame(table: Table, schema: dict[str, pl.DataType], what: tuple[str, str]) -> pl.DataFrame:
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{what[0]}缺少列：{', '.join(missing)}", f"{what[1]} lack columns: {', '.join(missing)}"
        )
    casts = [pl.col(name).cast(kind) for name, kind in schema.items() if frame.schema[name] != kind]
    return frame.with_columns(casts) if casts else frame


def _refuse(frame: pl.DataFrame, bad: pl.Expr, key: str, zh: str, en: str) -> None:
    """Refuse the input if any row is ``bad``, naming up to five of them by ``key``."""
    found = frame.filter(bad)
    if found.height:
        rows = ", ".join(str(v) for v in found[key].head(5).to_list())
        raise InvalidInput(
            f"{zh}（{found.height} 行，如 {rows}）", f"{en} ({found.height} rows, e.g. {rows})"
        )


def _no_nulls(frame: pl.DataFrame, columns: list[str], key: str, what: str) -> None:
    _refuse(
        frame,
        pl.any_horizontal(pl.col(c).is_null() for c in columns),
        key,
        f"{what}有空值",
        f"{what}: empty values",
    )


def bills_frame(table: Table) -> pl.DataFrame:
    """The bills with ``month`` at its first day, the care period filled in and checked."""
    frame = _frame(table, BILLS, ("账单", "bills"))
    _no_nulls(frame, list(BILLS), "bill_id", "账单 / bills")
    month = pl.col("month").dt.month_start()
    extra = []
    if "opening_paid_days" not in frame.columns:
        extra.append(pl.lit(0, pl.Int32).alias("opening_paid_days"))
    for name, default in (("service_from", month), ("service_to", pl.col("month").dt.month_end())):
        if name not in frame.columns:
            extra.append(default.alias(name))
        else:
            extra.append(pl.col(name).cast(pl.Date).fill_null(default))
    frame = frame.with_columns(extra).with_columns(
        month.alias("month"),
        pl.col("opening_paid_days").cast(pl.Int32).fill_null(0),
        month_days=pl.col("month").dt.month_end().dt.day().cast(pl.Int32),
    )
    frame = frame.rename({"service_from": "period_from", "service_to": "period_to"}).with_columns(
        period_days=((pl.col("period_to") - pl.col("period_from")).dt.total_days() + 1).cast(pl.Int32)
    )
    _refuse(frame, pl.col("bill_id").is_duplicated(), "bill_id", "账单号重复", "duplicate bill ids")
    _refuse(
        frame,
        ~pl.col("service_type").is_in(SERVICE_CODES),
        "bill_id",
        f"不认识的服务类型（可用 {'、'.join(s.label_zh for s in ServiceType)}）",
        f"unknown service types (known: {', '.join(SERVICE_CODES)})",
    )
    _refuse(
        frame,
        (pl.col("period_from").dt.month_start() != pl.col("month"))
        | (pl.col("period_to").dt.month_start() != pl.col("month"))
        | (pl.col("period_to") < pl.col("period_from")),
        "bill_id",
        "护理期间须在账单月份之内且起止有序",
        "the care period must lie within the bill's month, first day before last",
    )
    _refuse(
        frame,
        (pl.col("days") < 1) | (pl.col("days") > pl.col("period_days")),
        "bill_id",
        "护理天数须至少 1 天且不超过护理期间的天数",
        "days must be at least 1 and no more than the care period has",
    )
    _refuse(frame, pl.col("cost_fen") < 0, "bill_id", "费用不能为负", "a cost cannot be negative")
    _refuse(
        frame,
        (pl.col("opening_paid_days") < 0) | (pl.col("opening_paid_days") > pl.col("month_days")),
        "bill_id",
        "opening_paid_days 须在 0 与当月天数之间",
        "opening_paid_days must be between 0 and the month's length",
    )
    return frame


@dataclass(frozen=True)
class Registers:
    """What bills are judged against, checked once and reused for any number of bill batches."""

    assessments: pl.DataFrame
    enrolments: pl.DataFrame
    providers: pl.DataFrame
    #: One row per (provider_code, service_type) a provider may bill.
    authorised: pl.DataFrame


def registers(assessments: Table, enrolments: Table, providers: Table) -> Registers:
    a = _frame(assessments, ASSESSMENTS, ("失能评估", "assessments"))
    _no_nulls(a, list(ASSESSMENTS), "person_id", "失能评估 / assessments")
    _refuse(
        a,
        ~pl.col("method").is_in(list(_TOP_LEVEL)),
        "person_id",
        "不认识的评估方法",
        f"unknown assessment methods (known: {', '.join(_TOP_LEVEL)})",
    )
    top = pl.col("method").replace_strict(_TOP_LEVEL, default=0, return_dtype=pl.Int8)
    _refuse(
        a,
        (pl.col("level") < 0) | (pl.col("level") > top),
        "person_id",
        "评估结果超出该方法的等级范围",
        "assessment results outside the method's scale",
    )
    _refuse(
        a,
        pl.struct("person_id", "method", "assessed_on").is_duplicated(),
        "person_id",
        "同一人同一天有两份同一方法的评估",
        "two assessments by one method on the same day for one person",
    )
    e = _frame(enrolments, ENROLMENTS, ("参保登记", "enrolments"))
    _no_nulls(e, ["person_id", "enrolled_from"], "person_id", "参保登记 / enrolments")
    e = e.sort("person_id", "enrolled_from")
    # sorted: a period overlaps the person's previous one if it starts before that one ends
    same_person = pl.col("person_id") == pl.col("person_id").shift(1)
    previous_end = pl.col("enrolled_to").shift(1)
    overlap = same_person & (previous_end.is_null() | (pl.col("enrolled_from") <= previous_end))
    _refuse(
        e,
        (pl.col("enrolled_to") < pl.col("enrolled_from")) | overlap,
        "person_id",
        "参保期间起止颠倒或相互重叠",
        "enrolment periods reversed or overlapping",
    )
    p = _frame(providers, PROVIDERS, ("护理服务机构", "providers"))
    _no_nulls(
        p, ["provider_code", "provider_name", "service_types"], "provider_code", "护理服务机构 / providers"
    )
    _refuse(
        p,
        pl.col("provider_code").is_duplicated(),
        "provider_code",
        "机构编码重复",
        "duplicate provider codes",
    )
    authorised = p.select("provider_code", "tier", service_type=pl.col("service_types")).explode(
        "service_type"
    )
    _refuse(
        authorised,
        ~pl.col("service_type").is_in(SERVICE_CODES),
        "provider_code",
        "机构登记了不认识的服务类型",
        "providers list unknown service types",
    )
    _refuse(
        authorised,
        (pl.col("service_type") == ServiceType.HOSPITAL_SPECIAL_CARE.value)
        & (pl.col("tier").is_null() | ~pl.col("tier").is_in([1, 2, 3])),
        "provider_code",
        "提供医疗专护的机构须登记医院级别 1、2 或 3",
        "a provider of hospital special care needs hospital tier 1, 2 or 3",
    )
    return Registers(
        assessments=a.select(list(ASSESSMENTS)).sort("person_id", "assessed_on"),
        enrolments=e.select(list(ENROLMENTS)),
        providers=p.select("provider_code", "provider_name", "tier"),
        authorised=authorised.select("provider_code", "service_type").unique(),
    )
