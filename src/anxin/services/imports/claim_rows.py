"""A claims file (CSV, Excel, Parquet) read and validated whole, every cell at once.

Each bad cell is reported with its row (as a spreadsheet shows it), its header and a bilingual
reason. What a row needs depends on its claim type: an accident's date for death, disability and
accident medical; admission (and for the allowance discharge) for hospital stays; the grades for a
disability; a disease code for a specified disease. A file with any problem yields nothing.

:func:`validate_claims` is the check itself, over a frame of cells: the file import and the intake
of one claim (API, web form: a frame of one row) share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.group_accident import ClaimType
from anxin.domain.programs.claim_documents import DOCUMENT_WORDS, Document
from anxin.services.imports.claim_fields import (
    BY_NAME,
    NEEDS_ACCIDENT,
    NEEDS_ADMISSION,
    SPECIFIED_DISEASE,
    TYPE_WORDS,
    YES_NO,
    header_index,
)
from anxin.services.imports.problems import Problems, masked, masked_if_id
from anxin.services.settlement_files import date_cell, known_columns, money_cell, text_cell
from anxin.store.tabular import format_of, read_table

_DATES = ("due_on", "accident_on", "admitted_on", "discharged_on")
_TEXT_LIMITS = {"claim_no": 40, "psn_no": 40, "disease_code": 40}
_SANITIZE = {"certno": masked, "psn_no": masked_if_id}
#: The stored columns of a claim and their frame types (``person_id`` is resolved later).
STORED: dict[str, pl.DataType] = {
    "claim_no": pl.String(),
    "claim_type": pl.String(),
    "due_on": pl.Date(),
    "accident_on": pl.Date(),
    "admitted_on": pl.Date(),
    "discharged_on": pl.Date(),
    "grades": pl.String(),
    "expense_fen": pl.Int64(),
    "disease_code": pl.String(),
    "basic_insurance": pl.Boolean(),
    "documents": pl.String(),
}


@dataclass(frozen=True)
class ClaimFile:
    """A validated claims file: ``source_row``, ``psn_no``/``certno`` as given and the
    :data:`STORED` columns, parsed (``grades`` as ``"3,5"``, ``expense`` as ``expense_fen``)."""

    source: Path
    frame: pl.DataFrame
    headers: dict[str, str]


def _missing(source: str, *names: str) -> InvalidInput:
    labels = " 或 ".join(f"{n}（{BY_NAME[n].label_zh}）" for n in names)
    return InvalidInput(
        f"{source}：缺少必需的列 {labels}", f"{source}: required column missing: {' or '.join(names)}"
    )


def _grades(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Grades written ``3``, ``3,5``, ``3、5`` or ``3级;5级`` → (``"3,5"``, whether every part is 1–10)."""
    parts = text.str.replace_all(r"[级\s]", "").str.replace_all(r"[，、;；/]", ",").str.split(",")
    numbers = parts.list.eval(pl.element().cast(pl.Int64, strict=False))
    ok = numbers.list.eval(pl.element().is_between(1, 10).fill_null(False)).list.all()
    joined = numbers.list.eval(pl.element().cast(pl.String)).list.join(",")
    return pl.when(text.fill_null("") != "").then(joined).otherwise(pl.lit("")), ok


def _documents(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Documents written as codes or names (``身份证明、死亡证明``) → sorted codes ``"death_certificate,id_proof"``
    and whether every word is a known document."""
    parts = (
        text.fill_null("").str.to_lowercase().str.replace_all(r"[，、;；/|\s]+", ",").str.split(",")
        .list.eval(pl.element().filter(pl.element() != ""))
    )  # fmt: skip
    codes = parts.list.eval(
        pl.element().replace_strict(
            list(DOCUMENT_WORDS),
            [d.value for d in DOCUMENT_WORDS.values()],
            default=None,
            return_dtype=pl.String,
        )
    )
    ok = codes.list.eval(pl.element().is_not_null()).list.all()
    joined = codes.list.drop_nulls().list.unique().list.sort().list.join(",")
    return joined.fill_null(""), ok


def read_claims(path: str | Path, kind: str) -> ClaimFile:
    """Read and validate a claims file for a program of ``kind`` (``group_accident`` or
    ``specified_disease``); raises :class:`InvalidRows` listing every bad cell."""
    path = Path(path)
    first_row = 1 if format_of(path) == "parquet" else 2
    return validate_claims(read_table(path), kind, source=path.name, first_row=first_row, path=path)


def validate_claims(raw: pl.DataFrame, kind: str, *, source: str, first_row: int, path: Path) -> ClaimFile:
    """Validate claims given as a frame of cells (headers as a file has them); ``first_row`` is the
    row number shown for the first row. Raises :class:`InvalidRows` listing every bad cell."""
    frame, headers = known_columns(raw, header_index(), source)
    if "claim_no" not in headers:
        raise _missing(source, "claim_no")
    if "psn_no" not in headers and "certno" not in headers:
        raise _missing(source, "psn_no", "certno")
    disease = kind == SPECIFIED_DISEASE
    for name in ("due_on", "disease_code") if disease else ("claim_type", "due_on"):
        if name not in headers:
            raise _missing(source, name)
    frame = frame.with_columns(source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64))
    given = {name: text_cell(name).fill_null("") != "" for name in headers}
    none = pl.lit(False)
    parsed: dict[str, pl.Expr] = {"claim_no": text_cell("claim_no")}
    checks: list[tuple[str, pl.Expr, str, str]] = [
        ("claim_no", ~given["claim_no"], "必填项为空", "required value is empty"),
        ("claim_no", given["claim_no"] & text_cell("claim_no").is_duplicated(), "赔案号在文件中重复",
         "claim number appears more than once"),
    ]  # fmt: skip
    for name in ("psn_no", "certno"):
        if name in headers:
            parsed[name] = pl.when(given[name]).then(text_cell(name).str.to_uppercase())
    who = [given[n] for n in ("psn_no", "certno") if n in headers]
    first = "psn_no" if "psn_no" in headers else "certno"
    checks.append((first, ~pl.any_horizontal(who), "缺少人员编号或证件号码", "no personnel or ID number"))
    for name, limit in _TEXT_LIMITS.items():
        if name in headers:
            too_long = text_cell(name).str.len_chars() > limit
            checks.append((name, too_long, f"超过 {limit} 个字符", f"longer than {limit} characters"))
    if disease:
        claim_type = pl.lit(SPECIFIED_DISEASE)
    else:
        claim_type = text_cell("claim_type").replace_strict(
            list(TYPE_WORDS), list(TYPE_WORDS.values()), default=None, return_dtype=pl.String
        )
        known = ", ".join(t.value for t in ClaimType)
        checks.append(
            ("claim_type", claim_type.is_null(), "不认识的理赔类型（如 身故、伤残、意外医疗、住院津贴、疾病住院）",
             f"unknown claim type (known: {known})")
        )  # fmt: skip
    parsed["claim_type"] = claim_type
    for name in _DATES:
        if name in headers:
            day = date_cell(name, frame.schema[name])
            parsed[name] = day
            checks.append((name, given[name] & day.is_null(), "日期无效（应如 2023-05-01）", "not a date like 2023-05-01"))  # fmt: skip
        else:
            parsed[name] = pl.lit(None, pl.Date)
    checks.append(("due_on", ~given["due_on"], "必填项为空", "required value is empty"))

    def needs(name: str, condition: pl.Expr) -> None:
        header_given = given.get(name, none)
        checks.append((name, condition & ~header_given, "此理赔类型必须填写", "required for this claim type"))

    if not disease:
        needs("accident_on", claim_type.is_in(NEEDS_ACCIDENT))
        needs("admitted_on", claim_type.is_in(NEEDS_ADMISSION))
        needs("discharged_on", claim_type == ClaimType.HOSPITAL_ALLOWANCE.value)
        needs("grades", claim_type == ClaimType.DISABILITY.value)
        if "discharged_on" in headers and "admitted_on" in headers:
            early = parsed["discharged_on"] < parsed["admitted_on"]
            checks.append(("discharged_on", early, "出院日期早于入院日期", "discharged before admitted"))
    else:
        checks.append(("disease_code", ~given["disease_code"], "必填项为空", "required value is empty"))
    if "grades" in headers:
        grades, ok = _grades(text_cell("grades"))
        parsed["grades"] = grades
        checks.append(("grades", given["grades"] & ~ok, "伤残等级应为 1–10 级（多处以逗号分隔）",
                       "grades are 1–10, several separated by commas"))  # fmt: skip
    else:
        parsed["grades"] = pl.lit("")
    if "expense" in headers:
        fen = money_cell("expense")
        parsed["expense_fen"] = fen.fill_null(0)
        checks.append(("expense", given["expense"] & fen.is_null(), "金额格式无效（应如 380.00）", "not an amount like 380.00"))  # fmt: skip
        checks.append(("expense", fen < 0, "金额不能为负数", "an amount cannot be negative"))
    else:
        parsed["expense_fen"] = pl.lit(0, pl.Int64)
    parsed["disease_code"] = (
        text_cell("disease_code").fill_null("") if "disease_code" in headers else pl.lit("")
    )
    if "basic_insurance" in headers:
        word = text_cell("basic_insurance").str.to_lowercase()
        flag = word.replace_strict(list(YES_NO), list(YES_NO.values()), default=None, return_dtype=pl.Boolean)
        parsed["basic_insurance"] = flag.fill_null(True)
        checks.append(("basic_insurance", given["basic_insurance"] & flag.is_null(), "应为 是 或 否", "must be yes or no"))  # fmt: skip
    else:
        parsed["basic_insurance"] = pl.lit(True)
    if "documents" in headers:
        documents, known_documents = _documents(text_cell("documents"))
        parsed["documents"] = documents
        checks.append(("documents", given["documents"] & ~known_documents, "不认识的材料（如 身份证明、死亡证明）",
                       f"unknown document (known: {', '.join(_CODES)})"))  # fmt: skip
        checks.append(("documents", documents.str.len_chars() > 400, "材料清单超过 400 个字符", "documents longer than 400 characters"))  # fmt: skip
    else:
        parsed["documents"] = pl.lit("")
    flags = frame.select(*(bad.fill_null(False).alias(f"_bad{i}") for i, (_, bad, _, _) in enumerate(checks)))
    problems = Problems()
    for i, (name, _, zh, en) in enumerate(checks):
        bad = frame.filter(flags[f"_bad{i}"])
        problems.add(bad, headers.get(name, name), zh, en, value=name if name in headers else None,
                     sanitize=_SANITIZE.get(name))  # fmt: skip
    if error := problems.error(source):
        raise error
    keep = ["source_row", *(n for n in ("psn_no", "certno") if n in headers)]
    values = frame.with_columns(**parsed).select(*keep, *(pl.col(n).cast(t) for n, t in STORED.items()))
    return ClaimFile(source=path, frame=values, headers=headers)


_CODES = tuple(d.value for d in Document)
