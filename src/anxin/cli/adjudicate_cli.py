"""``anxin adjudicate``: run a program over the stored settlements."""

from __future__ import annotations

from typing import Annotated

import typer

from anxin.cli.common import ProgramOption, fail, print_run, progress_bar
from anxin.domain.errors import AnxinError


def adjudicate(
    program: ProgramOption,
    year: Annotated[int | None, typer.Option(help="只处理该项目年度 / only this program year")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="全年重算（只写入差额）/ re-run every person from scratch")
    ] = False,
    chunk: Annotated[int, typer.Option(help="每个事务处理的人数 / persons per transaction")] = 20_000,
    review_above: Annotated[
        str | None,
        typer.Option(help="单笔超过此金额（元）转人工复核 / review lines above this amount (yuan)"),
    ] = None,
    actor: Annotated[str, typer.Option(help="操作人 / who runs it")] = "system",
) -> None:
    """理算：计算新结算（或全年重算）的赔付，每笔只写一次 / adjudicate new settlements exactly once.

    大病保险与补充医疗保险（特惠保险，须先运行其大病保险项目）/ critical illness and supplementary
    medical cover (run its critical-illness program first)."""
    from anxin.domain.money import parse_yuan
    from anxin.domain.programs import ProgramKind
    from anxin.services.adjudication import adjudicate as run
    from anxin.store.database import open_database
    from anxin.store.program_files import resolve_program

    try:
        chosen = resolve_program(program)
        db = open_database()
        with progress_bar() as bar:
            task = bar.add_task("理算 / adjudicating (persons)", total=None)
            summary = run(
                db,
                chosen,
                mode="full" if full else "incremental",
                year=year,
                actor=actor,
                chunk_persons=chunk,
                review_above_fen=None if review_above is None else parse_yuan(review_above),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except AnxinError as error:
        fail(error)
    supplementary = chosen.kind is ProgramKind.SUPPLEMENTARY_MEDICAL
    print_run(
        summary, "拒付（未参保、未登记困难人员等）rejected" if supplementary else "拒付（未参保等）rejected"
    )
