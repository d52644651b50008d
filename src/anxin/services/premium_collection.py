"""Premium collection files (收费：银行代扣/转账结果) applied to the stored book of life policies.

A file lists collected premiums: 保单号, 应交日 (the due date of the premium paid), 交费金额 (yuan),
交费日期 and optionally 渠道/来源. Unlike the other imports it is not all or nothing: every row that
cannot be applied — a cell that is not a date or an amount, an unknown policy, a policy in a status
that does not pay, a payment made after the collection day, a premium already paid or not the
policy's next, an amount other than the premium owed — is refused and reported with its row, its
column and a reason in Chinese and English (kept as the import's problems, like other imports'); the
other rows are applied.

Rows are applied by the vectorized engine (:mod:`anxin.engine.premium_collection`) in chunks of
policies, each chunk in one transaction with its policies locked (``FOR UPDATE`` on PostgreSQL): the
changed policy columns, the ``premium_paid`` events with their postings (``policy_events``) and the
status changes (``policy_status_changes``). The collection is recorded as a run (program
``life_servicing``, mode ``collection``) whose id the events and status changes carry, and as an
import batch (the file's SHA-256): the same file imported again changes nothing. A collection killed
between chunks, run again, finds the premiums it applied already paid and applies the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import InvalidAmount, InvalidInput, InvalidRows, RowProblem
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.domain.money import parse_yuan
from anxin.engine.premium_collection import PAYMENT_SCHEMA, collect, review
from anxin.services.imports.batches import (
    COMPLETED,
    earlier_import,
    file_digest,
    insert_batch,
    record_audit,
    safe_file_name,
    store_rejection,
)
from anxin.services.imports.care_fields import CareField, header_index
from anxin.services.imports.care_rows import _parse
from anxin.services.imports.problems import Problems, masked_if_id, yuan_text
from anxin.services.run_records import finish_run, start_run
from anxin.services.servicing_run import POLICY_COLUMNS, read_book
from anxin.services.settlement_files import known_columns, text_cell
from anxin.store.bulk import bulk_insert, select_by_keys
from anxin.store.database import Database
from anxin.store.life_files import shipped_products
from anxin.store.locks import refresh_statistics
from anxin.store.schema import ImportBatch, ImportProblem, LifePolicy, PolicyEvent, PolicyStatusChange
from anxin.store.schema.base import utc_now
from anxin.store.tabular import format_of, read_table, write_table
from anxin.synth.premiums import collection_frame

Progress = Callable[[int, int], None]
KIND = "premium_collection"
PROGRAM, MODE = "life_servicing", "collection"
RUNNING = "running"
#: The policy columns a payment changes.
STATE = ("status", "status_since", "premiums_paid", "premium_credit", "due_on", "cover_to")


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


@dataclass(frozen=True)
class CollectionSummary:
    import_id: int
    run_id: int | None
    day: dt.date
    file_name: str
    rows: int
    applied: int
    refused: int
    amount_fen: int
    status_changes: int = 0
    #: The first problems (row, column, value, reason), in row order; ``refused`` counts them all.
    problems: list[RowProblem] = field(default_factory=list)
    already_imported: bool = False
    note_zh: str = ""
    note_en: str = ""

    def error(self) -> InvalidRows | None:
        """The refused rows as the error other imports raise (for the error report), or ``None``."""
        return InvalidRows(self.file_name, self.problems, self.refused) if self.refused else None


def collect_premiums(
    db: Database,
    path: str | Path,
    *,
    actor: str = "system",
    day: dt.date | None = None,
    chunk_policies: int = 20_000,
    progress: Progress | None = None,
    products: Iterable[LifeProduct] | None = None,
) -> CollectionSummary:
    """Apply a collection file on ``day`` (today unless given)."""
    path = Path(path)
    day = day or dt.date.today()
    catalogue = list(products if products is not None else shipped_products().values())
    digest = file_digest(path, context=KIND)
    detail = {"kind": KIND, "file_name": safe_file_name(path), "file_hash": digest, "day": day.isoformat()}
    with db.engine.connect() as connection:
        with connection.begin():
            earlier = earlier_import(connection, KIND, digest)
        if earlier is None:
            try:
                payments, problems = read_payments(path)
            except InvalidInput as error:
                error.import_id = store_rejection(  # type: ignore[attr-defined]
                    connection, kind=KIND, path=path, digest=digest, actor=actor, error=error, rows=0,
                    detail=detail,
                )  # fmt: skip
                raise
            with connection.begin():
                import_id = insert_batch(
                    connection, kind=KIND, path=path, digest=digest, actor=actor, status=RUNNING,
                    rows=problems.rows,
                )  # fmt: skip
    if earlier is not None:
        return CollectionSummary(
            earlier.import_id, None, day, earlier.file_name, earlier.rows, 0, 0, 0,
            already_imported=True, note_zh=earlier.note_zh, note_en=earlier.note_en,
        )  # fmt: skip
    rows = problems.rows
    run_id = start_run(db, PROGRAM, day.year, MODE, actor)
    with db.engine.connect() as connection:
        ids = select_by_keys(
            connection, sa.select(LifePolicy.policy_no, LifePolicy.id), LifePolicy.policy_no,
            payments["policy_id"], {"policy_id": pl.String(), "_id": pl.Int64()},
        )  # fmt: skip
    payments = payments.join(ids, on="policy_id", how="left", maintain_order="left")
    unknown = payments.filter(pl.col("_id").is_null()).with_columns(problem=pl.lit("unknown_policy"))
    problems.refused(unknown)
    known = payments.filter(pl.col("_id").is_not_null()).sort("_id", "source_row")
    policy_ids = known["_id"].unique(maintain_order=True).to_list()
    totals = {"applied": 0, "amount": 0, "events": 0, "moves": 0}
    done = rows - known.height
    for start in range(0, len(policy_ids), chunk_policies):
        chunk = policy_ids[start : start + chunk_policies]
        mine = known.filter(pl.col("_id").is_between(chunk[0], chunk[-1]))
        with db.engine.begin() as connection:
            written = _chunk(connection, mine, chunk, catalogue, day, run_id, problems)
        for key, value in written.items():
            totals[key] += value
        done += mine.height
        if progress:
            progress(done, rows)
    refused = rows - totals["applied"]
    with db.engine.begin() as connection:
        listed = problems.listed_sorted()
        if listed:
            bulk_insert(connection, ImportProblem.__table__, pl.DataFrame(  # type: ignore[arg-type]
                [{"import_id": import_id, "row": p.row, "column": p.column[:80], "value": p.value[:80],
                  "reason_zh": p.reason_zh[:200], "reason_en": p.reason_en[:200]} for p in listed],
            ))  # fmt: skip
        connection.execute(
            sa.update(ImportBatch).where(ImportBatch.id == import_id).values(
                status=COMPLETED, inserted=totals["applied"], unchanged=0, problems=refused,
                finished_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
        summary = {"rows": rows, "applied": totals["applied"], "refused": refused, "amount_fen": totals["amount"],
                   "run_id": run_id}  # fmt: skip
        record_audit(connection, actor=actor, action="premium_collection", import_id=import_id,
                     detail={**detail, **summary})  # fmt: skip
    with db.engine.begin() as connection:
        refresh_statistics(connection, ("policy_events", "policy_status_changes"), totals["events"])
    finish_run(
        db, run_id, PROGRAM, MODE, len(policy_ids),
        {"payout": totals["applied"], "lines": totals["events"], "amount": totals["amount"],
         "adjustment": totals["moves"], "review": 0, "rejected": refused}, actor,
        recomputed=0,
    )  # fmt: skip
    if progress and rows == 0:
        progress(0, 0)
    return CollectionSummary(
        import_id, run_id, day, safe_file_name(path), rows, totals["applied"], refused, totals["amount"],
        status_changes=totals["moves"], problems=listed,
    )  # fmt: skip


def _chunk(
    connection: Connection,
    payments: pl.DataFrame,
    ids: list[int],
    products: list[LifeProduct],
    day: dt.date,
    run_id: int,
    problems: Refusals,
) -> dict[str, int]:
    """Lock and read the chunk's policies, review and apply its payments, write what changed."""
    connection.execute(
        sa.select(LifePolicy.id).where(LifePolicy.id.in_(ids)).order_by(LifePolicy.id).with_for_update()
    )
    before, _ = read_book(connection, LifePolicy.id.in_(ids))
    keys = before.select("policy_id", "_id")
    book = before.drop("_id")
    reviewed = review(book, payments.select(PAYMENT_SCHEMA.keys()), products, day).with_columns(
        source_row=payments["source_row"], amount_text=payments["amount_text"]
    )
    problems.refused(reviewed.filter(pl.col("problem").is_not_null()))
    good = reviewed.filter(pl.col("problem").is_null()).select(PAYMENT_SCHEMA.keys())
    if good.height == 0:
        return {"applied": 0, "amount": 0, "events": 0, "moves": 0}
    after, events = collect(book, good, products, day)
    changed = after.join(book, on=list(after.columns), how="anti", nulls_equal=True).join(
        keys, on="policy_id"
    )
    now = utc_now()
    if changed.height:
        table = LifePolicy.__table__
        statement = (
            sa.update(table).where(table.c.id == sa.bindparam("b_id"))  # type: ignore[attr-defined]
            .values(**{POLICY_COLUMNS[n]: sa.bindparam(f"b_{n}") for n in STATE}, updated_at=now)
        )  # fmt: skip
        connection.execute(statement, changed.select(b_id="_id", **{f"b_{n}": n for n in STATE}).to_dicts())
    postings = events.join(keys, on="policy_id", maintain_order="left")
    bulk_insert(connection, PolicyEvent.__table__, postings.select(  # type: ignore[arg-type]
        run_id=pl.lit(run_id, pl.Int64), policy_id="_id", day="day", event="event", status_from="status_from",
        status_to="status_to", debit="debit", credit="credit", amount_fen="amount", created_at=pl.lit(now),
    ))  # fmt: skip
    moves = postings.filter(pl.col("status_to").is_not_null()).select(
        policy_id="_id", day="day", status_from="status_from", status_to="status_to", event="event",
        run_id=pl.lit(run_id, pl.Int64), created_at=pl.lit(now),
    )  # fmt: skip
    bulk_insert(connection, PolicyStatusChange.__table__, moves)  # type: ignore[arg-type]
    return {
        "applied": good.height,
        "amount": int(events["amount"].sum() or 0),
        "events": events.height,
        "moves": moves.height,
    }


def write_stored_collection_file(
    db: Database,
    path: str | Path,
    first: dt.date,
    last: dt.date,
    *,
    unpaid_share: float = 0.03,
    seed: int = 7,
    products: Iterable[LifeProduct] | None = None,
) -> tuple[Path, int]:
    """A synthetic collection file for the stored book's premiums falling due from ``first`` to
    ``last`` (:mod:`anxin.synth.premiums`); returns the path and the number of rows."""
    if last < first:
        raise InvalidInput(
            f"结束日 {last} 早于开始日 {first}", f"the last day {last} is before the first {first}"
        )
    catalogue = list(products if products is not None else shipped_products().values())
    paying = [PolicyStatus.IN_FORCE.value, PolicyStatus.GRACE.value, PolicyStatus.APL_COVER.value]
    with db.engine.connect() as connection:
        policies, _ = read_book(connection, LifePolicy.status.in_(paying))
    frame = collection_frame(
        policies.drop("_id"), catalogue, first, last, unpaid_share=unpaid_share, seed=seed
    )
    return write_table(frame, path), frame.height
