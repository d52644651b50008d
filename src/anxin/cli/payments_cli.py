"""`anxin pay …`: payment batches, reversals, reconciliation with the bureau, and the ledger."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import console, fail
from anxin.domain.errors import AnxinError
from anxin.domain.money import format_yuan

app = typer.Typer(
    help="支付、冲正、对账与账簿 / payments, reversals, reconciliation and the ledger",
    no_args_is_help=True,
    add_completion=False,
)

CodeOption = Annotated[str, typer.Option("--program", "-p", help="项目代码，如 taian-ci / program code")]
YearOption = Annotated[int, typer.Option("--year", "-y", help="项目年度，如 2023 / program year")]
ActorOption = Annotated[
    str | None,
    typer.Option("--actor", envvar="ANXIN_ACTOR", help="操作人（记入审计日志）/ who acts (audit log)"),
]


def actor_name(given: str | None) -> str:
    """The person acting: ``--actor``/``ANXIN_ACTOR``, else the login name."""
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _open():  # type: ignore[no-untyped-def]
    from anxin.store.database import open_database

    return open_database()


@app.command("batch")
def batch(
    program: CodeOption,
    payee: Annotated[
        str | None,
        typer.Option(
            help="收款方：fund 医保基金账户 / person 参保人（默认：大病保险为 fund，团体理赔为 person）"
            " / who receives the money (default: fund; person for group-cover claims)"
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="幂等键：重复提交同一键只返回原批次 / idempotency key"),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="本批最多笔数 / at most this many lines")] = None,
    actor: ActorOption = None,
) -> None:
    """把已审核通过、尚未支付的赔付生成一个支付批次（每笔只付一次）/ pay every approved line not yet paid, once."""
    from anxin.services.payments import pay

    try:
        db = _open()
        with console.status("生成支付批次 / paying…"):
            summary = pay(db, program, payee=payee, actor=actor_name(actor), idempotency_key=key, limit=limit)
    except AnxinError as error:
        fail(error)
    if summary.batch_id is None:
        console.print("没有待支付的赔付 / nothing to pay")
        return
    title = f"支付批次 / batch {summary.batch_id}" + ("（已存在 / replayed）" if summary.replayed else "")
    table = Table("项目 Item", "数值 Value", title=title)
    table.add_row("项目 program", summary.program_code)
    table.add_row("收款方 payee", summary.payee)
    table.add_row("赔付笔数 payouts", f"{summary.payouts:,}")
    table.add_row("赔付金额 paid (元)", format_yuan(summary.payouts_fen))
    table.add_row("追回笔数 recoveries", f"{summary.recoveries:,}")
    table.add_row("追回金额 recovered (元)", format_yuan(summary.recoveries_fen))
    table.add_row("净额 net (元)", format_yuan(summary.total_fen))
    table.add_row("凭证 journals", ", ".join(summary.journals) or "—")
    console.print(table)


@app.command("reverse")
def reverse(
    payment_id: Annotated[int, typer.Argument(help="要冲正的支付编号 / payment to reverse")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="冲正原因（勿写身份证号）/ why")],
    actor: ActorOption = None,
) -> None:
    """冲正一笔支付：新增一笔反向支付和反向凭证，原记录不改 / reverse a payment by a new opposite one."""
    from anxin.services.payments import reverse_payment

    try:
        result = reverse_payment(_open(), payment_id, actor=actor_name(actor), reason=reason)
    except AnxinError as error:
        fail(error)
    console.print(
        f"已冲正支付 {result.reverses_payment_id}：新支付 {result.payment_id}，金额 {format_yuan(result.amount_fen)} 元，"
        f"凭证 {result.journal} / reversed payment {result.reverses_payment_id} by payment {result.payment_id}"
    )


@app.command("reconcile")
def reconcile(
    program: CodeOption,
    year: YearOption,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="差异报告 CSV/XLSX / differences report")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """与医保记录的大病保险支付（hifmi_pay）逐笔对账 / reconcile our payouts with the bureau's figures."""
    from anxin.services.reconciliation import KIND_ZH, export_reconciliation, reconcile, summary_rows

    try:
        db = _open()
        with console.status("对账 / reconciling…"):
            report = reconcile(db, program, year)
        written = export_reconciliation(db, report, out, actor=actor_name(actor)) if out else []
    except AnxinError as error:
        fail(error)
    table = Table("项目 Item", "数值 Value", "单位 Unit", title=f"对账 / reconciliation {program} {year}")
    for item, value, unit in summary_rows(report, grouping=True)[2:]:
        table.add_row(item, value, unit)
    console.print(table)
    if report.differences.height:
        shown = Table(
            "结算ID setl_id", "参保人 person", "我方 ours", "医保 bureau", "差额 difference", "说明 note"
        )
        for row in report.differences.head(20).iter_rows(named=True):
            shown.add_row(
                row["setl_id"],
                row["person"],
                _money(row["ours_fen"]),
                _money(row["bureau_fen"]),
                _money(row["difference_fen"]),
                KIND_ZH[row["kind"]],
            )
        console.print(shown)
        if report.differences.height > 20:
            console.print(
                f"……共 {report.differences.height:,} 笔差异，完整清单请用 --out / all differences: --out"
            )
    for path in written:
        console.print(f"差异报告 / report: {path}")


@app.command("ledger")
def ledger_balance() -> None:
    """账簿试算平衡表，并检查每张凭证借贷相等 / trial balance, and check every journal balances."""
    from anxin.services.ledger import assert_balanced, trial_balance

    try:
        db = _open()
        balances = trial_balance(db)
        assert_balanced(db)
    except AnxinError as error:
        fail(error)
    table = Table("科目 Account", "余额 Balance (元，借正贷负 debit +)", title="试算平衡 / trial balance")
    for account, balance in balances.items():
        table.add_row(account, format_yuan(balance))
    console.print(table)
    console.print("每张凭证借贷相等 / every journal balances")


def _money(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(fen)
