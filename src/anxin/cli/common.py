"""What every command shares: the consoles, the program and export options, how a day is read, and how
errors are shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anxin.domain.errors import AnxinError, InvalidInput, InvalidRows
from anxin.domain.money import format_yuan

console = Console()
errors = Console(stderr=True)

ProgramOption = Annotated[
    str,
    typer.Option(
        "--program", "-p", help="项目文件路径或已发布项目代码 / program file or shipped program code"
    ),
]


ExportOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="导出 XLSX（每表一页）或 CSV（每表一个文件）/ export file"),
]


def parse_day(text: str) -> dt.date:
    """A day written like 2026-01-31; anything else → :class:`InvalidInput`."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"日期无效（应如 2026-01-31）：{text}", f"not a date like 2026-01-31: {text}"
        ) from None


def fail(error: AnxinError, report: Path | None = None) -> NoReturn:
    errors.print(f"[bold red]错误 / Error[/] \\[{error.code}]")
    errors.print(error.zh)
    errors.print(error.en, style="dim")
    if isinstance(error, InvalidRows):
        print_problems(error, f"{error.total} 处问题 / problems", report)
    raise typer.Exit(code=2)


def print_problems(error: InvalidRows, title: str, report: Path | None = None) -> None:
    """The first 20 problems of a file as a table on stderr; with ``report``, the full error report
    written there too."""
    table = Table("行 Row", "列 Column", "值 Value", "原因 Reason", title=title)
    for problem in error.problems[:20]:
        table.add_row(
            str(problem.row), problem.column, problem.value, f"{problem.reason_zh}\n{problem.reason_en}"
        )
    errors.print(table)
    if report is not None:
        from anxin.services.error_report import write_error_report

        errors.print(f"错误报告 / error report: {write_error_report(error, report)}")


def print_exported(written: list[Path]) -> None:
    """The files an export wrote, one a line."""
    for path in written:
        console.print(f"已导出 / exported: {path}")


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
