"""A shipped program by its code, for callers who name one (the API, the pages).

Only the programs shipped in ``programs/`` are looked up: a code is never taken as a file path, so
a request cannot make the server read a file of its choosing.
"""

from __future__ import annotations

from anxin.domain.errors import InvalidInput, NotFound
from anxin.domain.programs import Program
from anxin.store.program_files import shipped_programs


class UnknownProgram(NotFound):
    code = "unknown_program"


class UnknownProgramField(InvalidInput):
    code = "unknown_program"


def shipped_program(code: str, *, field: bool = False) -> Program:
    """The shipped program ``code``; unknown codes raise :class:`UnknownProgram` (a missing
    resource, 404) or, with ``field``, :class:`UnknownProgramField` (an invalid value, 422)."""
    programs = shipped_programs()
    if code not in programs:
        known = ", ".join(sorted(programs))
        kind = UnknownProgramField if field else UnknownProgram
        raise kind(f"没有该代码的项目（已有：{known}）", f"no program with that code (shipped: {known})")
    return programs[code]
