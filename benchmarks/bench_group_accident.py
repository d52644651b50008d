"""Benchmark of the group accident & health kernel: a year of accident claims of an elderly population.

Run from the repository root::

    .venv/bin/python benchmarks/bench_group_accident.py --insured 10000000

It synthesizes (not timed) one policy year of 银龄安康 claims — ``--claim-rate`` of the insured
claim, each claimant with one accident (a tenth with two): accident medical always, a hospital
allowance for most, a disability assessment for some, a death for a few — and then times, in one
process:

* ``engine``     :func:`anxin.engine.group_accident.compute` on the whole table (Arrow in, Arrow out,
                 every explanation column), ``--repeat`` times;
* ``per-row``    the domain rule :func:`anxin.domain.group_accident.assess`, one claim at a time in
                 (person, year, due date, claim) order with the person-year's accumulators in a dict,
                 on a sample of whole person-years (``--sample`` claimants);
* ``reference``  the tests' independent reference (``tests/reference_group_cover.py``, exact
                 fractions) on the same sample.

It checks that all three pay the same on every sampled claim (the reference: with the same reason),
prints seconds, claims per second and the ratios (per-row seconds per claim ÷ engine seconds per
claim), and optionally writes JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from anxin.domain.group_accident import Claim, ClaimType, PersonYear, assess
from anxin.engine import group_accident as kernel
from anxin.store.program_files import load_program

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' independent reference

from tests.reference_group_cover import pay_group_accident  # noqa: E402

DEFAULT_PROGRAM = REPO / "programs" / "qingdao-elderly-ga.toml"
COVER_FROM, COVER_TO = dt.date(2018, 12, 1), dt.date(2019, 11, 30)
EPOCH = dt.date(1970, 1, 1)


def synthesize(insured: int, claim_rate: float, seed: int) -> pa.Table:
    """A year of claims as the kernel's Arrow input. Vectorized, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    claimants = round(insured * claim_rate)
    ids = np.sort(rng.choice(insured, size=claimants, replace=False))
    # Ages at cover start 59–100 (a few 59: refused), skewed to the younger old.
    ages = np.minimum(59 + rng.exponential(11.0, claimants).astype(np.int64), 100)
    start = (COVER_FROM - EPOCH).days
    born = start - ages * 365 - rng.integers(0, 365, claimants)
    accidents = 1 + (rng.random(claimants) < 0.10)
    person = np.repeat(np.arange(claimants), accidents)
    n = len(person)
    accident = start + rng.integers(-5, 370, n)  # a few just outside the period of cover
    stay = np.where(rng.random(n) < 0.65, 1 + rng.geometric(1 / 12, n), 0)
    columns: dict[str, list[np.ndarray]] = {
        k: [] for k in ("person", "kind", "accident", "due", "adm", "dis", "exp")
    }
    grades: list[list[int]] = []

    def add(
        mask: np.ndarray,
        kind: str,
        due: np.ndarray,
        expense: np.ndarray | None = None,
        hospital: bool = False,
    ):
        count = int(mask.sum())
        columns["person"].append(person[mask])
        columns["kind"].append(np.full(count, kind, dtype=object))
        columns["accident"].append(accident[mask])
        columns["due"].append(due[mask])
        columns["adm"].append(accident[mask] if hospital else np.full(count, -1))
        columns["dis"].append(accident[mask] + stay[mask] if hospital else np.full(count, -1))
        columns["exp"].append(expense[mask] if expense is not None else np.zeros(count, dtype=np.int64))
        return count

    expense = np.round(rng.lognormal(np.log(150_000), 1.0, n)).astype(np.int64)  # median 1,500 yuan
    add(np.ones(n, dtype=bool), "accident_medical", accident + stay + rng.integers(0, 30, n), expense)
    add(stay > 0, "hospital_allowance", accident + stay, hospital=True)
    disabled = rng.random(n) < 0.05
    count = add(disabled, "disability", accident + rng.integers(60, 200, n))
    for _ in range(count):
        injuries = 1 + int(rng.random() < 0.3) + int(rng.random() < 0.1)
        worst = int(
            rng.choice(
                [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], p=[0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01]
            )
        )
        grades.append([worst] + [int(rng.integers(worst, 11)) for _ in range(injuries - 1)])
    died = rng.random(n) < 0.012
    add(died, "death", accident + rng.integers(0, 200, n))
    persons = np.concatenate(columns["person"])
    kinds = np.concatenate(columns["kind"])
    all_grades: list[list[int]] = [[] for _ in range(len(persons))]
    offset = sum(len(a) for a in columns["person"][:2])
    for i, g in enumerate(grades):
        all_grades[offset + i] = g

    def dates(days: np.ndarray) -> pa.Array:
        return pa.array(days.astype("int32"), pa.date32())

    def nullable(days: np.ndarray) -> pa.Array:
        return pa.array(days.astype("int32"), pa.date32(), mask=days < 0)

    return pa.table(
        {
            "person_id": pa.array([f"P{ids[p]:09d}" for p in persons]),
            "claim_id": pa.array([f"C{i:09d}" for i in range(len(persons))]),
            "policy_year": pa.array(np.full(len(persons), 2018, dtype=np.int32)),
            "cover_from": pa.array(np.full(len(persons), start, dtype=np.int32), pa.date32()),
            "cover_to": pa.array(np.full(len(persons), (COVER_TO - EPOCH).days, dtype=np.int32), pa.date32()),
            "born_on": dates(born[persons]),
            "claim_type": pa.array(kinds.astype(str)),
            "due_on": dates(np.concatenate(columns["due"])),
            "accident_on": dates(np.concatenate(columns["accident"])),
            "admitted_on": nullable(np.concatenate(columns["adm"])),
            "discharged_on": nullable(np.concatenate(columns["dis"])),
            "grades": pa.array(all_grades, pa.list_(pa.int8())),
            "expense_fen": pa.array(np.concatenate(columns["exp"])),
        }
    )


def per_row(rows: list[dict[str, Any]], program) -> dict[str, int]:
    """A row-at-a-time system: each claim in order, the person-year's accumulators in a dict."""
    states: dict[tuple[str, int], PersonYear] = {}
    paid = {}
    for row in rows:
        key = (row["person_id"], row["policy_year"])
        claim = Claim(
            row["claim_id"], ClaimType(row["claim_type"]), row["born_on"], row["cover_from"], row["cover_to"],
            row["due_on"], False, True, row["accident_on"], row["admitted_on"], row["discharged_on"],
            tuple(row["grades"]), row["expense_fen"],
        )  # fmt: skip
        parameters = program.version_on(row["cover_from"]).parameters
        result, states[key] = assess(parameters, claim, states.get(key, PersonYear()))
        paid[row["claim_id"]] = result.payout_fen
    return paid


def timed(function, *args) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - started, value


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--insured", type=int, default=1_000_000, help="insured persons (default 1,000,000)")
    parser.add_argument(
        "--claim-rate", type=float, default=0.015, help="share of the insured who claim (0.015)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed engine runs (best and median reported)")
    parser.add_argument("--sample", type=int, default=20_000, help="claimants computed by the per-row rule")
    parser.add_argument("--program", type=Path, default=DEFAULT_PROGRAM)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    command = shlex.join([".venv/bin/python", "benchmarks/bench_group_accident.py", *(argv or sys.argv[1:])])
    program = load_program(args.program)

    seconds, table = timed(synthesize, args.insured, args.claim_rate, args.seed)
    claimants = pc.count_distinct(table["person_id"]).as_py()
    print(f"synthesized {table.num_rows:,} claim lines of {claimants:,} claimants among {args.insured:,} insured "
          f"in {seconds:.1f} s (not timed)")  # fmt: skip
    kernel.compute(table.slice(0, 1000), program)  # warm-up: imports, first-use compilation
    runs = []
    result = None
    for round_ in range(args.repeat):
        elapsed, result = timed(kernel.compute, table, program)
        runs.append(elapsed)
        print(f"  engine run {round_ + 1}: {elapsed:.3f} s", flush=True)
    assert result is not None
    out = pl.from_arrow(result)

    sample_people = set(out["person_id"].unique(maintain_order=True).head(args.sample).to_list())
    sample = (
        pl.from_arrow(table)
        .filter(pl.col("person_id").is_in(list(sample_people)))
        .sort(kernel.ORDER)
        .to_dicts()
    )
    reference_seconds, reference = timed(per_row, sample, program)
    print(f"  per-row rule on {len(sample):,} claims: {reference_seconds:.3f} s", flush=True)
    independent_seconds, independent = timed(
        pay_group_accident, lambda row: program.version_on(row["cover_from"]).parameters, sample
    )
    print(f"  independent reference on {len(sample):,} claims: {independent_seconds:.3f} s", flush=True)
    engine_paid = dict(zip(out["claim_id"].to_list(), out["payout_fen"].to_list(), strict=True))
    engine_reason = dict(zip(out["claim_id"].to_list(), out["reason"].to_list(), strict=True))
    mismatched = [cid for cid, fen in reference.items() if engine_paid[cid] != fen]
    mismatched += [
        cid for cid, (fen, why) in independent.items() if (engine_paid[cid], engine_reason[cid]) != (fen, why)
    ]

    best, median = min(runs), statistics.median(runs)
    per_claim_engine = best / table.num_rows
    per_claim_reference = reference_seconds / max(len(sample), 1)
    figures = {
        "command": command,
        "machine": f"{platform.machine()} {platform.python_version()} polars {pl.__version__}",
        "program": program.code,
        "insured": args.insured,
        "claim_rate": args.claim_rate,
        "claimants": claimants,
        "claim_lines": table.num_rows,
        "engine_best_s": round(best, 4),
        "engine_median_s": round(median, 4),
        "engine_claims_per_s": round(table.num_rows / best),
        "per_row_claims": len(sample),
        "per_row_s": round(reference_seconds, 4),
        "per_row_claims_per_s": round(len(sample) / reference_seconds) if reference_seconds else None,
        "per_row_extrapolated_s": round(per_claim_reference * table.num_rows, 2),
        "ratio_per_row_to_engine": round(per_claim_reference / per_claim_engine, 1),
        "reference_s": round(independent_seconds, 4),
        "ratio_reference_to_engine": round(independent_seconds / max(len(sample), 1) / per_claim_engine, 1),
        "paid_total_fen": int(out["payout_fen"].sum()),
        "reasons": dict(out.group_by("reason").len().sort("reason").iter_rows()),
        "mismatched": len(mismatched),
    }
    print()
    print(f"command: {command}")
    print(f"{figures['claim_lines']:,} claim lines · engine best {best:.3f} s, median {median:.3f} s "
          f"({figures['engine_claims_per_s']:,} claims/s)")  # fmt: skip
    print(f"per-row rule: {figures['per_row_claims_per_s']:,} claims/s; the whole table one at a time would take "
          f"≈ {figures['per_row_extrapolated_s']:,} s")  # fmt: skip
    print(f"ratio per-row / engine (per claim): {figures['ratio_per_row_to_engine']}× "
          f"(independent reference: {figures['ratio_reference_to_engine']}×)")  # fmt: skip
    print(f"paid {figures['paid_total_fen'] / 100:,.2f} yuan; reasons {figures['reasons']}")
    print(
        f"agreement: {len(mismatched)} differences on {len(sample):,} sampled claims (domain rule and reference)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    if mismatched:
        print(f"DISAGREEMENT on {len(mismatched)} claims, e.g. {mismatched[:5]}")
        sys.exit(1)
    return figures


if __name__ == "__main__":
    main()
