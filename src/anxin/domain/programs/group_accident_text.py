"""A group accident and health version's parameters as people read them (program pages, CLI, diffs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from anxin.domain.programs.group_terms import eligibility_text, ratio, unconfirmed, waiting_text, yuan
from anxin.domain.programs.model import ParameterLine

if TYPE_CHECKING:
    from anxin.domain.programs.group_accident import GroupAccidentParameters

_ABSENT = ("不含此项保障", "not covered")


def _line(key: str, label_zh: str, label_en: str, zh: str, en: str, confirmed: bool = True) -> ParameterLine:
    zh, en = unconfirmed(zh, en, confirmed)
    return ParameterLine(key, label_zh, label_en, zh, en)


def _limit(fen: int | None) -> tuple[str, str]:
    return ("不设限额", "no limit") if fen is None else (yuan(fen), yuan(fen, "en"))


def _days(days: int | None) -> tuple[str, str]:
    return ("不限", "no limit") if days is None else (f"{days} 天", f"{days} days")


def describe(p: GroupAccidentParameters) -> list[ParameterLine]:
    lines = [
        ParameterLine("eligibility", "投保年龄", "ages covered", *eligibility_text(p.eligibility)),
        ParameterLine(
            "illness_waiting", "疾病等待期", "waiting period for illness", *waiting_text(p.illness_waiting)
        ),
    ]
    death = p.death
    if death is None:
        lines.append(ParameterLine("death", "意外身故", "accidental death", *_ABSENT))
    else:
        c = death.confirmed
        lines += [
            _line(
                "death.sum_insured",
                "意外身故保险金额",
                "accidental death: sum insured",
                yuan(death.sum_insured),
                yuan(death.sum_insured, "en"),
                c,
            ),
            _line(
                "death.within_days",
                "身故须在事故后",
                "death within",
                f"{death.within_days} 天内",
                f"{death.within_days} days of the accident",
                c,
            ),
        ]
        for band in death.age_bands:
            lines.append(
                _line(
                    f"death.from_age.{band.from_age}",
                    f"{band.from_age}起意外身故保险金额",
                    f"accidental death from {band.from_age.text_en}",
                    yuan(band.sum_insured),
                    yuan(band.sum_insured, "en"),
                    band.confirmed,
                )
            )
    dis = p.disability
    if dis is None:
        lines.append(ParameterLine("disability", "意外伤残", "accidental disability", *_ABSENT))
    else:
        c = dis.confirmed
        table = "，".join(f"{g}级{ratio(bp)}" for g, bp in enumerate(dis.grade_ratios, start=1))
        table_en = ", ".join(f"grade {g} {ratio(bp)}" for g, bp in enumerate(dis.grade_ratios, start=1))
        shared = (
            "两处及以上伤残同为最重等级时晋升一级",
            "two or more injuries sharing the worst grade raise it one grade",
        )
        lines += [
            _line(
                "disability.sum_insured",
                "意外伤残保险金额",
                "accidental disability: sum insured",
                yuan(dis.sum_insured),
                yuan(dis.sum_insured, "en"),
                c,
            ),
            _line(
                "disability.within_days",
                "伤残鉴定须在事故后",
                "assessment within",
                f"{dis.within_days} 天内",
                f"{dis.within_days} days of the accident",
                c,
            ),
            _line("disability.grade_ratios", "伤残等级给付比例", "grade ratios", table, table_en, c),
            _line(
                "disability.raise_shared_worst",
                "多处伤残",
                "several injuries",
                *(
                    shared
                    if dis.raise_shared_worst
                    else ("取最重等级，不晋级", "the worst grade, never raised")
                ),
                c,
            ),
        ]
    if death is not None and dis is not None:
        if p.death_disability_limit is None:
            zh, en = (
                "身故保险金扣除已给付的伤残保险金",
                "a death pays its sum insured less disability already paid",
            )
        else:
            zh = f"身故与伤残保险金合计每年不超过 {yuan(p.death_disability_limit)}"
            en = f"death and disability together at most {yuan(p.death_disability_limit, 'en')} a year"
        lines.append(
            ParameterLine("death_disability_limit", "身故与伤残合计", "death and disability together", zh, en)
        )
    med = p.accident_medical
    if med is None:
        lines.append(ParameterLine("accident_medical", "意外医疗", "accident medical", *_ABSENT))
    else:
        c = med.confirmed
        lines += [
            _line(
                "accident_medical.deductible",
                "意外医疗每次免赔额",
                "accident medical: deductible per claim",
                yuan(med.deductible),
                yuan(med.deductible, "en"),
                c,
            ),
            _line(
                "accident_medical.ratio",
                "意外医疗给付比例（社保报销后）",
                "accident medical: ratio (after social insurance)",
                ratio(med.ratio),
                ratio(med.ratio),
                c,
            ),
        ]
        if med.uninsured_deductible is not None or med.uninsured_ratio is not None:
            d = med.deductible if med.uninsured_deductible is None else med.uninsured_deductible
            r = med.ratio if med.uninsured_ratio is None else med.uninsured_ratio
            lines.append(
                _line(
                    "accident_medical.uninsured",
                    "未参加基本医保者",
                    "without basic insurance",
                    f"免赔 {yuan(d)}，给付 {ratio(r)}",
                    f"deductible {yuan(d, 'en')}, ratio {ratio(r)}",
                    c,
                )
            )
        lines += [
            _line(
                "accident_medical.per_claim_limit",
                "意外医疗每次限额",
                "accident medical: limit per claim",
                *_limit(med.per_claim_limit),
                c,
            ),
            _line(
                "accident_medical.annual_limit",
                "意外医疗年度限额",
                "accident medical: annual limit",
                *_limit(med.annual_limit),
                c,
            ),
        ]
    allow = p.hospital_allowance
    if allow is None:
        lines.append(ParameterLine("hospital_allowance", "住院津贴", "hospital allowance", *_ABSENT))
    else:
        c = allow.confirmed
        lines += [
            _line(
                "hospital_allowance.daily",
                "住院津贴每天",
                "hospital allowance a day",
                yuan(allow.daily),
                yuan(allow.daily, "en"),
                c,
            ),
            _line(
                "hospital_allowance.deductible_days",
                "每次住院免赔天数",
                "days not paid per stay",
                f"{allow.deductible_days} 天",
                f"{allow.deductible_days} days",
                c,
            ),
            _line(
                "hospital_allowance.max_days_per_stay",
                "每次住院最多给付",
                "most days per stay",
                *_days(allow.max_days_per_stay),
                c,
            ),
            _line(
                "hospital_allowance.max_days_per_year",
                "年度累计最多给付",
                "most days a year",
                *_days(allow.max_days_per_year),
                c,
            ),
            _line(
                "hospital_allowance.illness",
                "疾病住院",
                "illness stays",
                *(
                    ("给付（等待期后）", "paid (after the waiting period)")
                    if allow.illness
                    else ("不给付，仅限意外住院", "not paid: accident stays only")
                ),
                c,
            ),
        ]
    ill = p.illness_hospital
    if ill is None:
        lines.append(ParameterLine("illness_hospital", "疾病住院医疗", "illness hospitalization", *_ABSENT))
    else:
        c = ill.confirmed
        lines += [
            _line(
                "illness_hospital.deductible",
                "疾病住院每次免赔额",
                "illness stays: deductible per stay",
                yuan(ill.deductible),
                yuan(ill.deductible, "en"),
                c,
            ),
            _line(
                "illness_hospital.ratio",
                "疾病住院给付比例（基本医保报销后）",
                "illness stays: ratio (after basic insurance)",
                ratio(ill.ratio),
                ratio(ill.ratio),
                c,
            ),
            _line(
                "illness_hospital.annual_limit",
                "疾病住院年度限额",
                "illness stays: annual limit",
                *_limit(ill.annual_limit),
                c,
            ),
        ]
    return lines
