"""``anxin import …``: load persons (with their enrolment), settlements, claims and the long-term care
registers and bills into the database."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anxin.cli.common import console, errors, fail
from anxin.domain.errors import AnxinError

if TYPE_CHECKING:
    from anxin.services.imports import ImportSummary
    from anxin.store.database import Database

app = typer.Typer(
    help="导入参保人员、参保登记、结算数据、理赔与长护险评估、机构、护理账单（CSV/XLSX/Parquet，整文件要么全部导入要么全部拒绝）"
    " / import persons, enrolments, settlements, claims and long-term care files (all or nothing per file)",
    no_args_is_help=True,
)

FileArgument = Annotated[
    Path,
    typer.Argument(help="数据文件 CSV/XLSX/Parquet（可用中文表头）/ data file (Chinese headers accepted)"),
]
ErrorsOption = Annotated[
    Path | None,
    typer.Option(
        "--errors", help="有错误行时写出错误报告（.xlsx 或 .csv）/ write rejected rows to this file"
    ),
]
ActorOption = Annotated[
    str | None, typer.Option("--actor", help="操作人（记入审计日志，默认当前系统用户）/ who imports (audit)")
]


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "system"


def _database() -> Database:
    from anxin.store.database import open_database

    try:
        return open_database()
    except AnxinError as error:
        fail(error)


def _run(job, errors_report: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Run an import with a progress bar; show its summary, or its problems and where they are kept."""
    db = _database()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("校验并写入 / validating and writing", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total or None)

            summary = job(db, progress)
    except AnxinError as error:
        import_id = getattr(error, "import_id", None)
        if import_id is not None:
            errors.print(
                f"已记录为被拒绝的导入批次 {import_id}，可用 `anxin import problems {import_id}` 查看"
                f" / recorded as rejected import {import_id}"
            )
        fail(error, errors_report)
    finally:
        db.dispose()
    _print_summary(summary)


@app.command()
def persons(
    file: FileArgument,
    program: Annotated[str, typer.Option("--program", "-p", help="参保的项目代码 / program code")],
    year: Annotated[int, typer.Option("--year", "-y", help="参保年度 / program year")],
    funder: Annotated[
        str,
        typer.Option(
            help="缴费来源（文件未给出时）：政府/个人/捐助/单位/工会 / government, individual, donor, employer, union"
        ),
    ] = "government",
    premium: Annotated[str, typer.Option(help="缴费金额（元，文件未给出时）/ premium in yuan")] = "0",
    errors_report: ErrorsOption = None,
    actor: ActorOption = None,
) -> None:
    """导入参保人员并登记其参保年度 / import persons and enrol them in a program year.

    至少需要「证件号码/身份证号」列；可选：人员编号、姓名、性别、出生日期、联系电话、地址、行政区划、
    困难人员类别、缴费金额、户编号、村、学校、单位。身份证号码只加密保存。
    """
    from anxin.services.imports import import_persons

    who = _actor(actor)
    _run(
        lambda db, progress: import_persons(
            db,
            file,
            program_code=program,
            year=year,
            funder=funder,
            premium=premium,
            actor=who,
            progress=progress,
        ),
        errors_report,
    )


@app.command()
def settlements(file: FileArgument, errors_report: ErrorsOption = None, actor: ActorOption = None) -> None:
    """导入医保结算数据（须先导入参保人员）/ import settlement records (persons must be imported first).

    字段用国家医保平台字段名或中文表头（结算ID、人员编号、结算时间、符合政策范围金额…）；
    冲销记录在「原结算ID」列写明被冲销的结算。
    """
    from anxin.services.imports import import_settlements

    who = _actor(actor)
    _run(lambda db, progress: import_settlements(db, file, actor=who, progress=progress), errors_report)


@app.command()
def claims(
    file: FileArgument,
    program: Annotated[str, typer.Option("--program", "-p", help="项目代码 / program code")],
    errors_report: ErrorsOption = None,
    actor: ActorOption = None,
) -> None:
    """导入团体意外与健康、特定疾病的理赔（须先导入参保名单）/ import group-cover claims.

    必需列：赔案号，人员编号或证件号码，责任日期；团体意外另需理赔类型（身故、伤残、意外医疗、住院津贴、
    疾病住院），按类型需事故日期、入院/出院日期、伤残等级、医疗费用；特定疾病需疾病代码。
    """
    from anxin.services.imports import import_claims

    who = _actor(actor)
    _run(
        lambda db, progress: import_claims(db, file, program_code=program, actor=who, progress=progress),
        errors_report,
    )


@app.command()
def assessments(file: FileArgument, errors_report: ErrorsOption = None, actor: ActorOption = None) -> None:
    """导入长护险失能等级评估结论（须先导入参保人员）/ import disability assessments (long-term care).

    必需列：评估编号，人员编号或证件号码，评估日期，失能等级（如 重度失能Ⅰ级、3）；可选：评估方法（国家标准
    或 Barthel，默认国家标准）、Barthel评分、日常生活活动能力得分、认知能力得分、感知觉与沟通能力得分、有效期至。
    """
    from anxin.services.imports import import_assessments

    who = _actor(actor)
    _run(lambda db, progress: import_assessments(db, file, actor=who, progress=progress), errors_report)


@app.command()
def providers(file: FileArgument, errors_report: ErrorsOption = None, actor: ActorOption = None) -> None:
    """导入长护险定点护理服务机构 / import designated care providers (long-term care).

    必需列：机构编码，机构名称，服务类型（医疗专护、机构护理、居家上门护理、居家自护，多项以顿号或逗号分隔）；
    提供医疗专护的须填医院等级（一级、二级、三级）；可选：机构类型、行政区划。
    """
    from anxin.services.imports import import_providers

    who = _actor(actor)
    _run(lambda db, progress: import_providers(db, file, actor=who, progress=progress), errors_report)


@app.command()
def policies(file: FileArgument, errors_report: ErrorsOption = None, actor: ActorOption = None) -> None:
    """导入个人寿险保单（须先导入投保人和被保险人）/ import life policies (persons first).

    必需列：保单号，产品代码，投保人编号或投保人证件号码，行政区划，基本保险金额，生效日期；可选：被保险人编号或
    证件号码（默认为投保人）、业务员代码、回执签收日期、自动垫交（是/否）、保单状态及其日期、已交期数、借款本金等。
    """
    from anxin.services.imports import import_policies

    who = _actor(actor)
    _run(lambda db, progress: import_policies(db, file, actor=who, progress=progress), errors_report)


@app.command()
def beneficiaries(file: FileArgument, errors_report: ErrorsOption = None, actor: ActorOption = None) -> None:
    """导入保单受益人（须先导入保单）/ import the beneficiaries of stored life policies.

    必需列：保单号，受益比例（如 50%）；受益人编号、受益人证件号码或受益人姓名；可选：受益顺序（默认 1）。
    同一保单同一顺序的受益比例合计须为 100%。
    """
    from anxin.services.imports import import_beneficiaries

    who = _actor(actor)
    _run(lambda db, progress: import_beneficiaries(db, file, actor=who, progress=progress), errors_report)


@app.command("care-bills")
def care_bills(
    file: FileArgument,
    program: Annotated[str, typer.Option("--program", "-p", help="长护险项目代码 / program code")],
    errors_report: ErrorsOption = None,
    actor: ActorOption = None,
) -> None:
    """导入长护险月度护理账单（须先导入参保人员）/ import monthly care bills (long-term care).

    必需列：账单号，人员编号或证件号码，机构编码，服务类型，护理月份（如 2023-03），护理天数，护理费用；
    可选：护理开始日期、护理结束日期、原账单号（更正账单时填写被更正的账单号）。
    """
    from anxin.services.imports import import_care_bills

    who = _actor(actor)
    _run(
        lambda db, progress: import_care_bills(db, file, program_code=program, actor=who, progress=progress),
        errors_report,
    )


@app.command()
def problems(
    import_id: Annotated[int, typer.Argument(help="导入批次编号 / import batch number")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="写出错误报告（.xlsx 或 .csv）/ write the report")
    ] = None,
) -> None:
    """查看（并下载）一次导入被拒绝的行 / list (and save) the rejected rows of an import."""
    from anxin.domain.errors import InvalidRows
    from anxin.services.error_report import write_error_report
    from anxin.services.imports import import_batch, import_problems

    db = _database()
    try:
        batch = import_batch(db, import_id)
        found = import_problems(db, import_id)
    except AnxinError as error:
        fail(error)
    finally:
        db.dispose()
    console.print(f"导入批次 {batch.id}（{batch.kind}，{batch.file_name}）：{batch.status}", highlight=False)
    if not found:
        console.print("该批次没有被拒绝的行 / this import has no problems")
        return
    table = Table(
        "行 Row", "列 Column", "值 Value", "原因 Reason", title=f"{batch.problems} 处问题 / problems"
    )
    for problem in found[:50]:
        table.add_row(
            str(problem.row), problem.column, problem.value, f"{problem.reason_zh}\n{problem.reason_en}"
        )
    console.print(table)
    if out is not None:
        written = write_error_report(InvalidRows(batch.file_name, found, batch.problems), out)
        console.print(f"错误报告 / error report: {written}")


def _print_summary(summary: ImportSummary) -> None:
    if summary.already_imported:
        console.print(summary.note_zh, highlight=False)
        console.print(summary.note_en, style="dim", highlight=False)
    table = Table(
        "项目 Item", "数值 Value", title=f"导入批次 {summary.import_id} / import {summary.import_id}"
    )
    table.add_row("文件 file", summary.file_name)
    table.add_row("行数 rows", f"{summary.rows:,}")
    table.add_row("新增 inserted", f"{summary.inserted:,}")
    table.add_row("未变（已导入）unchanged", f"{summary.unchanged:,}")
    for name, count in summary.counts.items():
        table.add_row(f"  写入 {name}", f"{count:,}")
    console.print(table)
