"""Reading and writing tables in the formats users bring: CSV, Excel (.xlsx) and Parquet.

Reading keeps every cell as it was written (text for CSV and Excel) so that money is never routed
through a float; writing is all-or-nothing: the file appears complete or not at all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidInput

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


def format_of(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(FORMATS))
        raise InvalidInput(
            f"不支持的文件类型 {path.suffix!r}（支持 {known}）：{path.name}",
            f"unsupported file type {path.suffix!r} (supported: {known}): {path.name}",
        )
    return kind


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a whole file. CSV and Excel cells arrive as text; Parquet keeps its types."""
    path = Path(path)
    kind = format_of(path)
    if not path.exists():
        raise InvalidInput(f"找不到文件：{path}", f"file not found: {path}")
    try:
        if kind == "csv":
            return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", glob=False)
        if kind == "xlsx":
            return pl.read_excel(path, infer_schema_length=0)
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取文件 {path.name}：{exc}", f"cannot read {path.name}: {exc}") from exc


def write_table(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    kind = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        if kind == "csv":
            frame.write_csv(temporary)
        elif kind == "xlsx":
            frame.write_excel(temporary, autofit=True)
        else:
            frame.write_parquet(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path
