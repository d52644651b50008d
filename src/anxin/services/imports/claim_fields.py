"""The columns of a claims (理赔) file for group covers: field names or the Chinese headers clerks use.

Required: ``claim_no`` and ``psn_no`` or ``certno``; the other fields as the claim type needs them
(checked per row). ``documents``, optional: the claim documents received, as codes or names
separated by commas or 、 (:class:`anxin.domain.programs.claim_documents.Document`). Unknown columns
are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from anxin.domain.group_accident import ClaimType

#: The claim type a specified-disease claim is stored with (its program has only one).
SPECIFIED_DISEASE = "specified_disease"


@dataclass(frozen=True)
class ClaimField:
    name: str
    label_zh: str
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ClaimField, ...] = (
    ClaimField("claim_no", "赔案号", ("理赔编号", "案件号", "赔案编号", "claim_id")),
    ClaimField("psn_no", "人员编号", ("个人编号", "参保人编号")),
    ClaimField("certno", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "证件号")),
    ClaimField("claim_type", "理赔类型", ("保障项目", "赔付项目", "type")),
    ClaimField("due_on", "责任日期", ("理赔日期", "鉴定日期", "身故日期", "确诊日期", "diagnosed_on")),
    ClaimField("accident_on", "事故日期", ("意外发生日期", "出险日期")),
    ClaimField("admitted_on", "入院日期", ("住院日期",)),
    ClaimField("discharged_on", "出院日期", ()),
    ClaimField("grades", "伤残等级", ("残疾等级",)),
    ClaimField("expense", "医疗费用", ("自付医疗费用", "合理医疗费用", "expense_yuan")),
    ClaimField("disease_code", "疾病代码", ("疾病编码", "疾病")),
    ClaimField("basic_insurance", "有基本医保", ("基本医疗保险", "参加基本医保")),
    ClaimField("documents", "理赔材料", ("已收材料", "收到材料", "材料")),
)
BY_NAME = {f.name: f for f in FIELDS}

#: Words accepted for each claim type of a group accident and health program.
TYPE_WORDS: dict[str, str] = {
    **{t.value: t.value for t in ClaimType},
    **{t.label_zh: t.value for t in ClaimType},
    "身故": ClaimType.DEATH.value,
    "意外身故": ClaimType.DEATH.value,
    "伤残": ClaimType.DISABILITY.value,
    "残疾": ClaimType.DISABILITY.value,
    "意外伤残": ClaimType.DISABILITY.value,
    "意外医疗": ClaimType.ACCIDENT_MEDICAL.value,
    "住院津贴": ClaimType.HOSPITAL_ALLOWANCE.value,
    "住院补贴": ClaimType.HOSPITAL_ALLOWANCE.value,
    "疾病住院": ClaimType.ILLNESS_HOSPITAL.value,
    "疾病住院医疗": ClaimType.ILLNESS_HOSPITAL.value,
}
YES_NO: dict[str, bool | None] = {
    "是": True, "有": True, "yes": True, "y": True, "true": True, "1": True,
    "否": False, "无": False, "no": False, "n": False, "false": False, "0": False,
}  # fmt: skip
#: Claim types that need the accident's date, a stay's admission, its discharge.
NEEDS_ACCIDENT = (ClaimType.DEATH.value, ClaimType.DISABILITY.value, ClaimType.ACCIDENT_MEDICAL.value)
NEEDS_ADMISSION = (ClaimType.HOSPITAL_ALLOWANCE.value, ClaimType.ILLNESS_HOSPITAL.value)


def header_index() -> dict[str, ClaimField]:
    """Every accepted header (case-insensitive) → its field."""
    return {word.lower(): f for f in FIELDS for word in (f.name, f.label_zh, *f.aliases)}
