"""Relief campaigns (应急服务/理赔保全绿色通道): time-boxed, region-scoped overrides of servicing rules.

A campaign file (``campaigns/*.toml``) names a window of dates (both inclusive), the regions it
covers (six-digit administrative codes: ``"410000"`` covers the province, ``"410100"`` the city,
``"410102"`` the district) and its overrides: a longer grace period, interest-free reinstatement,
deferred loan interest (no capitalisation and no suspension or termination for debt inside the
window; interest keeps accruing and is charged after it). The daily run applies a campaign to the
policies of its regions on the days of its window; the requests apply it on their day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from anxin.domain.errors import InvalidProgram
from anxin.domain.life.products import validation_text
from anxin.domain.programs.group_terms import Days
from anxin.domain.programs.model import Source


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Window(_Frozen):
    starts: dt.date = Field(alias="from")
    ends: dt.date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.ends < self.starts:
            raise ValueError("窗口结束日早于开始日 / the window ends before it starts")
        return self


class Overrides(_Frozen):
    #: Grace period inside the window (used when longer than the product's).
    grace_days: Days | None = None
    interest_free_reinstatement: bool = False
    defer_loan_interest: bool = False


class ReliefCampaign(_Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    window: Window
    regions: tuple[str, ...] = Field(min_length=1)
    overrides: Overrides
    source: Source

    @field_validator("regions")
    @classmethod
    def _codes(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        for code in regions:
            if not re.fullmatch(r"\d{6}", code):
                raise ValueError(f"地区代码为六位数字：{code!r} / a region code has six digits: {code!r}")
        return regions

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Region codes as prefixes: ``"410000"`` → ``"41"``, ``"410100"`` → ``"4101"``."""
        return tuple(region_prefix(code) for code in self.regions)

    def applies(self, region: str, day: dt.date) -> bool:
        return self.window.starts <= day <= self.window.ends and region.startswith(self.prefixes)


def region_prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


@dataclass(frozen=True)
class ReliefTerms:
    """What the campaigns in force for one region on one day change."""

    campaigns: tuple[str, ...] = ()
    grace_days: int | None = None
    interest_free_reinstatement: bool = False
    defer_loan_interest: bool = False

    def grace(self, product_days: int) -> int:
        return max(product_days, self.grace_days or 0)


def relief_on(
    campaigns: tuple[ReliefCampaign, ...] | list[ReliefCampaign], region: str, day: dt.date
) -> ReliefTerms:
    active = [c for c in campaigns if c.applies(region, day)]
    graces = [c.overrides.grace_days for c in active if c.overrides.grace_days is not None]
    return ReliefTerms(
        campaigns=tuple(c.code for c in active),
        grace_days=max(graces) if graces else None,
        interest_free_reinstatement=any(c.overrides.interest_free_reinstatement for c in active),
        defer_loan_interest=any(c.overrides.defer_loan_interest for c in active),
    )


def parse_campaign(data: dict[str, Any], *, source_name: str) -> ReliefCampaign:
    try:
        return ReliefCampaign.model_validate(data)
    except ValidationError as exc:
        raise InvalidProgram(
            *validation_text(exc, source_name, "救助活动文件无效", "invalid relief campaign file")
        ) from None
