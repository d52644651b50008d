"""``anxin serve`` and ``anxin users``: the web application and the staff who sign in to it."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from anxin.cli.common import console, fail
from anxin.domain.errors import AnxinError

users_app = typer.Typer(help="用户与角色 / staff accounts and roles", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
) -> None:
    """启动网页与接口服务 / start the web application and the REST API."""
    import uvicorn

    from anxin.store.database import open_database
    from anxin.web.app import create_app, demo_welcome

    try:
        db = open_database()
    except AnxinError as error:
        fail(error)
    app = create_app(db)
    console.print(
        f"安心 Anxin: http://{host}:{port}/  (API: http://{host}:{port}/api/docs)",
        soft_wrap=True,
        highlight=False,
    )
    code = demo_welcome(app)
    if code:
        console.print(
            f"演示用户已登录 / the demo user is signed in: http://{host}:{port}/welcome?code={code}"
        )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="用户名 / username")],
    role: Annotated[
        list[str],
        typer.Option(
            "--role",
            "-r",
            help="角色，可多次给出 / role, repeatable: clerk adjuster reviewer finance risk_officer auditor manager admin",
        ),
    ],
    name: Annotated[str, typer.Option(help="显示名 / display name")] = "",
    password_env: Annotated[
        str, typer.Option(help="从该环境变量读取密码（否则提示输入）/ read the password from this variable")
    ] = "",
) -> None:
    """新建用户（首次使用时建立管理员）/ add a user (the first admin, to begin with)."""
    from anxin.services.users import add_user
    from anxin.store.database import open_database

    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("密码 Password: ")
        if getpass.getpass("再次输入 Again: ") != password:
            fail(AnxinError("两次输入的密码不一致", "the passwords differ", code="password_mismatch"))
    try:
        staff = add_user(
            open_database(), username, password, role, display_name=name, actor=getpass.getuser()
        )
    except AnxinError as error:
        fail(error)
    console.print(f"已新建用户 / added {staff.username}: {', '.join(r.value for r in staff.roles)}")


@users_app.command("list")
def list_() -> None:
    """列出用户 / list users."""
    from anxin.services.users import list_users
    from anxin.store.database import open_database

    for staff in list_users(open_database()):
        console.print(f"{staff.username}\t{staff.display_name}\t{', '.join(r.value for r in staff.roles)}")


@users_app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="用户名 / username")],
    name: Annotated[str, typer.Option(help="用途，如对接系统名 / what the token is for")] = "api",
) -> None:
    """为对接系统签发接口令牌（只显示一次）/ issue an API token for a partner system (shown once)."""
    from anxin.services.users import issue_token
    from anxin.store.database import open_database

    try:
        value = issue_token(open_database(), username, name, actor=getpass.getuser())
    except AnxinError as error:
        fail(error)
    console.print(value, highlight=False)
