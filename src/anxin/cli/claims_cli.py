"""``anxin claims …``: run the claims of a group-cover program (团体意外与健康, 特定疾病)."""

from __future__ import annotations

from typing import Annotated

import typer

from anxin.cli.common import ProgramOption, fail, print_run, progress_bar
from anxin.domain.errors import AnxinError

app = typer.Typer(
    help="团体意外与健康、特定疾病的理赔理算 / claims of group accident and specified-disease programs",
    no_args_is_help=True,
)


@app.command()
def adjudicate(
    program: ProgramOption,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="只写该保单年度的理赔 / only this policy year")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="重算全部理赔（只写入差额）/ recompute every claimant")
    ] = False,
    chunk: Annotated[int, typer.Option(help="每个事务处理的人数 / persons per transaction")] = 5_000,
    review_above: Annotated[
        str | None,
        typer.Option(help="单笔超过此金额（元）转人工复核 / review lines above this amount (yuan)"),
    ] = None,
    actor: Annotated[str, typer.Option(help="操作人 / who runs it")] = "system",
) -> None:
    """理算理赔：新理赔写赔付行，应付变化写调整行，每笔只写一次 / adjudicate claims exactly once."""
    from anxin.domain.money import parse_yuan
    from anxin.services.claims_adjudication import adjudicate_claims
    from anxin.store.database import open_database
    from anxin.store.program_files import resolve_program

    try:
        chosen = resolve_program(program)
        db = open_database()
        try:
            with progress_bar() as bar:
                task = bar.add_task("理算 / adjudicating (persons)", total=None)
                summary = adjudicate_claims(
                    db,
                    chosen,
                    mode="full" if full else "incremental",
                    year=year,
                    actor=actor,
                    chunk_persons=chunk,
                    review_above_fen=None if review_above is None else parse_yuan(review_above),
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    print_run(summary, "拒赔 rejected")
