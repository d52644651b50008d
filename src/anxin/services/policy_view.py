"""One life policy as the API and the policy page show it, and a list of policies to find one.

The detail gathers the contract (product named from the shipped products, sum insured, premium,
dates, agent, region, automatic premium loan), the policyholder and the insured (ID numbers masked
only), the beneficiaries with their shares, the status and servicing state, the loan with the interest
to a chosen day, the status history with what caused each change (the import, a daily run or a
servicing request), the ledger events newest first (accounts labelled in Chinese) and the servicing
requests. Reading changes nothing, so nothing is audited. The labels of statuses, events, accounts and
causes are in :mod:`anxin.services.life_labels`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from anxin.domain.errors import NotFound
from anxin.domain.life.policy import LoanState
from anxin.services.life_labels import account_label
from anxin.services.policy_book import run_reached
from anxin.services.views import fields_from
from anxin.store.database import Database
from anxin.store.life_files import shipped_products
from anxin.store.schema import (
    LifePolicy,
    Person,
    PolicyBeneficiary,
    PolicyEvent,
    PolicyLoan,
    PolicyStatusChange,
    ServicingRequest,
)


@dataclass(frozen=True)
class Party:
    person_no: str
    name: str
    id_masked: str
    phone: str
    address: str


@dataclass(frozen=True)
class BeneficiaryRow:
    name: str
    person_no: str
    id_masked: str
    order: int
    share_bp: int


@dataclass(frozen=True)
class LoanView:
    principal_fen: int
    start: dt.date
    maturity: dt.date
    rate_bp: int
    day: dt.date
    interest_fen: int

    @property
    def debt_fen(self) -> int:
        return self.principal_fen + self.interest_fen


@dataclass(frozen=True)
class StatusChangeRow:
    day: dt.date
    status_from: str | None
    status_to: str
    event: str
    cause: str
    cause_ref: str


@dataclass(frozen=True)
class EventRow:
    day: dt.date
    event: str
    status_from: str | None
    status_to: str | None
    debit: str | None
    credit: str | None
    debit_zh: str
    credit_zh: str
    amount_fen: int
    cause: str


@dataclass(frozen=True)
class RequestRow:
    request_no: str
    kind: str
    channel: str
    status: str
    day: dt.date
    amount_fen: int
    due_by: dt.date | None
    refusal_code: str
    entered_by: str
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]


@dataclass(frozen=True)
class PolicyDetail:
    policy_no: str
    product_code: str
    product_name_zh: str
    product_name_en: str
    sum_insured_fen: int
    premium_fen: int
    issue_date: dt.date
    received_on: dt.date
    agent_code: str
    region_code: str
    apl: bool
    status: str
    status_since: dt.date
    premiums_paid: int
    premium_credit_fen: int
    due_on: dt.date | None
    cover_to: dt.date | None
    suspended_on: dt.date | None
    #: The latest day the daily run has serviced the policy.
    last_run_day: dt.date | None
    policyholder: Party
    insured: Party
    beneficiaries: tuple[BeneficiaryRow, ...]
    loan: LoanView | None
    history: tuple[StatusChangeRow, ...]
    events: tuple[EventRow, ...]
    requests: tuple[RequestRow, ...]


@dataclass(frozen=True)
class PolicyRow:
    policy_no: str
    product_code: str
    product_name_zh: str
    product_name_en: str
    policyholder_name: str
    policyholder_id_masked: str
    region_code: str
    sum_insured_fen: int
    premium_fen: int
    issue_date: dt.date
    status: str
    status_since: dt.date


def _product_names(codes: set[str]) -> dict[str, tuple[str, str]]:
    catalogue = shipped_products()
    return {c: (catalogue[c].name_zh, catalogue[c].name_en) if c in catalogue else (c, c) for c in codes}


def _party(person: Person) -> Party:
    return Party(person.psn_no or "", person.name, person.id_masked, person.phone, person.address)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.split("\n") if line)


def _cause(run_id: int | None, import_id: int | None, request_no: str | None) -> tuple[str, str]:
    if request_no is not None:
        return "request", request_no
    if run_id is not None:
        return "run", str(run_id)
    if import_id is not None:
        return "import", str(import_id)
    return "import", ""


def request_rows(session: sa.orm.Session, policy_id: int) -> tuple[RequestRow, ...]:
    """A policy's servicing requests, newest first."""
    rows = session.scalars(
        sa.select(ServicingRequest)
        .where(ServicingRequest.policy_id == policy_id)
        .order_by(ServicingRequest.day.desc(), ServicingRequest.id.desc())
    ).all()
    return tuple(
        fields_from(RequestRow, r, lines_zh=_lines(r.explanation_zh), lines_en=_lines(r.explanation_en))
        for r in rows
    )


def policy_detail(db: Database, policy_no: str, day: dt.date | None = None) -> PolicyDetail:
    """The policy in full; the loan's interest is counted to ``day`` (default: today).
    Unknown policy → :class:`NotFound`."""
    day = day or dt.date.today()
    with db.session() as session:
        policy = session.scalars(sa.select(LifePolicy).where(LifePolicy.policy_no == policy_no)).one_or_none()
        if policy is None:
            raise NotFound(
                f"没有该保单：{policy_no[:40]}", f"no such policy: {policy_no[:40]}", code="unknown_policy"
            )
        holder = session.get_one(Person, policy.policyholder_id)
        insured = session.get_one(Person, policy.insured_id)
        beneficiaries = session.execute(
            sa.select(PolicyBeneficiary, Person.psn_no, Person.name, Person.id_masked)
            .outerjoin(Person, Person.id == PolicyBeneficiary.person_id)
            .where(PolicyBeneficiary.policy_id == policy.id)
            .order_by(PolicyBeneficiary.order_no, PolicyBeneficiary.id)
        ).all()
        loan = session.scalars(sa.select(PolicyLoan).where(PolicyLoan.policy_id == policy.id)).one_or_none()
        request = aliased(ServicingRequest)
        history = session.execute(
            sa.select(PolicyStatusChange, request.request_no)
            .outerjoin(request, request.id == PolicyStatusChange.request_id)
            .where(PolicyStatusChange.policy_id == policy.id)
            .order_by(PolicyStatusChange.day, PolicyStatusChange.id)
        ).all()
        events = session.execute(
            sa.select(PolicyEvent, request.request_no)
            .outerjoin(request, request.id == PolicyEvent.request_id)
            .where(PolicyEvent.policy_id == policy.id)
            .order_by(PolicyEvent.day.desc(), PolicyEvent.id.desc())
        ).all()
        requests = request_rows(session, policy.id)
        serviced_to = run_reached(session.connection(), policy.id, policy.last_run_day)
    name_zh, name_en = _product_names({policy.product_code})[policy.product_code]
    loan_view = None
    if loan is not None:
        state = LoanState(
            policy_no, loan.principal_fen, loan.start, loan.maturity, loan.rate_bp, loan.interest_fen
        )
        loan_view = fields_from(LoanView, loan, day=day, interest_fen=state.interest_on(day))
    return fields_from(
        PolicyDetail, policy, product_name_zh=name_zh, product_name_en=name_en, last_run_day=serviced_to,
        policyholder=_party(holder), insured=_party(insured),
        beneficiaries=tuple(
            BeneficiaryRow(b.name or (name or ""), psn or "", masked or "", b.order_no, b.share_bp)
            for b, psn, name, masked in beneficiaries
        ),
        loan=loan_view,
        history=tuple(
            StatusChangeRow(c.day, c.status_from, c.status_to, c.event, *_cause(c.run_id, c.import_id, no))
            for c, no in history
        ),
        events=tuple(
            EventRow(e.day, e.event, e.status_from, e.status_to, e.debit, e.credit, account_label(e.debit),
                     account_label(e.credit), e.amount_fen, _cause(e.run_id, None, no)[0])
            for e, no in events
        ),
        requests=requests,
    )  # fmt: skip


def find_policies(
    db: Database,
    *,
    policy_no: str | None = None,
    status: str | None = None,
    region: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PolicyRow], int]:
    """Policies by number (a prefix), status and region (a code prefix: ``41`` the province, ``4101``
    the city), ordered by number; one page of rows and how many match in all."""
    where = []
    if policy_no:
        where.append(LifePolicy.policy_no.startswith(policy_no, autoescape=True))
    if status:
        where.append(LifePolicy.status == status)
    if region:
        where.append(LifePolicy.region_code.startswith(region, autoescape=True))
    holder = aliased(Person)
    with db.session() as session:
        total = session.execute(sa.select(sa.func.count()).select_from(LifePolicy).where(*where)).scalar_one()
        rows = session.execute(
            sa.select(LifePolicy, holder.name, holder.id_masked)
            .join(holder, holder.id == LifePolicy.policyholder_id)
            .where(*where)
            .order_by(LifePolicy.policy_no)
            .limit(limit)
            .offset(offset)
        ).all()
    names = _product_names({p.product_code for p, _, _ in rows})
    found = [
        fields_from(PolicyRow, p, product_name_zh=names[p.product_code][0], product_name_en=names[p.product_code][1],
                    policyholder_name=name, policyholder_id_masked=masked)
        for p, name, masked in rows
    ]  # fmt: skip
    return found, total
