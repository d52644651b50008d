"""``anxin demo``: a synthetic province through a whole program year on the database, summarized;
then one program of every other kind on the same residents (:mod:`.demo_programs`), and a book of
life policies of the same residents through a year of servicing days (:mod:`.demo_life`).

The province's settlement file also carries the bureau's own critical-illness figure
(``hifmi_pay``), simulated as our payout with a small share deliberately off, so the demo shows
the reconciliation a program office does every month.
"""

from __future__ import annotations

import time
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
from anxin.services.demo_life import LIFE_YEAR, LifeYear, book_size, life_year, run_life_year
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
            started = time.perf_counter()
            policies, new_policies = book_size(persons)
            days = run_life_year(
                db,
                paths["persons"],
                workdir,
                seed=seed,
                policies=policies,
                new_policies=new_policies,
                progress=bar(f"寿险保全 {LIFE_YEAR} / life policies, day by day"),
            )
            life = life_year(db, days_run=days, seconds=time.perf_counter() - started)
        report = program_year_report(db, chosen.code, year)
        reconciliation = reconcile(db, chosen.code, year)
        largest = _largest_payout(db, chosen.code, year)
        explanation = explain_stored(db, chosen, largest) if largest else None
        ensure_demo_users(db)
    finally:
        db.dispose()
    parts = _report(chosen, year, people, claims, run, batch, report, reconciliation, explanation, db)
    return Group(*parts, *_other_programs(others), *_life(life))


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


def _life(life: LifeYear) -> list[object]:
    """The life year: the book, the year's servicing, the requests and callbacks, the relief
    campaign and the two electronic-channel rates."""
    steps = Table(
        "步骤 Step", "结果 Result", title=f"寿险保全 {life.year} 年度演示 / life-policy servicing demo"
    )
    steps.add_row(
        "年度 year",
        f"{life.year}（救助活动之年，不随上面项目的年度）/ the relief campaign's year, not the programs'",
    )
    steps.add_row(
        "保单 policies", f"{life.policies:,} 件，其中年内新单 {life.new_business:,} 件 / new in the year"
    )
    steps.add_row(
        "逐日运行 days run",
        f"本次运行 {life.days_run} 天（日批、收费、申请、回访），用时 {life.seconds:.1f} 秒 / days run now"
        if life.days_run
        else "全年已运行，未改变 / the year was already run: nothing changed",
    )
    steps.add_row(
        "收取保费 premiums collected", f"{life.premiums_paid:,} 期，{format_yuan(life.premiums_fen)} 元"
    )
    steps.add_row(
        "支付客户款项 paid to customers",
        f"{life.refunds_paid:,} 笔，{format_yuan(life.refunds_fen)} 元（每周支付；年末尚欠 "
        f"{format_yuan(life.refunds_owed_fen)} 元）/ surrender values, refunds, benefits, paid weekly",
    )
    done = sum(d for _, d, _ in life.requests)
    refused = sum(r for _, _, r in life.requests)
    steps.add_row("保全申请 servicing requests", f"办结 {done:,}，拒绝 {refused:,} / done, refused")
    steps.add_row(
        "新契约回访 callbacks",
        f"电子化 {life.callbacks['electronic']:,}，电话 {life.callbacks['phone']:,}，"
        f"逾期未回访 {life.callbacks['overdue']:,}，跨年待回访 {life.callbacks['open']:,}，关闭 {life.callbacks['closed']:,} "
        "/ electronic, phone, overdue, due next year, closed",
    )
    statuses = Table("状态 Status", "保单 Policies", title="年末保单状态 / policies by status at year end")
    for status, count in life.statuses:
        statuses.add_row(f"{status.label_zh} {status.value}", f"{count:,}")
    t = life.totals
    year = Table("指标 Figure", "数值 Value", title=f"{life.year} 年保全数据 / the year's servicing")
    for label, value in (
        ("效力中止 suspensions", f"{t.suspensions:,}"),
        ("复效 reinstatements", f"{t.reinstatements:,}"),
        ("退保 surrenders", f"{t.surrenders:,} 件，{format_yuan(t.surrender_paid_fen)} 元"),
        ("犹豫期撤销 cooling-off cancellations", f"{t.cooling_off_cancellations:,}"),
        ("终止 terminations", f"{t.terminations:,}"),
        ("满期终止 maturities（给付元 paid）", f"{t.maturities:,}（{format_yuan(t.maturity_paid_fen)}）"),
        ("保单贷款 loans taken", f"{t.loans_taken:,} 笔，{format_yuan(t.loans_taken_fen)} 元"),
        ("年末贷款余额 loans outstanding (元)", format_yuan(t.loans_outstanding_fen)),
        ("贷款利息收入 loan interest (元)", format_yuan(t.loan_interest_fen)),
    ):
        year.add_row(label, value)
    kinds = Table("申请 Request", "办结 Done", "拒绝 Refused", title="保全申请 / servicing requests by kind")
    for kind, done_n, refused_n in life.requests:
        kinds.add_row(f"{kind.label_zh} {kind.label_en}", f"{done_n:,}", f"{refused_n:,}")
    kinds.add_row(
        "渠道 channels (办结 done)",
        "，".join(f"{c.label_zh} {n:,}" for c, n in life.channels if n),
        "",
    )
    c = life.campaign
    relief = Table("指标 Figure", "数值 Value", title=f"救助活动 / relief campaign: {c.name_zh}")
    for label, value in (
        ("期间 window", f"{c.window_from} ~ {c.window_to}，地区 regions {'、'.join(c.regions)}"),
        ("受助保单 policies helped", f"{c.helped_policies:,}"),
        (
            "延长宽限期 grace extended",
            f"{c.grace_extended_policies:,} 件，保额 {format_yuan(c.grace_extended_sum_insured_fen)} 元",
        ),
        ("免息复效 interest-free reinstatements", f"{c.interest_free_reinstatements:,}"),
        ("减免利息 interest waived (元)", format_yuan(c.waived_interest_fen)),
        ("缓收贷款利息 loans with interest deferred", f"{c.interest_deferred_loans:,}"),
    ):
        relief.add_row(label, value)
    rates = Table(
        "指标 KPI", "比率 Rate", "分子/分母 n/d", "目标 Target", title="电子化指标 / electronic-channel rates"
    )
    for k in life.kpis:
        target = format_ratio(k.target_bp) if k.target_bp is not None else "—"
        rates.add_row(f"{k.name_zh} {k.name_en}", k.rate_text, f"{k.numerator:,}/{k.denominator:,}", target)
    return [steps, statuses, year, kinds, relief, rates]


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
