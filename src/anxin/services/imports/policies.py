"""Importing life policies (保单清单) with their servicing state and loan accounts.

The file is validated whole (:mod:`.policy_rows`); policyholders and insured persons are found by
``psn_no`` or by the ID number's keyed hash (the number itself is never stored with the policy); the
product must be a shipped life product (``products/``), whose premium for the sum insured is computed
by the product's rule. A policy number already stored with the same contract (product, parties, agent,
region, sum insured, dates, APL choice) is left alone — its servicing state belongs to the daily run
from then on — and with a different contract it is a conflict. All or nothing per file; the same file
or rows again change nothing. Each new policy starts its status history with the imported status.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidRows
from anxin.domain.life.products import LifeProduct
from anxin.services.imports.batches import ImportSummary
from anxin.services.imports.policy_rows import PolicyFile, read_policies
from anxin.services.imports.problems import Problems
from anxin.services.imports.runner import Progress, run_import
from anxin.services.imports.settlement_plan import resolve_persons
from anxin.store.bulk import bulk_insert, select_by_keys
from anxin.store.database import Database
from anxin.store.life_files import shipped_products
from anxin.store.protection import IdProtector
from anxin.store.schema import LifePolicy, PolicyLoan, PolicyStatusChange
from anxin.store.schema.base import utc_now

CONFLICT_ZH = "与已导入的同一保单号的保单不一致（已导入的保单合同不可修改）"
CONFLICT_EN = "conflicts with the stored policy of this number (a stored policy's contract is never changed)"
IMPORTED = "imported"
#: The contract columns compared with a stored policy of the same number.
_CONTRACT = ("product_code", "policyholder_id", "insured_id", "agent_code", "region_code", "sum_insured_fen",
             "issue_date", "received_on", "apl")  # fmt: skip
_CONTRACT_SCHEMA: dict[str, pl.DataType] = {
    "product_code": pl.String(), "policyholder_id": pl.Int64(), "insured_id": pl.Int64(),
    "agent_code": pl.String(), "region_code": pl.String(), "sum_insured_fen": pl.Int64(),
    "issue_date": pl.Date(), "received_on": pl.Date(), "apl": pl.Boolean(),
}  # fmt: skip


def import_policies(
    db: Database,
    path: str | Path,
    *,
    actor: str = "system",
    products: dict[str, LifeProduct] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a policies file; the persons must be imported first."""
    path = Path(path)
    catalogue = products if products is not None else shipped_products()

    def prepare(connection: sa.Connection, checked: PolicyFile) -> PolicyPlan | InvalidRows:
        problems = Problems()
        new = plan_policies(connection, checked, catalogue, db.protector, problems)
        if error := problems.error(path.name):
            return error
        return PolicyPlan(new=new, rows=checked.frame.height)

    return run_import(
        db,
        kind="life_policies",
        path=path,
        actor=actor,
        detail={},
        validate=lambda: read_policies(path),
        prepare=prepare,
        context="life_policies",
        progress=progress,
    )


def _person(
    connection: sa.Connection,
    frame: pl.DataFrame,
    checked: PolicyFile,
    role: str,
    protector: IdProtector,
    problems: Problems,
) -> pl.Series:
    """The person ids of one role (``holder`` or ``insured``), problems for the persons not found."""
    headers = {
        n: checked.headers[f"{role}_{n}"] for n in ("psn_no", "certno") if f"{role}_{n}" in checked.headers
    }
    renamed = frame.select("source_row", psn_no=f"{role}_psn_no", certno=f"{role}_certno",
                           person_id=pl.lit(None, pl.Int64))  # fmt: skip
    return resolve_persons(connection, renamed, headers, protector, problems)["person_id"]


def plan_policies(
    connection: sa.Connection,
    checked: PolicyFile,
    catalogue: dict[str, LifeProduct],
    protector: IdProtector,
    problems: Problems,
) -> pl.DataFrame:
    """The new policies (columns of ``life_policies`` plus ``source_row`` and the loan columns)."""
    frame = checked.frame
    unknown = frame.filter(~pl.col("product").is_in(list(catalogue)))
    problems.add(unknown, checked.headers["product"], f"不认识的产品代码（可用 {'、'.join(sorted(catalogue))}）",
                 f"unknown product code (known: {', '.join(sorted(catalogue))})", value="product")  # fmt: skip
    holder = _person(connection, frame, checked, "holder", protector, problems)
    frame = frame.with_columns(policyholder_id=holder)
    if any(f"insured_{n}" in checked.headers for n in ("psn_no", "certno")):
        named = frame.filter(pl.col("insured_psn_no").is_not_null() | pl.col("insured_certno").is_not_null())
        found = named.select(
            "source_row", insured_id=_person(connection, named, checked, "insured", protector, problems)
        )
        frame = frame.join(found, on="source_row", how="left")
    else:
        frame = frame.with_columns(insured_id=pl.lit(None, pl.Int64))
    frame = frame.with_columns(insured_id=pl.coalesce("insured_id", "policyholder_id"))
    frame = frame.filter(pl.col("product").is_in(list(catalogue)) & pl.col("policyholder_id").is_not_null())
    pairs = frame.select("product", "sum_insured").unique()
    premiums = pairs.with_columns(
        premium_fen=pl.Series([catalogue[p].modal_premium(s) for p, s in pairs.iter_rows()], dtype=pl.Int64),
        _rate=pl.Series([catalogue[p].loan.annual_rate for p, _ in pairs.iter_rows()], dtype=pl.Int64),
    )
    frame = frame.join(premiums, on=["product", "sum_insured"], how="left").rename(
        {"product": "product_code", "region": "region_code", "sum_insured": "sum_insured_fen"}
    )
    stored = select_by_keys(
        connection,
        sa.select(LifePolicy.policy_no, *(getattr(LifePolicy, n) for n in _CONTRACT)),
        LifePolicy.policy_no,
        frame["policy_no"].to_list(),
        {"policy_no": pl.String(), **{f"s_{n}": t for n, t in _CONTRACT_SCHEMA.items()}},
    )
    joined = frame.join(stored, on="policy_no", how="left")
    has = pl.col("s_product_code").is_not_null()
    differs = pl.any_horizontal(pl.col(n).ne_missing(pl.col(f"s_{n}")) for n in _CONTRACT)
    problems.add(joined.filter(has & differs), checked.headers["policy_no"], CONFLICT_ZH, CONFLICT_EN,
                 value="policy_no")  # fmt: skip
    return joined.filter(~has).with_columns(loan_rate_bp=pl.coalesce("loan_rate_bp", "_rate"))


@dataclass
class PolicyPlan:
    new: pl.DataFrame
    rows: int

    def __post_init__(self) -> None:
        self.inserted = self.new.height
        self.unchanged = self.rows - self.inserted
        self.writes = self.inserted

    def write(self, connection: sa.Connection, import_id: int, on_rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
        now = utc_now()
        table: sa.Table = LifePolicy.__table__  # type: ignore[assignment]
        policies = self.new.select(
            "policy_no", "product_code", "policyholder_id", "insured_id", "agent_code", "region_code",
            "sum_insured_fen", "premium_fen", "issue_date", "received_on", "apl", "status", "status_since",
            "premiums_paid", premium_credit_fen="premium_credit", due_on="due_on", cover_to="cover_to",
            suspended_on="suspended_on", last_run_day="last_run_day", import_id=pl.lit(import_id, pl.Int64),
            created_at=pl.lit(now), updated_at=pl.lit(now),
        )  # fmt: skip
        written = bulk_insert(connection, table, policies, on_rows=on_rows)
        ids = select_by_keys(
            connection, sa.select(LifePolicy.policy_no, LifePolicy.id), LifePolicy.policy_no,
            self.new["policy_no"].to_list(), {"policy_no": pl.String(), "policy_id": pl.Int64()},
        )  # fmt: skip
        new = self.new.join(ids, on="policy_no")
        loans = new.filter(pl.col("loan_principal").fill_null(0) > 0).select(
            "policy_id", principal_fen="loan_principal", start="loan_start", maturity="loan_maturity",
            rate_bp="loan_rate_bp", interest_fen=pl.col("loan_interest").fill_null(0), updated_at=pl.lit(now),
        )  # fmt: skip
        history = new.select(
            "policy_id", day="status_since", status_from=pl.lit(None, pl.String), status_to="status",
            event=pl.lit(IMPORTED), import_id=pl.lit(import_id, pl.Int64), created_at=pl.lit(now),
        )  # fmt: skip
        return {
            "life_policies": written,
            "policy_loans": bulk_insert(connection, PolicyLoan.__table__, loans),  # type: ignore[arg-type]
            "policy_status_changes": bulk_insert(connection, PolicyStatusChange.__table__, history),  # type: ignore[arg-type]
        }
