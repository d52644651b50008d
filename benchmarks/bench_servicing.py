"""Benchmark of the daily servicing run (保全日批): the vectorized engine beside a per-policy loop.

Run from the repository root::

    .venv/bin/python benchmarks/bench_servicing.py --policies 10000000

It synthesizes (timed separately, not part of the run) a book of ``--policies`` life policies with
:func:`anxin.synth.life.life_book` (the two shipped products, loans on about 8 %, the shipped relief
campaign active for Henan regions when the day falls in its window), then times, in one process:

* ``engine``   :func:`anxin.engine.servicing.run_day` over the whole book, for ``--days`` consecutive
               days (each day's output is the next day's input): the whole daily run;
* ``loop``     the tests' per-policy reference (``tests/reference_servicing.py``: plain Python, one
               policy at a time) on the first ``--sample`` policies, for the same days.

It checks that the engine's rows equal the loop's on every sampled policy (policies, loans, events),
prints seconds, policies per second and the ratio (loop seconds per policy ÷ engine seconds per
policy), the peak resident memory, and optionally writes JSON.
"""

from __future__ import annotations

# isort: off
import anxin  # noqa: F401  (first: it sets Polars' allocator up before Polars loads)
# isort: on

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' independent reference

from tests.reference_servicing import run_day_reference  # noqa: E402

from anxin.engine.servicing import run_day  # noqa: E402
from anxin.store.life_files import shipped_campaigns, shipped_products  # noqa: E402
from anxin.synth.life import life_book  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policies", type=int, default=10_000_000)
    parser.add_argument("--sample", type=int, default=50_000, help="policies run through the per-policy loop")
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2021, 8, 1))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    products = shipped_products()
    campaigns = list(shipped_campaigns().values())
    started = time.perf_counter()
    policies, loans = life_book(
        args.policies, seed=args.seed, as_of=args.day, products=list(products.values())
    )
    synth_seconds = time.perf_counter() - started
    sample_n = min(args.sample, policies.height)
    sample_ids = policies.get_column("policy_id").head(sample_n)
    ref_policies = policies.head(sample_n).to_dicts()
    ref_loans = loans.filter(pl.col("policy_id").is_in(sample_ids.implode())).to_dicts()
    print(f"book: {policies.height:,} policies, {loans.height:,} loans, synthesized in {synth_seconds:.1f} s")

    engine_seconds, loop_seconds, events_total = [], [], 0
    engine_cpu: list[float] = []
    loop_cpu: list[float] = []
    day = args.day
    for _ in range(args.days):
        started, cpu = time.perf_counter(), time.process_time()
        policies, loans, events = run_day(policies, loans, products.values(), campaigns, day)
        engine_seconds.append(time.perf_counter() - started)
        engine_cpu.append(time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        ref_policies, ref_loans, ref_events = run_day_reference(
            ref_policies, ref_loans, products, campaigns, day
        )
        loop_seconds.append(time.perf_counter() - started)
        loop_cpu.append(time.process_time() - cpu)
        events_total += events.height
        _check(policies, loans, events, sample_ids, ref_policies, ref_loans, ref_events)
        print(
            f"{day}: engine {engine_seconds[-1]:.2f} s (CPU {engine_cpu[-1]:.2f} s) for {policies.height:,} "
            f"policies ({events.height:,} event rows); loop {loop_seconds[-1]:.2f} s (CPU {loop_cpu[-1]:.2f} s) "
            f"for {sample_n:,}"
        )
        day += dt.timedelta(days=1)

    engine_per = sum(engine_seconds) / (args.days * policies.height)
    loop_per = sum(loop_seconds) / (args.days * sample_n)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "policies": policies.height,
        "days": args.days,
        "engine_seconds_per_day": engine_seconds,
        "engine_policies_per_second": 1 / engine_per,
        "engine_cpu_seconds_per_day": engine_cpu,
        "loop_cpu_seconds_per_day": loop_cpu,
        "ratio_cpu": (sum(loop_cpu) / sample_n) / (sum(engine_cpu) / policies.height),
        "load_average": os.getloadavg(),
        "loop_sample": sample_n,
        "loop_seconds_per_day": loop_seconds,
        "loop_policies_per_second": 1 / loop_per,
        "ratio": loop_per / engine_per,
        "loop_estimate_seconds_per_day": loop_per * policies.height,
        "event_rows": events_total,
        "peak_rss_mb": round(peak_mb),
        "synth_seconds": synth_seconds,
        "machine": f"{platform.processor() or platform.machine()}, polars {pl.__version__}, "
        f"threads {pl.thread_pool_size()}",
    }
    print(
        f"engine: {max(engine_seconds):.2f} s per day at worst ({1 / engine_per:,.0f} policies/s); "
        f"loop: {1 / loop_per:,.0f} policies/s (≈ {loop_per * policies.height:,.0f} s for the book); "
        f"ratio {loop_per / engine_per:,.0f}× (by CPU time {figures['ratio_cpu']:,.0f}×); sample agrees; "
        f"peak RSS {peak_mb:,.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


def _check(policies, loans, events, sample_ids, ref_policies, ref_loans, ref_events) -> None:
    """The engine's rows of the sampled policies equal the loop's."""
    ids = sample_ids.implode()
    mine = policies.filter(pl.col("policy_id").is_in(ids)).to_dicts()
    assert mine == ref_policies, "policies differ"
    mine_loans = loans.filter(pl.col("policy_id").is_in(ids)).sort("policy_id").to_dicts()
    assert mine_loans == sorted(ref_loans, key=lambda r: r["policy_id"]), "loans differ"
    assert events.filter(pl.col("policy_id").is_in(ids)).to_dicts() == ref_events, "events differ"


if __name__ == "__main__":
    main()
