"""Reading program files (TOML) from disk into validated :class:`~anxin.domain.programs.Program`."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

from anxin.domain.errors import InvalidProgram
from anxin.domain.programs import Program, parse_program

#: The program files shipped with Anxin (``programs/`` at the repository root, or in the wheel).
SHIPPED_DIR = Path(__file__).resolve().parents[3] / "programs"


def load_program(path: str | Path) -> Program:
    """Load one program file. Errors name the file, the key and the reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidProgram(f"找不到程序文件：{path}", f"program file not found: {path}") from None
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProgram(
            f"{path.name}: TOML 格式错误：{exc}", f"{path.name}: not valid TOML: {exc}"
        ) from None
    return parse_program(data, source_name=path.name)


def shipped_programs(directory: Path = SHIPPED_DIR) -> dict[str, Program]:
    """Every program file in ``directory``, by program code."""
    programs: dict[str, Program] = {}
    for path in sorted(directory.glob("*.toml")):
        program = load_program(path)
        if program.code in programs:
            raise InvalidProgram(
                f"程序代码重复：{program.code}（{path.name}）",
                f"duplicate program code {program.code} ({path.name})",
            )
        programs[program.code] = program
    return programs


def resolve_program(name: str | Path, directory: Path = SHIPPED_DIR) -> Program:
    """A program by file path, or by the code of a shipped program."""
    candidate = Path(name)
    if candidate.suffix == ".toml" or candidate.exists():
        return load_program(candidate)
    programs = shipped_programs(directory)
    if str(name) not in programs:
        known = ", ".join(sorted(programs))
        raise InvalidProgram(
            f"没有代码为 {name} 的程序（已有：{known}）", f"no program with code {name} (shipped: {known})"
        )
    return programs[str(name)]
