"""The program's enrolment rules applied to a compared persons file (group rosters).

For a program that states them, before anything is written:

- **ages and sex** (group accident, specified disease): a person outside the ages covered — on the
  first day of cover where the program counts ages then, else on every day of the cover period — or
  not of the sex covered is a row problem;
- **units** (specified disease): at most the program's most units a person, where it sets one;
- **the group rule** (specified disease, e.g. 女性安康: at least 8 insured and 75 % of the eligible
  staff): where the file has the ``eligible_staff`` column (符合条件人数), every group enrolled
  through it must give its eligible staff, the same number on each row that gives it, and pass
  :func:`~anxin.domain.specified_disease.check_group`. The insured are the group's members enrolled
  in the program year already stored plus the file's, each person once (a re-import counts the same).
  A group failing the rule is one problem, on its first row, explained with
  :func:`~anxin.domain.specified_disease.group_check_lines`.

A file without the ``eligible_staff`` column is not checked against the group rule.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput
from anxin.domain.programs import Program, ProgramKind
from anxin.domain.programs.group_accident import GroupAccidentParameters
from anxin.domain.programs.group_terms import Age, AgeBasis, Eligibility
from anxin.domain.programs.specified_disease import SpecifiedDiseaseParameters
from anxin.domain.specified_disease import check_group, group_check_lines
from anxin.engine.group_cover import age_in_days, age_in_years
from anxin.services.imports.person_plan import Enrolment, PersonComparison, memberships
from anxin.services.imports.problems import Problems
from anxin.store.bulk import select_by_keys
from anxin.store.schema import Enrollment
from anxin.store.schema import Group as GroupRow

#: How a group is named in a problem, by ``groups.kind``.
GROUP_WORDS = {"employer": ("单位", "employer"), "school": ("学校", "school"), "village": ("村", "village")}
_SEX_WORDS = {"female": ("女", "women"), "male": ("男", "men")}


def check_enrolment(
    connection: sa.Connection,
    comparison: PersonComparison,
    headers: dict[str, str],
    enrolment: Enrolment,
    program: Program | None,
) -> None:
    """Add to ``comparison.problems`` every row and group that breaks the program's enrolment rules."""
    if program is None or program.kind not in (ProgramKind.GROUP_ACCIDENT, ProgramKind.SPECIFIED_DISEASE):
        return
    parameters = program.version_on(enrolment.covered_from).parameters
    if not isinstance(parameters, GroupAccidentParameters | SpecifiedDiseaseParameters):
        return
    rows, problems = comparison.rows, comparison.problems
    _check_ages(rows, headers, enrolment, parameters.eligibility, problems)
    if not isinstance(parameters, SpecifiedDiseaseParameters):
        return
    if parameters.sex is not None:
        word = _SEX_WORDS[parameters.sex.value]
        bad = rows.filter(pl.col("sex") != parameters.sex.value).with_columns(
            shown=pl.col("sex").replace_strict({k: v[0] for k, v in _SEX_WORDS.items()}, default="")
        )
        problems.add(
            bad,
            headers.get("sex", headers["certno"]),
            f"本项目只承保{word[0]}性",
            f"the program covers {word[1]} only",
            value="shown",
        )
    if parameters.max_units is not None and "units" in headers:
        most = parameters.max_units
        problems.add(
            rows.filter(pl.col("units") > most),
            headers["units"],
            f"份数超过本项目每人最多 {most} 份",
            f"more units than the program's most per person ({most})",
            value="units",
        )
    if "eligible_staff" in headers:
        _check_groups(connection, rows, headers, enrolment, parameters, problems)


def _check_ages(
    rows: pl.DataFrame,
    headers: dict[str, str],
    enrolment: Enrolment,
    eligibility: Eligibility,
    problems: Problems,
) -> None:
    """Ages on the first day of cover (``ages_on = cover_start``); otherwise a person must be within
    the ages on some day of cover: not beyond the highest age on its first day, and of the lowest
    age by its last."""
    first = pl.lit(enrolment.covered_from, pl.Date)
    last = first if eligibility.ages_on is AgeBasis.COVER_START else pl.lit(enrolment.covered_to, pl.Date)
    born = pl.col("birth_date")

    def age(limit: Age, day: pl.Expr) -> pl.Expr:
        return age_in_days(born, day) if limit.in_days else age_in_years(born, day)

    outside = pl.lit(False)
    if (low := eligibility.min_age) is not None:
        outside = outside | (age(low, last) < low.count)
    if (high := eligibility.max_age) is not None:
        outside = outside | (age(high, first) > high.count)
    low_zh = str(eligibility.min_age) if eligibility.min_age else "不限"
    high_zh = str(eligibility.max_age) if eligibility.max_age else "不限"
    low_en = eligibility.min_age.text_en if eligibility.min_age else "none"
    high_en = eligibility.max_age.text_en if eligibility.max_age else "none"
    on_zh = "保险期间开始日" if eligibility.ages_on is AgeBasis.COVER_START else "保险期间内"
    on_en = "on the first day of cover" if eligibility.ages_on is AgeBasis.COVER_START else "during the cover"
    bad = rows.filter(outside.fill_null(False)).with_columns(
        shown=pl.format("{} 岁", age_in_years(born, first))
    )
    problems.add(
        bad,
        headers.get("birth_date", headers["certno"]),
        f"{on_zh}年龄不在承保范围内（最低 {low_zh}，最高 {high_zh}）",
        f"age outside the ages covered {on_en} (lowest {low_en}, highest {high_en})",
        value="shown",
    )


def _check_groups(
    connection: sa.Connection,
    rows: pl.DataFrame,
    headers: dict[str, str],
    enrolment: Enrolment,
    parameters: SpecifiedDiseaseParameters,
    problems: Problems,
) -> None:
    header = headers["eligible_staff"]
    stated = rows.filter(pl.col("eligible_staff").is_not_null())
    problems.add(
        stated.filter(pl.col("enrol_group").is_null()),
        header,
        "符合条件人数须与所在单位（学校、村）一同填写",
        "eligible staff belong with the person's employer (school, village)",
        value="eligible_staff",
    )
    grouped = rows.filter(pl.col("enrol_group").is_not_null())
    if grouped.height == 0:
        return
    named = memberships(grouped).select("code", "kind", "name").unique("code")
    per_group = grouped.group_by("enrol_group").agg(
        first_row=pl.col("source_row").min(),
        eligible=pl.col("eligible_staff").drop_nulls().first(),
        answers=pl.col("eligible_staff").drop_nulls().n_unique(),
    )
    disagree = per_group.filter(pl.col("answers") > 1)["enrol_group"].implode()
    problems.add(
        grouped.filter(pl.col("enrol_group").is_in(disagree) & pl.col("eligible_staff").is_not_null()),
        header,
        "同一团体各行的符合条件人数不一致",
        "rows of the same group give different eligible staff",
        value="eligible_staff",
    )
    insured = _insured(connection, grouped, enrolment)
    checked = (
        per_group.filter(pl.col("answers") <= 1)
        .join(insured, on="enrol_group", how="left")
        .join(named, left_on="enrol_group", right_on="code", how="left")
        .sort("first_row")
    )
    for group in checked.iter_rows(named=True):
        kind_zh, kind_en = GROUP_WORDS.get(group["kind"], ("团体", "group"))
        who_zh, who_en = f"{kind_zh}“{group['name']}”", f"{kind_en} {group['name']!r}"
        eligible, count = group["eligible"], group["insured"] or 0
        where = pl.DataFrame({"source_row": [group["first_row"]], "shown": [str(group["name"])]})
        if eligible is None:
            problems.add(
                where,
                header,
                f"{who_zh}未填写符合条件人数，无法核对团体投保条件",
                f"{who_en} gives no eligible staff: the group rule cannot be checked",
                value="shown",
            )
            continue
        try:
            check = check_group(parameters, insured=count, eligible=eligible)
        except InvalidInput:
            problems.add(
                where,
                header,
                f"{who_zh}：符合条件人数 {eligible} 少于参保人数 {count}",
                f"{who_en}: eligible staff ({eligible}) fewer than the insured ({count})",
                value="shown",
            )
            continue
        if not check.ok:
            lines = group_check_lines(parameters, check)
            problems.add(
                where,
                header,
                f"{who_zh}不符合团体投保条件：" + "；".join(zh for zh, _ in lines),
                f"{who_en} does not meet the group rule: " + "; ".join(en for _, en in lines),
                value="shown",
            )


def _insured(connection: sa.Connection, grouped: pl.DataFrame, enrolment: Enrolment) -> pl.DataFrame:
    """``enrol_group, insured``: each group's persons enrolled in the program year, stored or in the
    file, each person counted once."""
    schema = {"enrol_group": pl.String, "group_id": pl.Int64}
    codes = grouped["enrol_group"].unique().to_list()
    ids = select_by_keys(connection, sa.select(GroupRow.code, GroupRow.id), GroupRow.code, codes, schema)
    statement = sa.select(Enrollment.group_id, Enrollment.person_id).where(
        Enrollment.program_code == enrolment.program_code, Enrollment.year == enrolment.year
    )
    stored = select_by_keys(
        connection,
        statement,
        Enrollment.group_id,
        ids["group_id"].to_list(),
        {"group_id": pl.Int64, "person_id": pl.Int64},
    )
    person = pl.format("p{}", pl.col("person_id"))
    key = (
        pl.when(pl.col("person_id").is_not_null()).then(person).otherwise(pl.format("h{}", pl.col("id_hash")))
    )
    everyone = pl.concat(
        [
            stored.join(ids, on="group_id").select("enrol_group", key=person),
            grouped.select("enrol_group", key=key),
        ]
    )
    return everyone.group_by("enrol_group").agg(insured=pl.col("key").n_unique())
