"""Benchmark of the long-term care kernel: a month of care bills for a synthetic city.

Run from the repository root::

    .venv/bin/python benchmarks/bench_long_term_care.py --insured 2000000

It generates (not timed) the registers of ``--insured`` insured persons — enrolments for everyone,
disability assessments for those who receive care and a few more, care providers — and a month of
bills for the share of them in care (``--share``), then times in one process:

* ``registers``  checking and casting the registers once (:func:`anxin.engine.long_term_care.registers`);
* ``engine``     :func:`anxin.engine.long_term_care.compute` on the month's bills, Arrow in and out;
* ``per-row``    the independent row-at-a-time reference of the tests (``tests/reference_long_term_care.py``)
                 on a sample of persons' bills.

It checks that the engine and the per-row reference agree on every sampled bill (payout, paid days
and the days put down to each reason), prints seconds, microseconds per bill and the ratio, and
optionally writes everything as JSON (``--json``). See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import gc
import json
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the per-row reference lives with the tests

from tests.reference_long_term_care import reference  # noqa: E402

from anxin.engine.long_term_care import compute, registers  # noqa: E402
from anxin.store.program_files import load_program  # noqa: E402

DEFAULT_PROGRAM = REPO / "programs" / "shandong-city-ltc-resident.toml"
SERVICES = ["hospital_special_care", "institutional_care", "home_visit", "family_care"]
#: Share of bills by service, and the cost per day in yuan (low, high) of each.
SERVICE_SHARE = [0.08, 0.35, 0.22, 0.35]
COST_PER_DAY = {"hospital_special_care": (120, 260), "institutional_care": (50, 120), "home_visit": (30, 80)}
COMPARED = ["paid_days", "days_refused", "days_not_enrolled", "days_no_assessment", "days_expired",
            "days_level_ineligible", "days_over_month", "payout_fen"]  # fmt: skip


def _ids(prefix: str, numbers: np.ndarray) -> pl.Series:
    digits = pl.Series(numbers).cast(pl.String).str.zfill(8)
    return pl.select(pl.lit(prefix) + digits).to_series()


def generate(insured: int, share: float, month: dt.date, seed: int) -> dict[str, pl.DataFrame]:
    """A synthetic city: enrolments for everyone, assessments and a month of bills for those in care."""
    rng = np.random.default_rng(seed)
    length = calendar.monthrange(month.year, month.month)[1]
    epoch = (month - dt.date(1970, 1, 1)).days
    persons = _ids("P", np.arange(insured))
    # enrolments: almost everyone since 2020; a few join or leave during the month
    start = np.full(insured, (dt.date(2020, 1, 1) - dt.date(1970, 1, 1)).days)
    end = np.full(insured, -1)
    joins = rng.random(insured) < 0.003
    start[joins] = epoch + rng.integers(1, length, joins.sum())
    leaves = (rng.random(insured) < 0.002) & ~joins
    end[leaves] = epoch + rng.integers(0, length - 1, leaves.sum())
    enrolments = pl.DataFrame(
        {"person_id": persons, "enrolled_from": pl.Series(start).cast(pl.Date), "enrolled_to": pl.Series(end)}
    ).with_columns(pl.when(pl.col("enrolled_to") >= 0).then(pl.col("enrolled_to")).cast(pl.Date))
    # who is in care this month, and who else has been assessed
    in_care = rng.choice(insured, size=int(insured * share), replace=False)
    assessed_only = rng.choice(insured, size=int(insured * share * 0.4), replace=False)
    in_care_assessed = in_care[rng.random(in_care.size) >= 0.01]  # 1 % in care have no assessment
    who = np.concatenate([in_care_assessed, assessed_only])
    on = epoch + length - rng.integers(1, 900, who.size)  # within the last ~30 months
    level = rng.choice([5, 4, 3, 2, 1], size=who.size, p=[0.25, 0.3, 0.3, 0.1, 0.05])
    again = rng.random(who.size) < 0.2  # a re-assessment some months later
    assessments = pl.DataFrame(
        {
            "person_id": _ids("P", np.concatenate([who, who[again]])),
            "assessed_on": pl.Series(
                np.concatenate([on, on[again] + rng.integers(30, 400, again.sum())])
            ).cast(pl.Date),
            "method": "national_2021",
            "level": np.concatenate([level, rng.choice([5, 4, 3], size=again.sum())]).astype(np.int8),
        }
    ).unique(["person_id", "method", "assessed_on"])
    # providers: hospitals by tier, nursing institutions, home-care agencies
    codes, names, tiers, types = [], [], [], []
    for i in range(40):
        codes.append(f"H{i:03d}"), names.append(f"医院{i}"), tiers.append(1 + i % 3)
        types.append(["hospital_special_care"])
    for i in range(200):
        codes.append(f"N{i:03d}"), names.append(f"护理院{i}"), tiers.append(None)
        types.append(["institutional_care", "home_visit"] if i % 4 == 0 else ["institutional_care"])
    for i in range(300):
        codes.append(f"C{i:03d}"), names.append(f"居家护理站{i}"), tiers.append(None)
        types.append(["home_visit", "family_care"])
    providers = pl.DataFrame(
        {"provider_code": codes, "provider_name": names, "tier": tiers, "service_types": types},
        schema_overrides={"tier": pl.Int8},
    )
    # bills: one per person in care, a second for about 15 %, a third for about 2 %
    count = 1 + (rng.random(in_care.size) < 0.15).astype(int) + (rng.random(in_care.size) < 0.02)
    owner = np.repeat(in_care, count)
    n = owner.size
    service = rng.choice(len(SERVICES), size=n, p=SERVICE_SHARE)
    pool = {k: [c for c, t in zip(codes, types, strict=True) if SERVICES[k] in t] for k in range(4)}
    provider = np.array([""] * n, dtype=object)
    for k, choices in pool.items():
        mask = service == k
        provider[mask] = rng.choice(choices, size=mask.sum())
    stray = rng.random(n) < 0.01  # a bill at a provider not authorised for it, or unknown
    provider[stray] = rng.choice(["N001", "ZZZZ"], size=stray.sum())
    later = np.concatenate([[False], owner[1:] == owner[:-1]])  # a person's second or third bill
    partial = (rng.random(n) < 0.2) | later
    first = np.where(partial, rng.integers(1, length + 1, n), 1)
    last = np.where(partial, rng.integers(first, length + 1), length)
    span = last - first + 1
    days = np.where(rng.random(n) < 0.7, span, rng.integers(1, span + 1))
    low = np.array([COST_PER_DAY.get(SERVICES[s], (0, 0))[0] for s in range(4)])[service]
    high = np.array([COST_PER_DAY.get(SERVICES[s], (0, 1))[1] for s in range(4)])[service]
    cost = days * rng.integers(low * 100, np.maximum(high * 100, 1))
    bills = pl.DataFrame(
        {
            "bill_id": _ids("B", np.arange(n)),
            "person_id": _ids("P", owner),
            "provider_code": provider.astype(str),
            "service_type": np.array(SERVICES)[service],
            "month": month,
            "days": days.astype(np.int32),
            "cost_fen": np.where(service == 3, 0, cost).astype(np.int64),
            "service_from": pl.Series(epoch + first - 1).cast(pl.Date),
            "service_to": pl.Series(epoch + last - 1).cast(pl.Date),
        }
    )
    return {"enrolments": enrolments, "assessments": assessments, "providers": providers, "bills": bills}


def _timed(action, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return times, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--insured", type=int, default=200_000, help="insured persons (default 200,000)")
    parser.add_argument("--share", type=float, default=0.012, help="share of insured with a care bill")
    parser.add_argument("--month", default="2023-06", help="the month billed, YYYY-MM")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the engine")
    parser.add_argument("--sample", type=int, default=3_000, help="persons in the per-row sample")
    parser.add_argument("--program", type=Path, default=DEFAULT_PROGRAM)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    month = dt.date.fromisoformat(args.month + "-01")
    program = load_program(args.program)

    began = time.perf_counter()
    data = generate(args.insured, args.share, month, args.seed)
    generated = time.perf_counter() - began
    bills = data["bills"].to_arrow()
    n = bills.num_rows
    print(f"命令 command: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print(f"参保 insured {args.insured:,}; 账单 bills {n:,}; 评估 assessments {data['assessments'].height:,}; "
          f"机构 providers {data['providers'].height}; 生成 generated in {generated:.1f} s")  # fmt: skip

    reg_times, reg = _timed(
        lambda: registers(
            data["assessments"].to_arrow(), data["enrolments"].to_arrow(), data["providers"].to_arrow()
        ),
        args.repeat,
    )
    compute(bills.slice(0, min(n, 1000)), reg, program)  # warm-up
    engine_times, out = _timed(lambda: compute(bills, reg, program), args.repeat)
    result = pl.from_arrow(out)
    assert isinstance(result, pl.DataFrame)

    # the per-row reference on a sample of persons (building its Python objects is not timed)
    rng = np.random.default_rng(args.seed + 1)
    persons = result["person_id"].unique().sort()
    chosen = set(rng.choice(persons.to_numpy(), size=min(args.sample, persons.len()), replace=False).tolist())
    pick = pl.col("person_id").is_in(list(chosen))
    sample_bills = data["bills"].filter(pick).to_dicts()
    sample_assessments = data["assessments"].filter(pick).to_dicts()
    sample_enrolments = data["enrolments"].filter(pick).to_dicts()
    provider_rows = data["providers"].to_dicts()
    ref_times, expected = _timed(
        lambda: reference(program, sample_bills, sample_assessments, sample_enrolments, provider_rows), 1
    )
    got = {row["bill_id"]: row for row in result.filter(pick).iter_rows(named=True)}
    differ = [b for b, e in expected.items() if {k: got[b][k] for k in COMPARED} != e]  # type: ignore[union-attr]

    engine_best, ref_best = min(engine_times), min(ref_times)
    per_bill_engine = engine_best / n * 1e6
    per_bill_ref = ref_best / len(sample_bills) * 1e6
    figures = {
        "insured": args.insured,
        "bills": n,
        "sample_bills": len(sample_bills),
        "registers_s": {"best": min(reg_times), "median": statistics.median(reg_times)},
        "engine_s": {"best": engine_best, "median": statistics.median(engine_times)},
        "per_row_sample_s": ref_best,
        "engine_us_per_bill": per_bill_engine,
        "per_row_us_per_bill": per_bill_ref,
        "ratio_per_bill": per_bill_ref / per_bill_engine,
        "paid_fen": int(result["payout_fen"].sum()),
        "bills_paid": int((result["payout_fen"] > 0).sum()),
        "reasons": {str(k): v for k, v in result["reason"].value_counts().iter_rows()},
        "sample_differences": len(differ),
        "machine": f"{platform.machine()} · {platform.python_version()} · polars {pl.__version__}",
    }
    print(f"登记校验 registers: best {min(reg_times):.3f} s, median {statistics.median(reg_times):.3f} s")
    print(f"批量引擎 engine: best {engine_best:.3f} s, median {statistics.median(engine_times):.3f} s "
          f"= {per_bill_engine:.2f} µs per bill")  # fmt: skip
    print(
        f"逐行参照 per-row: {ref_best:.3f} s for {len(sample_bills):,} bills = {per_bill_ref:.1f} µs per bill"
    )
    print(f"每张账单之比 per-row / engine per bill: {per_bill_ref / per_bill_engine:,.0f}×")
    print(
        f"支付 paid: {figures['bills_paid']:,} bills, {figures['paid_fen'] / 100:,.2f} 元; reasons {figures['reasons']}"
    )
    print(f"抽样核对 sample check: {len(expected):,} bills, {len(differ)} differ")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
