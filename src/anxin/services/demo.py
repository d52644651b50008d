"""``anxin demo``: a synthetic province through a whole program year, with a summary to read.

The province's settlement file also carries the bureau's own critical-illness figure
(``hifmi_pay``), simulated as our payout with a small share deliberately off, so the demo shows
the reconciliation a program office does every month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anxin.domain.money import format_yuan, format_yuan_cn
from anxin.domain.programs import Program
from anxin.domain.vulnerability import VulnerableGroup
from anxin.services.calculate import adjudicate, explanation_of, summarize
from anxin.services.result_columns import result_frame
from anxin.services.settlement_files import read_settlements
from anxin.store.program_files import resolve_program
from anxin.store.tabular import write_table
from anxin.synth import SHANDONG_CITIES, write_province_chunked

#: Share of settlements whose simulated bureau figure differs from ours.
BUREAU_ERROR_SHARE = 0.002


def _progress(console: Console | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def synthesize(
    out: Path, *, persons: int, seed: int, year: int, fmt: str = "parquet", console: Console | None = None
) -> dict[str, Path]:
    with _progress(console) as progress:
        task = progress.add_task("生成模拟省份 / synthesizing", total=persons)
        return write_province_chunked(
            out,
            persons=persons,
            seed=seed,
            year=year,
            fmt=fmt,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def with_bureau_payouts(settlements_path: Path, program: Program, seed: int) -> Path:
    """Add a simulated ``hifmi_pay`` (our payout, a few deliberately off) and write it beside."""
    settlements = read_settlements(settlements_path)
    results = adjudicate(settlements, program)
    rng = np.random.default_rng(seed)
    off = rng.random(results.height) < BUREAU_ERROR_SHARE
    nudge = rng.integers(-5_000, 5_000, results.height) * off
    bureau = (results["payout_fen"].to_numpy() + nudge).clip(0)
    raw = pl.read_parquet(settlements_path)
    ordered = raw.with_columns(
        hifmi_pay=(pl.Series(bureau).cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2))
    )
    target = settlements_path.with_name("settlements_with_bureau.parquet")
    write_table(ordered, target)
    return target


def run_demo(
    workdir: Path, *, persons: int, program: str, seed: int, console: Console | None = None
) -> Group:
    chosen = resolve_program(program)
    year = chosen.versions[-1].effective_from.year
    workdir.mkdir(parents=True, exist_ok=True)
    paths = synthesize(
        workdir / f"province-{persons}-{seed}", persons=persons, seed=seed, year=year, console=console
    )
    if console:
        console.print("模拟医保经办机构的大病保险支付记录 / simulating the bureau's hifmi_pay…")
    bureau_file = with_bureau_payouts(paths["settlements"], chosen, seed)
    if console:
        console.print(f"按 {chosen.name_zh} 计算全年 / computing the year…")
    settlements = read_settlements(bureau_file)
    results = adjudicate(settlements, chosen)
    out = write_table(result_frame(results, chosen, settlements), workdir / "results.parquet")
    summary = summarize(results, bureau=True, output=out)
    return _report(results, chosen, summary, year, paths["persons"])


def _report(results: pl.DataFrame, program: Program, summary, year: int, persons_path: Path) -> Group:  # type: ignore[no-untyped-def]
    in_year = results.filter(pl.col("program_year") == year)
    insured = pl.scan_parquet(persons_path).select(pl.len()).collect().item()
    paid = in_year.filter(pl.col("payout_fen") != 0)
    person_times = paid.height
    headline = (
        f"{year}年度，{program.name_zh}为 {paid['person_id'].n_unique():,} 人、{person_times:,} 人次"
        f"提供赔款 {format_yuan_cn(int(paid['payout_fen'].sum()))}（参保 {insured:,} 人）。"
    )
    overview = Table("项目 Item", "数值 Value", title=f"{program.name_zh} {year} 年度 / program year {year}")
    overview.add_row("参保人数 insured persons", f"{insured:,}")
    overview.add_row("结算笔数 settlements", f"{in_year.height:,}")
    overview.add_row("赔付人次 paid person-times", f"{person_times:,}")
    overview.add_row("合规自付费用 eligible owed (元)", format_yuan(int(in_year["base_fen"].sum())))
    overview.add_row("大病保险赔付 paid (元)", format_yuan(int(in_year["payout_fen"].sum())))
    overview.add_row("与医保记录不一致 differ from hifmi_pay", f"{summary.bureau_differences:,}")
    overview.add_row("结果文件 output", str(summary.output))

    by_city = (
        paid.with_columns(city=pl.col("insuplc_admdvs").str.slice(0, 4) + "00")
        .group_by("city")
        .agg(times=pl.len(), fen=pl.col("payout_fen").sum())
        .sort("fen", descending=True)
    )
    cities = Table("城市 City", "人次 Times", "赔付 Paid (元)", title="按城市 / by city")
    for city, times, fen in by_city.iter_rows():
        cities.add_row(SHANDONG_CITIES.get(city, city), f"{times:,}", format_yuan(fen))

    by_tier = paid.group_by("hosp_lv").agg(times=pl.len(), fen=pl.col("payout_fen").sum()).sort("hosp_lv")
    tiers = Table("医院等级 Tier", "人次 Times", "赔付 Paid (元)", title="按医院等级 / by hospital tier")
    for tier, times, fen in by_tier.iter_rows():
        tiers.add_row(f"{tier} 级", f"{times:,}", format_yuan(fen))

    by_group = paid.group_by("vulnerable_group").agg(times=pl.len(), fen=pl.col("payout_fen").sum())
    groups = Table(
        "人员类别 Group", "人次 Times", "赔付 Paid (元)", title="按人员类别 / by vulnerable status"
    )
    for group, times, fen in by_group.sort("fen", descending=True).iter_rows():
        groups.add_row(
            VulnerableGroup(group).label_zh if group else "一般人员", f"{times:,}", format_yuan(fen)
        )

    parts: list[object] = [headline, overview, cities, tiers, groups]
    if paid.height:
        largest = paid.sort("payout_fen", descending=True).row(0, named=True)
        explanation = explanation_of(largest, program)
        parts += ["最大一笔赔付的解释 / the largest payout, explained:", *explanation.lines_zh()]
    return Group(*parts)  # type: ignore[arg-type]
