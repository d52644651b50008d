"""Rules shared by group covers: ages, cover periods, waiting periods, and the reasons a claim pays
what it pays (stable codes with Chinese and English labels)."""

from __future__ import annotations

import datetime as dt
import enum

from anxin.domain.programs.group_terms import Age, AgeBasis, Eligibility, WaitingPeriod


class Reason(enum.StrEnum):
    """Why a claim paid what it paid. The rejections are checked in this order; the first wins."""

    PAID = "paid"
    NOT_COVERED = "not_covered"
    DISEASE_NOT_LISTED = "disease_not_listed"
    OUTSIDE_COVER = "outside_cover"
    AGE_NOT_COVERED = "age_not_covered"
    SEX_NOT_COVERED = "sex_not_covered"
    WAITING_PERIOD = "waiting_period"
    TOO_LATE = "too_late"
    COVER_ENDED = "cover_ended"
    NOTHING_DUE = "nothing_due"
    LIMIT_REACHED = "limit_reached"
    #: Not the rule's outcome but the claims run's: a required document is missing, so the line
    #: waits in review (the amount is what the rule says).
    DOCUMENTS_MISSING = "documents_missing"

    @property
    def label_zh(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]

    @property
    def rejects(self) -> bool:
        """A rejection: the claim is outside the cover (as opposed to paid, nothing due, limit reached)."""
        return self not in (Reason.PAID, Reason.NOTHING_DUE, Reason.LIMIT_REACHED, Reason.DOCUMENTS_MISSING)


_LABELS = {
    Reason.PAID: ("赔付", "paid"),
    Reason.NOT_COVERED: ("本方案不含此项保障", "the program does not cover this benefit"),
    Reason.DISEASE_NOT_LISTED: ("不属于约定的疾病", "not a listed disease"),
    Reason.OUTSIDE_COVER: ("出险日不在保险期间内", "the event falls outside the period of cover"),
    Reason.AGE_NOT_COVERED: ("年龄不在承保范围内", "age outside the ages covered"),
    Reason.SEX_NOT_COVERED: ("性别不在承保范围内", "not of the sex covered"),
    Reason.WAITING_PERIOD: ("等待期内发生的疾病不予赔付", "illness within the waiting period"),
    Reason.TOO_LATE: ("身故或伤残鉴定超过事故后约定天数", "death or assessment too long after the accident"),
    Reason.COVER_ENDED: ("保险责任已终止（已身故或已给付）", "cover has ended (death, or a lump sum paid)"),
    Reason.NOTHING_DUE: ("在免赔额（天数）以内，无应付金额", "nothing due (within the deductible)"),
    Reason.LIMIT_REACHED: ("保险金额或限额已用完", "the sum insured or limit is used up"),
    Reason.DOCUMENTS_MISSING: ("理赔材料不全，待审核", "claim documents missing: held for review"),
}

REJECTIONS: tuple[Reason, ...] = tuple(r for r in Reason if r.rejects)


def age_in_years(born: dt.date, day: dt.date) -> int:
    """Completed years (周岁) on ``day``; someone born on 29 February turns a year older on 1 March."""
    return day.year - born.year - int((day.month, day.day) < (born.month, born.day))


def age_in_days(born: dt.date, day: dt.date) -> int:
    return (day - born).days


def reaches(age: Age, born: dt.date, day: dt.date) -> bool:
    """Whether a person born on ``born`` is at least ``age`` old on ``day``."""
    have = age_in_days(born, day) if age.in_days else age_in_years(born, day)
    return have >= age.count


def not_beyond(age: Age, born: dt.date, day: dt.date) -> bool:
    """Whether the person is at most ``age`` (in completed years or days) on ``day``: "17 岁" covers
    everyone until the day before the 18th birthday."""
    have = age_in_days(born, day) if age.in_days else age_in_years(born, day)
    return have <= age.count


def age_day(eligibility: Eligibility, event_on: dt.date, cover_from: dt.date) -> dt.date:
    return cover_from if eligibility.ages_on is AgeBasis.COVER_START else event_on


def age_covered(eligibility: Eligibility, born: dt.date, day: dt.date) -> bool:
    low, high = eligibility.min_age, eligibility.max_age
    return (low is None or reaches(low, born, day)) and (high is None or not_beyond(high, born, day))


def in_waiting_period(
    waiting: WaitingPeriod | None, cover_from: dt.date, event_on: dt.date, *, renewed: bool
) -> bool:
    """Whether an illness on ``event_on`` falls in the waiting period (fewer than ``days`` days after
    the first day of cover); a continuous renewal has none unless the program says so."""
    if waiting is None or (renewed and not waiting.on_renewal):
        return False
    return (event_on - cover_from).days < waiting.days
