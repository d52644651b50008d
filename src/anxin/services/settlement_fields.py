"""The settlement record's fields: the national medical-insurance platform's names, Chinese headers.

Files may use the platform's field names (``setl_id``, ``inscp_scp_amt`` …, as in interface 2207's
``setlinfo``) or the Chinese headers people see in the bureau's Excel exports; both map to one
canonical field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FieldKind(enum.StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    GROUP = "group"
    RESIDENT_ID = "resident_id"


@dataclass(frozen=True)
class SettlementField:
    name: str
    kind: FieldKind
    label_zh: str
    aliases: tuple[str, ...] = ()


FIELDS: tuple[SettlementField, ...] = (
    SettlementField("psn_no", FieldKind.TEXT, "人员编号", ("个人编号", "参保人编号")),
    SettlementField("certno", FieldKind.RESIDENT_ID, "证件号码", ("身份证号", "身份证号码", "公民身份号码")),
    SettlementField("psn_name", FieldKind.TEXT, "人员姓名", ("姓名",)),
    SettlementField("setl_id", FieldKind.TEXT, "结算ID", ("结算编号", "结算流水号", "就诊结算ID")),
    SettlementField("setl_time", FieldKind.DATETIME, "结算时间", ("结算日期",)),
    SettlementField("begndate", FieldKind.DATE, "开始日期", ("入院日期",)),
    SettlementField("enddate", FieldKind.DATE, "结束日期", ("出院日期",)),
    SettlementField("medfee_sumamt", FieldKind.MONEY, "医疗费总额", ("总费用", "医疗总费用")),
    SettlementField(
        "inscp_scp_amt", FieldKind.MONEY, "符合政策范围金额", ("政策范围内金额", "政策范围内费用")
    ),
    SettlementField("hifp_pay", FieldKind.MONEY, "基本医疗保险统筹基金支出", ("统筹基金支出", "统筹支付")),
    SettlementField(
        "eligible_owed", FieldKind.MONEY, "合规自付费用", ("政策范围内自付费用", "大病保险合规费用")
    ),
    SettlementField("hifmi_pay", FieldKind.MONEY, "居民大病保险资金支出", ("大病保险支出", "大病保险赔付")),
    SettlementField(
        "psn_idet_type", FieldKind.GROUP, "人员身份类别", ("困难人员类别", "人员类别", "vulnerable_group")
    ),
    SettlementField("insutype", FieldKind.TEXT, "险种类型", ()),
    SettlementField("med_type", FieldKind.TEXT, "医疗类别", ()),
    SettlementField("fixmedins_code", FieldKind.TEXT, "定点医药机构编号", ("医院编码", "医疗机构编码")),
    SettlementField("hosp_lv", FieldKind.TEXT, "医院等级", ()),
    SettlementField("insuplc_admdvs", FieldKind.TEXT, "参保地医保区划", ("参保地",)),
    SettlementField("reverses_setl_id", FieldKind.TEXT, "原结算ID", ("被冲销结算ID", "冲销原结算ID")),
)
BY_NAME = {f.name: f for f in FIELDS}


def header_index() -> dict[str, SettlementField]:
    """Every accepted header (field name, Chinese label, alias; case-insensitive) → its field."""
    index: dict[str, SettlementField] = {}
    for field in FIELDS:
        for word in (field.name, field.label_zh, *field.aliases):
            index[word.lower()] = field
    return index
