"""A bank's file of collected premiums (银行代扣/转账结果), read and checked cell by cell.

Columns, by their Chinese headers (or the usual synonyms): 保单号, 应交日 (the due date of the premium
paid), 交费金额 (yuan), 交费日期, and optionally 渠道. :func:`read_payments` returns the rows whose cells
are all valid and a :class:`Refusals` of the others (row, column as the file named it, the value,
the reason in Chinese and English); the rules the book applies (unknown policy, not the next premium,
wrong amount …) add to the same refusals (:data:`PROBLEM_TEXT`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidAmount, InvalidInput, RowProblem
from anxin.domain.money import parse_yuan
from anxin.services.imports.care_fields import CareField, header_index
from anxin.services.imports.care_rows import _parse
from anxin.services.imports.problems import Problems, masked_if_id, yuan_text
from anxin.services.settlement_files import known_columns, text_cell
from anxin.store.tabular import format_of, read_table

FIELDS: tuple[CareField, ...] = (
    CareField("policy_no", "保单号", ("保险单号", "保单号码"), limit=40),
    CareField("due", "应交日", ("应交日期", "应缴日", "应缴日期"), kind="date"),
    CareField("amount", "交费金额", ("缴费金额", "实收金额", "扣款金额"), limit=40),
    CareField("paid_on", "交费日期", ("缴费日期", "扣款日期", "到账日期"), kind="date"),
    CareField("channel", "渠道", ("来源", "交费渠道", "收费渠道"), limit=40),
)  # fmt: skip
REQUIRED = ("policy_no", "due", "amount", "paid_on")
#: Why a row is refused (the engine's codes and the file's own): the column blamed, Chinese, English.
PROBLEM_TEXT: dict[str, tuple[str, str, str]] = {
    "unknown_policy": ("policy_no", "没有这个保单号的保单", "no policy of this number"),
    "not_payable": ("policy_no", "保单当前状态不能交费（仅有效、宽限期、垫交保障期的保单可交费）",
                    "the policy cannot pay in its status (only in force, in grace or in APL cover)"),
    "paid_in_future": ("paid_on", "交费日期晚于入账日", "paid after the collection day"),
    "already_paid": ("due", "该期保费已交", "this premium is already paid"),
    "premiums_complete": ("due", "保费已全部交清", "every premium is already paid"),
    "not_next_due": ("due", "不是该保单下一期未交保费的应交日", "not the due date of the policy's next unpaid premium"),
    "wrong_amount": ("amount", "交费金额与应交保费不符", "the amount is not the premium owed"),
    "earlier_refused": ("due", "同一保单在本文件中更早一期的交费未能入账", "an earlier premium of this policy in the file was refused"),
    "duplicate": ("due", "同一保单同一期保费在文件中重复", "the same premium of the same policy appears twice in the file"),
}  # fmt: skip
#: A policy number shaped like an ID number is masked when shown.
_SAFE = {"policy_no": masked_if_id}
_SHOWN = {"policy_no": "policy_id", "due": "due", "amount": "amount_text", "paid_on": "paid_on"}


class Refusals(Problems):
    """The refused rows of one file, under the headers the file used."""

    def __init__(self, headers: dict[str, str], rows: int) -> None:
        super().__init__()
        self.headers, self.rows = headers, rows

    def refused(self, frame: pl.DataFrame) -> None:
        """Rows with a ``problem`` code (and ``source_row``, ``policy_id``, ``due``, ``amount_text``,
        ``paid_on``; ``expected_due`` and ``expected_amount`` where known)."""
        for name, dtype in (("expected_due", pl.Date), ("expected_amount", pl.Int64)):
            if name not in frame.columns:
                frame = frame.with_columns(pl.lit(None, dtype).alias(name))
        shown = (
            pl.when(pl.col("problem") == "not_next_due")
            .then(pl.format("{}（应为 {}）", pl.col("due"), pl.col("expected_due")))
            .when(pl.col("problem") == "wrong_amount")
            .then(pl.format("{}（应为 {}）", pl.col("amount_text"), yuan_text(pl.col("expected_amount"))))
        )
        for code, (name, zh, en) in PROBLEM_TEXT.items():
            bad = frame.filter(pl.col("problem") == code)
            if bad.height:
                bad = bad.with_columns(_shown=pl.coalesce(shown, pl.col(_SHOWN[name]).cast(pl.String)))
                self.add(bad, self.headers.get(name, name), zh, en, value="_shown", sanitize=_SAFE.get(name))

    def listed_sorted(self) -> list[RowProblem]:
        return sorted(self.listed, key=lambda p: (p.row, p.column))


def read_payments(path: Path) -> tuple[pl.DataFrame, Refusals]:
    """The rows of a collection file whose cells are all valid (``source_row``, ``policy_id``, ``due``,
    ``amount`` fen, ``paid_on``, ``amount_text``, ``channel``), and the problems of the others. A file
    without the required columns is refused whole (:class:`InvalidInput`)."""
    raw = read_table(path)
    first_row = 1 if format_of(path) == "parquet" else 2
    frame, headers = known_columns(raw, header_index(FIELDS), path.name)
    missing = [f for f in FIELDS if f.name in REQUIRED and f.name not in headers]
    if missing:
        raise InvalidInput(
            f"{path.name}：缺少必需的列 {'、'.join(f.label_zh for f in missing)}",
            f"{path.name}: required columns missing: {', '.join(f.name for f in missing)}",
        )
    frame = frame.with_columns(source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64))
    by_name = {f.name: f for f in FIELDS}
    parsed, checks = {}, []
    for name in headers:
        given = text_cell(name).fill_null("") != ""
        parsed[name], own = _parse(by_name[name], frame.schema[name], given)
        checks += own
        if name in REQUIRED:
            checks.append((name, ~given, "必填项为空", "required value is empty"))
    texts = frame.select(text_cell("amount").str.strip_chars().unique().drop_nulls())["amount"].to_list()
    fen = {}
    for text in texts:
        try:
            fen[text] = parse_yuan(text)
        except InvalidAmount:
            continue
    amount = text_cell("amount").replace_strict(
        list(fen), list(fen.values()), default=None, return_dtype=pl.Int64
    )
    checks.append(("amount", (text_cell("amount").fill_null("") != "") & amount.is_null(),
                   "金额格式无效（应如 1250.00）", "not an amount like 1250.00"))  # fmt: skip
    values = frame.with_columns(**parsed).select(
        "source_row", policy_id="policy_no", due="due", amount=amount, paid_on="paid_on",
        amount_text=text_cell("amount"),
        channel=pl.col("channel") if "channel" in headers else pl.lit(None, pl.String),
    )  # fmt: skip
    flags = frame.select(pl.any_horizontal(bad.fill_null(False) for _, bad, _, _ in checks).alias("_bad"))[
        "_bad"
    ]
    problems = Refusals(headers, frame.height)
    for name, bad, zh, en in checks:
        rows = frame.with_columns(_shown=text_cell(name)).filter(bad.fill_null(False))
        problems.add(rows, headers[name], zh, en, value="_shown", sanitize=_SAFE.get(name))
    values = values.filter(~flags)
    twice = values.filter(~pl.struct("policy_id", "due").is_first_distinct())
    problems.refused(twice.with_columns(problem=pl.lit("duplicate")))
    return values.filter(pl.struct("policy_id", "due").is_first_distinct()), problems
