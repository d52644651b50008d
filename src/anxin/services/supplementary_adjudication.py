"""What a supplementary medical (特惠保险) run adds to an adjudication run.

The run itself is :func:`anxin.services.adjudication.adjudicate` (incremental or full, chunks of
persons, payout and adjustment lines, accumulators): here, before the kernel, each enrolled
settlement gets what the critical-illness program named in the program file is due for it (the sum
of that program's lines) and the group the person is registered in on the settlement's date. The
critical-illness run must have covered the settlements first: otherwise the run refuses, in both
languages, naming the program to run.
"""

from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import Conflict, InvalidInput
from anxin.domain.programs import Program, ProgramKind, require_kind
from anxin.domain.programs.supplementary_medical import SupplementaryMedicalProgram
from anxin.domain.supplementary_medical import SupplementaryExplanation, explanation_of
from anxin.engine.critical_illness import with_program_year
from anxin.engine.supplementary_medical import evaluate_supplementary
from anxin.services import adjudication_data as data
from anxin.store.database import Database
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, AdjudicationRun, Enrollment, Settlement

NOT_REGISTERED = "not_registered"
NOT_ENROLLED = "not_enrolled"


def critical_illness_not_run(ci_code: str, settlement_ids: list[str], count: int) -> Conflict:
    examples = ", ".join(settlement_ids[:5])
    return Conflict(
        f"大病保险项目 {ci_code} 尚未理算 {count} 笔结算（如 {examples}）：补充医疗保险在大病保险之后支付，"
        f"请先运行 anxin adjudicate --program {ci_code}",
        f"the critical-illness program {ci_code} has not adjudicated {count} settlements yet (e.g. {examples}): "
        f"supplementary cover pays after it, so run `anxin adjudicate --program {ci_code}` first",
        code="critical_illness_not_run",
    )


def require_critical_illness_run(connection: Connection, program: Program, year: int | None) -> None:
    """Refuse when settlements of persons enrolled in ``program`` (in ``year``, if given) have no
    line of the critical-illness program yet."""
    assert isinstance(program, SupplementaryMedicalProgram)
    require_kind(resolve_program(program.after), ProgramKind.CRITICAL_ILLNESS)
    persons = data.pending_person_ids(connection, program.after)
    if not persons:
        return
    pending = data.pending_settlements(connection, program.after, persons)
    rows = with_program_year(
        pending.with_columns(person_id=pl.col("person_key").cast(pl.String)), program.program_year
    )
    if year is not None:
        rows = rows.filter(pl.col("program_year") == year)
    enrolled = data.enrolled(connection, program.code, rows["person_key"].unique().to_list())
    missing = rows.join(enrolled, on=["person_key", "program_year"], how="semi").sort("row_id")
    if missing.height:
        raise critical_illness_not_run(program.after, missing["settlement_id"].to_list(), missing.height)


def enrolled_only(connection: Connection, program: Program, persons: list[int]) -> list[int]:
    """Of ``persons``, those ever enrolled in ``program``. A supplementary program covers a small
    registered part of the population: the rest get no line at all (not one refusal per settlement
    of the province). An enrolment recorded after a run reaches earlier settlements with ``--full``."""
    enrolled = set(
        connection.execute(
            sa.select(Enrollment.person_id).where(Enrollment.program_code == program.code).distinct()
        ).scalars()
    )
    return [person for person in persons if person in enrolled]


def ci_changed_person_ids(connection: Connection, program: Program) -> list[int]:
    """Persons whose critical-illness lines were adjusted after this program's last completed run
    of every year began (a correction, a full re-run with new parameters): their years are
    recomputed."""
    assert isinstance(program, SupplementaryMedicalProgram)
    last = connection.execute(
        sa.select(sa.func.max(AdjudicationRun.id)).where(
            AdjudicationRun.program_code == program.code,
            AdjudicationRun.status == "completed",
            AdjudicationRun.year.is_(None),  # a run of one year leaves the other years' changes
        )
    ).scalar()
    statement = (
        sa.select(Adjudication.person_id)
        .where(
            Adjudication.program_code == program.after,
            Adjudication.kind == "adjustment",
            Adjudication.run_id > int(last or 0),
        )
        .distinct()
    )
    return sorted(connection.execute(statement).scalars())


def registered_groups(rows: pl.DataFrame, statuses: pl.DataFrame, program: Program) -> pl.Series:
    """Per row, the group whose terms apply on ``status_on``: of the person's statuses valid that day
    (``valid_to`` inclusive, open when empty), the one listed first in the program (newest version's
    order first); null when the person holds none of the covered groups."""
    assert isinstance(program, SupplementaryMedicalProgram)
    order: list[str] = []
    for version in reversed(program.versions):
        order += [g.value for g in version.parameters.groups if g.value not in order]
    rank = {code: index for index, code in enumerate(order)}
    valid = (
        rows.select("row_id", "person_key", "status_on")
        .join(statuses, on="person_key", how="inner")
        .filter(
            (pl.col("valid_from") <= pl.col("status_on"))
            & (pl.col("valid_to").is_null() | (pl.col("status_on") <= pl.col("valid_to")))
        )
        .with_columns(rank=pl.col("group_code").replace_strict(rank, default=None, return_dtype=pl.Int32))
        .filter(pl.col("rank").is_not_null())
        .sort("row_id", "rank")
        .group_by("row_id", maintain_order=True)
        .agg(vulnerable_group=pl.col("group_code").first())
    )
    joined = rows.select("row_id").join(valid, on="row_id", how="left", maintain_order="left")
    return joined["vulnerable_group"]


def compute(
    connection: Connection, rows: pl.DataFrame, program: Program
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kernel results for enrolled rows (``not_registered`` where no covered group holds on the
    date); the others, unpaid, marked as not enrolled. The bureau's ``hifmi_pay`` is the
    critical-illness figure, so it is not compared here."""
    assert isinstance(program, SupplementaryMedicalProgram)
    covered = rows.filter("covered").drop("covered")
    persons = covered["person_key"].unique().sort().to_list()
    ci = data.recorded_due(connection, program.after, persons).select(
        "row_id", ci_payout_fen=pl.col("recorded_fen"), ci_lines=pl.col("lines")
    )
    covered = covered.join(ci, on="row_id", how="left", maintain_order="left")
    missing = covered.filter(pl.col("ci_lines").is_null())
    if missing.height:
        raise critical_illness_not_run(program.after, missing["settlement_id"].to_list(), missing.height)
    statuses = data.vulnerable_statuses(connection, persons)
    covered = covered.drop("ci_lines").with_columns(
        vulnerable_group=registered_groups(covered, statuses, program),
        hifmi_fen=pl.lit(None, pl.Int64),
    )
    result = evaluate_supplementary(covered, program).with_columns(
        status_reason=pl.when(pl.col("eligible"))
        .then(pl.lit(None, pl.String))
        .otherwise(pl.lit(NOT_REGISTERED))
    )
    outside = (
        rows.filter(~pl.col("covered"))
        .drop("covered")
        .with_columns(
            payout_fen=pl.lit(0, pl.Int64),
            status_reason=pl.lit(NOT_ENROLLED),
            hifmi_fen=pl.lit(None, pl.Int64),
        )
    )
    return result, outside


def explain_stored_supplementary(db: Database, program: Program, setl_id: str) -> SupplementaryExplanation:
    """The latest supplementary line of settlement ``setl_id``, explained line by line (with what
    the critical-illness program is due for the settlement now)."""
    assert isinstance(program, SupplementaryMedicalProgram)
    with db.session() as session:
        found = session.execute(
            sa.select(
                Adjudication, Settlement.id, Settlement.setl_time, Settlement.begndate, Settlement.enddate
            )
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(Settlement.setl_id == setl_id, Adjudication.program_code == program.code)
            .order_by(Adjudication.id.desc())
            .limit(1)
        ).first()
        if found is None or not found[0].version:
            raise InvalidInput(
                f"结算 {setl_id} 在 {program.code} 下没有理算结果",
                f"no result for {setl_id} under {program.code}",
            )
        ci_paid = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Adjudication.amount_fen), 0)).where(
                Adjudication.program_code == program.after, Adjudication.settlement_id == found.id
            )
        )
    line = found[0]
    one = pl.DataFrame(
        {
            "admitted_on": [found.begndate],
            "discharged_on": [found.enddate],
            "settled_at": [found.setl_time],
        }
    )
    counts_on = with_program_year(
        one.with_columns(
            person_id=pl.lit("-"),
            settlement_id=pl.lit(setl_id),
            base_fen=pl.lit(0, pl.Int64),
            vulnerable_group=pl.lit(None, pl.String),
        ),
        program.program_year,
    )["counts_on"][0]
    row: dict[str, object] = {
        "settlement_id": setl_id,
        "version": line.version,
        "param_hash": line.param_hash,
        "tilt": line.tilt,
        "program_year": line.program_year,
        "counts_on": counts_on,
        "inscope_owed_fen": line.base_fen + int(ci_paid or 0),
        "ci_payout_fen": int(ci_paid or 0),
        "base_fen": line.base_fen,
        "ytd_before_fen": line.ytd_before_fen,
        "ytd_after_fen": line.ytd_after_fen,
        "deductible_applied_fen": line.deductible_applied_fen,
        "gross_e4": line.gross_e4,
        "cap_fen": line.cap_fen,
        "cap_cut_fen": line.cap_cut_fen,
        "payout_fen": line.due_fen,
    }
    for k, (amount, _) in enumerate(json.loads(line.bands), start=1):
        row[f"band_{k}_fen"] = amount
    return explanation_of(program, row)
