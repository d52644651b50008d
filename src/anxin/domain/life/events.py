"""What servicing does, as events with money movements for a double-entry ledger.

Every event that moves money carries postings (debit account, credit account, fen). A posting
always has both sides, so no servicing step can create or lose cash; the engine's and the requests'
postings are the same kinds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Account(enum.StrEnum):
    """Ledger accounts named as the finance team names them."""

    CASH = "cash"
    PREMIUM_INCOME = "premium_income"
    POLICY_LOANS = "policy_loans"
    LOAN_INTEREST_INCOME = "loan_interest_income"
    REINSTATEMENT_INTEREST_INCOME = "reinstatement_interest_income"
    CASH_VALUE_PAID = "cash_value_paid"
    SURVIVAL_BENEFITS_PAID = "survival_benefits_paid"
    MATURITY_BENEFITS_PAID = "maturity_benefits_paid"
    LOAN_LOSSES = "loan_losses"
    FEE_INCOME = "fee_income"
    REFUNDS_PAYABLE = "refunds_payable"

    @property
    def label_zh(self) -> str:
        return _ACCOUNT_ZH[self]


_ACCOUNT_ZH = {
    Account.CASH: "银行存款",
    Account.PREMIUM_INCOME: "保费收入",
    Account.POLICY_LOANS: "保单质押贷款",
    Account.LOAN_INTEREST_INCOME: "保单贷款利息收入",
    Account.REINSTATEMENT_INTEREST_INCOME: "复效利息收入",
    Account.CASH_VALUE_PAID: "退保金（现金价值给付）",
    Account.SURVIVAL_BENEFITS_PAID: "生存金给付",
    Account.MATURITY_BENEFITS_PAID: "满期给付",
    Account.LOAN_LOSSES: "保单贷款损失",
    Account.FEE_INCOME: "工本费收入",
    Account.REFUNDS_PAYABLE: "应付退保款",
}


class EventKind(enum.StrEnum):
    """Servicing events, past tense; the stable codes used in the events frame."""

    PREMIUM_DUE = "premium_due"
    PREMIUM_PAID = "premium_paid"
    GRACE_ENDED = "grace_ended"
    AUTOMATIC_PREMIUM_LOAN = "automatic_premium_loan"
    AUTOMATIC_PREMIUM_LOAN_PARTIAL = "automatic_premium_loan_partial"
    APL_COVER_ENDED = "apl_cover_ended"
    LOAN_INTEREST_CAPITALISED = "loan_interest_capitalised"
    DEBT_REACHED_CASH_VALUE = "debt_reached_cash_value"
    REINSTATEMENT_WINDOW_OVER = "reinstatement_window_over"
    LOAN_TAKEN = "loan_taken"
    LOAN_REPAID = "loan_repaid"
    REINSTATED = "reinstated"
    COOLING_OFF_CANCELLED = "cooling_off_cancelled"
    SURRENDERED = "surrendered"
    SURVIVAL_BENEFIT_PAID = "survival_benefit_paid"
    GRACE_EXTENDED_BY_RELIEF = "grace_extended_by_relief"
    LOAN_INTEREST_DEFERRED = "loan_interest_deferred"
    MATURED = "matured"
    REFUND_PAID = "refund_paid"

    @property
    def label_zh(self) -> str:
        return _EVENT_TEXT[self][0]

    @property
    def label_en(self) -> str:
        return _EVENT_TEXT[self][1]


_EVENT_TEXT = {
    EventKind.PREMIUM_DUE: ("保费到期未交，进入宽限期", "premium due and unpaid: grace period begins"),
    EventKind.PREMIUM_PAID: ("交纳保费", "premium paid"),
    EventKind.GRACE_ENDED: ("宽限期满未交费，合同效力中止", "grace over unpaid: policy suspended"),
    EventKind.AUTOMATIC_PREMIUM_LOAN: ("自动垫交保费", "premium paid by automatic premium loan"),
    EventKind.AUTOMATIC_PREMIUM_LOAN_PARTIAL: (
        "现金价值不足一期保费，按日比例垫交",
        "cash value short of a premium: cover bought by the day",
    ),
    EventKind.APL_COVER_ENDED: (
        "垫交保障期满，合同效力中止",
        "cover bought by the loan over: policy suspended",
    ),
    EventKind.LOAN_INTEREST_CAPITALISED: (
        "贷款到期未还，利息转为本金",
        "loan matured unpaid: interest capitalised",
    ),
    EventKind.DEBT_REACHED_CASH_VALUE: ("借款本息达到现金价值", "debt reached the cash value"),
    EventKind.REINSTATEMENT_WINDOW_OVER: (
        "中止满两年未复效，合同终止并退还现金价值",
        "reinstatement window over: terminated, cash value refunded",
    ),
    EventKind.LOAN_TAKEN: ("保单贷款", "policy loan taken"),
    EventKind.LOAN_REPAID: ("归还保单贷款", "policy loan repaid"),
    EventKind.REINSTATED: ("复效", "policy reinstated"),
    EventKind.COOLING_OFF_CANCELLED: ("犹豫期退保", "cancelled in the cooling-off period"),
    EventKind.SURRENDERED: ("退保", "policy surrendered"),
    EventKind.SURVIVAL_BENEFIT_PAID: ("领取生存金", "survival benefit paid"),
    EventKind.GRACE_EXTENDED_BY_RELIEF: (
        "救助活动延长宽限期：原宽限期已满，保单仍在宽限期内",
        "grace extended by a relief campaign: the product's grace is over, the policy stays in grace",
    ),
    EventKind.LOAN_INTEREST_DEFERRED: (
        "救助活动缓收贷款利息",
        "loan interest deferred by a relief campaign: not capitalised at maturity",
    ),
    EventKind.MATURED: (
        "满期：保险期间届满，合同终止",
        "matured: the term is over, the policy ends",
    ),
    EventKind.REFUND_PAID: (
        "支付应付款（退保金、退费、生存金、满期金）",
        "paid out what was owed to the customer",
    ),
}


@dataclass(frozen=True, slots=True)
class Posting:
    """One money movement: ``amount`` fen debited to one account and credited to another."""

    debit: Account
    credit: Account
    amount: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("a posting's amount is never negative")
