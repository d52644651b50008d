"""How the codes of a life policy's servicing read in Chinese and English: statuses, ledger and
history events, ledger accounts, what caused a status change, and the members of the request and
channel enumerations. Pages and the API label with these; an unknown code reads as itself."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from anxin.domain.life.events import Account, EventKind
from anxin.domain.life.policy import PolicyStatus

#: What caused a status change, in Chinese and English.
CAUSES = {
    "import": ("保单导入", "policy import"),
    "run": ("日批", "daily run"),
    "request": ("保全申请", "servicing request"),
}


def status_label(status: str | None) -> tuple[str, str]:
    """A policy status in Chinese and English (the code itself when unknown)."""
    if status is None:
        return ("—", "—")
    try:
        known = PolicyStatus(status)
    except ValueError:
        return (status, status)
    return (known.label_zh, known.value.replace("_", " "))


def event_label(event: str) -> tuple[str, str]:
    """A ledger or history event in Chinese and English (the code itself when unknown)."""
    if event == "imported":
        return ("导入", "imported")
    try:
        known = EventKind(event)
    except ValueError:
        return (event, event.replace("_", " "))
    return (known.label_zh, known.label_en)


def account_label(account: str | None) -> str:
    """A ledger account in Chinese (the code itself when unknown; empty for none)."""
    if account is None:
        return ""
    try:
        return Account(account).label_zh
    except ValueError:
        return account


def enum_label(enum: type[Enum]) -> Callable[[str], tuple[str, str]]:
    """The labeller of an enumeration whose members carry ``label_zh`` and ``label_en``: a code →
    its Chinese and English (the code itself twice when unknown)."""

    def label(code: str) -> tuple[str, str]:
        try:
            member = enum(code)
        except ValueError:
            return (code, code)
        return (member.label_zh, member.label_en)  # type: ignore[attr-defined]

    return label
