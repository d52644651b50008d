"""The columns of a persons (参保人员) file: national field names or the Chinese headers clerks use.

Only ``certno`` is required. Unknown columns are ignored (a roster may carry city names, notes …).
"""

from __future__ import annotations

from dataclasses import dataclass

from anxin.domain.errors import InvalidInput


@dataclass(frozen=True)
class PersonField:
    name: str
    label_zh: str
    aliases: tuple[str, ...] = ()
    max_length: int = 0  # 0: not free text (parsed), else the stored column's length


FIELDS: tuple[PersonField, ...] = (
    PersonField("certno", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "证件号", "idcard")),
    PersonField("psn_no", "人员编号", ("个人编号", "参保人编号"), 40),
    PersonField("name", "姓名", ("人员姓名", "psn_name"), 100),
    PersonField("sex", "性别", ("gend",)),
    PersonField("birth_date", "出生日期", ("brdy",)),
    PersonField("phone", "联系电话", ("手机号码", "电话", "手机", "tel", "mob"), 20),
    PersonField("address", "地址", ("住址", "家庭住址", "联系地址", "addr"), 200),
    PersonField("region_code", "行政区划", ("地区码", "行政区划代码", "区划代码", "admdvs"), 12),
    PersonField("vulnerable_group", "困难人员类别", ("人员身份类别", "psn_idet_type")),
    PersonField("vulnerable_from", "认定日期", ("困难人员认定日期", "身份开始日期")),
    PersonField("vulnerable_to", "终止日期", ("困难人员终止日期", "身份结束日期")),
    PersonField("premium", "缴费金额", ("个人缴费", "缴费额", "premium_yuan")),
    PersonField("funder", "缴费来源", ("出资方", "资助方")),
    PersonField("units", "份数", ("投保份数", "保险份数")),
    #: A group's eligible staff (e.g. its female staff in work), for a program with a group rule:
    #: on one or more of the group's rows, the same number wherever it is given.
    PersonField("eligible_staff", "符合条件人数", ("符合投保条件人数", "应参保人数")),
    PersonField("household", "户编号", ("家庭编号", "户号", "household_code"), 40),
    PersonField("village", "村", ("村名", "所在村", "村（社区）"), 200),
    PersonField("school", "学校", ("学校名称",), 200),
    PersonField("employer", "单位", ("工作单位", "单位名称"), 200),
)
BY_NAME = {f.name: f for f in FIELDS}
#: Which kind of group each group column names (``groups.kind``), in the order that decides the
#: group a person is enrolled through when several are given.
GROUP_COLUMNS = {"school": "school", "employer": "employer", "village": "village"}

#: Who pays the premium (``enrollments.funder``): stable codes and the words accepted for them.
FUNDERS = {
    "government": ("government", "政府", "政府资助", "财政"),
    "individual": ("individual", "个人", "个人缴费", "本人"),
    "donor": ("donor", "捐助", "社会捐助", "慈善"),
    "employer": ("employer", "单位", "雇主", "企业"),
    "union": ("union", "工会", "总工会"),
}
FUNDER_WORDS = {word: code for code, words in FUNDERS.items() for word in words}

SEX_WORDS = {
    "男": "male",
    "男性": "male",
    "male": "male",
    "m": "male",
    "1": "male",
    "女": "female",
    "女性": "female",
    "female": "female",
    "f": "female",
    "2": "female",
    "0": None,  # GB/T 2261.1: unknown
    "9": None,  # not stated
    "未知": None,
    "未说明": None,
}


def header_index() -> dict[str, PersonField]:
    """Every accepted header (case-insensitive) → its field."""
    return {word.lower(): f for f in FIELDS for word in (f.name, f.label_zh, *f.aliases)}


def funder_code(text: str) -> str:
    """A funder word (``政府``, ``individual`` …) as its code, or an error listing the codes."""
    code = FUNDER_WORDS.get(text.strip().lower()) or FUNDER_WORDS.get(text.strip())
    if code is None:
        raise InvalidInput(
            f"不认识的缴费来源：{text!r}（可用：政府、个人、捐助、单位、工会）",
            f"unknown funder: {text!r} (known: {', '.join(FUNDERS)})",
        )
    return code
