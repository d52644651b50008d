"""``anxin premiums …``: premium collection (收费) — a bank-debit result file applied to the stored book
of life policies, and a synthetic collection file for the stored book (demos and trials)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import console, fail, parse_day, print_problems, progress_bar
from anxin.domain.errors import AnxinError, InvalidInput
from anxin.domain.money import format_yuan

app = typer.Typer(
    help="个人寿险收费：银行代扣/转账结果入账 / life-policy premium collection files",
    no_args_is_help=True,
)


@app.command("collect")
def collect_file(
    file: Annotated[Path, typer.Argument(help="收费结果文件（CSV、XLSX 或 Parquet）/ the collection file")],
    day: Annotated[
        str | None, typer.Option("--day", "-d", help="入账日，默认今天 / the collection day (today)")
    ] = None,
    errors_report: Annotated[
        Path | None,
        typer.Option(
            "--errors", help="有拒收行时写出错误报告（.xlsx 或 .csv）/ write refused rows to this file"
        ),
    ] = None,
    chunk: Annotated[int, typer.Option(help="每个事务处理的保单数 / policies per transaction")] = 20_000,
    actor: Annotated[str, typer.Option(help="操作人 / who collects")] = "system",
) -> None:
    """收费入账：正确的行入账，错误的行逐行拒收并说明原因 / apply a collection file; bad rows refused."""
    from anxin.services.premium_collection import collect_premiums
    from anxin.store.database import open_database

    try:
        when = parse_day(day) if day else None
        db = open_database()
        try:
            with progress_bar() as bar:
                task = bar.add_task("收费入账 / collecting (rows)", total=None)
                summary = collect_premiums(
                    db, file, actor=actor, day=when, chunk_policies=chunk,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )  # fmt: skip
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error, errors_report)
    if summary.already_imported:
        console.print(summary.note_zh)
        console.print(summary.note_en, style="dim")
        return
    table = Table("项目 Item", "数值 Value", title=f"收费入账 / premium collection {summary.day}")
    table.add_row("导入批次 import", str(summary.import_id))
    table.add_row("批次 run", str(summary.run_id))
    table.add_row("文件行数 rows", f"{summary.rows:,}")
    table.add_row("入账 applied", f"{summary.applied:,}")
    table.add_row("拒收 refused", f"{summary.refused:,}")
    table.add_row("状态变化 status changes", f"{summary.status_changes:,}")
    table.add_row("收费金额 collected (元)", format_yuan(summary.amount_fen))
    console.print(table)
    refused = summary.error()
    if refused is not None:
        print_problems(refused, f"{refused.total} 行拒收 / rows refused", errors_report)


@app.command("synth")
def synth(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="写出的文件 / file to write (.csv .xlsx .parquet)")
    ],
    first: Annotated[str, typer.Option("--from", help="应交日起 / first due date")],
    last: Annotated[str, typer.Option("--to", help="应交日止（含）/ last due date")],
    unpaid_share: Annotated[
        float, typer.Option(help="不交费保单的比例 / share of policies not paying")
    ] = 0.03,
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 7,
) -> None:
    """为已存储的保单生成收费结果文件（演示、试运行）/ a synthetic collection file for the stored book."""
    from anxin.services.premium_collection import write_stored_collection_file
    from anxin.store.database import open_database

    try:
        start, end = parse_day(first), parse_day(last)
        if not 0 <= unpaid_share <= 1:
            raise InvalidInput("不交费比例应在 0 与 1 之间", "the unpaid share must be between 0 and 1")
        db = open_database()
        try:
            path, rows = write_stored_collection_file(
                db, out, start, end, unpaid_share=unpaid_share, seed=seed
            )
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    console.print(f"已写出 {rows:,} 笔收费 / {rows:,} premiums written: {path}")
