"""Life products as data: the parameters a servicing rule needs, each written with its unit.

A product file (``products/*.toml``, read by :mod:`anxin.store.life_files`) names the premium mode
and schedule, the cash value per 1,000 yuan of sum insured by policy year, the loan ratio, rate and
term, the grace and reinstatement periods, what happens when the debt reaches the cash value, whether
automatic premium loans are offered, the cooling-off period and fee, and for a term product its term
and maturity benefit (满期保险金), with its source. Amounts are integer fen, ratios basis points,
periods days (``"60 天"``) or years (``"20 年"``).

A product is sold unchanged: a changed clause is a new product code (policies keep the one they bought).
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from anxin.domain.errors import InvalidProgram
from anxin.domain.money import round_half_up
from anxin.domain.programs.group_terms import Days
from anxin.domain.programs.model import Source
from anxin.domain.programs.quantities import Fen, RatioBp

#: Cash values and premiums are quoted per 1,000 yuan (100,000 fen) of sum insured.
PER_THOUSAND_FEN = 100_000
#: The law's ceiling on the cooling-off fee (工本费不超过10元).
MAX_COOLING_OFF_FEE = 1_000

_YEARS = re.compile(r"^(\d+)\s*(年|years?)$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _years_from_text(value: Any) -> int:
    if not isinstance(value, str) or not (match := _YEARS.match(value.strip())):
        raise ValueError(f"年数写作 '20 年'：{value!r} / write years as '20 年': {value!r}")
    return int(match.group(1))


Years = Annotated[int, BeforeValidator(_years_from_text)]


class ProductKind(enum.StrEnum):
    TRADITIONAL = "traditional"
    UNIVERSAL = "universal"

    @property
    def label_zh(self) -> str:
        return {"traditional": "传统型", "universal": "万能型"}[self.value]


class PremiumMode(enum.StrEnum):
    """How often a premium falls due (缴费方式)."""

    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"

    @property
    def months(self) -> int:
        return {"annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}[self.value]

    @property
    def label_zh(self) -> str:
        return {"annual": "年交", "semiannual": "半年交", "quarterly": "季交", "monthly": "月交"}[self.value]


class OnDebt(enum.StrEnum):
    """What happens when the debt (loans and interest) reaches the cash value."""

    SUSPEND = "suspend"
    TERMINATE = "terminate"

    @property
    def label_zh(self) -> str:
        return {"suspend": "合同效力中止", "terminate": "合同终止"}[self.value]


class Premium(_Frozen):
    mode: PremiumMode
    #: Years during which premiums fall due (交费期间).
    payment_years: Years = Field(gt=0)
    #: The premium of one period per 1,000 yuan of sum insured (fen).
    per_thousand: Fen


class CashValue(_Frozen):
    """Cash value at the end of each policy year per 1,000 yuan of sum insured; year 1 first.

    The cash value on a day is the figure of the policy year the day falls in, counted up to the
    last day premiums are paid for (no interpolation within a year); after the table's last year
    the last figure stands.
    """

    per_thousand: tuple[Fen, ...] = Field(min_length=1)
    confirmed: bool = True
    note: str = ""


class Loan(_Frozen):
    #: A loan is at most ``ratio`` × (cash value − debt) (≤ 80 % in practice).
    ratio: RatioBp
    annual_rate: RatioBp
    term_days: Days = Field(gt=0)


class Grace(_Frozen):
    days: Days


class Reinstatement(_Frozen):
    #: Days after suspension within which the policy may be reinstated (two years = 730 days).
    window_days: Days
    #: Simple interest on premiums owed, from the end of grace.
    annual_rate: RatioBp


class CoolingOff(_Frozen):
    #: Days from the day after the policy is received (犹豫期).
    days: Days
    fee: Fen

    @model_validator(mode="after")
    def _fee_capped(self) -> CoolingOff:
        if self.fee > MAX_COOLING_OFF_FEE:
            raise ValueError("犹豫期工本费不得超过 10 元 / the cooling-off fee cannot exceed 10 yuan")
        return self


class SurvivalBenefit(_Frozen):
    """A survival benefit (生存金) paid when the insured is alive at the end of ``policy_year``."""

    policy_year: int = Field(gt=0)
    per_thousand: Fen


class Maturity(_Frozen):
    """The maturity benefit (满期保险金) of a term product (两全保险): paid on the expiry day to a
    policy then covered, per 1,000 yuan of sum insured. A pure term product (定期寿险) has none."""

    per_thousand: Fen


class LifeProduct(_Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: ProductKind
    #: ``None``: whole life (终身); else the policy ends on the ``term_years``-th anniversary of issue.
    term_years: Years | None = Field(default=None, gt=0)
    source: Source
    premium: Premium
    cash_value: CashValue
    loan: Loan
    grace: Grace
    reinstatement: Reinstatement
    on_debt_reaching_cash_value: OnDebt
    automatic_premium_loan: bool
    cooling_off: CoolingOff
    survival_benefits: tuple[SurvivalBenefit, ...] = ()
    maturity: Maturity | None = None

    @model_validator(mode="after")
    def _term_fits(self) -> LifeProduct:
        if self.maturity is not None and self.term_years is None:
            raise ValueError(
                "满期保险金只适用于定期产品（须写 term_years）/ "
                "a maturity benefit needs a term (term_years): a whole-life policy never matures"
            )
        if self.term_years is not None and self.premium.payment_years > self.term_years:
            raise ValueError(
                f"交费期间 {self.premium.payment_years} 年长于保险期间 {self.term_years} 年 / "
                f"premiums cannot be paid for {self.premium.payment_years} years "
                f"on a {self.term_years}-year term"
            )
        return self

    @property
    def premium_count(self) -> int:
        """How many premiums fall due over the payment years."""
        return self.premium.payment_years * 12 // self.premium.mode.months

    def modal_premium(self, sum_insured: int) -> int:
        """The premium of one period for ``sum_insured`` fen, rounded half up to the fen."""
        return round_half_up(sum_insured * self.premium.per_thousand, PER_THOUSAND_FEN)

    def cash_value_per_thousand(self, policy_year: int) -> int:
        table = self.cash_value.per_thousand
        return table[min(max(policy_year, 1), len(table)) - 1]

    def cash_value_of(self, sum_insured: int, policy_year: int) -> int:
        """Cash value in fen of ``sum_insured`` in ``policy_year`` (rounded half up to the fen)."""
        return round_half_up(sum_insured * self.cash_value_per_thousand(policy_year), PER_THOUSAND_FEN)

    def survival_benefit(self, sum_insured: int, policy_year: int) -> int:
        for benefit in self.survival_benefits:
            if benefit.policy_year == policy_year:
                return round_half_up(sum_insured * benefit.per_thousand, PER_THOUSAND_FEN)
        return 0

    @property
    def term_months(self) -> int | None:
        """Months from issue to the expiry day (``None``: whole life)."""
        return None if self.term_years is None else 12 * self.term_years

    def maturity_benefit(self, sum_insured: int) -> int:
        """The maturity benefit in fen of ``sum_insured`` (0 when the product pays none)."""
        if self.maturity is None:
            return 0
        return round_half_up(sum_insured * self.maturity.per_thousand, PER_THOUSAND_FEN)

    def all_confirmed(self) -> bool:
        return self.source.confirmed and self.cash_value.confirmed


def parse_product(data: dict[str, Any], *, source_name: str) -> LifeProduct:
    """Validate a product file's data; errors name the file, each key and the reason in zh and en."""
    try:
        return LifeProduct.model_validate(data)
    except ValidationError as exc:
        raise InvalidProgram(*_both(exc, source_name, "产品文件无效", "invalid product file")) from None


def _both(exc: ValidationError, source_name: str, head_zh: str, head_en: str) -> tuple[str, str]:
    lines_zh, lines_en = [], []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(文件 / file)"
        reason = error["msg"].removeprefix("Value error, ")
        zh, en = reason.split(" / ", 1) if " / " in reason else (_ZH.get(error["type"], reason), reason)
        lines_zh.append(f"{source_name}: {where}: {zh}")
        lines_en.append(f"{source_name}: {where}: {en}")
    return f"{head_zh}：\n" + "\n".join(lines_zh), f"{head_en}:\n" + "\n".join(lines_en)


_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键（不允许未知键）",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不符",
    "too_short": "不能为空",
    "greater_than": "必须大于零",
    "bool_type": "应为 true 或 false",
    "date_type": "不是有效日期",
    "date_from_datetime_parsing": "不是有效日期",
    "string_type": "应为文本",
}


def validation_text(exc: ValidationError, source_name: str, head_zh: str, head_en: str) -> tuple[str, str]:
    """Bilingual lines for a pydantic error (shared with relief campaign files)."""
    return _both(exc, source_name, head_zh, head_en)
