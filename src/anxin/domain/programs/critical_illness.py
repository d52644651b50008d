"""Parameters of a critical-illness (大病保险) program version, as written in its program file."""

from __future__ import annotations

import enum
import itertools

from pydantic import BaseModel, ConfigDict, Field, model_validator

from anxin.domain.programs.quantities import Fen, PointsBp, RatioBp
from anxin.domain.vulnerability import VulnerableGroup


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BandOrigin(enum.StrEnum):
    """Where band edges are measured from."""

    #: Edges are year-to-date amounts (``10k–100k`` means ytd between 10,000 and 100,000).
    ABSOLUTE = "absolute"
    #: Edges are amounts above the deductible (``0–50k`` means the first 50,000 above the line).
    ABOVE_DEDUCTIBLE = "above_deductible"


class Band(_Frozen):
    """One ratio band. ``upto`` is its upper edge; the last band has none."""

    upto: Fen | None = None
    ratio: RatioBp
    #: ``false`` marks an edge or ratio that could not be confirmed against the source.
    confirmed: bool = True
    note: str = ""


class Tilt(_Frozen):
    """Preferential terms for registered vulnerable groups (倾斜政策)."""

    groups: tuple[VulnerableGroup, ...] = Field(min_length=1)
    #: The group's deductible as a share of the ordinary one (``"50%"`` halves it).
    deductible_factor: RatioBp | None = None
    #: Or the group's deductible written directly.
    deductible: Fen | None = None
    #: Added to every band's ratio, in percentage points (``"5pp"``), capped at 100 %.
    ratio_bump: PointsBp = 0
    #: ``true``: no annual cap for the group.
    remove_cap: bool = False
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _one_deductible_rule(self) -> Tilt:
        if self.deductible_factor is not None and self.deductible is not None:
            raise ValueError(
                "deductible_factor 与 deductible 只能写一个 / give deductible_factor or deductible, not both"
            )
        return self


class CriticalIllnessParameters(_Frozen):
    """A version's benefit rule: ``f(x) = min(cap, Σ ratio × |band ∩ [D, x]|)`` on year-to-date cost."""

    deductible: Fen
    band_origin: BandOrigin = BandOrigin.ABSOLUTE
    bands: tuple[Band, ...] = Field(min_length=1)
    #: The annual cap on payouts (封顶线); omitted means no cap.
    cap: Fen | None = None
    tilts: tuple[Tilt, ...] = ()

    @model_validator(mode="after")
    def _bands_are_ordered(self) -> CriticalIllnessParameters:
        edges = [band.upto for band in self.bands]
        if edges[-1] is not None:
            raise ValueError(
                "最后一段不能有上限 upto（它覆盖其余全部金额）/ the last band has no 'upto': it covers the rest"
            )
        inner = edges[:-1]
        if any(edge is None for edge in inner):
            raise ValueError("只有最后一段可以省略 upto / only the last band may omit 'upto'")
        if any(b <= a for a, b in itertools.pairwise(inner)):  # type: ignore[operator]
            raise ValueError("各段 upto 必须严格递增 / band 'upto' edges must strictly increase")
        if self.band_origin is BandOrigin.ABSOLUTE and inner and inner[0] <= self.deductible:  # type: ignore[operator]
            raise ValueError(
                "按累计金额计段时，第一段上限必须高于起付线 / with absolute bands the first edge must exceed the deductible"
            )
        for tilt in self.tilts:
            shifted = [band.ratio + tilt.ratio_bump for band in self.bands]
            if min(shifted) < 0:
                raise ValueError("倾斜后的支付比例不能为负 / a tilted ratio cannot fall below 0%")
        seen: set[VulnerableGroup] = set()
        for tilt in self.tilts:
            overlap = seen.intersection(tilt.groups)
            if overlap:
                names = ", ".join(sorted(g.value for g in overlap))
                raise ValueError(
                    f"同一类人员出现在多条倾斜政策中：{names} / group in more than one tilt: {names}"
                )
            seen.update(tilt.groups)
        return self

    def tilt_for(self, group: VulnerableGroup | None) -> Tilt | None:
        if group is None:
            return None
        return next((tilt for tilt in self.tilts if group in tilt.groups), None)
