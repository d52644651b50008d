"""The supplementary medical (特惠保险) kernel: the critical-illness kernel fed with what remains.

Input columns: the critical-illness kernel's (:data:`anxin.engine.critical_illness.REQUIRED`), where
``base_fen`` is the in-scope cost owed after basic insurance and ``vulnerable_group`` is the group
the person is registered in on the settlement's date (the first the program covers, or null), plus

============================  ============  ==================================================
``ci_payout_fen``             int64         what the critical-illness program named in ``after``
                                            is due for this settlement (the sum of its lines)
============================  ============  ==================================================

:func:`supplementary_input` replaces ``base_fen`` by ``owed − ci_payout`` for settlements whose
group the version in force covers and by 0 for the others (kept as ``inscope_owed_fen``, with
``eligible``); the critical-illness :func:`~anxin.engine.critical_illness.accumulate` and
:func:`~anxin.engine.critical_illness.evaluate` then do the rest, with each group's schedule
(:func:`anxin.domain.supplementary_medical.resolve_supplementary_schedule`). Output: the
critical-illness kernel's columns (``tilt`` is the group whose terms applied) plus
``inscope_owed_fen``, ``ci_payout_fen`` and ``eligible``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pyarrow as pa

from anxin.domain.errors import InvalidInput
from anxin.domain.programs import Program, ProgramKind, require_kind
from anxin.domain.programs.supplementary_medical import SupplementaryMedicalParameters
from anxin.engine.critical_illness import REQUIRED, accumulate, as_frame, evaluate, with_program_year
from anxin.engine.schedules import GROUP_INDEX, GROUPS

_EPOCH = dt.date(1970, 1, 1)


def _covered_matrix(program: Program) -> tuple[np.ndarray, np.ndarray]:
    """Each version's first day (days since 1970) and which group indices it covers."""
    starts = np.array([(v.effective_from - _EPOCH).days for v in program.versions], dtype=np.int64)
    covered = np.zeros((len(program.versions), len(GROUPS)), dtype=bool)
    for row, version in enumerate(program.versions):
        parameters = version.parameters
        assert isinstance(parameters, SupplementaryMedicalParameters)
        for group in parameters.groups:
            covered[row, GROUP_INDEX[group.value]] = True
    return starts, covered


def supplementary_input(table: pa.Table | pl.DataFrame, program: Program) -> pl.DataFrame:
    """Settlements with the supplementary base in ``base_fen`` (see the module's description)."""
    require_kind(program, ProgramKind.SUPPLEMENTARY_MEDICAL)
    frame = as_frame(table)
    if "ci_payout_fen" not in frame.columns:
        raise InvalidInput("计算内核缺少列：ci_payout_fen", "kernel input lacks columns: ci_payout_fen")
    frame = with_program_year(
        frame.with_columns(pl.col("ci_payout_fen").cast(pl.Int64)), program.program_year
    )
    index = frame["vulnerable_group"].replace_strict(GROUP_INDEX, default=None, return_dtype=pl.Int64)
    unknown = index.is_null() & frame["vulnerable_group"].is_not_null()
    if unknown.any():
        bad = frame.filter(unknown)["vulnerable_group"].unique().head(5).to_list()
        raise InvalidInput(f"不认识的困难人员类别：{bad}", f"unknown vulnerable group codes: {bad}")
    starts, covered = _covered_matrix(program)
    days = frame["counts_on"].cast(pl.Int32).to_numpy().astype(np.int64)
    version = np.searchsorted(starts, days, side="right") - 1
    group = index.fill_null(0).to_numpy()
    eligible = (version >= 0) & covered[np.clip(version, 0, None), group]
    eligible &= group > 0
    owed = pl.col("inscope_owed_fen")
    return (
        frame.drop("counts_on", "program_year")
        .rename({"base_fen": "inscope_owed_fen"})
        .with_columns(eligible=pl.Series(eligible))
        .with_columns(
            base_fen=pl.when("eligible").then(owed - pl.col("ci_payout_fen")).otherwise(0).cast(pl.Int64),
            vulnerable_group=pl.when("eligible").then(pl.col("vulnerable_group")),
        )
    )


def evaluate_supplementary(table: pa.Table | pl.DataFrame, program: Program) -> pl.DataFrame:
    """Payouts and their explanation columns, in kernel order (person, year, time, id)."""
    frame = supplementary_input(table, program)
    return evaluate(accumulate(frame, program.program_year), program)


def compute(table: pa.Table | pl.DataFrame, program: Program) -> pa.Table:
    """The kernel contract in one call: Arrow table of whole persons in, Arrow table out."""
    return evaluate_supplementary(table, program).to_arrow()


def compute_one(
    settlement: dict[str, object], program: Program, *, opening_ytd_fen: int = 0
) -> dict[str, object]:
    """One settlement, carrying the person's stored supplementary year-to-date: a batch of one."""
    schema = {**REQUIRED, "ci_payout_fen": pl.Int64, "opening_ytd_fen": pl.Int64}
    row = {name: [settlement.get(name)] for name in schema}
    row["opening_ytd_fen"] = [opening_ytd_fen]
    row["ci_payout_fen"] = [settlement.get("ci_payout_fen", 0)]
    return evaluate_supplementary(pl.DataFrame(row, schema=schema), program).row(0, named=True)
