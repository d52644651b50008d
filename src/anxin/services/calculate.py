"""The stateless calculator: a settlement file and a program in, every payout and its reasons out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anxin.domain.critical_illness import resolve_schedule
from anxin.domain.errors import InvalidInput
from anxin.domain.explanation import Explanation, band_lines
from anxin.domain.programs import Program, ProgramKind, require_kind
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine.critical_illness import accumulate, evaluate
from anxin.services.result_columns import result_frame
from anxin.services.settlement_files import SettlementFile, read_settlements
from anxin.store.tabular import write_table


@dataclass(frozen=True)
class CalculationSummary:
    settlements: int
    persons: int
    claimants: int
    base_fen: int
    paid_fen: int
    bureau_compared: bool
    bureau_differences: int
    bureau_difference_fen: int
    output: Path | None = None


def adjudicate(settlements: SettlementFile, program: Program) -> pl.DataFrame:
    """Kernel results for a validated file, back in the file's row order."""
    require_kind(program, ProgramKind.CRITICAL_ILLNESS)
    results = evaluate(accumulate(settlements.frame, program.program_year), program)
    return results.sort("source_row")


def summarize(results: pl.DataFrame, *, bureau: bool, output: Path | None = None) -> CalculationSummary:
    totals = results.select(
        settlements=pl.len(),
        persons=pl.col("person_id").n_unique(),
        claimants=pl.col("person_id").filter(pl.col("payout_fen") != 0).n_unique(),
        base=pl.col("base_fen").sum(),
        paid=pl.col("payout_fen").sum(),
    ).row(0, named=True)
    differences, difference_fen = 0, 0
    if bureau:
        gap = results.select(
            n=(pl.col("hifmi_pay") != pl.col("payout_fen")).sum(),
            fen=(pl.col("hifmi_pay") - pl.col("payout_fen")).sum(),
        ).row(0)
        differences, difference_fen = int(gap[0] or 0), int(gap[1] or 0)
    return CalculationSummary(
        settlements=totals["settlements"],
        persons=totals["persons"],
        claimants=totals["claimants"],
        base_fen=int(totals["base"] or 0),
        paid_fen=int(totals["paid"] or 0),
        bureau_compared=bureau,
        bureau_differences=differences,
        bureau_difference_fen=difference_fen,
        output=output,
    )


def calculate_file(
    program: Program, settlements_path: str | Path, out_path: str | Path, *, headers: str = "en"
) -> CalculationSummary:
    """Compute every settlement of a file and write one row per settlement to ``out_path``.

    The output appears whole or not at all; a bad input row stops everything before any writing.
    """
    settlements = read_settlements(settlements_path)
    results = adjudicate(settlements, program)
    out = write_table(result_frame(results, program, settlements, headers=headers), out_path)
    return summarize(results, bureau=settlements.has_bureau_payout, output=out)


def explanation_of(row: dict[str, object], program: Program) -> Explanation:
    """The line-by-line explanation of one kernel result row."""
    version = program.version_named(str(row["version"]))
    tilt = VulnerableGroup(row["tilt"]) if row["tilt"] else None
    schedule = resolve_schedule(version.parameters, tilt)
    amounts = [int(row[f"band_{k + 1}_fen"]) for k in range(len(schedule.bands))]  # type: ignore[call-overload]
    bureau = row.get("hifmi_pay")
    return Explanation(
        settlement_id=str(row["settlement_id"]),
        program_code=program.code,
        program_name_zh=program.name_zh,
        program_name_en=program.name_en,
        version=version.version,
        parameter_hash=str(row["param_hash"]),
        program_year=int(row["program_year"]),  # type: ignore[call-overload]
        counts_by=program.program_year.counts_by,
        counts_on=row["counts_on"],  # type: ignore[arg-type]
        base=int(row["base_fen"]),  # type: ignore[call-overload]
        ytd_before=int(row["ytd_before_fen"]),  # type: ignore[call-overload]
        ytd_after=int(row["ytd_after_fen"]),  # type: ignore[call-overload]
        deductible=int(row["deductible_fen"]),  # type: ignore[call-overload]
        deductible_applied=int(row["deductible_applied_fen"]),  # type: ignore[call-overload]
        bands=band_lines(schedule, amounts),
        gross_e4=int(row["gross_e4"]),  # type: ignore[call-overload]
        cap=None if row["cap_fen"] is None else int(row["cap_fen"]),  # type: ignore[call-overload]
        cap_cut=int(row["cap_cut_fen"]),  # type: ignore[call-overload]
        payout=int(row["payout_fen"]),  # type: ignore[call-overload]
        tilt=tilt,
        bureau_payout=None if bureau is None else int(bureau),  # type: ignore[call-overload]
    )


def explain_settlement(program: Program, settlements_path: str | Path, settlement_id: str) -> Explanation:
    """Explain one settlement of a file: its person's year is computed, then the line is explained."""
    require_kind(program, ProgramKind.CRITICAL_ILLNESS)
    settlements = read_settlements(settlements_path)
    frame = settlements.frame
    match = frame.filter(pl.col("settlement_id") == settlement_id)
    if match.height == 0:
        raise InvalidInput(
            f"文件中没有结算ID {settlement_id}", f"no settlement {settlement_id} in {settlements.source.name}"
        )
    person = match["person_id"][0]
    own = SettlementFile(
        source=settlements.source,
        frame=frame.filter(pl.col("person_id") == person),
        fields=settlements.fields,
        has_bureau_payout=settlements.has_bureau_payout,
    )
    results = adjudicate(own, program)
    row = results.filter(pl.col("settlement_id") == settlement_id).row(0, named=True)
    return explanation_of(row, program)
