"""``anxin demo``: a synthetic province through a whole program year on the database, summarized;
then one program of every other kind on the same residents (:mod:`.demo_programs`).

The province's settlement file also carries the bureau's own critical-illness figure
(``hifmi_pay``), simulated as our payout with a small share deliberately off, so the demo shows
the reconciliation a program office does every month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import sqlalchemy as sa
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anxin.domain.money import format_ratio, format_yuan
from anxin.domain.programs import Program
from anxin.services.adjudication import adjudicate
from anxin.services.calculate import adjudicate as compute_file
from anxin.services.demo_programs import ProgramOutcome, run_other_programs
from anxin.services.imports import import_persons, import_settlements
from anxin.services.payments import pay
from anxin.services.reconciliation import reconcile
from anxin.services.reports import program_year_report, summary_zh
from anxin.services.settlement_files import read_settlements
from anxin.services.stored_explanations import explain_stored
from anxin.services.users import ensure_demo_users
from anxin.store.database import open_database
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, Settlement
from anxin.store.tabular import write_table
from anxin.synth import write_province_chunked

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
    results = compute_file(settlements, program)
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
    """The whole program year on the configured database (the embedded SQLite file by default):
    synthesize, import, adjudicate, pay, reconcile and report."""
    chosen = resolve_program(program)
    year = chosen.versions[-1].effective_from.year
    workdir.mkdir(parents=True, exist_ok=True)
    paths = synthesize(
        workdir / f"province-{persons}-{seed}", persons=persons, seed=seed, year=year, console=console
    )
    _say(console, "模拟医保经办机构的大病保险支付记录 / simulating the bureau's hifmi_pay…")
    bureau_file = with_bureau_payouts(paths["settlements"], chosen, seed)
    db = open_database()
    try:
        with _progress(console) as progress:

            def bar(label: str):  # type: ignore[no-untyped-def]
                task = progress.add_task(label, total=None)
                return lambda done, total: progress.update(task, completed=done, total=total)

            people = import_persons(
                db,
                paths["persons"],
                program_code=chosen.code,
                year=year,
                actor="demo",
                progress=bar("导入参保人 / importing persons"),
            )
            claims = import_settlements(
                db,
                bureau_file,
                actor="demo",
                progress=bar("导入结算 / importing settlements"),
            )
            run = adjudicate(
                db,
                chosen,
                actor="demo",
                progress=bar("理算 / adjudicating (persons)"),
            )
            batch = pay(db, chosen.code, payee="fund", actor="demo")
            others = run_other_programs(db, paths["persons"], workdir, chosen, year, seed=seed, bar=bar)
        report = program_year_report(db, chosen.code, year)
        reconciliation = reconcile(db, chosen.code, year)
        largest = _largest_payout(db, chosen.code, year)
        explanation = explain_stored(db, chosen, largest) if largest else None
        ensure_demo_users(db)
    finally:
        db.dispose()
    parts = _report(chosen, year, people, claims, run, batch, report, reconciliation, explanation, db)
    return Group(*parts, *_other_programs(others))


def _say(console: Console | None, text: str) -> None:
    if console:
        console.print(text)


def _largest_payout(db, program_code: str, year: int) -> str | None:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return connection.execute(
            sa.select(Settlement.setl_id)
            .join(Adjudication, Adjudication.settlement_id == Settlement.id)
            .where(Adjudication.program_code == program_code, Adjudication.program_year == year)
            .order_by(Adjudication.due_fen.desc(), Settlement.setl_id)
            .limit(1)
        ).scalar()


def _report(
    program, year, people, claims, run, batch, report, reconciliation, explanation, db
) -> list[object]:  # type: ignore[no-untyped-def]
    steps = Table("步骤 Step", "结果 Result", title=f"{program.name_zh} {year} 年度演示 / demo")
    steps.add_row("数据库 database", db.engine.url.render_as_string(hide_password=True))
    steps.add_row("导入参保人 persons imported", _imported(people))
    steps.add_row("导入结算 settlements imported", _imported(claims))
    steps.add_row(
        "理算 adjudication",
        f"批次 {run.run_id}：新赔付 {run.payout_lines:,} 行，调整 {run.adjustment_lines:,} 行，"
        f"待复核 {run.review_lines:,}，拒付 {run.rejected_lines:,}",
    )
    steps.add_row(
        "支付 payment batch",
        f"{batch.payments:,} 笔，{format_yuan(batch.total_fen)} 元"
        if batch.batch_id
        else "无新增 / nothing new",
    )
    steps.add_row(
        "对账 reconciliation",
        f"比对 {reconciliation.compared:,}，一致 {reconciliation.matched:,}，不一致 {reconciliation.differing:,}",
    )
    figures = Table("指标 Figure", "数值 Value", title="年度数据 / the year's figures")
    figures.add_row("参保人数 insured", f"{report.insured:,}")
    figures.add_row("结算笔数 settlements", f"{report.settlements:,}")
    figures.add_row("赔付人数 claimants", f"{report.claimants:,}")
    figures.add_row("赔付人次 person-times", f"{report.person_times:,}")
    figures.add_row("合规自付费用 eligible cost (元)", format_yuan(report.eligible_fen))
    figures.add_row("赔付金额 paid (元)", format_yuan(report.paid_fen))
    figures.add_row("人均赔付 per claimant (元)", format_yuan(report.average_per_claimant_fen))
    figures.add_row("待复核 in review", f"{report.review_lines:,} 笔 / {format_yuan(report.review_fen)} 元")
    breakdowns = [
        _shares("按城市 / by city", "城市 City", report.by_city),
        _shares("按医院等级 / by hospital tier", "医院等级 Tier", report.by_tier),
        _shares("按人员类别 / by vulnerable status", "人员类别 Group", report.by_vulnerable),
    ]
    steps.add_row(
        "网页 web",
        "anxin serve → http://127.0.0.1:8000/ ，演示用户 demo 自动登录 / signed in as demo "
        f"(passwords: {db.settings.data_dir / 'demo-users.txt'})",
    )
    parts: list[object] = [summary_zh(report), steps, figures, *breakdowns]
    if explanation is not None:
        parts += ["最大一笔赔付的解释 / the largest payout, explained:", *explanation.lines_zh()]
    return parts


def _other_programs(outcomes: list[ProgramOutcome]) -> list[object]:
    """One row per program of the other kinds, then each one's summary in Chinese."""
    table = Table(title="其他项目 / the other programs")
    for heading in (
        "项目 Program",
        "类型 Kind",
        "年度 Year",
        "参保 Enrolled",
        "新结果行 Lines",
        "支付 Paid (元)",
    ):
        table.add_column(heading, overflow="fold")
    for o in outcomes:
        table.add_row(
            o.code,
            o.kind.label_zh,
            str(o.year),
            f"{o.enrolled:,}",
            f"{o.run.lines:,}",
            format_yuan(o.batch.total_fen) if o.batch.batch_id else "无新增 / nothing new",
        )
    return [table, *(o.summary_zh for o in outcomes)]


def _shares(title: str, heading: str, shares) -> Table:  # type: ignore[no-untyped-def]
    table = Table(heading, "人次 Times", "赔付 Paid (元)", "占比 Share", title=title)
    for share in shares:
        table.add_row(
            share.label,
            f"{share.person_times:,}",
            format_yuan(share.paid_fen),
            format_ratio(share.paid_share_bp),
        )
    return table


def _imported(summary) -> str:  # type: ignore[no-untyped-def]
    if summary.already_imported:
        return f"此前已导入，未改变 / already imported ({summary.rows:,} 行)"
    return f"{summary.rows:,} 行：新增 {summary.inserted:,}，未变 {summary.unchanged:,}"
