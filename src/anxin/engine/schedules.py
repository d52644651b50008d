"""A program's benefit schedules as arrays, for looking up millions of rows at once.

Every (version, vulnerable group) pair of a program resolves (in :mod:`anxin.domain.critical_illness`)
to one :class:`~anxin.domain.critical_illness.BenefitSchedule`; here they become parallel arrays
indexed by a *schedule id* = version index × number of groups + group index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from anxin.domain.critical_illness import UNBOUNDED_FEN, BenefitSchedule, resolve_schedule
from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs import Program
from anxin.domain.programs.supplementary_medical import SupplementaryMedicalParameters
from anxin.domain.supplementary_medical import resolve_supplementary_schedule
from anxin.domain.vulnerability import VulnerableGroup

#: Group index 0 is "no registered group"; then every group in declaration order.
GROUPS: tuple[VulnerableGroup | None, ...] = (None, *VulnerableGroup)
GROUP_INDEX = {group.value: index for index, group in enumerate(GROUPS) if group is not None}
_EPOCH = dt.date(1970, 1, 1)
#: Keys of the piecewise lookup: schedule id × this + amount; amounts stay below UNBOUNDED_FEN.
_SPAN = 2 * UNBOUNDED_FEN
_HALF = BASIS_POINTS // 2


@dataclass(frozen=True)
class ScheduleTable:
    """Every schedule of a program as parallel arrays indexed by schedule id."""

    versions: tuple[str, ...]
    hashes: tuple[str, ...]
    effective_days: np.ndarray
    deductible: np.ndarray
    cap: np.ndarray
    has_cap: np.ndarray
    lo: np.ndarray  # [band, schedule]
    hi: np.ndarray
    bp: np.ndarray
    tilt: tuple[str | None, ...]

    @property
    def band_count(self) -> int:
        return int(self.lo.shape[0])

    def schedule_ids(self, counts_days: np.ndarray, group_index: np.ndarray) -> np.ndarray:
        """The schedule of each row: the version in force on its day, and its group's tilt.

        Rows before the first version get -1.
        """
        version = np.searchsorted(self.effective_days, counts_days, side="right") - 1
        ids = version * len(GROUPS) + group_index
        return np.where(version < 0, -1, ids)

    def benefit(self, ids: np.ndarray, ytd: np.ndarray) -> np.ndarray:
        """``f(ytd)`` for every row, by one sorted look-up into all schedules' bands at once.

        Bands of a schedule are contiguous (each starts where the previous ends), so
        ``f(x) = min(cap, round((G_k + ratio_k × (x − lo_k)) / 10,000))`` in the band ``k`` holding x,
        where ``G_k`` is the exact gross of the bands below it. Each schedule gets a leading band at
        ratio 0 from 0 to its deductible, so every amount finds a band of its own schedule.
        """
        lows, below, ratios = self._piecewise
        amount = np.clip(ytd, 0, UNBOUNDED_FEN - 1)
        key = ids * _SPAN
        key += amount
        band = np.searchsorted(self._band_keys, key, side="right")
        band -= 1
        gross = ratios[band] * (amount - lows[band])
        gross += below[band]
        gross += _HALF
        gross //= BASIS_POINTS
        return np.minimum(gross, self.cap[ids])

    @cached_property
    def _piecewise(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per band, schedule-major with a leading zero band: its start, the gross below it, its ratio."""
        count = self.lo.shape[1]
        lows = np.vstack([np.zeros((1, count), dtype=np.int64), self.lo]).T
        ratios = np.vstack([np.zeros((1, count), dtype=np.int64), self.bp]).T
        # Exact gross of the bands below each band; the top band's own width is unbounded, never summed.
        finite = np.where(self.hi >= UNBOUNDED_FEN, 0, self.hi - self.lo)
        products = (self.bp * finite).T[:, :-1]
        below = np.hstack([np.zeros((count, 2), dtype=np.int64), np.cumsum(products, axis=1)])
        return lows.ravel(), below.ravel(), ratios.ravel()

    @cached_property
    def _band_keys(self) -> np.ndarray:
        count = self.lo.shape[1]
        lows = self._piecewise[0].reshape(count, -1)
        return (np.arange(count)[:, None] * _SPAN + lows).ravel()


def schedule_table(program: Program) -> ScheduleTable:
    schedules: list[BenefitSchedule] = []
    for version in program.versions:
        parameters = version.parameters
        if isinstance(parameters, SupplementaryMedicalParameters):  # each group has terms of its own
            schedules.extend(resolve_supplementary_schedule(parameters, group) for group in GROUPS)
        else:
            schedules.extend(resolve_schedule(parameters, group) for group in GROUPS)
    width = max(len(s.bands) for s in schedules)
    lo = np.zeros((width, len(schedules)), dtype=np.int64)
    hi = np.zeros_like(lo)
    bp = np.zeros_like(lo)
    for index, schedule in enumerate(schedules):
        last = schedule.bands[-1].hi
        for k in range(width):  # a shorter schedule is padded with empty bands at its top
            band = schedule.bands[k] if k < len(schedule.bands) else None
            lo[k, index] = band.lo if band else last
            hi[k, index] = band.hi if band else last
            bp[k, index] = band.ratio_bp if band else 0
    return ScheduleTable(
        versions=tuple(v.version for v in program.versions),
        hashes=tuple(program.parameter_hash(v) for v in program.versions),
        effective_days=np.array([(v.effective_from - _EPOCH).days for v in program.versions]),
        deductible=np.array([s.deductible for s in schedules], dtype=np.int64),
        cap=np.array([s.cap for s in schedules], dtype=np.int64),
        has_cap=np.array([s.cap < UNBOUNDED_FEN for s in schedules], dtype=bool),
        lo=lo,
        hi=hi,
        bp=bp,
        tilt=tuple(s.tilt.value if s.tilt else None for s in schedules),
    )
