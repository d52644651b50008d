"""Finding a person and reading everything about them, with the ID number masked.

A full ID number is searched by its keyed hash (never stored or compared in the clear); a masked
number, a name or a region code by their stored columns. Showing a person's full ID number is a
separate call, allowed to few roles, and each such view is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.errors import AnxinError, NotFound
from anxin.domain.identity import ResidentId
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.schema import (
    Accumulator,
    Adjudication,
    Enrollment,
    Group,
    GroupMember,
    Person,
    Settlement,
    VulnerableStatus,
)


@dataclass(frozen=True)
class PersonRow:
    id: int
    id_masked: str
    name: str
    sex: str
    birth_date: dt.date
    region_code: str


@dataclass(frozen=True)
class EnrolmentRow:
    program_code: str
    year: int
    funder: str
    premium_fen: int
    covered_from: dt.date
    covered_to: dt.date
    group_name: str | None


@dataclass(frozen=True)
class StatusRow:
    group_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    source: str


@dataclass(frozen=True)
class SettlementRow:
    setl_id: str
    setl_time: dt.datetime
    begndate: dt.date
    enddate: dt.date
    base_fen: int
    hifmi_fen: int | None
    hosp_lv: str
    reverses_setl_id: str | None
    #: What the settlement is due under each program (sum of its result lines).
    due_fen: dict[str, int]
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class AccumulatorRow:
    program_code: str
    program_year: int
    ytd_fen: int
    due_fen: int
    settlements: int


@dataclass(frozen=True)
class PersonDetail:
    person: PersonRow
    phone_masked: str
    address: str
    groups: tuple[str, ...]
    enrolments: tuple[EnrolmentRow, ...]
    statuses: tuple[StatusRow, ...]
    settlements: tuple[SettlementRow, ...]
    accumulators: tuple[AccumulatorRow, ...]


_COLUMNS = (Person.id, Person.id_masked, Person.name, Person.sex, Person.birth_date, Person.region_code)


def search_persons(
    db: Database,
    *,
    id_number: str = "",
    name: str = "",
    region: str = "",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PersonRow], int]:
    """Persons matching every criterion given. ``id_number`` is a full number (looked up by its
    keyed hash) or a masked one such as ``3701**********123X``; ``name`` and ``region`` match from
    the start."""
    id_number, name, region = id_number.strip().upper(), name.strip(), region.strip()
    if not (id_number or name or region):
        raise AnxinError(
            "请至少输入证件号、姓名或地区之一", "give an ID number, a name or a region", code="empty_search"
        )
    where: list[sa.ColumnElement[bool]] = []
    if id_number:
        if "*" in id_number:
            where.append(Person.id_masked == id_number)
        else:
            try:
                number = ResidentId.parse(id_number)
            except AnxinError as exc:
                raise AnxinError(exc.zh, exc.en, code="invalid_resident_id") from None
            where.append(Person.id_hash == db.protector.lookup_hash(number.number))
    if name:
        where.append(Person.name.startswith(name, autoescape=True))
    if region:
        where.append(Person.region_code.startswith(region, autoescape=True))
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(Person).where(*where)) or 0
        rows = session.execute(
            sa.select(*_COLUMNS).where(*where).order_by(Person.id).limit(limit).offset(offset)
        ).all()
    return [PersonRow(*r) for r in rows], int(total)


def person_detail(db: Database, person_id: int) -> PersonDetail:
    with db.session() as session:
        person = session.execute(
            sa.select(*_COLUMNS, Person.phone, Person.address).where(Person.id == person_id)
        ).first()
        if person is None:
            raise NotFound(f"没有该参保人：{person_id}", f"no such person: {person_id}")
        groups = session.scalars(
            sa.select(Group.name)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.person_id == person_id)
        ).all()
        enrolments = session.execute(
            sa.select(
                Enrollment.program_code,
                Enrollment.year,
                Enrollment.funder,
                Enrollment.premium_fen,
                Enrollment.covered_from,
                Enrollment.covered_to,
                Group.name,
            )
            .outerjoin(Group, Group.id == Enrollment.group_id)
            .where(Enrollment.person_id == person_id)
            .order_by(Enrollment.year, Enrollment.program_code)
        ).all()
        statuses = session.execute(
            sa.select(
                VulnerableStatus.group_code,
                VulnerableStatus.valid_from,
                VulnerableStatus.valid_to,
                VulnerableStatus.source,
            )
            .where(VulnerableStatus.person_id == person_id)
            .order_by(VulnerableStatus.valid_from)
        ).all()
        settlements = session.execute(
            sa.select(
                Settlement.id,
                Settlement.setl_id,
                Settlement.setl_time,
                Settlement.begndate,
                Settlement.enddate,
                Settlement.base_fen,
                Settlement.hifmi_fen,
                Settlement.hosp_lv,
                Settlement.reverses_setl_id,
            )
            .where(Settlement.person_id == person_id)
            .order_by(Settlement.setl_time, Settlement.setl_id)
        ).all()
        lines = session.execute(
            sa.select(
                Adjudication.settlement_id,
                Adjudication.program_code,
                Adjudication.amount_fen,
                Adjudication.status,
            )
            .where(Adjudication.person_id == person_id)
            .order_by(Adjudication.id)
        ).all()
        accumulators = session.execute(
            sa.select(
                Accumulator.program_code,
                Accumulator.program_year,
                Accumulator.ytd_fen,
                Accumulator.due_fen,
                Accumulator.settlements,
            )
            .where(Accumulator.person_id == person_id)
            .order_by(Accumulator.program_year, Accumulator.program_code)
        ).all()
    due: dict[int, dict[str, int]] = {}
    status: dict[int, list[str]] = {}
    for settlement_id, program_code, amount, line_status in lines:
        due.setdefault(settlement_id, {}).setdefault(program_code, 0)
        due[settlement_id][program_code] += amount
        status.setdefault(settlement_id, []).append(line_status)
    return PersonDetail(
        person=PersonRow(*person[:6]),
        phone_masked=_mask_phone(person.phone),
        address=person.address,
        groups=tuple(groups),
        enrolments=tuple(EnrolmentRow(*e) for e in enrolments),
        statuses=tuple(StatusRow(*s) for s in statuses),
        settlements=tuple(
            SettlementRow(*s[1:], due_fen=due.get(s[0], {}), statuses=tuple(status.get(s[0], ())))
            for s in settlements
        ),
        accumulators=tuple(AccumulatorRow(*a) for a in accumulators),
    )


def reveal_id(db: Database, person_id: int, *, actor: str, purpose: str) -> str:
    """The person's full ID number; the view is audited (who, when, why — never the number)."""
    purpose = purpose.strip()
    if not purpose:
        raise AnxinError(
            "查看完整证件号须说明用途",
            "seeing a full ID number needs a stated purpose",
            code="purpose_required",
        )
    with db.session() as session, session.begin():
        cipher = session.scalar(sa.select(Person.id_cipher).where(Person.id == person_id))
        if cipher is None:
            raise NotFound(f"没有该参保人：{person_id}", f"no such person: {person_id}")
        record(
            session,
            actor=actor,
            action="id_number_viewed",
            entity="person",
            entity_id=person_id,
            after={"purpose": purpose[:200]},
        )
        return db.protector.decrypt(cipher)


def _mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else ("*" * len(phone))
