"""What every command shares: the consoles, the program option, and how errors are shown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anxin.domain.errors import AnxinError, InvalidRows
from anxin.domain.money import format_yuan

console = Console()
errors = Console(stderr=True)

ProgramOption = Annotated[
    str,
    typer.Option(
        "--program", "-p", help="项目文件路径或已发布项目代码 / program file or shipped program code"
    ),
]


def fail(error: AnxinError, report: Path | None = None) -> NoReturn:
    errors.print(f"[bold red]错误 / Error[/] \\[{error.code}]")
    errors.print(error.zh)
    errors.print(error.en, style="dim")
    if isinstance(error, InvalidRows):
        table = Table(
            "行 Row", "列 Column", "值 Value", "原因 Reason", title=f"{error.total} 处问题 / problems"
        )
        for problem in error.problems[:20]:
            table.add_row(
                str(problem.row), problem.column, problem.value, f"{problem.reason_zh}\n{problem.reason_en}"
            )
        errors.print(table)
        if report is not None:
            from anxin.services.error_report import write_error_report

            written = write_error_report(error, report)
            errors.print(f"错误报告 / error report: {written}")
    raise typer.Exit(code=2)


def progress_bar() -> Progress:
    """The progress bar of every long command: what, a bar, done of total, time taken."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def print_run(summary, rejected_label: str) -> None:  # type: ignore[no-untyped-def]
    """An adjudication run's totals (settlement runs and claims runs alike)."""
    table = Table("项目 Item", "数值 Value", title=f"理算批次 / run {summary.run_id} ({summary.mode})")
    table.add_row("涉及人数 persons", f"{summary.persons:,}")
    table.add_row("新赔付行 payout lines", f"{summary.payout_lines:,}")
    table.add_row("调整行 adjustment lines", f"{summary.adjustment_lines:,}")
    table.add_row("待复核 for review", f"{summary.review_lines:,}")
    table.add_row(rejected_label, f"{summary.rejected_lines:,}")
    table.add_row("金额合计 amount (元)", format_yuan(summary.amount_fen))
    console.print(table)
