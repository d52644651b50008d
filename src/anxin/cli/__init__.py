"""The ``anxin`` command line. Every long job shows progress; every error is in Chinese and English."""

from __future__ import annotations

import typer

from anxin.cli import (
    adjudicate_cli,
    callbacks_cli,
    care_cli,
    claims_cli,
    database_cli,
    imports_cli,
    payments_cli,
    premiums_cli,
    programs_cli,
    reports_cli,
    servicing_cli,
    web_cli,
)

app = typer.Typer(
    help="安心 Anxin：大病保险等民生保险项目的精确计算与解释 / mass-scale insurance programs, computed exactly.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.registered_commands += programs_cli.app.registered_commands
app.add_typer(programs_cli.programs_app, name="programs")
app.add_typer(database_cli.app, name="db")
app.add_typer(imports_cli.app, name="import")
app.command("adjudicate")(adjudicate_cli.adjudicate)
app.add_typer(claims_cli.app, name="claims")
app.add_typer(care_cli.app, name="care")
app.add_typer(servicing_cli.app, name="servicing")
app.add_typer(premiums_cli.app, name="premiums")
app.add_typer(callbacks_cli.app, name="callbacks")
app.command("kpis")(callbacks_cli.kpis)
app.add_typer(payments_cli.app, name="pay")
app.add_typer(reports_cli.app, name="report")
reports_cli.app.command("care")(care_cli.report)
app.command("serve")(web_cli.serve)
app.add_typer(web_cli.users_app, name="users")
