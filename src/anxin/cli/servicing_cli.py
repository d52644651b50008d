"""``anxin servicing …``: the daily servicing run (保全日批) of the stored life policies, for a day or a
range of days, with progress and a totals table."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import console, fail, progress_bar
from anxin.domain.errors import AnxinError, InvalidInput
from anxin.domain.money import format_yuan

app = typer.Typer(
    help="个人寿险保全：日批（宽限、中止、垫交、借款计息、终止）/ life-policy servicing: the daily run",
    no_args_is_help=True,
)


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"日期无效（应如 2026-01-31）：{text}", f"not a date like 2026-01-31: {text}"
        ) from None


@app.command()
def run(
    day: Annotated[str, typer.Option("--day", "-d", help="日批日期，如 2026-01-31 / the day")],
    to: Annotated[
        str | None, typer.Option("--to", help="连续日批至此日（含）/ run every day up to this one")
    ] = None,
    chunk: Annotated[int, typer.Option(help="每个事务处理的保单数 / policies per transaction")] = 20_000,
    actor: Annotated[str, typer.Option(help="操作人 / who runs it")] = "system",
) -> None:
    """按日运行保全日批：每日每张保单只处理一次，重跑不重复写入 / run the daily servicing, once per day."""
    from anxin.services.servicing_run import run_servicing_day
    from anxin.store.database import open_database

    try:
        first = parse_day(day)
        last = parse_day(to) if to else first
        if last < first:
            raise InvalidInput(
                f"结束日 {last} 早于开始日 {first}", f"the last day {last} is before the first {first}"
            )
        db = open_database()
        summaries = []
        try:
            with progress_bar() as bar:
                for n in range((last - first).days + 1):
                    current = first + dt.timedelta(days=n)
                    task = bar.add_task(f"{current} 日批 / run (policies)", total=None)
                    summaries.append(
                        run_servicing_day(
                            db, current, actor=actor, chunk_policies=chunk,
                            progress=lambda done, total, task=task: bar.update(task, completed=done, total=total),
                        )
                    )  # fmt: skip
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    table = Table(
        "日期 Day", "批次 Run", "处理保单 Policies", "状态变化 Status changes", "事件行 Event rows",
        "过账金额 Posted (元)", title="保全日批 / daily servicing run",
    )  # fmt: skip
    for s in summaries:
        table.add_row(str(s.day), str(s.run_id), f"{s.policies:,}", f"{s.status_changes:,}", f"{s.events:,}",
                      format_yuan(s.amount_fen))  # fmt: skip
    if len(summaries) > 1:
        table.add_row("合计 total", "", f"{sum(s.policies for s in summaries):,}",
                      f"{sum(s.status_changes for s in summaries):,}", f"{sum(s.events for s in summaries):,}",
                      format_yuan(sum(s.amount_fen for s in summaries)))  # fmt: skip
    console.print(table)
