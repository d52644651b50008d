"""Resident identity numbers (GB 11643-1999): validation, legacy upgrade, derived facts, masking.

Validation uses ``python-stdnum`` (``stdnum.cn.ric`` and its region data): length, digits, check
character, a real birth date, and a region code known to GB/T 2260 at some time.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from anxin.domain.errors import InvalidResidentId

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label_zh(self) -> str:
        return "男" if self is Sex.MALE else "女"


def check_character(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def upgrade_legacy(number15: str) -> str:
    """A 15-digit legacy ID as its 18-digit form: ``19`` inserted before the year, check appended."""
    if len(number15) != 15 or not number15.isdigit():
        raise InvalidResidentId("旧版身份证号码应为15位数字", "a legacy resident ID must be 15 digits")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A validated 18-character resident ID number. ``str()`` and ``repr()`` are masked."""

    number: str

    @classmethod
    def parse(cls, text: str) -> ResidentId:
        """Validate ``text`` (18 characters, or 15-digit legacy upgraded) into a ``ResidentId``."""
        compact = ric.compact(str(text))
        if len(compact) == 15:
            compact = upgrade_legacy(compact)
        if len(compact) != 18:
            raise InvalidResidentId(
                f"身份证号码长度应为18位（或15位旧号），实为{len(compact)}位",
                f"a resident ID has 18 characters (or 15 legacy digits), got {len(compact)}",
            )
        if not compact[:17].isdigit():
            raise InvalidResidentId(
                "身份证号码前17位必须是数字", "the first 17 characters of a resident ID must be digits"
            )
        if compact[17] != ric.calc_check_digit(compact):
            raise InvalidResidentId(
                f"身份证号码校验位错误（{mask(compact)}）",
                f"resident ID check character is wrong ({mask(compact)})",
            )
        try:
            ric.get_birth_date(compact)
        except stdnum_errors.InvalidComponent:
            raise InvalidResidentId(
                f"身份证号码中的出生日期无效（{mask(compact)}）",
                f"resident ID has an impossible birth date ({mask(compact)})",
            ) from None
        if not _region_ever_existed(compact[:6]):
            raise InvalidResidentId(
                f"身份证号码的地区码不存在（{mask(compact)}）",
                f"resident ID has an unknown region code ({mask(compact)})",
            )
        return cls(compact)

    @property
    def region_code(self) -> str:
        return self.number[:6]

    @property
    def birth_date(self) -> dt.date:
        return ric.get_birth_date(self.number)

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self.number[16]) % 2 == 1 else Sex.FEMALE

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def masked(self) -> str:
        return mask(self.number)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"ResidentId({self.masked!r})"


def _region_ever_existed(code: str) -> bool:
    """Whether ``code`` is a region code in GB/T 2260's history (python-stdnum's ``cn/loc`` data).

    Unlike ``ric.validate``, the code need not have existed in the birth year: IDs are issued where a
    person is registered, often years after birth and after the region was created (a resident of
    临沂 born in 1990 may carry 3713xx, a code that exists since 1994).
    """
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def mask(number: str) -> str:
    """``370102199001011234`` → ``3701**********1234``: region prefix and last four only."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
