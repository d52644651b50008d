"""A life policies file (保单清单) read and validated whole, every cell at once: each bad cell is
reported with its row, its header and a bilingual reason (ID numbers masked). A file with any problem
yields nothing.

A row is a policy: its number, product, policyholder and insured (each by personnel number or ID
number; the insured defaults to the policyholder), agent, region, sum insured, dates, and — for a book
taken over from another system — its servicing state (status, premiums paid, due date, APL cover,
suspension, last run day) and loan account. A new policy needs only the contract columns: it is in
force from its issue date with the first premium paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anxin.domain.life.policy import PolicyStatus
from anxin.services.imports.care_fields import CareField
from anxin.services.imports.care_rows import Check, _read
from anxin.services.imports.problems import Problems, masked, masked_if_id
from anxin.services.settlement_files import text_cell

_YES_NO = {"是": "1", "否": "0", "y": "1", "n": "0", "yes": "1", "no": "0", "true": "1", "false": "0",
           "1": "1", "0": "0", "选择": "1", "不选择": "0"}  # fmt: skip
STATUS_WORDS = {
    **{s.value: s.value for s in PolicyStatus},
    **{s.label_zh: s.value for s in PolicyStatus},
    "中止": PolicyStatus.SUSPENDED.value,
    "宽限": PolicyStatus.GRACE.value,
}
_PERSON_FIELDS = ("holder_psn_no", "holder_certno", "insured_psn_no", "insured_certno")
POLICY_FIELDS: tuple[CareField, ...] = (
    CareField("policy_no", "保单号", ("保险单号", "保单号码"), limit=40),
    CareField("product", "产品代码", ("险种代码", "产品编码"), limit=64),
    CareField("holder_psn_no", "投保人编号", ("投保人人员编号",), limit=40),
    CareField("holder_certno", "投保人证件号码", ("投保人身份证号",), limit=18),
    CareField("insured_psn_no", "被保险人编号", ("被保险人人员编号",), limit=40),
    CareField("insured_certno", "被保险人证件号码", ("被保险人身份证号",), limit=18),
    CareField("agent_code", "业务员代码", ("代理人代码", "业务员工号"), limit=40),
    CareField("region", "行政区划", ("行政区划代码", "区划代码"), limit=12),
    CareField("sum_insured", "基本保险金额", ("保额", "保险金额"), kind="money"),
    CareField("issue_date", "生效日期", ("承保日期", "保单生效日"), kind="date"),
    CareField("received_on", "回执签收日期", ("签收日期", "保单签收日期"), kind="date"),
    CareField("apl", "自动垫交", ("保费自动垫交", "自动垫缴"), kind="words", words=_YES_NO),
    CareField("status", "保单状态", ("状态",), kind="words", words={k.lower(): v for k, v in STATUS_WORDS.items()}),
    CareField("status_since", "状态起始日期", ("状态日期",), kind="date"),
    CareField("premiums_paid", "已交期数", ("已缴期数",), kind="int", bounds=(1, 1200)),
    CareField("premium_credit", "垫交已抵保费", ("垫交抵扣金额",), kind="money"),
    CareField("due_on", "应交日期", ("应缴日期", "欠交保费应交日"), kind="date"),
    CareField("cover_to", "垫交保障止期", ("按日垫交保障止期",), kind="date"),
    CareField("suspended_on", "中止日期", ("效力中止日期",), kind="date"),
    CareField("last_run_day", "上次日批日期", ("最近日批日期",), kind="date"),
    CareField("loan_principal", "借款本金", ("保单借款本金", "贷款本金"), kind="money"),
    CareField("loan_start", "借款起息日", ("借款日期", "本期借款起始日"), kind="date"),
    CareField("loan_maturity", "借款到期日", ("本期借款到期日",), kind="date"),
    CareField("loan_rate", "借款年利率", ("借款利率",), limit=12),
    CareField("loan_interest", "借款应计利息", ("借款利息",), kind="money"),
)  # fmt: skip
#: The columns kept (besides ``source_row`` and the four person columns) and their types.
POLICY_COLUMNS: dict[str, pl.DataType] = {
    "policy_no": pl.String(), "product": pl.String(), "agent_code": pl.String(), "region": pl.String(),
    "sum_insured": pl.Int64(), "issue_date": pl.Date(), "received_on": pl.Date(), "apl": pl.Boolean(),
    "status": pl.String(), "status_since": pl.Date(), "premiums_paid": pl.Int64(),
    "premium_credit": pl.Int64(), "due_on": pl.Date(), "cover_to": pl.Date(), "suspended_on": pl.Date(),
    "last_run_day": pl.Date(), "loan_principal": pl.Int64(), "loan_start": pl.Date(),
    "loan_maturity": pl.Date(), "loan_rate_bp": pl.Int64(), "loan_interest": pl.Int64(),
}  # fmt: skip
_SANITIZE = {"holder_certno": masked, "insured_certno": masked, "holder_psn_no": masked_if_id,
             "insured_psn_no": masked_if_id}  # fmt: skip


@dataclass(frozen=True)
class PolicyFile:
    source: Path
    frame: pl.DataFrame
    headers: dict[str, str]


def rate_bp(text: pl.Expr) -> pl.Expr:
    """``5%``, ``5.25%`` or ``5.25`` (per cent a year) as exact basis points; null when not a rate
    with at most two decimals."""
    bare = text.str.strip_chars().str.strip_chars_end("%").str.strip_chars()
    ok = bare.str.contains(r"^\d{1,3}(\.\d{1,2})?$")
    parts = bare.str.split(".")
    whole = parts.list.get(0, null_on_oob=True).cast(pl.Int64, strict=False)
    cents = (
        parts.list.get(1, null_on_oob=True).fill_null("0").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    )
    return pl.when(ok).then(whole * 100 + cents)


def read_policies(path: str | Path) -> PolicyFile:
    path = Path(path)
    required = ("policy_no", "product", "region", "sum_insured", "issue_date")
    frame, headers, parsed, checks, given = _read(path, POLICY_FIELDS, required, person=False)
    for role, zh, en in (("holder", "投保人", "policyholder"),):
        who = [given[f"{role}_{n}"] for n in ("psn_no", "certno") if f"{role}_{n}" in headers]
        checks.append((f"{role}_psn_no" if f"{role}_psn_no" in headers else f"{role}_certno",
                       ~pl.any_horizontal(who) if who else pl.lit(True),
                       f"缺少{zh}编号或证件号码", f"no {en} personnel or ID number"))  # fmt: skip
    issue = parsed["issue_date"]
    status = parsed.get("status", pl.lit(None, pl.String)).fill_null(PolicyStatus.IN_FORCE.value)
    parsed["status"] = status
    parsed["received_on"] = parsed.get("received_on", pl.lit(None, pl.Date)).fill_null(issue)
    parsed["status_since"] = parsed.get("status_since", pl.lit(None, pl.Date)).fill_null(issue)
    parsed["premiums_paid"] = parsed.get("premiums_paid", pl.lit(None, pl.Int64)).fill_null(1)
    parsed["premium_credit"] = parsed.get("premium_credit", pl.lit(None, pl.Int64)).fill_null(0)
    parsed["apl"] = parsed.get("apl", pl.lit(None, pl.String)).fill_null("0") == "1"
    parsed["agent_code"] = parsed.get("agent_code", pl.lit(None, pl.String)).fill_null("")
    if "loan_rate" in headers:
        parsed["loan_rate_bp"] = rate_bp(text_cell("loan_rate"))
        checks.append(("loan_rate", given["loan_rate"] & parsed["loan_rate_bp"].is_null(),
                       "年利率无效（应如 5% 或 5.25）", "not a yearly rate like 5% or 5.25"))  # fmt: skip
        del parsed["loan_rate"]
    needs = {PolicyStatus.GRACE.value: "due_on", PolicyStatus.SUSPENDED.value: "suspended_on",
             PolicyStatus.APL_COVER.value: "cover_to"}  # fmt: skip
    for code, column in needs.items():
        value = parsed.get(column, pl.lit(None, pl.Date))
        checks.append((column if column in headers else "status", (status == code) & value.is_null(),
                       f"{PolicyStatus(code).label_zh}的保单须填写{_label(column)}",
                       f"a policy in status {code} needs {column}"))  # fmt: skip
    if "received_on" in headers:
        checks.append(("received_on", parsed["received_on"] < issue, "签收日期早于生效日期",
                       "received before the issue date"))  # fmt: skip
    checks.append(
        ("sum_insured", parsed["sum_insured"] <= 0, "保额须大于零", "the sum insured must be above zero")
    )
    if "loan_principal" in headers:
        lent = parsed["loan_principal"].fill_null(0) > 0
        for column in ("loan_start", "loan_maturity"):
            value = parsed.get(column, pl.lit(None, pl.Date))
            checks.append((column if column in headers else "loan_principal", lent & value.is_null(),
                           f"有借款的保单须填写{_label(column)}", f"a policy with a loan needs {column}"))  # fmt: skip
        checks.append(("loan_principal", lent & (parsed.get("loan_maturity", issue) <= parsed.get("loan_start", issue)),
                       "借款到期日须晚于起息日", "the loan matures after it starts"))  # fmt: skip
    return _finish(path, frame, headers, parsed, checks)


def _label(name: str) -> str:
    return next(f.label_zh for f in POLICY_FIELDS if f.name == name)


def _finish(
    path: Path, frame: pl.DataFrame, headers: dict[str, str], parsed: dict[str, pl.Expr], checks: list[Check]
) -> PolicyFile:
    flags = frame.select(*(bad.fill_null(False).alias(f"_bad{i}") for i, (_, bad, _, _) in enumerate(checks)))
    problems = Problems()
    for i, (name, _, zh, en) in enumerate(checks):
        problems.add(frame.filter(flags[f"_bad{i}"]), headers.get(name, _label(name)), zh, en,
                     value=name if name in headers else None, sanitize=_SANITIZE.get(name))  # fmt: skip
    if error := problems.error(path.name):
        raise error
    people = [
        (pl.col(n) if n in headers else pl.lit(None, pl.String)).str.to_uppercase().alias(n)
        for n in _PERSON_FIELDS
    ]
    values = frame.with_columns(**parsed).select(
        "source_row", *people,
        *((pl.col(n) if n in parsed else pl.lit(None)).cast(t).alias(n) for n, t in POLICY_COLUMNS.items()),
    )  # fmt: skip
    return PolicyFile(source=path, frame=values, headers=headers)
