"""``anxin callbacks …``: the new-policy callback tasks (新契约回访) — the follow-up list and recording a
call — and ``anxin kpis``: the life-service KPIs (电子化回访率, 电子化保全率) over a period."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import console, fail, parse_day
from anxin.domain.errors import AnxinError, InvalidInput
from anxin.domain.life.callbacks import (
    CONFIRMATION_COLUMNS,
    CallbackChannel,
    CallbackStatus,
    confirmation_label,
)

app = typer.Typer(
    help="新契约回访：待办清单与回访记录 / new-policy callbacks: the follow-up list and recording a call",
    no_args_is_help=True,
)


@app.command("list")
def list_tasks(
    status: Annotated[
        str | None, typer.Option("--status", help="状态 open / done / closed / the status")
    ] = None,
    overdue_on: Annotated[
        str | None, typer.Option("--overdue-on", help="此日逾期的待回访任务 / open and due before this day")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="行政区划前缀 / region code prefix")] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数 / rows shown")] = 100,
) -> None:
    """回访任务清单（按应回访日）/ callback tasks by due day."""
    from anxin.services.callbacks import callback_tasks
    from anxin.store.database import open_database

    try:
        overdue = parse_day(overdue_on) if overdue_on else None
        db = open_database()
        try:
            rows, total = callback_tasks(db, status=status, overdue_on=overdue, region=region, limit=limit)
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    table = Table(
        "保单号 Policy", "区划 Region", "产品 Product", "应回访日 Due", "状态 Status", "方式 Channel",
        "完成日 Done", "次数 Attempts", "未确认 Unconfirmed", title=f"回访任务 / callback tasks: {total:,}",
    )  # fmt: skip
    for task in rows:
        channel = CallbackChannel(task.channel).label_zh if task.channel else ""
        missing = "" if task.status != CallbackStatus.OPEN or not task.attempts else ", ".join(
            confirmation_label(c)[0] for c in task.missing
        )  # fmt: skip
        table.add_row(
            task.policy_no, task.region_code, task.product_code, str(task.due_on),
            f"{CallbackStatus(task.status).label_zh} {task.status}", channel, str(task.done_on or ""),
            str(task.attempts), missing or (task.closed_reason if task.status == CallbackStatus.CLOSED else ""),
        )  # fmt: skip
    console.print(table)


@app.command()
def record(
    policy_no: Annotated[str, typer.Argument(help="保单号 / policy number")],
    channel: Annotated[CallbackChannel, typer.Option("--channel", help="electronic 电子化 / phone 电话")],
    day: Annotated[str, typer.Option("--day", "-d", help="回访日期 / the day of the call")],
    all_confirmed: Annotated[
        bool, typer.Option("--all-confirmed", help="七项均已确认 / all seven points confirmed")
    ] = False,
    confirm: Annotated[
        str, typer.Option("--confirm", help="已确认的项，逗号分隔 / the points confirmed, comma-separated")
    ] = "",
    actor: Annotated[str, typer.Option(help="记录人 / who records it")] = "system",
) -> None:
    """记录一次回访：七项全部确认即完成，否则记为一次未完成的回访 / record a call on a policy's task."""
    from anxin.services.callbacks import record_callback
    from anxin.store.database import open_database

    points = [p.strip() for p in confirm.split(",") if p.strip()]
    confirmations = dict.fromkeys(CONFIRMATION_COLUMNS if all_confirmed else points, True)
    try:
        when = parse_day(day)
        db = open_database()
        try:
            task = record_callback(
                db, policy_no, channel=channel, confirmations=confirmations, day=when, actor=actor
            )
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    if task.status == CallbackStatus.DONE:
        console.print(f"回访完成 / callback done: {task.policy_no} {task.done_on}（{channel.label_zh}）")
        return
    console.print(f"回访未完成，任务仍待跟进 / callback not complete, the task stays open: {task.policy_no}")
    for column in task.missing:
        zh, en = confirmation_label(column)
        console.print(f"  未确认 / unconfirmed: {zh} / {en} ({column})")


def kpis(
    start: Annotated[
        str | None, typer.Option("--from", help="起始日（默认本年 1 月 1 日）/ first day")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="截止日（含，默认今天）/ last day (included)")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="行政区划前缀 / region code prefix")] = None,
) -> None:
    """服务指标：电子化回访率、电子化保全率 / the life-service KPIs over a period."""
    from anxin.domain.kpi import format_percent
    from anxin.services.life_kpis import kpi_values
    from anxin.store.database import open_database

    try:
        last = parse_day(end) if end else dt.date.today()
        first = parse_day(start) if start else dt.date(last.year, 1, 1)
        if last < first:
            raise InvalidInput(
                f"截止日 {last} 早于起始日 {first}", f"the last day {last} is before the first {first}"
            )
        db = open_database()
        try:
            values = kpi_values(db, start=first, end=last, region=region)
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    table = Table(
        "指标 KPI", "分子 Numerator", "分母 Denominator", "实际 Rate", "目标 Target",
        title=f"服务指标 / KPIs {first} – {last}",
    )  # fmt: skip
    for v in values:
        table.add_row(
            f"{v.name_zh} {v.name_en}", f"{v.numerator:,}", f"{v.denominator:,}", v.rate_text,
            format_percent(v.target_bp) if v.target_bp is not None else "",
        )  # fmt: skip
    console.print(table)
