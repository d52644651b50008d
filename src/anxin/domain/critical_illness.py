"""The critical-illness (大病保险) benefit: a person's payout on year-to-date owed eligible cost.

A version's parameters and a person's vulnerable group resolve into one :class:`BenefitSchedule` in
whole fen and basis points. The benefit of a year-to-date amount ``x`` is

    f(x) = min(cap, round_half_up(Σ_k ratio_k × |[lo_k, hi_k] ∩ [0, x]|))

where each band ``[lo_k, hi_k]`` already starts no lower than the deductible. A settlement that moves
the person's year-to-date from ``before`` to ``after`` pays ``f(after) − f(before)``: the deductible is
charged once a year, and a person's payouts sum to ``f(year total)`` exactly, whatever the number of
stays. The rounding (half up, to the fen, once inside ``f``) is the platform's only rounding rule.

This module is the plain-Python statement of the rule, one settlement at a time; the batch engine
(:mod:`anxin.engine.critical_illness`) computes the same thing over whole populations and is tested
against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from anxin.domain.money import BASIS_POINTS, round_half_up
from anxin.domain.programs.critical_illness import BandOrigin, CriticalIllnessParameters
from anxin.domain.vulnerability import VulnerableGroup

#: Stands for "no upper edge" / "no cap" in whole fen: 10^15 fen, far above any real amount.
#: Ratio (basis points) × a real amount stays inside a signed 64-bit integer for amounts below
#: 9 × 10^14 fen; products are only ever formed with real amounts, never with this bound.
UNBOUNDED_FEN = 10**15


@dataclass(frozen=True, slots=True)
class ScheduleBand:
    lo: int
    hi: int
    ratio_bp: int

    def portion(self, ytd: int) -> int:
        """How much of a year-to-date amount falls inside this band, in fen."""
        return max(0, min(ytd, self.hi) - self.lo)


@dataclass(frozen=True, slots=True)
class BenefitSchedule:
    """One person-year's rule in whole fen and basis points, with everything applied."""

    deductible: int
    bands: tuple[ScheduleBand, ...]
    cap: int
    tilt: VulnerableGroup | None = None

    def gross_e4(self, ytd: int) -> int:
        """Σ ratio × band portion, exact, in units of 1/10,000 fen."""
        return sum(band.ratio_bp * band.portion(ytd) for band in self.bands)

    def benefit(self, ytd: int) -> int:
        """``f(ytd)``: what a person with this year-to-date owed eligible cost is due in the year."""
        if ytd <= 0:
            return 0
        return min(self.cap, round_half_up(self.gross_e4(ytd), BASIS_POINTS))

    def payout(self, ytd_before: int, base: int) -> int:
        """What a settlement adding ``base`` to ``ytd_before`` pays."""
        return self.benefit(ytd_before + base) - self.benefit(ytd_before)


def resolve_schedule(
    parameters: CriticalIllnessParameters, group: VulnerableGroup | None = None
) -> BenefitSchedule:
    """The schedule for a person in ``group`` (or an ordinary person) under ``parameters``."""
    tilt = parameters.tilt_for(group)
    deductible = parameters.deductible
    bump = 0
    cap = UNBOUNDED_FEN if parameters.cap is None else parameters.cap
    if tilt is not None:
        if tilt.deductible is not None:
            deductible = tilt.deductible
        elif tilt.deductible_factor is not None:
            deductible = round_half_up(parameters.deductible * tilt.deductible_factor, BASIS_POINTS)
        bump = tilt.ratio_bump
        if tilt.remove_cap:
            cap = UNBOUNDED_FEN
    bands = []
    start = 0
    for band in parameters.bands:
        end = UNBOUNDED_FEN if band.upto is None else band.upto
        if parameters.band_origin is BandOrigin.ABOVE_DEDUCTIBLE:
            lo, hi = deductible + start, min(UNBOUNDED_FEN, deductible + end)
        else:
            lo, hi = max(start, deductible), end
        bands.append(ScheduleBand(lo=lo, hi=max(lo, hi), ratio_bp=min(BASIS_POINTS, band.ratio + bump)))
        start = end
    return BenefitSchedule(
        deductible=deductible,
        bands=tuple(bands),
        cap=cap,
        tilt=group if tilt is not None else None,
    )
