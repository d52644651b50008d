"""What every command shares: the consoles, the program option, and how errors are shown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from anxin.domain.errors import AnxinError, InvalidRows

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
