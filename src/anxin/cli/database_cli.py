"""``anxin db``: the database's schema and the encryption key."""

from __future__ import annotations

import typer

from anxin.cli.common import console, fail
from anxin.domain.errors import AnxinError

app = typer.Typer(help="数据库与密钥 / database and key", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """升级数据库结构到最新版本 / migrate the database schema to the latest revision."""
    from anxin.store.config import load_settings
    from anxin.store.database import make_engine
    from anxin.store.database import upgrade as migrate

    settings = load_settings()
    try:
        engine = make_engine(settings.database_url)
        revision = migrate(engine)
    except AnxinError as error:
        fail(error)
    console.print(f"数据库已是最新版本 / schema at revision {revision}: {engine.url.render_as_string()}")


@app.command("new-key")
def new_key() -> None:
    """生成一个新的加密密钥（设置为 ANXIN_SECRET_KEY）/ print a new key for ANXIN_SECRET_KEY."""
    from anxin.store.config import new_key as make

    console.print(make(), highlight=False)
