"""Importing the beneficiaries of stored life policies (受益人清单).

A row is one beneficiary: the policy number, the order (受益顺序, 1 unless given), the beneficiary — a
stored person by personnel or ID number, or a name only — and the share (``50%`` or ``50``). The shares
of each policy and order add up to 100 %. A policy's beneficiaries come as a whole: a policy with none
stored gets them; one with the same stored is left alone; one with others stored is a conflict (a
change of beneficiary is a servicing request, not an import). All or nothing per file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidRows
from anxin.domain.money import BASIS_POINTS
from anxin.services.imports.batches import ImportSummary
from anxin.services.imports.care_fields import CareField
from anxin.services.imports.care_rows import _read
from anxin.services.imports.policy_rows import rate_bp
from anxin.services.imports.problems import Problems, masked, masked_if_id, name_hint
from anxin.services.imports.runner import Progress, run_import
from anxin.services.imports.settlement_plan import resolve_persons
from anxin.services.settlement_files import text_cell
from anxin.store.bulk import bulk_insert, select_by_keys
from anxin.store.database import Database
from anxin.store.schema import LifePolicy, PolicyBeneficiary
from anxin.store.schema.base import utc_now

FIELDS: tuple[CareField, ...] = (
    CareField("policy_no", "保单号", ("保险单号", "保单号码"), limit=40),
    CareField("order_no", "受益顺序", ("受益人顺序",), kind="int", bounds=(1, 9)),
    CareField("psn_no", "受益人编号", ("受益人人员编号",), limit=40),
    CareField("certno", "受益人证件号码", ("受益人身份证号",), limit=18),
    CareField("name", "受益人姓名", ("受益人",), limit=100),
    CareField("share", "受益比例", ("受益份额",), limit=8),
)  # fmt: skip
_SANITIZE = {"certno": masked, "psn_no": masked_if_id, "name": name_hint}
_KEY = ["order_no", "person_id", "name", "share_bp"]


@dataclass(frozen=True)
class BeneficiaryFile:
    source: Path
    frame: pl.DataFrame
    headers: dict[str, str]


def read_beneficiaries(path: Path) -> BeneficiaryFile:
    frame, headers, parsed, checks, given = _read(path, FIELDS, ("policy_no", "share"), person=False)
    who = [given[n] for n in ("psn_no", "certno", "name") if n in headers]
    first = next((n for n in ("psn_no", "certno", "name") if n in headers), "policy_no")
    checks = [c for c in checks if c[2] != "编号在文件中重复"]  # a policy has several beneficiaries
    checks.append((first, ~pl.any_horizontal(who) if who else pl.lit(True), "缺少受益人编号、证件号码或姓名",
                   "no beneficiary personnel number, ID number or name"))  # fmt: skip
    share = rate_bp(text_cell("share"))
    checks.append(("share", given["share"] & (share.is_null() | (share <= 0) | (share > BASIS_POINTS)),
                   "受益比例无效（应如 50% 或 50，大于 0 不超过 100）", "not a share like 50% or 50 (above 0, at most 100)"))  # fmt: skip
    parsed["share_bp"] = share
    parsed["order_no"] = parsed.get("order_no", pl.lit(None, pl.Int64)).fill_null(1)
    flags = frame.select(*(bad.fill_null(False).alias(f"_bad{i}") for i, (_, bad, _, _) in enumerate(checks)))
    problems = Problems()
    for i, (name, _, zh, en) in enumerate(checks):
        problems.add(frame.filter(flags[f"_bad{i}"]), headers.get(name, name), zh, en,
                     value=name if name in headers else None, sanitize=_SANITIZE.get(name))  # fmt: skip
    if error := problems.error(path.name):
        raise error
    text = {
        n: (pl.col(n) if n in headers else pl.lit(None, pl.String)).cast(pl.String)
        for n in ("psn_no", "certno", "name")
    }
    values = frame.with_columns(**parsed).select(
        "source_row", "policy_no", text["psn_no"].str.to_uppercase().alias("psn_no"),
        text["certno"].str.to_uppercase().alias("certno"), text["name"].fill_null("").alias("name"),
        pl.col("order_no").cast(pl.Int64), pl.col("share_bp").cast(pl.Int64),
    )  # fmt: skip
    return BeneficiaryFile(source=path, frame=values, headers=headers)


def import_beneficiaries(
    db: Database, path: str | Path, *, actor: str = "system", progress: Progress | None = None
) -> ImportSummary:
    """Import the beneficiaries of stored policies (policies and persons first)."""
    path = Path(path)

    def prepare(connection: sa.Connection, checked: BeneficiaryFile) -> BeneficiaryPlan | InvalidRows:
        problems = Problems()
        new = _plan(connection, checked, db, problems)
        if error := problems.error(path.name):
            return error
        return BeneficiaryPlan(new=new, rows=checked.frame.height)

    return run_import(db, kind="policy_beneficiaries", path=path, actor=actor, detail={},
                      validate=lambda: read_beneficiaries(path), prepare=prepare,
                      context="policy_beneficiaries", progress=progress)  # fmt: skip


def _plan(
    connection: sa.Connection, checked: BeneficiaryFile, db: Database, problems: Problems
) -> pl.DataFrame:
    frame, headers = checked.frame, checked.headers
    policies = select_by_keys(connection, sa.select(LifePolicy.policy_no, LifePolicy.id), LifePolicy.policy_no,
                              frame["policy_no"].unique().to_list(), {"policy_no": pl.String(), "policy_id": pl.Int64()})  # fmt: skip
    frame = frame.join(policies, on="policy_no", how="left")
    problems.add(frame.filter(pl.col("policy_id").is_null()), headers["policy_no"], "保单不存在，请先导入保单",
                 "policy not found: import the policies first", value="policy_no")  # fmt: skip
    named = frame.filter(pl.col("psn_no").is_not_null() | pl.col("certno").is_not_null())
    person_headers = {n: headers[n] for n in ("psn_no", "certno") if n in headers}
    if named.height:
        found = resolve_persons(connection, named.with_columns(person_id=pl.lit(None, pl.Int64)), person_headers,
                                db.protector, problems)  # fmt: skip
        frame = frame.join(found.select("source_row", "person_id"), on="source_row", how="left")
    else:
        frame = frame.with_columns(person_id=pl.lit(None, pl.Int64))
    frame = frame.with_columns(
        name=pl.when(pl.col("person_id").is_not_null()).then(pl.lit("")).otherwise("name")
    )
    totals = frame.group_by("policy_no", "order_no").agg(total=pl.col("share_bp").sum())
    off = frame.join(
        totals.filter(pl.col("total") != BASIS_POINTS), on=["policy_no", "order_no"]
    ).with_columns(
        _pct=pl.format(
            "{}.{}%", pl.col("share_bp") // 100, (pl.col("share_bp") % 100).cast(pl.String).str.zfill(2)
        )
    )
    problems.add(off, headers["share"], "同一保单同一顺序受益人的受益比例合计应为 100%",
                 "the shares of one policy and order must add up to 100%", value="_pct")  # fmt: skip
    frame = frame.filter(pl.col("policy_id").is_not_null())
    stored = select_by_keys(
        connection,
        sa.select(PolicyBeneficiary.policy_id, PolicyBeneficiary.order_no, PolicyBeneficiary.person_id,
                  PolicyBeneficiary.name, PolicyBeneficiary.share_bp),
        PolicyBeneficiary.policy_id, frame["policy_id"].unique().to_list(),
        {"policy_id": pl.Int64(), "order_no": pl.Int64(), "person_id": pl.Int64(), "name": pl.String(),
         "share_bp": pl.Int64()},
    )  # fmt: skip
    given = frame.group_by("policy_id").agg(_set=pl.struct(_KEY).sort())
    kept = stored.group_by("policy_id").agg(_kept=pl.struct(_KEY).sort())
    compared = given.join(kept, on="policy_id", how="left")
    differs = compared.filter(pl.col("_kept").is_not_null() & (pl.col("_kept") != pl.col("_set")))
    problems.add(frame.join(differs.select("policy_id"), on="policy_id"), headers["policy_no"],
                 "该保单已有不同的受益人（变更受益人须办理保全）",
                 "the policy has other beneficiaries stored (changing them is a servicing request)", value="policy_no")  # fmt: skip
    return frame.join(kept.select("policy_id"), on="policy_id", how="anti")


@dataclass
class BeneficiaryPlan:
    new: pl.DataFrame
    rows: int

    def __post_init__(self) -> None:
        self.inserted = self.new.height
        self.unchanged = self.rows - self.inserted
        self.writes = self.inserted

    def write(self, connection: sa.Connection, import_id: int, on_rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
        frame = self.new.select(
            "policy_id", "person_id", "name", "order_no", "share_bp", created_at=pl.lit(utc_now())
        )
        table: sa.Table = PolicyBeneficiary.__table__  # type: ignore[assignment]
        return {table.name: bulk_insert(connection, table, frame, on_rows=on_rows)}
