"""``anxin servicing …``: the daily servicing run (保全日批) of the stored life policies, for a day or a
range of days, with progress and a totals table; servicing requests (保全申请) on a policy and the quotes
of a loan, a surrender and a reinstatement."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import console, fail, parse_day, progress_bar
from anxin.domain.errors import AnxinError, InvalidInput
from anxin.domain.money import format_yuan

app = typer.Typer(
    help="个人寿险保全：日批、保全申请、试算 / life-policy servicing: the daily run, requests, quotes",
    no_args_is_help=True,
)


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


def _kinds() -> str:
    from anxin.domain.life.requests import RequestKind

    return "、".join(f"{k.value}（{k.label_zh}）" for k in RequestKind)


@app.command()
def request(
    policy_no: Annotated[str, typer.Argument(help="保单号 / policy number")],
    kind: Annotated[
        str,
        typer.Argument(
            help="保全项目 / request kind: contact_change 联系方式变更, beneficiary_change 受益人变更, "
            "policyholder_change 投保人变更, loan 借款, repayment 还款, reinstatement 复效, "
            "interest_free_reinstatement 免息复效, cooling_off_cancellation 犹豫期退保, surrender 退保, "
            "survival_benefit 生存金, premium_payment 交费"
        ),
    ],
    day: Annotated[str, typer.Option("--day", "-d", help="申请生效日，如 2026-01-31 / the day")],
    channel: Annotated[
        str, typer.Option(help="渠道 / channel: counter（柜面）, app, agent, phone, mail")
    ] = "counter",
    amount: Annotated[
        str | None, typer.Option(help="借款或还款金额（元）/ loan or repayment amount (yuan)")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="新电话 / new phone")] = None,
    address: Annotated[str | None, typer.Option(help="新地址 / new address")] = None,
    year: Annotated[
        int | None, typer.Option(help="生存金的保单年度 / policy year of a survival benefit")
    ] = None,
    policyholder: Annotated[
        str | None, typer.Option(help="新投保人的人员编号 / the new policyholder's person number")
    ] = None,
    beneficiary: Annotated[
        list[str] | None,
        typer.Option(
            help="受益人「姓名:顺序:份额[:人员编号]」，可重复，如 张三:1:50% / a beneficiary, repeatable"
        ),
    ] = None,
    consent: Annotated[
        bool, typer.Option("--consent", help="已取得被保险人书面同意 / the insured consented in writing")
    ] = False,
    actor: Annotated[str, typer.Option(help="经办人 / who enters it")] = "system",
) -> None:
    """办理一项保全申请并打印结果与计算说明 / apply a servicing request and print its explanation."""
    from anxin.domain.life.requests import Channel, RequestKind
    from anxin.domain.money import parse_yuan
    from anxin.services.servicing_requests import submit_request
    from anxin.store.database import open_database

    try:
        if kind not in {k.value for k in RequestKind}:
            raise InvalidInput(f"不认识的保全项目 {kind}（可用：{_kinds()}）", f"unknown request kind {kind}")
        if channel not in {c.value for c in Channel}:
            raise InvalidInput(f"不认识的渠道 {channel}", f"unknown channel {channel}")
        details: dict[str, object] = {}
        if amount is not None:
            details["amount_fen"] = parse_yuan(amount)
        if phone is not None:
            details["phone"] = phone
        if address is not None:
            details["address"] = address
        if year is not None:
            details["policy_year"] = year
        if policyholder is not None:
            details["policyholder_no"] = policyholder
        if beneficiary:
            details["beneficiaries"] = [_beneficiary(text) for text in beneficiary]
        if consent:
            details["insured_consent"] = True
        when = parse_day(day)
        db = open_database()
        try:
            result = submit_request(
                db,
                policy_no,
                RequestKind(kind),
                channel=Channel(channel),
                day=when,
                actor=actor,
                details=details,
            )
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    console.print(
        f"[bold]{result.request_no}[/] {result.kind.label_zh} / {result.kind.label_en}："
        f"{'已办理 done' if result.status == 'done' else result.status}，"
        f"金额 amount {format_yuan(result.amount_fen)} 元"
        + (f"，{result.due_by} 前支付 / due by {result.due_by}" if result.due_by else "")
    )
    _print_lines(result.lines_zh, result.lines_en)


def _beneficiary(text: str) -> dict[str, object]:
    """``张三:1:50%[:LP0002]`` → the beneficiary of a change request."""
    from decimal import Decimal, InvalidOperation

    parts = [p.strip() for p in text.replace("：", ":").split(":")]
    try:
        if len(parts) not in (3, 4):
            raise ValueError
        share = Decimal(parts[2].rstrip("%")) * 100
        if share != share.to_integral_value():
            raise ValueError
        row: dict[str, object] = {"name": parts[0], "order": int(parts[1]), "share_bp": int(share)}
    except (ValueError, InvalidOperation):
        raise InvalidInput(
            f"受益人应写作「姓名:顺序:份额[:人员编号]」，如 张三:1:50%：{text}",
            f"write a beneficiary as name:order:share[:person number], e.g. 张三:1:50%: {text}",
        ) from None
    if len(parts) == 4 and parts[3]:
        row["person_no"] = parts[3]
    return row


def _print_lines(zh: tuple[str, ...], en: tuple[str, ...]) -> None:
    for line_zh, line_en in zip(zh, en, strict=False):
        console.print(f"  {line_zh}", highlight=False)
        console.print(f"  {line_en}", style="dim", highlight=False)


@app.command()
def quote(
    policy_no: Annotated[str, typer.Argument(help="保单号 / policy number")],
    day: Annotated[str, typer.Option("--day", "-d", help="试算日，如 2026-01-31 / the day")],
) -> None:
    """试算可贷金额、退保金与复效应交金额（不办理）/ quote a loan, a surrender and a reinstatement."""
    from anxin.services.servicing_requests import quote_policy
    from anxin.store.database import open_database

    try:
        when = parse_day(day)
        db = open_database()
        try:
            quotes = quote_policy(db, policy_no, when)
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    console.print(f"[bold]{quotes.policy_no}[/] {quotes.day} 状态 status: {quotes.status}")
    for title, item in (
        ("可贷金额 / loan available", quotes.loan),
        ("退保金 / surrender value", quotes.surrender),
        ("复效应交 / to reinstate", quotes.reinstatement),
    ):
        if item is None:
            console.print(f"{title}：不适用 / not available")
            continue
        console.print(f"[bold]{title}：{format_yuan(item.amount_fen)} 元[/]")
        _print_lines(item.lines_zh, item.lines_en)


@app.command()
def refunds(
    day: Annotated[str, typer.Option("--day", "-d", help="截至日，如 2026-01-31 / as of the day")],
    pay: Annotated[bool, typer.Option("--pay", help="支付全部应付款 / pay everything owed")] = False,
    actor: Annotated[str, typer.Option(help="操作人 / who pays")] = "system",
) -> None:
    """应付客户的款项（退保金、退费、生存金、满期金），逾期（超过 30 日）标出；--pay 一次付清 /
    what is owed to customers, the overdue marked; --pay pays it all."""
    from anxin.services.life_refunds import pay_refunds, refunds_owed
    from anxin.store.database import open_database

    try:
        when = parse_day(day)
        db = open_database()
        try:
            owed = refunds_owed(db, when)
            paid = pay_refunds(db, when, actor=actor) if pay else None
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    table = Table("保单号 Policy", "应付 Owed (元)", "应付日 Since", "最迟支付日 Due by", "逾期 Overdue",
                  title=f"{when} 应付客户款项 / owed to customers")  # fmt: skip
    for item in owed:
        table.add_row(item.policy_no, format_yuan(item.amount_fen), str(item.since), str(item.due_by),
                      "逾期 overdue" if item.overdue(when) else "")  # fmt: skip
    console.print(table)
    overdue = sum(item.overdue(when) for item in owed)
    console.print(f"合计 total：{len(owed):,} 件 policies，{format_yuan(sum(i.amount_fen for i in owed))} 元；"
                  f"逾期 overdue {overdue:,}")  # fmt: skip
    if paid is not None:
        console.print(f"[bold]已支付 paid[/]：批次 run {paid.run_id}，{paid.policies:,} 件，{format_yuan(paid.amount_fen)} 元"
                      f"（超过 30 日 paid late {paid.paid_late:,}）")  # fmt: skip


@app.command()
def ledger(
    to: Annotated[str | None, typer.Option("--to", help="截至日（含）/ up to this day")] = None,
) -> None:
    """保全台账试算平衡：各科目借方、贷方与余额，合计为零 / the policy ledger's trial balance."""
    from anxin.services.life_ledger import trial_balance
    from anxin.store.database import open_database

    try:
        upto = parse_day(to) if to else None
        db = open_database()
        try:
            balances = trial_balance(db, upto=upto)
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    table = Table("科目 Account", "借方 Debit (元)", "贷方 Credit (元)", "余额 Balance (元)",
                  title=f"保全台账试算平衡 / trial balance{f' · {upto}' if upto else ''}")  # fmt: skip
    for b in balances:
        table.add_row(f"{b.label_zh} {b.account}", format_yuan(b.debit_fen), format_yuan(b.credit_fen),
                      format_yuan(b.balance_fen))  # fmt: skip
    total = sum(b.balance_fen for b in balances)
    table.add_row("合计 total", format_yuan(sum(b.debit_fen for b in balances)),
                  format_yuan(sum(b.credit_fen for b in balances)), format_yuan(total))  # fmt: skip
    console.print(table)
    if total:
        fail(
            InvalidInput(
                f"借贷不平，差 {format_yuan(total)} 元", f"debits and credits differ by {format_yuan(total)}"
            )
        )
