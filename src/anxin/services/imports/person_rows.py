"""A persons file (CSV, Excel, Parquet) read and validated whole, every cell at once.

ID numbers are checked (GB 11643; 15-digit legacy numbers upgraded), sex and birth date are derived
from them and must agree with the file where it gives them; dates, amounts, categories and lengths
are checked; an ID number or personnel number may appear only once. Every bad cell is reported with
its row (as a spreadsheet shows it), its header and a bilingual reason; values of sensitive columns
are masked. A file with any problem yields nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.identity import upgrade_legacy
from anxin.domain.vulnerability import vocabulary
from anxin.engine.identity import resident_id_is_valid
from anxin.services.imports.person_fields import BY_NAME, FUNDER_WORDS, SEX_WORDS, header_index
from anxin.services.imports.problems import Problems, Sanitizer, hidden, masked, masked_if_id, name_hint
from anxin.services.settlement_files import date_cell, known_columns, money_cell, text_cell
from anxin.store.tabular import format_of, read_table

_SANITIZE: dict[str, Sanitizer] = {
    "certno": masked,
    "psn_no": masked_if_id,
    "phone": masked,
    "name": name_hint,
    "address": hidden,
}
_DATES = ("birth_date", "vulnerable_from", "vulnerable_to")


@dataclass(frozen=True)
class PersonFile:
    """A validated persons file: one row per person, ``certno`` in its 18-character form.

    Columns: ``source_row``, ``certno``, ``sex``, ``birth_date`` (from the ID), ``region_code``
    (the file's, else the ID's first six digits), and every other field the file has, parsed
    (``premium`` as ``premium_fen``, ``vulnerable_group`` as its code, ``funder`` as its code).
    """

    source: Path
    frame: pl.DataFrame
    headers: dict[str, str]


def _rename(frame: pl.DataFrame, source: str) -> tuple[pl.DataFrame, dict[str, str]]:
    frame, headers = known_columns(frame, header_index(), source)
    if "certno" not in headers:
        raise InvalidInput(
            f"{source}：缺少必需的列 certno（证件号码/身份证号）",
            f"{source}: required column missing: certno (resident ID number)",
        )
    return frame, headers


def _upgraded(numbers: pl.Series) -> pl.Series:
    """Upper-cased, trimmed numbers with 15-digit legacy numbers in their 18-character form."""
    numbers = numbers.cast(pl.String).str.strip_chars().str.to_uppercase()
    legacy = numbers.str.contains(r"^\d{15}$").fill_null(False)
    positions = legacy.arg_true()
    if positions.len():
        numbers = numbers.scatter(positions, [upgrade_legacy(n) for n in numbers.gather(positions)])
    return numbers


def _word_map(name: str, words: dict[str, str | None], *, lower: bool = False) -> pl.Expr:
    """``name`` mapped through ``words`` (``None`` for a blank or none-word, ``"?"`` if unknown)."""
    text = text_cell(name).str.to_lowercase() if lower else text_cell(name)
    mapped = text.replace_strict(list(words), list(words.values()), default="?", return_dtype=pl.String)
    return pl.when(text.fill_null("") == "").then(pl.lit(None, pl.String)).otherwise(mapped)


def read_persons(path: str | Path) -> PersonFile:
    """Read and validate a persons file; raises :class:`InvalidRows` listing every bad cell."""
    path = Path(path)
    source = path.name
    raw = read_table(path)
    first_row = 1 if format_of(path) == "parquet" else 2
    frame, headers = _rename(raw, source)
    frame = frame.with_columns(
        source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64),
        certno=_upgraded(frame["certno"]),
    )
    number = pl.col("certno")
    parsed: dict[str, pl.Expr] = {
        "sex": pl.when(number.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1)
        .then(pl.lit("male"))
        .otherwise(pl.lit("female")),
        "birth_date": number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False),
    }
    checks: list[tuple[str, pl.Expr, str, str]] = [
        ("certno", number.fill_null("") == "", "必填项为空", "required value is empty"),
        (
            "certno",
            (number.fill_null("") != "") & ~resident_id_is_valid(number),
            "身份证号码无效（长度、出生日期或校验位错误）",
            "invalid resident ID (length, birth date or check character)",
        ),
    ]
    present = {name: text_cell(name).fill_null("") != "" for name in headers}
    for name in headers:
        if (limit := BY_NAME[name].max_length) and name != "region_code":
            parsed[name] = text_cell(name).fill_null("")
            checks.append(
                (
                    name,
                    text_cell(name).str.len_chars() > limit,
                    f"超过 {limit} 个字符",
                    f"longer than {limit} characters",
                )
            )
    if "sex" in headers:
        given = _word_map("sex", SEX_WORDS, lower=True)
        checks.append(("sex", given == "?", "性别应为 男 或 女", "sex must be 男/male or 女/female"))
        checks.append(
            (
                "sex",
                resident_id_is_valid(number) & (given != "?") & (given != parsed["sex"]),
                "性别与身份证号码不一致",
                "sex disagrees with the resident ID",
            )
        )
    for name in _DATES:
        if name in headers:
            day = date_cell(name, frame.schema[name])
            checks.append(
                (
                    name,
                    present[name] & day.is_null(),
                    "日期无效（应如 2023-05-01）",
                    "not a date like 2023-05-01",
                )
            )
            if name == "birth_date":
                checks.append(
                    (
                        name,
                        resident_id_is_valid(number) & day.is_not_null() & (day != parsed["birth_date"]),
                        "出生日期与身份证号码不一致",
                        "birth date disagrees with the resident ID",
                    )
                )
            else:
                parsed[name] = day
    if "vulnerable_to" in headers and "vulnerable_from" in headers:
        checks.append(
            (
                "vulnerable_to",
                parsed["vulnerable_to"] < parsed["vulnerable_from"],
                "终止日期早于认定日期",
                "ends before it starts",
            )
        )
    region = text_cell("region_code") if "region_code" in headers else pl.lit(None, pl.String)
    parsed["region_code"] = pl.coalesce(pl.when(region != "").then(region), number.str.slice(0, 6))
    if "region_code" in headers:
        checks.append(
            (
                "region_code",
                present["region_code"] & ~region.str.contains(r"^\d{6,12}$"),
                "行政区划代码应为 6–12 位数字",
                "a region code is 6–12 digits",
            )
        )
    if "vulnerable_group" in headers:
        parsed["vulnerable_group"] = _word_map("vulnerable_group", vocabulary())
        checks.append(
            (
                "vulnerable_group",
                parsed["vulnerable_group"] == "?",
                "不认识的困难人员类别（如 特困、低保、返贫致贫）",
                "unknown vulnerable group (e.g. 特困, 低保, 返贫致贫)",
            )
        )
    if "funder" in headers:
        parsed["funder"] = _word_map("funder", dict(FUNDER_WORDS), lower=True)
        checks.append(
            (
                "funder",
                parsed["funder"] == "?",
                "缴费来源应为 政府、个人、捐助、单位 或 工会",
                "funder must be government, individual, donor, employer or union",
            )
        )
    if "premium" in headers:
        fen = money_cell("premium")
        parsed["premium_fen"] = fen
        checks.append(
            (
                "premium",
                present["premium"] & fen.is_null(),
                "金额格式无效（应如 380.00）",
                "not an amount like 380.00",
            )
        )
        checks.append(("premium", fen < 0, "缴费金额不能为负数", "a premium cannot be negative"))
    if "units" in headers:
        units = text_cell("units").str.replace(r"份$", "").cast(pl.Int64, strict=False)
        parsed["units"] = units
        checks.append(
            (
                "units",
                present["units"] & ~units.is_between(1, 10_000).fill_null(False),
                "份数应为 1 以上的整数",
                "units must be a whole number of at least 1",
            )
        )
    if "eligible_staff" in headers:
        staff = text_cell("eligible_staff").str.replace(r"人$", "").cast(pl.Int64, strict=False)
        parsed["eligible_staff"] = staff
        checks.append(
            (
                "eligible_staff",
                present["eligible_staff"] & ~staff.is_between(1, 10_000_000).fill_null(False),
                "符合条件人数应为 1 以上的整数",
                "eligible staff must be a whole number of at least 1",
            )
        )
    valid = resident_id_is_valid(number)
    checks.append(
        ("certno", valid & number.is_duplicated(), "证件号码在文件中重复", "ID number appears more than once")
    )
    if "psn_no" in headers:
        psn = text_cell("psn_no")
        checks.append(
            (
                "psn_no",
                psn.fill_null("").ne("") & psn.is_duplicated(),
                "人员编号在文件中重复",
                "personnel number appears more than once",
            )
        )
        parsed["psn_no"] = pl.when(psn != "").then(psn)
        checks.append(
            (
                "psn_no",
                psn.str.to_uppercase() == number,
                "人员编号不能使用身份证号码（身份证号码只加密保存）",
                "the personnel number must not be the ID number (ID numbers are stored only encrypted)",
            )
        )

    problems = Problems()
    flags = frame.select(
        pl.col("source_row"),
        *(bad.fill_null(False).alias(f"_bad{i}") for i, (_, bad, _, _) in enumerate(checks)),
    )
    for i, (name, _, zh, en) in enumerate(checks):
        bad = frame.filter(flags[f"_bad{i}"])
        problems.add(bad, headers[name], zh, en, value=name, sanitize=_SANITIZE.get(name))
    if error := problems.error(source):
        raise error
    values = frame.with_columns(**parsed).drop("premium", strict=False)
    return PersonFile(source=path, frame=values, headers=headers)
