"""Benchmark of the critical-illness kernel on a synthetic province.

Run from the repository root::

    .venv/bin/python benchmarks/bench_critical_illness.py --persons 1000000

It generates (or reuses) a synthetic province with :func:`anxin.synth.write_province_chunked`, loads
its settlements as the kernel's Arrow input (not timed), then times, side by side in one process:

* ``engine``            :func:`anxin.engine.critical_illness.compute` on the file's own row order;
* ``engine_shuffled``   the same on the rows in random order (the sort then has real work to do);
* ``duckdb``            the same computation written as one DuckDB window-SQL query, result as Arrow;
* ``variants``          ``accumulate`` once and ``payouts`` for 10 parameter variants of the program;
* ``reference``         a plain-Python loop, one settlement at a time, with the domain rule.

It then checks that engine, DuckDB and the per-row reference pay the same to the fen on every
settlement, prints seconds and ratios, measures the engine's peak memory in a subprocess, and
optionally writes everything as JSON (``--json``). See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from anxin.domain.critical_illness import UNBOUNDED_FEN, resolve_schedule
from anxin.domain.programs import Program, YearBasis
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine import critical_illness as kernel
from anxin.store.program_files import load_program

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_DATA_DIR = HERE / ".data"
DEFAULT_PROGRAM = REPO / "programs" / "taian-ci.toml"
#: Schedule groups: "no registered group" first, then every group (the same set the kernel resolves).
GROUPS: tuple[VulnerableGroup | None, ...] = (None, *VulnerableGroup)
GIB = 1024**3

# ---------------------------------------------------------------------------------------------------
# Data: generate or reuse the synthetic province, load the kernel input (never timed)
# ---------------------------------------------------------------------------------------------------


def province_settlements(data_dir: Path, persons: int, seed: int, year: int) -> tuple[Path, float | None]:
    """The settlements Parquet file of the synthetic province, generated once and then reused.

    Returns the path and the generation time in seconds (``None`` when the cache was used).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    ignore = data_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# generated benchmark data, never committed\n*\n", encoding="utf-8")
    import anxin.synth
    from anxin.synth import write_province_chunked

    folder = data_dir / f"province-{persons}-seed{seed}-{year}"
    manifest = folder / "manifest.json"
    generator = generator_fingerprint(Path(anxin.synth.__file__).parent)
    if manifest.exists():
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        settlements = folder / recorded.get("paths", {}).get("settlements", "-")
        if recorded.get("generator") == generator and settlements.is_file():
            return settlements, None
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    paths = write_province_chunked(folder, persons=persons, seed=seed, year=year, fmt="parquet")
    elapsed = time.perf_counter() - started
    relative = {name: str(Path(path).resolve().relative_to(folder.resolve())) for name, path in paths.items()}
    recorded = {"generator": generator, "paths": relative}
    manifest.write_text(json.dumps(recorded, indent=2), encoding="utf-8")
    return folder / relative["settlements"], elapsed


def generator_fingerprint(package: Path) -> str:
    """A hash of the generator's source: cached data is regenerated when the generator changes."""
    digest = hashlib.sha256()
    for source in sorted(package.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def load_kernel_input(settlements: Path) -> pa.Table:
    """The settlement lines as the kernel's input columns, in the file's row order.

    ``base_fen`` is ``(inscp_scp_amt − hifp_pay) × 100`` computed in decimal and checked to be exact.
    """
    owed_x100 = (pl.col("inscp_scp_amt") - pl.col("hifp_pay")) * 100
    frame = (
        pl.scan_parquet(settlements)
        .select(
            person_id=pl.col("psn_no").cast(pl.String),
            settlement_id=pl.col("setl_id").cast(pl.String),
            admitted_on=pl.col("begndate").cast(pl.Date),
            discharged_on=pl.col("enddate").cast(pl.Date),
            settled_at=pl.col("setl_time").cast(pl.Datetime("us")),
            base_fen=owed_x100.cast(pl.Int64),
            vulnerable_group=pl.col("psn_idet_type").cast(pl.String),
            _owed_x100=owed_x100,
        )
        .collect()
    )
    inexact = frame.select((pl.col("base_fen").cast(pl.Decimal(38, 2)) != pl.col("_owed_x100")).sum()).item()
    if inexact:
        raise SystemExit(f"{inexact} settlements have an owed amount that is not a whole number of fen")
    return frame.drop("_owed_x100").to_arrow()


def shuffled(table: pa.Table, seed: int) -> pa.Table:
    order = np.random.default_rng(seed).permutation(table.num_rows)
    return table.take(pa.array(order))


# ---------------------------------------------------------------------------------------------------
# Contender 1: the engine, and the parameter variants
# ---------------------------------------------------------------------------------------------------


def with_deductible(program: Program, deductible_fen: int) -> Program:
    """``program`` with every version's ordinary deductible replaced (tilts still apply on top)."""
    versions = tuple(
        version.model_copy(
            update={"parameters": version.parameters.model_copy(update={"deductible": deductible_fen})}
        )
        for version in program.versions
    )
    return program.model_copy(update={"versions": versions})


def variants_of(program: Program, count: int) -> list[Program]:
    """``count`` variants: the ordinary deductible at 10,000 yuan, 11,000 yuan, … (one per 1,000)."""
    return [with_deductible(program, (10_000 + 1_000 * index) * 100) for index in range(count)]


def run_variants(table: pa.Table, variants: list[Program]) -> list[int]:
    """``accumulate`` once, ``payouts`` per variant (the what-if path); each reduced to its total."""
    accumulated = kernel.accumulate(table, variants[0].program_year)
    return [int(kernel.payouts(accumulated, variant).sum()) for variant in variants]


# ---------------------------------------------------------------------------------------------------
# Contender 2: DuckDB window SQL
# ---------------------------------------------------------------------------------------------------


def schedule_table(program: Program) -> tuple[pa.Table, int]:
    """Every (version, group) schedule as one row: validity dates, group key, deductible, cap, bands.

    Bands are spread into columns ``lo_k, hi_k, bp_k`` (padded with empty bands), so the benefit is a
    single arithmetic expression in SQL. Returns the table and the number of band columns.
    """
    rows: list[dict[str, Any]] = []
    for index, version in enumerate(program.versions):
        until = program.versions[index + 1].effective_from if index + 1 < len(program.versions) else None
        for group in GROUPS:
            schedule = resolve_schedule(version.parameters, group)
            rows.append(
                {
                    "version": version.version,
                    "param_hash": program.parameter_hash(version),
                    "effective_from": version.effective_from,
                    "effective_to": until or dt.date(9999, 12, 31),
                    "group_key": group.value if group else "",
                    "tilt": schedule.tilt.value if schedule.tilt else None,
                    "deductible": schedule.deductible,
                    "cap": schedule.cap,
                    "has_cap": schedule.cap < UNBOUNDED_FEN,
                    "bands": schedule.bands,
                }
            )
    width = max(len(row["bands"]) for row in rows)
    for row in rows:
        bands = row.pop("bands")
        for k in range(width):
            band = bands[k] if k < len(bands) else None
            row[f"lo_{k}"] = band.lo if band else 0
            row[f"hi_{k}"] = band.hi if band else 0
            row[f"bp_{k}"] = band.ratio_bp if band else 0
    schema = pa.schema(
        [
            ("version", pa.string()),
            ("param_hash", pa.string()),
            ("effective_from", pa.date32()),
            ("effective_to", pa.date32()),
            ("group_key", pa.string()),
            ("tilt", pa.string()),
            ("deductible", pa.int64()),
            ("cap", pa.int64()),
            ("has_cap", pa.bool_()),
            *[(f"{edge}_{k}", pa.int64()) for k in range(width) for edge in ("lo", "hi", "bp")],
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema), width


def duckdb_query(program: Program, width: int, has_opening: bool) -> str:
    """One query: year attribution, window running sum, schedule join, band formula in BIGINT."""
    basis = program.program_year.counts_by
    counts_on = {
        YearBasis.ADMISSION: "admitted_on",
        YearBasis.DISCHARGE: "discharged_on",
        YearBasis.SETTLEMENT: "CAST(settled_at AS DATE)",
    }[basis]
    month, day = int(program.program_year.starts[:2]), int(program.program_year.starts[3:])
    program_year = (
        "CAST(year(counts_on) AS INTEGER)"
        if (month, day) == (1, 1)
        else f"CAST(year(counts_on) - CASE WHEN month(counts_on) < {month} OR "
        f"(month(counts_on) = {month} AND day(counts_on) < {day}) THEN 1 ELSE 0 END AS INTEGER)"
    )
    opening = "opening_ytd_fen + " if has_opening else ""

    def portion(k: int, ytd: str) -> str:
        return f"greatest(least({ytd}, hi_{k}) - lo_{k}, 0)"

    def gross(ytd: str) -> str:
        return " + ".join(f"bp_{k} * {portion(k, ytd)}" for k in range(width))

    def deducted(ytd: str) -> str:
        return f"greatest(least({ytd}, deductible), 0)"

    band_bp = ", ".join(f"bp_{k} AS band_{k + 1}_bp" for k in range(width))
    band_fen = ", ".join(
        f"{portion(k, 'ytd_after_fen')} - {portion(k, 'ytd_before_fen')} AS band_{k + 1}_fen"
        for k in range(width)
    )
    return f"""
WITH dated AS (
    SELECT *, {counts_on} AS counts_on FROM settlements
), yearly AS (
    SELECT *, {program_year} AS program_year FROM dated
), running AS (
    SELECT *,
        {opening}CAST(sum(base_fen) OVER (
            PARTITION BY person_id, program_year ORDER BY settled_at, settlement_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS BIGINT) AS ytd_after_fen
    FROM yearly
), scheduled AS (
    SELECT r.*, r.ytd_after_fen - r.base_fen AS ytd_before_fen, s.* EXCLUDE (effective_from, effective_to)
    FROM running r
    JOIN schedules s
      ON coalesce(r.vulnerable_group, '') = s.group_key
     AND r.counts_on >= s.effective_from AND r.counts_on < s.effective_to
), grossed AS (
    SELECT *,
        {gross("ytd_before_fen")} AS g_before,
        {gross("ytd_after_fen")} AS g_after
    FROM scheduled
), rounded AS (
    SELECT *, (g_before + 5000) // 10000 AS u_before, (g_after + 5000) // 10000 AS u_after FROM grossed
)
SELECT
    * EXCLUDE (group_key, deductible, cap, has_cap, g_before, g_after, u_before, u_after,
               {", ".join(f"lo_{k}, hi_{k}, bp_{k}" for k in range(width))}),
    deductible AS deductible_fen,
    CASE WHEN has_cap THEN cap END AS cap_fen,
    {band_bp},
    g_after - g_before AS gross_e4,
    {deducted("ytd_after_fen")} - {deducted("ytd_before_fen")} AS deductible_applied_fen,
    {band_fen},
    least(u_after, cap) - least(u_before, cap) AS payout_fen,
    (u_after - u_before) - (least(u_after, cap) - least(u_before, cap)) AS cap_cut_fen
FROM rounded
"""


class DuckDBContender:
    def __init__(self, table: pa.Table, program: Program) -> None:
        schedules, width = schedule_table(program)
        self.connection = duckdb.connect()
        self.connection.register("settlements", table)
        self.connection.register("schedules", schedules)
        self.query = duckdb_query(program, width, "opening_ytd_fen" in table.column_names)

    def run(self) -> pa.Table:
        return self.connection.sql(self.query).to_arrow_table()


# ---------------------------------------------------------------------------------------------------
# Contender 3: the per-row reference, one settlement at a time
# ---------------------------------------------------------------------------------------------------


def reference_rows(table: pa.Table, program: Program) -> dict[str, list[Any]]:
    """Python objects for the loop: the settlements in arrival order (settlement time, then id)."""
    order = pc.sort_indices(table, [("settled_at", "ascending"), ("settlement_id", "ascending")])
    arrived = table.take(order)
    basis = program.program_year.counts_by
    if basis is YearBasis.SETTLEMENT:
        counts_on = pc.cast(arrived["settled_at"], pa.date32())
    else:
        counts_on = arrived["admitted_on" if basis is YearBasis.ADMISSION else "discharged_on"]
    return {
        "settlement_id": arrived["settlement_id"].to_pylist(),
        "person_id": arrived["person_id"].to_pylist(),
        "counts_on": counts_on.to_pylist(),
        "base_fen": arrived["base_fen"].to_pylist(),
        "vulnerable_group": arrived["vulnerable_group"].to_pylist(),
    }


def reference_payouts(rows: dict[str, list[Any]], program: Program) -> list[int]:
    """What a row-at-a-time system does: keep each person-year's total, pay each settlement in turn."""
    year_of = program.program_year.year_of
    version_on = program.version_on
    schedules: dict[tuple[str, str | None], Any] = {}
    ytd: dict[tuple[str, int], int] = {}
    payouts: list[int] = []
    pay = payouts.append
    for person, day, base, group in zip(
        rows["person_id"], rows["counts_on"], rows["base_fen"], rows["vulnerable_group"], strict=True
    ):
        version = version_on(day)
        schedule = schedules.get((version.version, group))
        if schedule is None:
            schedule = resolve_schedule(version.parameters, VulnerableGroup(group) if group else None)
            schedules[(version.version, group)] = schedule
        key = (person, year_of(day))
        before = ytd.get(key, 0)
        pay(schedule.payout(before, base))
        ytd[key] = before + base
    return payouts


# ---------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------


def compare(
    engine: pa.Table, others: dict[str, pa.Table], every_shared_column: bool = False
) -> dict[str, Any]:
    """Join each of ``others`` to the engine result on settlement_id; count differing or missing rows.

    Compares ``payout_fen``, or with ``every_shared_column`` every column both tables have (inputs
    passed through, year, year-to-date, version, schedule and explanation columns).
    """
    left_all = pl.from_arrow(engine)
    assert isinstance(left_all, pl.DataFrame)
    report: dict[str, Any] = {
        "rows": left_all.height,
        "engine_duplicated_ids": left_all.height - left_all["settlement_id"].n_unique(),
        "engine_total_fen": int(left_all["payout_fen"].sum()),
    }
    for name, other in others.items():
        shared = [c for c in engine.column_names if c in other.column_names and c != "settlement_id"]
        columns = shared if every_shared_column else ["payout_fen"]
        left = left_all.select(["settlement_id", *columns])
        right = pl.from_arrow(other.select(["settlement_id", *columns]))
        assert isinstance(right, pl.DataFrame)
        right = right.cast({c: left.schema[c] for c in columns if right.schema[c] != left.schema[c]})
        duplicated = right.height - right["settlement_id"].n_unique()
        joined = left.join(right, on="settlement_id", how="full", suffix="_other", coalesce=True)
        missing = joined.filter(pl.col("payout_fen").is_null() | pl.col("payout_fen_other").is_null()).height
        differs = {
            column: int(joined.select(pl.col(column).ne_missing(pl.col(f"{column}_other")).sum()).item())
            for column in columns
        }
        bad = joined.filter(pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_other")) for c in columns))
        report[name] = {
            "rows": right.height,
            "columns_compared": columns,
            "duplicated_ids": duplicated,
            "missing_rows": missing,
            "mismatched_rows": bad.height,
            "mismatches_by_column": {column: count for column, count in differs.items() if count},
            "total_fen": int(right["payout_fen"].sum()),
            "examples": bad.head(5).to_dicts(),
        }
    return report


# ---------------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------------


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def summary(seconds: list[float]) -> dict[str, Any]:
    return {"best": min(seconds), "median": statistics.median(seconds), "runs": seconds}


def engine_breakdown(table: pa.Table, program: Program) -> dict[str, float]:
    """One compute split into its steps (best of nothing: called once per repeat by the caller)."""
    steps: dict[str, float] = {}
    seconds, frame = timed(lambda: kernel.as_frame(table))
    steps["as_frame (from_arrow, casts)"] = seconds
    year = program.program_year
    if hasattr(kernel, "_counts_on") and hasattr(kernel, "_program_year"):
        seconds, framed = timed(
            lambda: frame.with_columns(counts_on=kernel._counts_on(year.counts_by)).with_columns(
                program_year=kernel._program_year(year)
            )
        )
        steps["program year columns"] = seconds
        if hasattr(kernel, "ORDER"):
            seconds, _ = timed(lambda: framed.sort(kernel.ORDER))
            steps["sorting the rows (already in order)"] = seconds
        del framed
    seconds, accumulated = timed(lambda: kernel.accumulate(table, year))
    steps["accumulate (all of it)"] = seconds
    seconds, evaluated = timed(lambda: kernel.evaluate(accumulated, program))
    steps["evaluate"] = seconds
    seconds, _ = timed(lambda: kernel.payouts(accumulated, program))
    steps["payouts only (the variants' path)"] = seconds
    seconds, _ = timed(evaluated.to_arrow)
    steps["to_arrow"] = seconds
    return steps


# ---------------------------------------------------------------------------------------------------
# Peak memory, in a fresh process
# ---------------------------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    """A ``/proc/self/status`` figure in KiB (Linux), or ``None``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _peak_kib() -> int:
    """This process's peak resident set size in KiB.

    ``VmHWM`` belongs to the process image, so it starts afresh at ``exec``; ``ru_maxrss`` (the
    fallback off Linux) survives ``exec`` and would report the big parent's size in a child process.
    """
    peak = _status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def kernel_input_file(settlements: Path, table: pa.Table) -> Path:
    """The kernel input saved once beside the settlements, so memory probes read it as it is."""
    path = settlements.with_name("kernel-input.parquet")
    if not path.exists():
        pq.write_table(table, path)
    return path


def memory_probe(kernel_input: Path, program_path: Path, mode: str) -> None:
    """Subprocess entry: read the kernel input (and, in ``engine`` mode, run compute once); print JSON.

    The input is read straight into Arrow, so the process holds the table and nothing else the
    loading left behind: the figures are the engine's, not the loader's.
    """
    program = load_program(program_path)
    table = pq.read_table(kernel_input)
    gc.collect()
    result: dict[str, Any] = {
        "mode": mode,
        "rows": table.num_rows,
        "input_arrow_bytes": table.nbytes,
        "rss_after_load_kib": _status_kib("VmRSS"),
        "peak_after_load_kib": _peak_kib(),
    }
    if mode == "engine":
        reset = _reset_peak()
        output = kernel.compute(table, program)
        result["output_arrow_bytes"] = output.nbytes
        result["rss_after_compute_kib"] = _status_kib("VmRSS")
        result["peak_during_compute_kib"] = _peak_kib() if reset else None
        result["peak_process_kib"] = max(result["peak_after_load_kib"], _peak_kib())
    else:
        result["peak_process_kib"] = _peak_kib()
    print(json.dumps(result))


def measure_memory(settlements: Path, program_path: Path) -> dict[str, Any]:
    runs = {}
    for mode in ("baseline", "engine"):
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--memory-probe",
            mode,
            "--settlements",
            str(settlements),
            "--program",
            str(program_path),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    baseline, engine = runs["baseline"], runs["engine"]
    runs["engine_increment_kib"] = engine["peak_process_kib"] - baseline["peak_process_kib"]
    if engine.get("peak_during_compute_kib") is not None:
        runs["compute_above_loaded_kib"] = engine["peak_during_compute_kib"] - engine["rss_after_load_kib"]
    return runs


# ---------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------


def verdict(value: float, target: float, at_most: bool) -> str:
    ok = value <= target if at_most else value >= target
    return f"{'≤' if at_most else '≥'} {target:g}  {'ok' if ok else 'MISSED'}"


def gib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib * 1024 / GIB:6.2f} GiB"


def print_report(results: dict[str, Any]) -> None:
    data = results["data"]
    print()
    print(f"Synthetic province: {data['persons']:,} persons, {data['rows']:,} settlement lines, "
          f"{data['person_years']:,} person-years, seed {data['seed']}, year {data['year']}")  # fmt: skip
    print(f"Program: {results['program']}   machine: {results['machine']}")
    print()
    print(f"{'timing (s)':<44}{'best':>9}{'median':>9}  runs")
    for name, label in (
        ("engine", "a. engine compute (file order)"),
        ("engine_shuffled", "f. engine compute (rows shuffled)"),
        ("duckdb", "b. DuckDB window SQL → Arrow"),
        ("variants", f"d. {results['variant_count']} variants: accumulate + payouts×N"),
        ("reference_objects", "c. per-row: object building (not in loop)"),
        ("reference", "c. per-row: Python loop"),
    ):
        if name in results["timings"]:
            t = results["timings"][name]
            runs = " ".join(f"{s:.3f}" for s in t["runs"])
            print(f"{label:<44}{t['best']:>9.3f}{t['median']:>9.3f}  {runs}")
    print()
    print(f"{'engine steps (s, best of repeats)':<44}{'best':>9}")
    for step, seconds in results["breakdown"].items():
        print(f"  {step:<42}{seconds:>9.3f}")
    print()
    print(f"{'ratio (best / best; median / median)':<44}{'best':>9}{'median':>9}  target")
    for ratio in results["ratios"]:
        print(
            f"{ratio['name']:<44}{ratio['best']:>9.2f}{ratio['median']:>9.2f}  "
            f"{verdict(ratio['best'], ratio['target'], ratio['at_most']) if ratio['target'] else ''}"
        )
    memory = results.get("memory")
    if memory:
        base, engine = memory["baseline"], memory["engine"]
        print()
        print("peak memory (fresh subprocesses)")
        print(f"  baseline: load data only, peak RSS          {gib(base['peak_process_kib'])}")
        print(f"  engine: load + compute once, peak RSS       {gib(engine['peak_process_kib'])}"
              f"   {verdict(engine['peak_process_kib'] / 1024**2, 2.0, True)} (GiB)")  # fmt: skip
        increment = memory["engine_increment_kib"]
        print(f"  engine increment over baseline peak         {gib(increment)}"
              f"   {verdict(increment / 1024**2, 2.0, True)} (GiB)")  # fmt: skip
        if "compute_above_loaded_kib" in memory:
            print(f"  compute peak above RSS after loading        {gib(memory['compute_above_loaded_kib'])}")
        print(f"  input Arrow table {engine['input_arrow_bytes'] / GIB:.2f} GiB, "
              f"output Arrow table {engine['output_arrow_bytes'] / GIB:.2f} GiB")  # fmt: skip
    check = results["check"]
    print()
    print(f"agreement on {check['rows']:,} settlements, engine total {check['engine_total_fen']:,} fen")
    for name in ("duckdb", "reference", "engine_shuffled"):
        if name in check:
            c = check[name]
            equal = "equal" if c["total_fen"] == check["engine_total_fen"] else "DIFFERENT"
            compared = len(c["columns_compared"])
            print(f"  vs {name:<16} mismatched rows {c['mismatched_rows']:>8,}"
                  f"  missing {c['missing_rows']:>6,}  total {c['total_fen']:,} fen ({equal})"
                  f"  [{compared} column{'s' if compared > 1 else ''} compared]")  # fmt: skip
            for example in c["examples"]:
                print(f"      e.g. {example}")
    print("  variant payout totals (fen): " + ", ".join(f"{t:,}" for t in results["variant_totals_fen"]))


def ratio(name: str, top: dict[str, Any], bottom: dict[str, Any], target: float | None, at_most: bool):
    return {
        "name": name,
        "best": top["best"] / bottom["best"],
        "median": top["median"] / bottom["median"],
        "target": target,
        "at_most": at_most,
    }


# ---------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each fast contender (default 3)")
    parser.add_argument("--warmup", type=int, choices=(0, 1), default=1, help="one untimed run first")
    parser.add_argument("--reference-repeat", type=int, default=1, help="runs of the per-row loop")
    parser.add_argument("--variants", type=int, default=10)
    parser.add_argument("--skip-reference", action="store_true", help="leave out the per-row loop")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the memory subprocesses")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--program", type=Path, default=DEFAULT_PROGRAM)
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    parser.add_argument("--memory-probe", choices=("baseline", "engine"), help=argparse.SUPPRESS)
    parser.add_argument("--settlements", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.memory_probe:
        memory_probe(args.settlements, args.program, args.memory_probe)
        return {}

    program = load_program(args.program)
    settlements, generated = province_settlements(args.data_dir, args.persons, args.seed, args.year)
    origin = f"generated in {generated:.1f} s" if generated else "cached"
    print(f"settlements: {settlements} ({origin})")
    started = time.perf_counter()
    table = load_kernel_input(settlements)
    mixed = shuffled(table, args.seed)
    print(f"loaded {table.num_rows:,} lines in {time.perf_counter() - started:.1f} s (not timed)")
    variants = variants_of(program, args.variants)
    duck = DuckDBContender(table, program)

    contenders: dict[str, Callable[[], Any]] = {
        "engine": lambda: kernel.compute(table, program),
        "duckdb": duck.run,
        "engine_shuffled": lambda: kernel.compute(mixed, program),
        "variants": lambda: run_variants(table, variants),
    }
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    kept: dict[str, Any] = {}
    breakdowns: list[dict[str, float]] = []
    for name, action in contenders.items() if args.warmup else ():
        elapsed, _ = timed(action)  # first runs pay for page faults and allocator growth: not counted
        print(f"  warm-up {name:<16} {elapsed:8.3f} s (not counted)", flush=True)
    for round_ in range(args.repeat):  # round robin: noise on the shared machine hits everyone alike
        for name, action in contenders.items():
            elapsed, result = timed(action)
            seconds[name].append(elapsed)
            if round_ == 0:
                kept[name] = result
            del result
            print(f"  round {round_ + 1} {name:<16} {elapsed:8.3f} s", flush=True)
        breakdowns.append(engine_breakdown(table, program))

    timings = {name: summary(values) for name, values in seconds.items()}
    reference_result = None
    if not args.skip_reference:
        elapsed, rows = timed(lambda: reference_rows(table, program))
        timings["reference_objects"] = summary([elapsed])
        runs = []
        for _ in range(args.reference_repeat):
            elapsed, payouts = timed(lambda: reference_payouts(rows, program))
            runs.append(elapsed)
            print(f"  per-row reference {elapsed:8.3f} s", flush=True)
        timings["reference"] = summary(runs)
        reference_result = pa.table(
            {"settlement_id": rows["settlement_id"], "payout_fen": pa.array(payouts, pa.int64())}
        )
        del rows, payouts

    engine_out: pa.Table = kept["engine"]
    others = {"duckdb": kept["duckdb"], "engine_shuffled": kept["engine_shuffled"]}
    check = compare(engine_out, others, every_shared_column=True)
    if reference_result is not None:
        check["reference"] = compare(engine_out, {"reference": reference_result})["reference"]

    # The variant whose deductible is the program's own (in every version) must pay what compute paid.
    same_as_program = [
        total
        for variant, total in zip(variants, kept["variants"], strict=True)
        if variant.versions == program.versions
    ]
    person_years = pl.from_arrow(engine_out.select(["person_id", "program_year"])).n_unique()

    ratios = [
        ratio("engine / DuckDB", timings["engine"], timings["duckdb"], 1.0, True),
        ratio(f"{args.variants} variants / one compute", timings["variants"], timings["engine"], 2.0, True),
        ratio("shuffled / file order (engine)", timings["engine_shuffled"], timings["engine"], None, True),
    ]
    if "reference" in timings:
        engine, loop = timings["engine"], timings["reference"]
        objects = timings["reference_objects"]["best"]
        with_objects = {key: loop[key] + objects for key in ("best", "median")}
        ratios.insert(1, ratio("per-row loop / engine", loop, engine, 20.0, False))
        ratios.insert(2, ratio("(per-row loop + objects) / engine", with_objects, engine, None, False))

    results: dict[str, Any] = {
        "program": str(args.program.relative_to(REPO) if args.program.is_relative_to(REPO) else args.program),
        "machine": f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cpus, "
        f"polars {pl.__version__}, duckdb {duckdb.__version__}, pyarrow {pa.__version__}",
        "data": {
            "persons": args.persons,
            "seed": args.seed,
            "year": args.year,
            "rows": table.num_rows,
            "person_years": person_years,
            "settlements": str(settlements),
        },
        "timings": timings,
        "breakdown": {step: min(b[step] for b in breakdowns) for step in breakdowns[0]},
        "ratios": ratios,
        "variant_count": args.variants,
        "variant_deductibles_fen": [v.versions[-1].parameters.deductible for v in variants],
        "variant_totals_fen": kept["variants"],
        "check": check,
    }
    del kept, engine_out, others, reference_result, duck
    gc.collect()
    if not args.skip_memory:
        results["memory"] = measure_memory(kernel_input_file(settlements, table), args.program)
    print_report(results)

    failures = []
    if check["engine_duplicated_ids"]:
        failures.append(f"engine output repeats {check['engine_duplicated_ids']} settlement ids")
    for name in ("duckdb", "reference", "engine_shuffled"):
        if name in check and (
            check[name]["mismatched_rows"] or check[name]["missing_rows"] or check[name]["duplicated_ids"]
        ):
            failures.append(f"{name}: {check[name]['mismatched_rows']} mismatched rows")
        if name in check and check[name]["total_fen"] != check["engine_total_fen"]:
            failures.append(f"{name}: total differs")
    if same_as_program and any(total != check["engine_total_fen"] for total in same_as_program):
        failures.append("the variant with the program's own deductible does not pay the engine's total")
    results["failures"] = failures
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"\nresults written to {args.json}")
    if failures:
        print("\nDISAGREEMENT: " + "; ".join(failures))
        raise SystemExit(1)
    print("\nall payouts agree (engine = DuckDB = per-row reference = shuffled engine), to the fen")
    return results


if __name__ == "__main__":
    main()
