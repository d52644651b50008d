"""Servicing requests (保全申请) as the business names them: the kinds, the channels they come by,
how they end, and the checks of the requests that move no money.

The money requests (loans, repayments, reinstatement, cancellation, surrender, survival benefits) are
decided by the rules of :mod:`anxin.domain.life.servicing`; the changes of contact details,
beneficiaries and policyholder are checked here: a beneficiary change names every beneficiary, orders
from 1, the shares of each order adding up to 100 % (10,000 basis points), with the insured's consent
recorded (Insurance Law art. 41); a contact change needs a phone or an address (a phone is a mobile
number of 11 digits or a fixed line with its area code); a policyholder change names the new
policyholder and carries the insured's consent. Nothing here touches the database.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anxin.domain.errors import InvalidInput
from anxin.domain.money import BASIS_POINTS

#: A mobile number (11 digits from 13…19) or a fixed line (area code 0xx/0xxx, 7–8 digits, extension).
PHONE = re.compile(r"(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")
MAX_ADDRESS = 200
MAX_NAME = 100


class RequestKind(enum.StrEnum):
    CONTACT_CHANGE = "contact_change"
    BENEFICIARY_CHANGE = "beneficiary_change"
    POLICYHOLDER_CHANGE = "policyholder_change"
    LOAN = "loan"
    REPAYMENT = "repayment"
    REINSTATEMENT = "reinstatement"
    #: Only inside a relief campaign that grants interest-free reinstatement.
    INTEREST_FREE_REINSTATEMENT = "interest_free_reinstatement"
    COOLING_OFF_CANCELLATION = "cooling_off_cancellation"
    SURRENDER = "surrender"
    SURVIVAL_BENEFIT = "survival_benefit"
    #: The next premium paid (while in force, in grace or in APL cover).
    PREMIUM_PAYMENT = "premium_payment"

    @property
    def label_zh(self) -> str:
        return _KIND_TEXT[self][0]

    @property
    def label_en(self) -> str:
        return _KIND_TEXT[self][1]

    @property
    def moves_money(self) -> bool:
        return self not in _NO_MONEY


_KIND_TEXT = {
    RequestKind.CONTACT_CHANGE: ("联系方式/地址变更", "change of contact details"),
    RequestKind.BENEFICIARY_CHANGE: ("受益人变更", "change of beneficiaries"),
    RequestKind.POLICYHOLDER_CHANGE: ("投保人变更", "change of policyholder"),
    RequestKind.LOAN: ("保单借款", "policy loan"),
    RequestKind.REPAYMENT: ("还款", "loan repayment"),
    RequestKind.REINSTATEMENT: ("复效", "reinstatement"),
    RequestKind.INTEREST_FREE_REINSTATEMENT: ("免息复效", "interest-free reinstatement"),
    RequestKind.COOLING_OFF_CANCELLATION: ("犹豫期退保", "cancellation in the cooling-off period"),
    RequestKind.SURRENDER: ("退保", "surrender"),
    RequestKind.SURVIVAL_BENEFIT: ("生存金领取", "survival benefit"),
    RequestKind.PREMIUM_PAYMENT: ("交纳保费", "premium payment"),
}
_NO_MONEY = frozenset(
    {RequestKind.CONTACT_CHANGE, RequestKind.BENEFICIARY_CHANGE, RequestKind.POLICYHOLDER_CHANGE}
)


class Channel(enum.StrEnum):
    COUNTER = "counter"
    APP = "app"
    AGENT = "agent"
    PHONE = "phone"
    MAIL = "mail"

    @property
    def label_zh(self) -> str:
        return _CHANNEL_TEXT[self][0]

    @property
    def label_en(self) -> str:
        return _CHANNEL_TEXT[self][1]


_CHANNEL_TEXT = {
    Channel.COUNTER: ("柜面", "counter"),
    Channel.APP: ("移动应用（电子化）", "mobile app"),
    Channel.AGENT: ("代理人", "agent"),
    Channel.PHONE: ("电话", "phone"),
    Channel.MAIL: ("信函", "mail"),
}


class RequestStatus(enum.StrEnum):
    DONE = "done"
    REFUSED = "refused"


@dataclass(frozen=True)
class ContactChange:
    phone: str | None
    address: str | None


@dataclass(frozen=True)
class NewBeneficiary:
    name: str
    order: int
    share_bp: int
    #: The personnel number (``psn_no``) of a stored person, or ``None`` for a name only.
    person_no: str | None = None


def _invalid(zh: str, en: str, code: str = "invalid_request") -> InvalidInput:
    return InvalidInput(zh, en, code=code)


def _text(details: Mapping[str, Any], key: str) -> str | None:
    value = details.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"「{key}」应为文本", f"{key!r} must be text")
    return value.strip() or None


def check_contact_change(details: Mapping[str, Any]) -> ContactChange:
    """A phone, an address or both; the phone a mobile or fixed-line number."""
    phone, address = _text(details, "phone"), _text(details, "address")
    if phone is None and address is None:
        raise _invalid(
            "联系方式变更须填写新电话或新地址", "a contact change needs a new phone or a new address"
        )
    if phone is not None and not PHONE.fullmatch(phone):
        raise _invalid(
            "电话号码格式不正确（手机号 11 位，或区号-固定电话）",
            "not a phone number (11-digit mobile, or area code and fixed line)",
            "invalid_phone",
        )
    if address is not None and len(address) > MAX_ADDRESS:
        raise _invalid(f"地址超过 {MAX_ADDRESS} 字", f"the address is longer than {MAX_ADDRESS} characters")
    return ContactChange(phone, address)


def _consent(details: Mapping[str, Any]) -> None:
    if details.get("insured_consent") is not True:
        raise _invalid(
            "须有被保险人书面同意", "the insured's written consent is required", "consent_required"
        )


def _integer(value: Any, zh: str, en: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{zh}应为整数", f"{en} must be a whole number")
    return value


def check_beneficiaries(details: Mapping[str, Any]) -> tuple[NewBeneficiary, ...]:
    """The new beneficiaries, whole: orders from 1 without gaps, each order sharing 100 %."""
    _consent(details)
    rows = details.get("beneficiaries")
    if not isinstance(rows, list | tuple) or not rows:
        raise _invalid("须列明受益人", "name the beneficiaries", "invalid_beneficiaries")
    found = []
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise _invalid(f"第 {index} 位受益人格式不正确", f"beneficiary {index} is malformed")
        name = row.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            raise _invalid(
                f"第 {index} 位受益人须有姓名", f"beneficiary {index} needs a name", "invalid_beneficiaries"
            )
        order = _integer(
            row.get("order", 1), f"第 {index} 位受益人的受益顺序", f"beneficiary {index}'s order"
        )
        share = _integer(row.get("share_bp"), f"第 {index} 位受益人的份额", f"beneficiary {index}'s share")
        if order < 1 or not 0 < share <= BASIS_POINTS:
            raise _invalid(
                f"第 {index} 位受益人：受益顺序从 1 起，份额在 0 至 100% 之间",
                f"beneficiary {index}: orders start at 1, a share is above 0 and at most 100%",
                "invalid_beneficiaries",
            )
        person_no = row.get("person_no")
        if person_no is not None and (not isinstance(person_no, str) or not person_no.strip()):
            raise _invalid(
                f"第 {index} 位受益人的人员编号无效", f"beneficiary {index}'s person number is invalid"
            )
        found.append(NewBeneficiary(name.strip(), order, share, person_no.strip() if person_no else None))
    orders = sorted({b.order for b in found})
    if orders != list(range(1, len(orders) + 1)):
        raise _invalid(
            "受益顺序应从 1 起连续编排",
            "beneficiary orders run 1, 2, … without gaps",
            "invalid_beneficiaries",
        )
    for order in orders:
        total = sum(b.share_bp for b in found if b.order == order)
        if total != BASIS_POINTS:
            raise _invalid(
                f"第 {order} 顺序受益人的份额合计应为 100%（现为 {total / 100:g}%）",
                f"beneficiaries of order {order} must share 100% (they share {total / 100:g}%)",
                "invalid_beneficiary_shares",
            )
    return tuple(found)


def check_policyholder_change(details: Mapping[str, Any]) -> str:
    """The personnel number of the new policyholder (the insured must consent)."""
    person_no = _text(details, "policyholder_no")
    if person_no is None:
        raise _invalid("须填写新投保人的人员编号", "name the new policyholder's person number")
    _consent(details)
    return person_no


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``: enough to tell numbers apart in an audit trail."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
