"""Commands that need no database: calc, explain, synth, demo, programs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from anxin.cli.common import ProgramOption, console, errors, fail
from anxin.domain.errors import AnxinError
from anxin.domain.money import format_ratio, format_yuan

app = typer.Typer()
programs_app = typer.Typer(help="查看项目定义 / inspect program files", no_args_is_help=True)


@app.command()
def calc(
    program: ProgramOption,
    settlements: Annotated[Path, typer.Option("--settlements", "-s", help="结算文件 CSV/XLSX/Parquet")],
    out: Annotated[Path, typer.Option("--out", "-o", help="结果文件 CSV/XLSX/Parquet / output file")],
    headers: Annotated[str, typer.Option(help="输出表头：en 字段名 / zh 中文")] = "en",
    errors_report: Annotated[
        Path | None,
        typer.Option("--errors", help="有错误行时写出错误报告（CSV/XLSX）/ write rejected rows here"),
    ] = None,
) -> None:
    """按项目规则计算每笔结算的大病保险赔付 / compute every settlement's payout with its explanation."""
    from anxin.services.calculate import calculate_file
    from anxin.store.program_files import resolve_program

    try:
        with console.status("读取、校验并计算 / reading, validating, computing…"):
            chosen = resolve_program(program)
            summary = calculate_file(chosen, settlements, out, headers=headers)
    except AnxinError as error:
        fail(error, errors_report)
    _print_summary(summary)


@app.command()
def explain(
    settlement_id: Annotated[str, typer.Argument(help="结算ID / settlement ID (setl_id)")],
    program: ProgramOption,
    settlements: Annotated[Path, typer.Option("--settlements", "-s", help="结算文件 / settlement file")],
    lang: Annotated[str, typer.Option(help="zh 中文 / en English / both")] = "zh",
) -> None:
    """逐行解释一笔结算的赔付 / explain one settlement's payout line by line."""
    from anxin.services.calculate import explain_settlement
    from anxin.store.program_files import resolve_program

    try:
        explanation = explain_settlement(resolve_program(program), settlements, settlement_id)
    except AnxinError as error:
        fail(error)
    if lang in ("zh", "both"):
        for line in explanation.lines_zh():
            console.print(line, highlight=False)
    if lang in ("en", "both"):
        if lang == "both":
            console.print()
        for line in explanation.lines_en():
            console.print(line, highlight=False)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录 / output folder")],
    persons: Annotated[int, typer.Option(help="参保人数 / insured persons (1,000 – 10,000,000)")] = 10_000,
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 42,
    year: Annotated[int, typer.Option(help="结算年度 / year of settlements")] = 2023,
    fmt: Annotated[str, typer.Option("--format", help="parquet / csv / xlsx")] = "parquet",
) -> None:
    """生成可复现的模拟省份（参保人与一年的结算）/ write a deterministic synthetic province."""
    from anxin.services.demo import synthesize

    if not 1_000 <= persons <= 10_000_000:
        errors.print("人数须在 1,000 到 10,000,000 之间 / persons must be within 1,000 – 10,000,000")
        raise typer.Exit(code=2)
    paths = synthesize(out, persons=persons, seed=seed, year=year, fmt=fmt, console=console)
    for kind, path in paths.items():
        console.print(f"{kind}: {path}")


@app.command()
def demo(
    persons: Annotated[int, typer.Option(help="模拟参保人数 / synthetic insured persons")] = 20_000,
    program: ProgramOption = "taian-ci",
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 42,
    workdir: Annotated[Path, typer.Option("--dir", help="工作目录 / working folder")] = Path("anxin-demo"),
) -> None:
    """演示：生成一个模拟省份，计算一年的大病保险，打印汇总 / synthesize a province, compute its year."""
    from anxin.services.demo import run_demo

    try:
        report = run_demo(workdir, persons=persons, program=program, seed=seed, console=console)
    except AnxinError as error:
        fail(error)
    console.print(report)


@programs_app.command("list")
def programs_list() -> None:
    """已发布的项目 / shipped programs."""
    from anxin.store.program_files import shipped_programs

    table = Table("代码 Code", "名称 Name", "类型 Kind", "版本 Versions", "已核实 Confirmed")
    for code, program in shipped_programs().items():
        versions = ", ".join(f"{v.version}（{v.effective_from}起）" for v in program.versions)
        confirmed = "是 yes" if all(v.source.confirmed for v in program.versions) else "否 no"
        table.add_row(
            code, f"{program.name_zh}\n{program.name_en}", program.kind.label_zh, versions, confirmed
        )
    console.print(table)


@programs_app.command("show")
def programs_show(program: Annotated[str, typer.Argument(help="项目文件或代码 / file or code")]) -> None:
    """显示项目各版本的参数与来源 / a program's versions, parameters and sources."""
    from anxin.domain.critical_illness import UNBOUNDED_FEN, resolve_schedule
    from anxin.domain.programs import ProgramKind
    from anxin.domain.programs.critical_illness import CriticalIllnessParameters
    from anxin.store.program_files import resolve_program

    try:
        chosen = resolve_program(program)
    except AnxinError as error:
        fail(error)
    console.print(f"[bold]{chosen.name_zh}[/] / {chosen.name_en}  ({chosen.code})")
    console.print(f"类型 Kind: {chosen.kind.label_zh} / {chosen.kind.label_en}")
    if chosen.kind is ProgramKind.CRITICAL_ILLNESS:
        console.print(
            f"年度 Year: 自 {chosen.program_year.starts} 起，按{chosen.program_year.counts_by.label_zh}计入"
        )
    else:
        console.print(f"年度 Year: 自 {chosen.program_year.starts} 起")
    for version in chosen.versions:
        params = version.parameters
        console.print(
            f"\n[bold]版本 {version.version}[/]（{version.effective_from} 起）参数指纹 {chosen.parameter_hash(version)}"
        )
        console.print(f"来源 Source: {version.source.title} {version.source.reference}".rstrip())
        if not version.source.confirmed:
            console.print("[yellow]未核实：示例数据 / unconfirmed: figures are examples[/]")
        if not isinstance(params, CriticalIllnessParameters):
            for line in params.describe():
                console.print(f"  {line.label_zh} / {line.label_en}: {line.value_zh}")
            continue
        groups = [None, *(g for tilt in params.tilts for g in tilt.groups)]
        for group in groups:
            schedule = resolve_schedule(params, group)
            who = group.label_zh if group else "一般人员"
            cap = "不设封顶" if schedule.cap >= UNBOUNDED_FEN else f"封顶 {format_yuan(schedule.cap)}"
            bands = "；".join(
                f"{format_yuan(b.lo)}–{format_yuan(b.hi) if b.hi < UNBOUNDED_FEN else '∞'} {format_ratio(b.ratio_bp)}"
                for b in schedule.bands
            )
            console.print(f"  {who}: 起付线 {format_yuan(schedule.deductible)}；{bands}；{cap}")


def _print_summary(summary: object) -> None:
    from anxin.services.calculate import CalculationSummary

    assert isinstance(summary, CalculationSummary)
    table = Table("项目 Item", "数值 Value", title="计算结果 / Result")
    table.add_row("结算笔数 settlements", f"{summary.settlements:,}")
    table.add_row("人数 persons", f"{summary.persons:,}")
    table.add_row("获赔人数 claimants", f"{summary.claimants:,}")
    table.add_row("合规自付费用 eligible owed (元)", format_yuan(summary.base_fen))
    table.add_row("大病保险赔付 paid (元)", format_yuan(summary.paid_fen))
    if summary.bureau_compared:
        table.add_row("与医保记录不一致 differ from hifmi_pay", f"{summary.bureau_differences:,}")
        table.add_row("差额合计 difference (元)", format_yuan(summary.bureau_difference_fen))
    console.print(table)
    if summary.output:
        console.print(f"结果文件 / output: {summary.output}")
