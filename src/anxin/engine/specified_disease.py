"""The specified-disease batch kernel (特定疾病保险): an Arrow table of diagnoses in, one out.

Input columns (other columns pass through untouched):

==================================  ===========  ==============================================
``person_id``, ``claim_id``          string
``policy_year``                      int32        the person's policy year
``cover_from``, ``cover_to``         date         the period of cover; its first day picks the version
``born_on``                          date
``diagnosed_on``                     date         orders a person's claims (then ``claim_id``)
``disease_code``                     string       a code from the program's disease list
``units``                            int64        units held (份)
``sex``                              string|null  ``female`` / ``male`` (needed when the program restricts it)
``renewed``                          bool         continuous renewal (default false)
``opening_paid``                     bool         the person was paid before this table (default false)
==================================  ===========  ==============================================

"Cover ends after a payout" is a state per person across policy years: a diagnosis is refused when
an earlier one of the person's (in this table, or ``opening_paid``) passed every other check.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from anxin.domain.errors import InvalidInput
from anxin.domain.group_cover import Reason
from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs import Program
from anxin.domain.programs.specified_disease import Sex, SpecifiedDiseaseParameters
from anxin.engine import group_cover as gc

REQUIRED = {
    "person_id": pl.String,
    "claim_id": pl.String,
    "policy_year": pl.Int32,
    "cover_from": pl.Date,
    "cover_to": pl.Date,
    "born_on": pl.Date,
    "diagnosed_on": pl.Date,
    "disease_code": pl.String,
    "units": pl.Int64,
}
OPTIONAL = {"sex": (pl.String, None), "renewed": (pl.Boolean, False), "opening_paid": (pl.Boolean, False)}
ORDER = ["person_id", "diagnosed_on", "claim_id"]
RESULT_COLUMNS = ["reason", "age", "units_paid", "unit_sum_fen", "multiple_bp", "gross_e4", "payout_fen"]
c = pl.col


def _terms(program: Program) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows, diseases = [], []
    for index, version in enumerate(program.versions):
        p = version.parameters
        if not isinstance(p, SpecifiedDiseaseParameters):
            raise InvalidInput(
                f"{program.code} 不是特定疾病保险方案", f"{program.code} is not a specified-disease program"
            )
        waiting = p.waiting
        rows.append(
            {
                "_v": index,
                **gc.age_terms(p.eligibility),
                "_unit_sum": p.unit_sum_insured,
                "_max_units": p.max_units,
                "_sex": p.sex.value if p.sex else None,
                "_wait_days": waiting.days if waiting else 0,
                "_wait_on_renewal": bool(waiting and waiting.on_renewal),
                "_ends": p.ends_after_payout,
            }
        )
        diseases += [{"_v": index, "disease_code": d.code, "multiple_bp": d.multiple} for d in p.diseases]
    schema = {
        "_min_y": pl.Int64, "_min_d": pl.Int64, "_max_y": pl.Int64, "_max_d": pl.Int64, "_ages_on_cover": pl.Boolean,
        "_unit_sum": pl.Int64, "_max_units": pl.Int64, "_sex": pl.String, "_wait_days": pl.Int64,
        "_wait_on_renewal": pl.Boolean, "_ends": pl.Boolean,
    }  # fmt: skip
    listed = pl.DataFrame(
        diseases, schema={"_v": pl.Int32, "disease_code": pl.String, "multiple_bp": pl.Int64}
    )
    return gc.terms_frame(rows, schema), listed


def evaluate(table: pa.Table | pl.DataFrame, program: Program) -> pl.DataFrame:
    """Every diagnosis's payout and why, in (person, diagnosis date, claim) order."""
    frame = gc.as_frame(table, REQUIRED, OPTIONAL)  # type: ignore[arg-type]
    sexes = [s.value for s in Sex]
    bad = (c("units") < 1) | (c("sex").is_not_null() & ~c("sex").is_in(sexes)) | c("person_id").is_null()
    gc.refuse_rows(frame, bad, "claim_id", "理赔数据有误（份数、性别）", "claims with invalid units or sex")
    frame = frame.sort(ORDER)
    terms, listed = _terms(program)
    index = gc.version_index(frame, program, "cover_from", "claim_id")
    frame = frame.with_columns(index).join(terms, on="_v", how="left", maintain_order="left")
    frame = frame.join(listed, on=["_v", "disease_code"], how="left", maintain_order="left")
    gc.refuse_rows(
        frame, c("_sex").is_not_null() & c("sex").is_null(), "claim_id", "缺少性别", "sex is missing"
    )
    age_day = pl.when(c("_ages_on_cover")).then(c("cover_from")).otherwise(c("diagnosed_on"))
    waiting = ~(c("renewed") & ~c("_wait_on_renewal")) & (
        (c("diagnosed_on") - c("cover_from")).dt.total_days() < c("_wait_days")
    )
    frame = frame.with_columns(
        gc.age_in_years(c("born_on"), age_day), _age_d=gc.age_in_days(c("born_on"), age_day)
    )
    pre = (
        pl.when(c("multiple_bp").is_null()).then(pl.lit(Reason.DISEASE_NOT_LISTED.value))
        .when((c("diagnosed_on") < c("cover_from")) | (c("diagnosed_on") > c("cover_to"))).then(pl.lit(Reason.OUTSIDE_COVER.value))
        .when(~gc.age_covered(c("age"), c("_age_d"))).then(pl.lit(Reason.AGE_NOT_COVERED.value))
        .when(c("_sex").is_not_null() & (c("sex") != c("_sex"))).then(pl.lit(Reason.SEX_NOT_COVERED.value))
        .when(waiting).then(pl.lit(Reason.WAITING_PERIOD.value))
    )  # fmt: skip
    frame = frame.with_columns(_pre=pre)
    passes = c("_pre").is_null().cast(pl.Int64)
    paid_before = c("opening_paid") | (
        (gc.running_total(passes, gc.group_starts(["person_id"])) - passes) > 0
    )
    units = pl.min_horizontal(c("units"), c("_max_units").fill_null(gc.UNBOUNDED))
    frame = frame.with_columns(
        reason=pl.when(c("_pre").is_not_null()).then(c("_pre"))
        .when(c("_ends") & paid_before).then(pl.lit(Reason.COVER_ENDED.value))
        .otherwise(pl.lit(Reason.PAID.value)),
        units_paid=units,
        unit_sum_fen=c("_unit_sum"),
        multiple_bp=c("multiple_bp").fill_null(0),
    ).with_columns(gross_e4=c("units_paid") * c("unit_sum_fen") * c("multiple_bp"))  # fmt: skip
    frame = frame.with_columns(
        payout_fen=pl.when(c("reason") == Reason.PAID.value)
        .then((c("gross_e4") + BASIS_POINTS // 2) // BASIS_POINTS)
        .otherwise(0)
        .cast(pl.Int64),
        version=gc.labels(frame["_v"], tuple(v.version for v in program.versions), "version"),
        param_hash=gc.labels(
            frame["_v"], tuple(program.parameter_hash(v) for v in program.versions), "param_hash"
        ),
    )
    return frame.select([name for name in frame.columns if not name.startswith("_")])


def compute(table: pa.Table | pl.DataFrame, program: Program) -> pa.Table:
    """The kernel contract: Arrow table of diagnoses in, Arrow table out."""
    return evaluate(table, program).to_arrow()


def closing_state(result: pl.DataFrame) -> pl.DataFrame:
    """Per person: whether they have been paid once (``opening_paid`` of a later table)."""
    passes = ~c("reason").is_in([r.value for r in Reason if r.rejects and r is not Reason.COVER_ENDED])
    return result.group_by("person_id", maintain_order=True).agg(
        opening_paid=c("opening_paid").first() | passes.any()
    )
