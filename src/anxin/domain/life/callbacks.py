"""New-policy callbacks (新契约回访): what a callback confirms, the channels it is made by, its statuses.

A life policy of a term over one year (whole life included) is called back within its cooling-off
period. A callback is done only when the policyholder confirms all seven points of
:data:`CONFIRMATIONS`; a call with any point unconfirmed is an attempt, and the task stays open with
the unconfirmed points to follow up. The task is due on the last day of the cooling-off period
(:func:`due_on`) and overdue while open after that day. A task is closed without a call when the
policy was cancelled in cooling-off or ended first.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping

from anxin.domain.errors import InvalidInput
from anxin.domain.life.products import LifeProduct

#: The seven confirmations (column of ``callback_tasks``, Chinese, English), in the order asked.
CONFIRMATIONS: tuple[tuple[str, str, str], ...] = (
    ("right_person", "确认投保人本人", "the policyholder in person"),
    ("signed_in_person", "亲笔签名", "signed in person"),
    ("read_brochure_and_risk_notice", "阅读产品说明书和风险提示", "read the brochure and the risk notice"),
    ("understands_cover", "了解保险责任、责任免除和保险期间", "understands the cover, exclusions and term"),
    ("knows_surrender_losses", "知晓退保损失", "knows the losses on surrender"),
    ("knows_cooling_off_rights", "知晓犹豫期权利", "knows the cooling-off rights"),
    ("knows_payment_schedule", "知晓交费方式、期间和金额", "knows how, how long and how much to pay"),
)
CONFIRMATION_COLUMNS: tuple[str, ...] = tuple(c for c, _, _ in CONFIRMATIONS)
_LABELS = {c: (zh, en) for c, zh, en in CONFIRMATIONS}


class CallbackChannel(enum.StrEnum):
    ELECTRONIC = "electronic"
    PHONE = "phone"

    @property
    def label_zh(self) -> str:
        return {"electronic": "电子化回访", "phone": "电话回访"}[self.value]

    @property
    def label_en(self) -> str:
        return {"electronic": "electronic callback", "phone": "phone callback"}[self.value]


class CallbackStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CLOSED = "closed"

    @property
    def label_zh(self) -> str:
        return {"open": "待回访", "done": "已完成", "closed": "已关闭"}[self.value]

    @property
    def label_en(self) -> str:
        return {"open": "open", "done": "done", "closed": "closed"}[self.value]


def needs_callback(product: LifeProduct) -> bool:
    """A policy of a term over one year is called back; whole life (no term) is over one year."""
    return product.term_years is None or product.term_years > 1


def due_on(received_on: dt.date, product: LifeProduct) -> dt.date:
    """The last day of the cooling-off period: received on + the product's cooling-off days."""
    return received_on + dt.timedelta(days=product.cooling_off.days)


def is_overdue(status: str, due: dt.date, day: dt.date) -> bool:
    return status == CallbackStatus.OPEN and due < day


def confirmation_label(column: str) -> tuple[str, str]:
    """(Chinese, English) of a confirmation column."""
    return _LABELS[column]


def checked_confirmations(confirmations: Mapping[str, bool]) -> dict[str, bool]:
    """All seven columns, ``False`` where not given; an unknown column is refused (InvalidInput)."""
    unknown = sorted(set(confirmations) - set(CONFIRMATION_COLUMNS))
    if unknown:
        names = ", ".join(unknown)
        allowed = ", ".join(CONFIRMATION_COLUMNS)
        raise InvalidInput(
            f"不认识的回访确认项：{names}（可用：{allowed}）",
            f"unknown callback confirmation: {names} (allowed: {allowed})",
            code="unknown_confirmation",
        )
    return {column: bool(confirmations.get(column, False)) for column in CONFIRMATION_COLUMNS}


def missing_confirmations(confirmations: Mapping[str, bool]) -> list[str]:
    """The columns not confirmed, in the order asked."""
    return [column for column in CONFIRMATION_COLUMNS if not confirmations.get(column, False)]
