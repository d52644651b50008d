"""``anxin care …``: a long-term care program's monthly bills run and its stored explanations;
``report`` (registered as ``anxin report care``): the figures of a year or a month, exported with
``--out`` (audited) as the other reports are."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import (
    ExportOption,
    ProgramOption,
    console,
    fail,
    print_exported,
    print_run,
    progress_bar,
)
from anxin.cli.payments_cli import ActorOption
from anxin.domain.errors import AnxinError, InvalidInput

app = typer.Typer(
    help="长期护理保险：按月结算护理账单、查看支付说明 / long-term care: monthly care bills and explanations",
    no_args_is_help=True,
)

MonthOption = Annotated[
    str, typer.Option("--month", "-m", help="护理月份，如 2023-03 / the month, e.g. 2023-03")
]


def parse_month(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        raise InvalidInput(f"月份无效（应如 2023-03）：{text}", f"not a month like 2023-03: {text}") from None


@app.command()
def adjudicate(
    program: ProgramOption,
    month: MonthOption,
    full: Annotated[
        bool,
        typer.Option("--full", help="重算当月全部账单（只写入差额）/ recompute everyone billed that month"),
    ] = False,
    chunk: Annotated[int, typer.Option(help="每个事务处理的人数 / persons per transaction")] = 5_000,
    review_above: Annotated[
        str | None,
        typer.Option(help="单笔超过此金额（元）转人工复核 / review lines above this amount (yuan)"),
    ] = None,
    actor: Annotated[str, typer.Option(help="操作人 / who runs it")] = "system",
) -> None:
    """结算当月护理账单：新账单写支付行，应付变化（含更正账单）写调整行，每笔只写一次 / run a month's care bills once."""
    from anxin.domain.money import parse_yuan
    from anxin.services.care_adjudication import adjudicate_care
    from anxin.store.database import open_database
    from anxin.store.program_files import resolve_program

    try:
        chosen = resolve_program(program)
        first = parse_month(month)
        db = open_database()
        try:
            with progress_bar() as bar:
                task = bar.add_task("结算 / adjudicating (persons)", total=None)
                summary = adjudicate_care(
                    db,
                    chosen,
                    first,
                    mode="full" if full else "incremental",
                    actor=actor,
                    chunk_persons=chunk,
                    review_above_fen=None if review_above is None else parse_yuan(review_above),
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    print_run(summary, "整单不予支付 refused")


@app.command()
def explain(
    result_id: Annotated[int, typer.Argument(help="护理账单结果行编号 / care bill result line id")],
    program: Annotated[
        str | None,
        typer.Option(
            "--program", "-p", help="项目文件或代码（默认为该行的项目）/ program (default: the line's)"
        ),
    ] = None,
    english: Annotated[bool, typer.Option("--en", help="同时显示英文 / English too")] = False,
) -> None:
    """逐行说明一笔已存储的护理账单结果 / explain a stored care bill result line by line."""
    from anxin.services.care_adjudication import explained_line
    from anxin.store.database import open_database
    from anxin.store.program_files import resolve_program

    try:
        chosen = resolve_program(program) if program else None
        db = open_database()
        try:
            zh, en = explained_line(db, result_id, chosen)
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    for line in zh:
        console.print(line, highlight=False)
    if english:
        for line in en:
            console.print(line, style="dim", highlight=False)


def report(
    program: Annotated[str, typer.Option("--program", "-p", help="项目代码 / program code")],
    year: Annotated[int, typer.Option("--year", "-y", help="年度 / year")],
    month: Annotated[int | None, typer.Option("--month", "-m", help="月份 1–12（不填为全年）/ month")] = None,
    out: ExportOption = None,
    actor: ActorOption = None,
) -> None:
    """长期护理保险的年度或月度结算：账单、人数、天数、费用、核定与已拨付金额，按服务类型 / care figures."""
    from anxin.cli.reports_cli import print_overview, report_and_export
    from anxin.domain.money import format_yuan
    from anxin.services.care_reports import care_report, care_summary_zh
    from anxin.services.imports.care import care_program
    from anxin.services.report_export import export_care_report

    try:
        care_program(program)
        if month is not None and not 1 <= month <= 12:
            raise InvalidInput(f"月份须为 1–12：{month}", f"month must be 1–12: {month}")
    except AnxinError as error:
        fail(error)
    figures, written = report_and_export(
        lambda db: care_report(db, program, year, month), export_care_report, out, actor
    )
    print_overview(
        f"{figures.program_name} {figures.period} / long-term care",
        (
            ("账单 bills", f"{figures.bills:,}"),
            ("人数 persons", f"{figures.persons:,}"),
            ("护理天数 days billed", f"{figures.days:,}"),
            ("支付天数 days paid", f"{figures.paid_days:,}"),
            ("护理费用 cost (元)", format_yuan(figures.cost_fen)),
            ("核定支付 due (元)", format_yuan(figures.due_fen)),
            ("待复核 in review (元)", format_yuan(figures.review_fen)),
            ("已拨付 paid (元)", format_yuan(figures.paid_fen)),
            ("整单不予支付 bills refused", f"{figures.rejected_bills:,}"),
        ),
    )
    table = Table(
        "服务类型 Service", "账单 Bills", "人数 Persons", "天数 Days", "支付天数 Paid days",
        "费用 Cost (元)", "核定支付 Due (元)", title="按服务类型 / by service type",
    )  # fmt: skip
    for row in figures.by_service:
        table.add_row(
            row.label, f"{row.bills:,}", f"{row.persons:,}", f"{row.days:,}", f"{row.paid_days:,}",
            format_yuan(row.cost_fen), format_yuan(row.due_fen),
        )  # fmt: skip
    console.print(table)
    console.print(care_summary_zh(figures), highlight=False)
    print_exported(written)
