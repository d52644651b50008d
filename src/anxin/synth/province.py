"""The synthetic province: people and a year of their settlements, generated block by block.

People are generated in fixed blocks of :data:`BLOCK_PERSONS`. Each block draws from its own random
generator, derived from ``(seed, block index)``, and blocks are always produced in order, so the data
depend only on the arguments — never on how a caller chunks the writing. The resident-ID sequence
counter and the settlement numbering carry over from one block to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.synth.files import EXCEL_MAX_ROWS, empty_frame, open_sinks, read_province_frames
from anxin.synth.persons import IdSequenceCounter, generate_persons
from anxin.synth.regions import FIRST_SUPPORTED_YEAR, county_table
from anxin.synth.settlements import generate_settlements

#: People per generation block; fixed, so that any chunking gives the same data.
BLOCK_PERSONS = 50_000
_PERSONS_STREAM, _SETTLEMENTS_STREAM = 0, 1


@dataclass(frozen=True)
class Province:
    """Insured people (``persons``) and a year of their settlement lines (``settlements``)."""

    persons: pl.DataFrame
    settlements: pl.DataFrame


@dataclass(frozen=True, slots=True)
class _Spec:
    persons: int
    seed: int
    year: int
    settlements_per_person: float
    vulnerable_share: float

    @classmethod
    def checked(
        cls, persons: int, seed: int, year: int, settlements_per_person: float, vulnerable_share: float
    ) -> _Spec:
        """The arguments, validated (errors in Chinese and English) and normalised to plain numbers."""
        spec = cls(persons, seed, year, settlements_per_person, vulnerable_share)
        spec._validate()
        return cls(int(persons), int(seed), int(year), float(settlements_per_person), float(vulnerable_share))

    def _validate(self) -> None:
        if not _is_whole(self.persons):
            raise InvalidInput(
                f"人数必须是非负整数：{self.persons!r}",
                f"persons must be a whole number ≥ 0: {self.persons!r}",
            )
        if not _is_whole(self.seed):
            raise InvalidInput(
                f"随机种子必须是非负整数：{self.seed!r}", f"seed must be a whole number ≥ 0: {self.seed!r}"
            )
        if not _is_whole(self.year) or not FIRST_SUPPORTED_YEAR <= self.year <= 2100:
            raise InvalidInput(
                f"年度须在 {FIRST_SUPPORTED_YEAR}–2100 之间：{self.year!r}",
                f"year must be {FIRST_SUPPORTED_YEAR}–2100: {self.year!r}",
            )
        if not 0 <= self.settlements_per_person <= 1_000:
            raise InvalidInput(
                f"人均结算条数须在 0–1000 之间：{self.settlements_per_person!r}",
                f"settlements per person must be 0–1000: {self.settlements_per_person!r}",
            )
        if not 0 <= self.vulnerable_share <= 1:
            raise InvalidInput(
                f"困难人员占比须在 0–1 之间：{self.vulnerable_share!r}",
                f"vulnerable share must be 0–1: {self.vulnerable_share!r}",
            )


def _is_whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0


def _generator(seed: int, block: int, stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, stream))))


def _blocks(spec: _Spec) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """(persons, settlements) per block, in order."""
    table = county_table(spec.year)
    counter = IdSequenceCounter(table, spec.seed)
    next_line = 0
    for block, first in enumerate(range(0, spec.persons, BLOCK_PERSONS)):
        size = min(BLOCK_PERSONS, spec.persons - first)
        people = generate_persons(
            _generator(spec.seed, block, _PERSONS_STREAM),
            first_index=first,
            size=size,
            table=table,
            vulnerable_share=spec.vulnerable_share,
            counter=counter,
        )
        lines = generate_settlements(
            _generator(spec.seed, block, _SETTLEMENTS_STREAM),
            people,
            table=table,
            first_line=next_line,
            settlements_per_person=spec.settlements_per_person,
            vulnerable_share=spec.vulnerable_share,
        )
        next_line += lines.height
        yield people.frame, lines


def generate_province(
    persons: int = 10_000,
    seed: int = 42,
    year: int = 2023,
    settlements_per_person: float = 5.0,
    vulnerable_share: float = 0.03,
) -> Province:
    """A synthetic Shandong province held in memory; for millions of people use
    :func:`write_province_chunked`, which gives the same rows without holding them all."""
    spec = _Spec.checked(persons, seed, year, settlements_per_person, vulnerable_share)
    people: list[pl.DataFrame] = []
    lines: list[pl.DataFrame] = []
    for block_people, block_lines in _blocks(spec):
        people.append(block_people)
        lines.append(block_lines)
    if not people:
        return Province(empty_frame("persons"), empty_frame("settlements"))
    return Province(pl.concat(people, rechunk=True), pl.concat(lines, rechunk=True))


def write_province(province: Province, out_dir: str | Path, fmt: str = "parquet") -> dict[str, Path]:
    """Write ``persons.<fmt>`` and ``settlements.<fmt>`` into ``out_dir``; returns their paths."""
    with open_sinks(Path(out_dir), fmt) as sinks:
        sinks.write(province.persons, province.settlements)
    return sinks.paths


def read_province(paths: dict[str, Path]) -> Province:
    """Read a province written by :func:`write_province` (any format) back, with its column types."""
    frames = read_province_frames(paths)
    return Province(frames["persons"], frames["settlements"])


def write_province_chunked(
    out_dir: str | Path,
    persons: int = 10_000,
    seed: int = 42,
    year: int = 2023,
    settlements_per_person: float = 5.0,
    vulnerable_share: float = 0.03,
    fmt: str = "parquet",
    chunk_persons: int = 1_000_000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Path]:
    """Generate and write a province chunk by chunk (about ``chunk_persons`` people at a time).

    The files hold the same rows as ``write_province(generate_province(...))`` with the same
    arguments. ``progress(done_persons, total)`` is called after each chunk is written.
    """
    spec = _Spec.checked(persons, seed, year, settlements_per_person, vulnerable_share)
    if fmt == "xlsx" and persons * max(settlements_per_person, 1.0) > EXCEL_MAX_ROWS:
        raise InvalidInput(
            f"{persons:,} 人的结算明细超出 Excel 工作表行数上限，请改用 Parquet 或 CSV",
            f"settlements of {persons:,} people will not fit in an Excel sheet: use Parquet or CSV",
        )
    done = 0
    with open_sinks(Path(out_dir), fmt) as sinks:
        for people, lines in _chunks(spec, max(int(chunk_persons), 1)):
            sinks.write(people, lines)
            done += people.height
            if progress is not None:
                progress(done, persons)
        if done == 0:
            sinks.write(empty_frame("persons"), empty_frame("settlements"))
            if progress is not None:
                progress(0, persons)
    return sinks.paths


def _chunks(spec: _Spec, chunk_persons: int) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Whole blocks gathered into chunks of at least ``chunk_persons`` people (the last may be smaller)."""
    people: list[pl.DataFrame] = []
    lines: list[pl.DataFrame] = []
    for block_people, block_lines in _blocks(spec):
        people.append(block_people)
        lines.append(block_lines)
        if sum(frame.height for frame in people) >= chunk_persons:
            yield pl.concat(people, rechunk=False), pl.concat(lines, rechunk=False)
            people, lines = [], []
    if people:
        yield pl.concat(people, rechunk=False), pl.concat(lines, rechunk=False)
