"""A group accident program's versions as one small frame of terms, joined to every claim by version.

A benefit the version lacks has ``_has_* = false`` and zero amounts (as the domain rule reads an
absent benefit); a limit it does not set is null.
"""

from __future__ import annotations

import polars as pl

from anxin.domain.programs import Program
from anxin.domain.programs.group_accident import GroupAccidentParameters
from anxin.engine import group_cover as gc

I64, I32, B = pl.Int64, pl.Int32, pl.Boolean


def _schema(band_count: int) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {
        "_min_y": I64, "_min_d": I64, "_max_y": I64, "_max_d": I64, "_ages_on_cover": B,
        "_wait_days": I64, "_wait_on_renewal": B,
        "_has_death": B, "_death_si": I64, "_death_within": I64,
        "_has_dis": B, "_dis_si": I64, "_dis_within": I64, "_raise": B,
        **{f"_grade{g}": I64 for g in range(1, 11)},
        "_joint": I64,
        "_has_med": B, "_med_ded": I64, "_med_ratio": I64, "_med_unins_ded": I64, "_med_unins_ratio": I64,
        "_med_per_claim": I64, "_med_annual": I64,
        "_has_allow": B, "_daily": I64, "_ded_days": I64, "_max_stay": I64, "_max_year": I64, "_allow_illness": B,
        "_has_ill": B, "_ill_ded": I64, "_ill_ratio": I64, "_ill_annual": I64,
    }  # fmt: skip
    for k in range(band_count):
        schema |= {f"_band{k}_y": I64, f"_band{k}_d": I64, f"_band{k}_si": I64}
    return schema


def _row(index: int, p: GroupAccidentParameters, band_count: int) -> dict[str, object]:
    row: dict[str, object] = {"_v": index, **gc.age_terms(p.eligibility)}
    waiting = p.illness_waiting
    row |= {
        "_wait_days": waiting.days if waiting else 0,
        "_wait_on_renewal": bool(waiting and waiting.on_renewal),
    }
    death, dis, med = p.death, p.disability, p.accident_medical
    allow, ill = p.hospital_allowance, p.illness_hospital
    row |= {
        "_has_death": death is not None,
        "_death_si": death.sum_insured if death else 0,
        "_death_within": death.within_days if death else None,
        "_has_dis": dis is not None,
        "_dis_si": dis.sum_insured if dis else 0,
        "_dis_within": dis.within_days if dis else None,
        "_raise": bool(dis and dis.raise_shared_worst),
        "_joint": p.death_disability_limit,
        "_has_med": med is not None,
        "_med_ded": med.deductible if med else 0,
        "_med_ratio": med.ratio if med else 0,
        "_med_unins_ded": med.uninsured_deductible if med else None,
        "_med_unins_ratio": med.uninsured_ratio if med else None,
        "_med_per_claim": med.per_claim_limit if med else None,
        "_med_annual": med.annual_limit if med else None,
        "_has_allow": allow is not None,
        "_daily": allow.daily if allow else 0,
        "_ded_days": allow.deductible_days if allow else 0,
        "_max_stay": allow.max_days_per_stay if allow else None,
        "_max_year": allow.max_days_per_year if allow else None,
        "_allow_illness": bool(allow and allow.illness),
        "_has_ill": ill is not None,
        "_ill_ded": ill.deductible if ill else 0,
        "_ill_ratio": ill.ratio if ill else 0,
        "_ill_annual": ill.annual_limit if ill else None,
    }
    for grade in range(1, 11):
        row[f"_grade{grade}"] = dis.grade_ratios[grade - 1] if dis else 0
    bands = death.age_bands if death else ()
    for k in range(band_count):
        band = bands[k] if k < len(bands) else None
        age = band.from_age if band else None
        row[f"_band{k}_y"] = age.count if age and not age.in_days else None
        row[f"_band{k}_d"] = age.count if age and age.in_days else None
        row[f"_band{k}_si"] = band.sum_insured if band else None
    return row


def program_terms(program: Program) -> tuple[pl.DataFrame, tuple[str, ...], tuple[str, ...], int]:
    """The terms frame (one row per version), version labels, parameter hashes, age-band count."""
    parameters = [v.parameters for v in program.versions]
    if not all(isinstance(p, GroupAccidentParameters) for p in parameters):
        from anxin.domain.errors import InvalidInput

        raise InvalidInput(
            f"{program.code} 不是团体意外与健康保险方案", f"{program.code} is not a group accident program"
        )
    band_count = max(len(p.death.age_bands) if p.death else 0 for p in parameters)  # type: ignore[union-attr]
    rows = [_row(i, p, band_count) for i, p in enumerate(parameters)]  # type: ignore[arg-type]
    return (
        gc.terms_frame(rows, _schema(band_count)),
        tuple(v.version for v in program.versions),
        tuple(program.parameter_hash(v) for v in program.versions),
        band_count,
    )
