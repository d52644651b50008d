"""Reading KPI definition files (``kpis/*.toml``) into :class:`anxin.domain.kpi.KpiDefinition`.

Errors name the file, the KPI and the key, in Chinese and English; two definitions of the same code
(in one file or across files) are refused.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from anxin.domain.errors import InvalidProgram
from anxin.domain.kpi import KpiDefinition, parse_kpis

_ROOT = Path(__file__).resolve().parents[3]
#: The KPI definitions shipped with Anxin.
KPIS_DIR = _ROOT / "kpis"


def load_kpis(path: str | Path) -> dict[str, KpiDefinition]:
    """The KPIs of one file by code."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidProgram(
            f"找不到 KPI 定义文件：{path.name}", f"KPI file not found: {path.name}"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProgram(
            f"{path.name}: TOML 格式错误：{exc}", f"{path.name}: not valid TOML: {exc}"
        ) from None
    return parse_kpis(data, source_name=path.name)


def shipped_kpis(directory: Path = KPIS_DIR) -> dict[str, KpiDefinition]:
    """Every KPI of every file in ``directory`` by code, files in name order."""
    found: dict[str, KpiDefinition] = {}
    for path in sorted(directory.glob("*.toml")):
        for code, kpi in load_kpis(path).items():
            if code in found:
                raise InvalidProgram(
                    f"KPI 代码重复：{code}（{path.name}）", f"duplicate KPI code {code} ({path.name})"
                )
            found[code] = kpi
    return found
