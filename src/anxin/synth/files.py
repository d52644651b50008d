"""Writing and reading the synthetic province as Parquet, CSV or Excel files.

Columns keep the national platform's field names. Money is exact in every format: ``decimal(18, 2)``
in Parquet, plain ``"1234.56"`` text in CSV (UTF-8 with a byte-order mark, so Excel shows Chinese
correctly), and numbers formatted ``0.00`` in Excel, read back to the fen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from anxin.domain.errors import InvalidInput

FORMATS = ("parquet", "csv", "xlsx")
EXCEL_MAX_ROWS = 1_048_575
MONEY_COLUMNS = ("medfee_sumamt", "inscp_scp_amt", "hifp_pay")
#: Worksheet names in the Excel files (Chinese first).
SHEETS = {"persons": "参保人员 persons", "settlements": "结算明细 settlements"}

PERSONS_SCHEMA: dict[str, pl.DataType] = {
    "psn_no": pl.String(),
    "certno": pl.String(),
    "name": pl.String(),
    "sex": pl.String(),
    "birth_date": pl.Date(),
    "region_code": pl.String(),
    "city_code": pl.String(),
    "city_name": pl.String(),
    "vulnerable_group": pl.String(),
    "phone": pl.String(),
}
SETTLEMENTS_SCHEMA: dict[str, pl.DataType] = {
    "setl_id": pl.String(),
    "psn_no": pl.String(),
    "certno": pl.String(),
    "insutype": pl.String(),
    "med_type": pl.String(),
    "setl_time": pl.Datetime("us"),
    "begndate": pl.Date(),
    "enddate": pl.Date(),
    "medfee_sumamt": pl.Decimal(18, 2),
    "inscp_scp_amt": pl.Decimal(18, 2),
    "hifp_pay": pl.Decimal(18, 2),
    "fixmedins_code": pl.String(),
    "hosp_lv": pl.String(),
    "insuplc_admdvs": pl.String(),
    "psn_idet_type": pl.String(),
}
_SCHEMAS = {"persons": PERSONS_SCHEMA, "settlements": SETTLEMENTS_SCHEMA}
_DATETIME_TEXT = "%Y-%m-%d %H:%M:%S"
_DATE_TEXT = "%Y-%m-%d"


def fen_to_decimal_series(name: str, fen: np.ndarray) -> pl.Series:
    """Integer fen as an exact ``Decimal(18, 2)`` Series (the unscaled value *is* the fen)."""
    fen = np.ascontiguousarray(fen, dtype=np.int64)
    words = np.empty(len(fen) * 2, dtype=np.int64)
    words[0::2] = fen
    words[1::2] = np.where(fen < 0, -1, 0)
    array = pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words)])
    return pl.Series(name, array)


def empty_frame(kind: str) -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMAS[kind])


class _ParquetSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._writer.write_table(table, row_group_size=1_000_000)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class _CsvSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        self._first = True

    def write(self, frame: pl.DataFrame) -> None:
        frame.write_csv(
            self._file,
            include_bom=self._first,
            include_header=self._first,
            datetime_format=_DATETIME_TEXT,
            date_format=_DATE_TEXT,
        )
        self._first = False

    def close(self) -> None:
        self._file.close()


class _ExcelSink:
    """Excel cannot be appended to cheaply: the rows are gathered and written on close."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path = path
        self._sheet = sheet
        self._frames: list[pl.DataFrame] = []
        self._rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        self._rows += frame.height
        if self._rows > EXCEL_MAX_ROWS:
            raise InvalidInput(
                f"Excel 工作表最多 {EXCEL_MAX_ROWS:,} 行，数据已有 {self._rows:,} 行，请改用 Parquet 或 CSV",
                f"an Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows, got {self._rows:,}: use Parquet or CSV",
            )
        self._frames.append(frame)

    def close(self) -> None:
        frame = pl.concat(self._frames) if self._frames else pl.DataFrame()
        money = [c for c in MONEY_COLUMNS if c in frame.columns]
        frame = frame.with_columns(pl.col(money).cast(pl.Float64))
        frame.write_excel(
            self.path,
            worksheet=self._sheet,
            column_formats=dict.fromkeys(money, "0.00"),
            dtype_formats={pl.Date: "yyyy-mm-dd", pl.Datetime: "yyyy-mm-dd hh:mm:ss"},
        )


class ProvinceSinks:
    """The two files of a province, open for writing; ``paths`` says where they are."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise InvalidInput(
                f"不支持的文件格式：{fmt!r}（可用：{'、'.join(FORMATS)}）",
                f"unsupported file format: {fmt!r} (known: {', '.join(FORMATS)})",
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        self.paths = {kind: out_dir / f"{kind}.{fmt}" for kind in _SCHEMAS}
        if fmt == "parquet":
            self._sinks = {kind: _ParquetSink(path) for kind, path in self.paths.items()}
        elif fmt == "csv":
            self._sinks = {kind: _CsvSink(path) for kind, path in self.paths.items()}
        else:
            self._sinks = {kind: _ExcelSink(path, SHEETS[kind]) for kind, path in self.paths.items()}

    def write(self, persons: pl.DataFrame, settlements: pl.DataFrame) -> None:
        self._sinks["persons"].write(persons)
        self._sinks["settlements"].write(settlements)

    def close(self) -> None:
        for sink in self._sinks.values():
            sink.close()


@contextlib.contextmanager
def open_sinks(out_dir: Path, fmt: str) -> Iterator[ProvinceSinks]:
    sinks = ProvinceSinks(out_dir, fmt)
    try:
        yield sinks
    finally:
        sinks.close()


def read_province_frames(paths: dict[str, Path]) -> dict[str, pl.DataFrame]:
    """Read files written by this module back into frames with the original column types."""
    frames = {}
    for kind, path in paths.items():
        path = Path(path)
        schema = _SCHEMAS[kind]
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif path.suffix == ".csv":
            frame = pl.read_csv(path, schema=schema)
        elif path.suffix == ".xlsx":
            frame = _read_excel(path, SHEETS[kind], schema)
        else:
            raise InvalidInput(f"不认识的文件类型：{path.name}", f"unknown file type: {path.name}")
        frames[kind] = frame.select(list(schema))
    return frames


def _read_excel(path: Path, sheet: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    overrides: dict[str, pl.DataType] = {
        name: pl.Float64() if isinstance(dtype, pl.Decimal) else dtype for name, dtype in schema.items()
    }
    overrides = {n: (pl.Datetime("ms") if isinstance(d, pl.Datetime) else d) for n, d in overrides.items()}
    frame = pl.read_excel(path, sheet_name=sheet, schema_overrides=overrides)
    exact = []
    for name, dtype in schema.items():
        if isinstance(dtype, pl.Decimal):
            exact.append(fen_to_decimal_series(name, np.rint(frame[name].to_numpy() * 100)))
    return frame.with_columns(exact).cast(schema)  # type: ignore[arg-type]
