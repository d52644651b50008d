"""The servicing requests that move no money, on the database: a change of the policyholder's contact
details, of the beneficiaries, of the policyholder.

Each works inside the request's transaction on a policy already loaded and locked
(:func:`anxin.services.policy_records.load_policy`) and returns what changed: the explanation lines
and the audit's before and after. Phones and addresses never reach the audit trail in full: a phone
is masked (``138****5678``), an address only noted as changed; beneficiaries appear there by order,
share and personnel number, never by name or ID number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from anxin.domain.errors import Conflict, NotFound
from anxin.domain.life.requests import (
    check_beneficiaries,
    check_contact_change,
    check_policyholder_change,
    mask_phone,
)
from anxin.domain.money import format_ratio
from anxin.services.policy_records import StoredPolicy
from anxin.store.schema import LifePolicy, Person, PolicyBeneficiary
from anxin.store.schema.base import utc_now


@dataclass(frozen=True)
class Change:
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]
    before: dict[str, Any]
    after: dict[str, Any]
    #: Values added to the stored request details.
    details: dict[str, Any] = field(default_factory=dict)


def _active(stored: StoredPolicy) -> None:
    if not stored.state.status.active:
        raise Conflict(
            f"保单已{stored.state.status.label_zh}，不能办理变更",
            f"the policy is {stored.state.status.value}; nothing can be changed",
            code="policy_ended",
        )


def _person_id(connection: sa.Connection, person_no: str) -> int:
    found = connection.execute(sa.select(Person.id).where(Person.psn_no == person_no)).scalar()
    if found is None:
        raise NotFound(
            f"没有人员编号为 {person_no} 的人员", f"no person numbered {person_no}", code="person_not_found"
        )
    return found


def _psn_no(connection: sa.Connection, person_id: int) -> str:
    return connection.execute(sa.select(Person.psn_no).where(Person.id == person_id)).scalar() or ""


def change_contact(connection: sa.Connection, stored: StoredPolicy, details: Mapping[str, Any]) -> Change:
    """The policyholder's new phone and/or address."""
    _active(stored)
    change = check_contact_change(details)
    old = connection.execute(
        sa.select(Person.phone, Person.address).where(Person.id == stored.policyholder_id)
    ).one()
    values, zh, en = {}, [], []
    if change.phone is not None:
        values["phone"] = change.phone
        zh.append(f"投保人电话变更为 {mask_phone(change.phone)}")
        en.append(f"policyholder's phone changed to {mask_phone(change.phone)}")
    if change.address is not None:
        values["address"] = change.address
        zh.append("投保人联系地址已变更")
        en.append("policyholder's address changed")
    connection.execute(sa.update(Person).where(Person.id == stored.policyholder_id).values(**values))
    before = {"phone_masked": mask_phone(old.phone), "address_on_file": bool(old.address)}
    after = {
        "phone_masked": mask_phone(change.phone if change.phone is not None else old.phone),
        "address_on_file": bool(change.address or old.address),
        "address_changed": change.address is not None and change.address != old.address,
    }
    return Change(tuple(zh), tuple(en), before, after)


def _beneficiary_summary(rows: list[tuple[int, int, str | None]]) -> str:
    """``"1:5000:P001,1:5000"`` — order, share in basis points and personnel number, sorted."""
    return ",".join(
        f"{o}:{s}" + (f":{p}" if p else "") for o, s, p in sorted(rows, key=lambda r: (r[0], -r[1]))
    )


def change_beneficiaries(
    connection: sa.Connection, stored: StoredPolicy, details: Mapping[str, Any]
) -> Change:
    """Replace the policy's beneficiaries whole (the insured consenting)."""
    _active(stored)
    new = check_beneficiaries(details)
    people = {b.person_no: _person_id(connection, b.person_no) for b in new if b.person_no}
    old = connection.execute(
        sa.select(PolicyBeneficiary.order_no, PolicyBeneficiary.share_bp, Person.psn_no)
        .outerjoin(Person, Person.id == PolicyBeneficiary.person_id)
        .where(PolicyBeneficiary.policy_id == stored.id)
    ).all()  # fmt: skip
    connection.execute(sa.delete(PolicyBeneficiary).where(PolicyBeneficiary.policy_id == stored.id))
    now = utc_now()
    connection.execute(
        sa.insert(PolicyBeneficiary),
        [
            {"policy_id": stored.id, "person_id": people.get(b.person_no) if b.person_no else None,
             "name": b.name, "order_no": b.order, "share_bp": b.share_bp, "created_at": now}
            for b in new
        ],
    )  # fmt: skip
    zh = ["经被保险人同意，受益人变更为："]
    en = ["with the insured's consent, the beneficiaries are now:"]
    for b in sorted(new, key=lambda b: b.order):
        zh.append(f"第 {b.order} 顺序 {b.name} {format_ratio(b.share_bp)}")
        en.append(f"order {b.order}: {b.name} {format_ratio(b.share_bp)}")
    before = {"beneficiaries": _beneficiary_summary([tuple(r) for r in old])}  # type: ignore[misc]
    after = {"beneficiaries": _beneficiary_summary([(b.order, b.share_bp, b.person_no) for b in new])}
    return Change(tuple(zh), tuple(en), before, after)


def change_policyholder(
    connection: sa.Connection, stored: StoredPolicy, details: Mapping[str, Any]
) -> Change:
    """A new policyholder (a stored person), the insured consenting."""
    _active(stored)
    person_no = check_policyholder_change(details)
    person_id = _person_id(connection, person_no)
    if person_id == stored.policyholder_id:
        raise Conflict(
            f"{person_no} 已是本保单的投保人",
            f"{person_no} is already the policyholder",
            code="same_policyholder",
        )
    old = _psn_no(connection, stored.policyholder_id)
    connection.execute(
        sa.update(LifePolicy)
        .where(LifePolicy.id == stored.id)
        .values(policyholder_id=person_id, updated_at=utc_now())
    )
    return Change(
        (f"经被保险人同意，投保人由 {old or '—'} 变更为 {person_no}",),
        (f"with the insured's consent, the policyholder changed from {old or '—'} to {person_no}",),
        {"policyholder_no": old},
        {"policyholder_no": person_no},
    )
