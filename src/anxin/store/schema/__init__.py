"""The database schema (SQLAlchemy 2). Money is BIGINT fen; ID numbers are stored only encrypted.

Tables by area: people (persons, households, groups, vulnerable statuses, enrolments), claims
(settlements, adjudication runs, adjudications, review decisions, accumulators), payments (batches, payments, ledger),
group claims (claims, claim results), long-term care (assessments, care providers, care bills,
care bill results), life policies (policies, loans, beneficiaries, servicing requests, callback tasks, events,
status history), records (imports, import problems, the append-only audit log), and access (users, sessions,
API tokens, idempotent requests).
"""

from anxin.store.schema.access import ApiToken, IdempotentRequest, User, UserSession
from anxin.store.schema.base import Base
from anxin.store.schema.claims import (
    Accumulator,
    Adjudication,
    AdjudicationRun,
    ReviewDecision,
    Settlement,
)
from anxin.store.schema.group_claims import Claim, ClaimResult, ClaimReviewDecision
from anxin.store.schema.life import (
    CallbackTask,
    LifePolicy,
    PolicyBeneficiary,
    PolicyEvent,
    PolicyLoan,
    PolicyStatusChange,
    ServicingDay,
    ServicingRequest,
)
from anxin.store.schema.long_term_care import CareAssessment, CareBill, CareBillResult, CareProvider
from anxin.store.schema.payments import LedgerEntry, Payment, PaymentBatch
from anxin.store.schema.people import Enrollment, Group, GroupMember, Household, Person, VulnerableStatus
from anxin.store.schema.records import AuditEntry, ImportBatch, ImportProblem

__all__ = [
    "Accumulator",
    "Adjudication",
    "AdjudicationRun",
    "ApiToken",
    "AuditEntry",
    "Base",
    "CallbackTask",
    "CareAssessment",
    "CareBill",
    "CareBillResult",
    "CareProvider",
    "Claim",
    "ClaimResult",
    "ClaimReviewDecision",
    "Enrollment",
    "Group",
    "GroupMember",
    "Household",
    "IdempotentRequest",
    "ImportBatch",
    "ImportProblem",
    "LedgerEntry",
    "LifePolicy",
    "Payment",
    "PaymentBatch",
    "Person",
    "PolicyBeneficiary",
    "PolicyEvent",
    "PolicyLoan",
    "PolicyStatusChange",
    "ReviewDecision",
    "ServicingDay",
    "ServicingRequest",
    "Settlement",
    "User",
    "UserSession",
    "VulnerableStatus",
]
