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
``life_premiums``, mode ``collection``: its own program, so that starting one never marks a daily
run going on at the same time as interrupted) whose id the events and status changes carry, and as an
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

from anxin.domain.errors import InvalidInput, InvalidRows, RowProblem
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
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
from anxin.services.imports.premium_rows import Refusals, read_payments
from anxin.services.policy_book import (
    changed_policies,
    insert_postings,
    insert_status_changes,
    read_book,
    update_policies,
)
from anxin.services.run_records import finish_run, start_run
from anxin.store.bulk import bulk_insert, select_by_keys
from anxin.store.database import Database
from anxin.store.life_files import products_or_shipped
from anxin.store.locks import refresh_statistics
from anxin.store.schema import ImportBatch, ImportProblem, LifePolicy
from anxin.store.schema.base import utc_now
from anxin.store.tabular import write_table
from anxin.synth.premiums import collection_frame

Progress = Callable[[int, int], None]
KIND = "premium_collection"
PROGRAM, MODE = "life_premiums", "collection"
RUNNING = "running"
#: The policy columns a payment changes.
STATE = ("status", "status_since", "premiums_paid", "premium_credit", "due_on", "cover_to")


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
    catalogue = products_or_shipped(products)
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
    changed = changed_policies(after, book, keys)
    now = utc_now()
    update_policies(connection, changed, STATE, now)
    postings = events.join(keys, on="policy_id", maintain_order="left")
    insert_postings(connection, postings, run_id, now)
    moves = insert_status_changes(connection, postings, run_id, now)
    return {
        "applied": good.height,
        "amount": int(events["amount"].sum() or 0),
        "events": events.height,
        "moves": moves,
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
    catalogue = products_or_shipped(products)
    paying = [PolicyStatus.IN_FORCE.value, PolicyStatus.GRACE.value, PolicyStatus.APL_COVER.value]
    with db.engine.connect() as connection:
        policies, _ = read_book(connection, LifePolicy.status.in_(paying))
    frame = collection_frame(
        policies.drop("_id"), catalogue, first, last, unpaid_share=unpaid_share, seed=seed
    )
    return write_table(frame, path), frame.height
