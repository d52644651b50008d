"""The relief-campaign report (救助活动报告): whom a campaign helped and what it cost.

For a campaign (``campaigns/*.toml``), over the policies of its regions and the days of its window:

- **grace extended**: policies with a ``grace_extended_by_relief`` event (the daily run's trace of a
  longer grace keeping a policy in grace after the product's own grace), and their sum insured —
  the cover kept in force;
- **interest-free reinstatements**: servicing requests done (kind ``reinstatement`` or
  ``interest_free_reinstatement``) whose ``details`` name the campaign in ``campaigns``, and the
  reinstatement interest they waived (``waived_interest_fen``);
- **interest deferred**: ``loan_interest_deferred`` events (a loan maturing in the window is not
  capitalised) and the principal of those loans on that day (the loan account's principal now, less
  the ledger's movements of ``policy_loans`` from that day on);
- **cost** = the interest waived (deferred loan interest is charged after the window, not forgone;
  a longer grace costs no money, it keeps cover in force);
- **helped**: distinct policies helped in any of these ways; and all of it by city (地市).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from anxin.domain.errors import NotFound
from anxin.domain.life.events import Account, EventKind
from anxin.domain.life.relief import ReliefCampaign
from anxin.store.database import Database
from anxin.store.life_files import shipped_campaigns
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyLoan, ServicingRequest

REINSTATEMENT_KINDS = ("reinstatement", "interest_free_reinstatement")


@dataclass(frozen=True)
class CampaignRegionRow:
    region: str  # the city prefix, "4101"
    grace_extended_policies: int = 0
    grace_extended_sum_insured_fen: int = 0
    interest_free_reinstatements: int = 0
    waived_interest_fen: int = 0
    interest_deferred_loans: int = 0
    interest_deferred_principal_fen: int = 0
    helped_policies: int = 0


@dataclass(frozen=True)
class CampaignReport:
    code: str
    name_zh: str
    name_en: str
    window_from: dt.date
    window_to: dt.date
    regions: tuple[str, ...]
    grace_extended_policies: int
    grace_extended_sum_insured_fen: int
    interest_free_reinstatements: int
    waived_interest_fen: int
    interest_deferred_loans: int
    interest_deferred_principal_fen: int
    #: What the campaign cost: the reinstatement interest waived.
    cost_fen: int
    helped_policies: int
    by_region: list[CampaignRegionRow] = field(default_factory=list)


@dataclass
class _Help:
    """What one city saw: policies helped (id → sum insured) and the amounts, as they are added up."""

    grace: dict[int, int] = field(default_factory=dict)
    reinstated: int = 0
    waived: int = 0
    deferred: int = 0
    principal: int = 0
    helped: set[int] = field(default_factory=set)


def campaign_report(
    db: Database,
    code: str,
    *,
    campaigns: Mapping[str, ReliefCampaign] | Iterable[ReliefCampaign] | None = None,
) -> CampaignReport:
    """One campaign's report (the shipped campaigns unless ``campaigns`` are given)."""
    known = _catalogue(campaigns)
    if code not in known:
        raise NotFound(
            f"没有代码为 {code} 的救助活动", f"no relief campaign with code {code}", code="campaign_not_found"
        )
    campaign = known[code]
    inside = sa.or_(*(LifePolicy.region_code.startswith(p) for p in campaign.prefixes))
    window = (campaign.window.starts, campaign.window.ends)
    city = sa.func.substr(LifePolicy.region_code, 1, 4)
    cities: dict[str, _Help] = {}
    e = PolicyEvent
    with db.session() as session:
        events = session.execute(
            sa.select(e.policy_id, e.event, e.day, city, LifePolicy.sum_insured_fen)
            .join(LifePolicy, LifePolicy.id == e.policy_id)
            .where(
                inside,
                e.day.between(*window),
                e.event.in_(
                    [EventKind.GRACE_EXTENDED_BY_RELIEF.value, EventKind.LOAN_INTEREST_DEFERRED.value]
                ),
            )
            .order_by(e.id)
        ).all()
        deferred = [
            (pid, day) for pid, event, day, _, _ in events if event == EventKind.LOAN_INTEREST_DEFERRED
        ]
        principals = _principals_on(session, deferred)
        for policy_id, event, day, region, sum_insured in events:
            help_ = cities.setdefault(str(region), _Help())
            help_.helped.add(policy_id)
            if event == EventKind.GRACE_EXTENDED_BY_RELIEF:
                help_.grace[policy_id] = int(sum_insured)
            else:
                help_.deferred += 1
                help_.principal += principals[(policy_id, day)]
        requests = session.execute(
            sa.select(ServicingRequest.policy_id, ServicingRequest.details, city)
            .join(LifePolicy, LifePolicy.id == ServicingRequest.policy_id)
            .where(
                inside,
                ServicingRequest.status == "done",
                ServicingRequest.kind.in_(REINSTATEMENT_KINDS),
                ServicingRequest.day.between(*window),
            )
            .order_by(ServicingRequest.id)
        ).all()
    for policy_id, details, region in requests:
        found = _details(details)
        if code not in found.get("campaigns", []):
            continue
        help_ = cities.setdefault(str(region), _Help())
        help_.helped.add(policy_id)
        help_.reinstated += 1
        help_.waived += int(found.get("waived_interest_fen") or 0)
    rows = [
        CampaignRegionRow(
            region, len(h.grace), sum(h.grace.values()), h.reinstated, h.waived, h.deferred, h.principal,
            len(h.helped),
        )
        for region, h in sorted(cities.items())
    ]  # fmt: skip
    waived = sum(r.waived_interest_fen for r in rows)
    return CampaignReport(
        code=campaign.code,
        name_zh=campaign.name_zh,
        name_en=campaign.name_en,
        window_from=campaign.window.starts,
        window_to=campaign.window.ends,
        regions=campaign.regions,
        grace_extended_policies=sum(r.grace_extended_policies for r in rows),
        grace_extended_sum_insured_fen=sum(r.grace_extended_sum_insured_fen for r in rows),
        interest_free_reinstatements=sum(r.interest_free_reinstatements for r in rows),
        waived_interest_fen=waived,
        interest_deferred_loans=sum(r.interest_deferred_loans for r in rows),
        interest_deferred_principal_fen=sum(r.interest_deferred_principal_fen for r in rows),
        cost_fen=waived,
        helped_policies=len(set().union(*(h.helped for h in cities.values()))),
        by_region=rows,
    )


def campaign_reports(db: Database) -> list[CampaignReport]:
    """Every shipped campaign's report, by window start then code."""
    known = shipped_campaigns()
    ordered = sorted(known.values(), key=lambda c: (c.window.starts, c.code))
    return [campaign_report(db, c.code, campaigns=known) for c in ordered]


def _catalogue(
    campaigns: Mapping[str, ReliefCampaign] | Iterable[ReliefCampaign] | None,
) -> dict[str, ReliefCampaign]:
    if campaigns is None:
        return dict(shipped_campaigns())
    if isinstance(campaigns, Mapping):
        return dict(campaigns)
    return {c.code: c for c in campaigns}


def _principals_on(session, deferred: list[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], int]:  # type: ignore[no-untyped-def]
    """Each deferred loan's principal at the start of its day: the account's principal now less what
    the ledger moved on ``policy_loans`` from that day on (the deferral comes first in the day)."""
    if not deferred:
        return {}
    ids = sorted({pid for pid, _ in deferred})
    now = dict(
        session.execute(
            sa.select(PolicyLoan.policy_id, PolicyLoan.principal_fen).where(PolicyLoan.policy_id.in_(ids))
        ).all()
    )
    loans = Account.POLICY_LOANS.value
    e = PolicyEvent
    movements = session.execute(
        sa.select(e.policy_id, e.day, e.debit, e.credit, e.amount_fen).where(
            e.policy_id.in_(ids), sa.or_(e.debit == loans, e.credit == loans)
        )
    ).all()
    out = {}
    for pid, day in deferred:
        later = sum(
            (amount if debit == loans else -amount)
            for p, d, debit, _credit, amount in movements
            if p == pid and _day(d) >= _day(day)
        )
        out[(pid, day)] = int(now.get(pid, 0)) - later
    return out


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _details(text: str | None) -> dict:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
