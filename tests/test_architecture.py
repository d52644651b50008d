"""The import direction in ARCHITECTURE.md, enforced: entrypoints → services → synth → engine | store → domain.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); this test runs them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_modules_stay_small() -> None:
    """Small rooms: no module in the package grows past a readable size."""
    too_big = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "src" / "anxin").rglob("*.py")
        if "migrations" not in path.parts  # generated, one file per schema revision
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not too_big, too_big
