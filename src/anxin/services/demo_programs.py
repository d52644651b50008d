"""``anxin demo`` beyond critical illness: one program of every other kind, on the same province.

After the critical-illness year, the demo enrols part of the same residents in the other programs
and runs each one as its office would: the registered poor in the supplementary (特惠) program that
pays after critical illness; a city's residents in long-term care, with a month of care bills; the
elderly in an accident cover (银龄安康); women's groups in a specified-disease cover (女性安康);
hospital staff in a donated cover. Each is imported from files, adjudicated, paid and reported with
the same services a user calls from the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from anxin.domain.programs import Program, ProgramKind
from anxin.domain.programs.group_terms import Age
from anxin.domain.programs.long_term_care import LongTermCareProgram
from anxin.domain.programs.specified_disease import SpecifiedDiseaseParameters
from anxin.services.adjudication import adjudicate
from anxin.services.care_adjudication import adjudicate_care
from anxin.services.care_reports import care_report, care_summary_zh
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.claims_reports import claims_summary_zh, claims_year_report
from anxin.services.imports import (
    import_assessments,
    import_care_bills,
    import_claims,
    import_persons,
    import_providers,
)
from anxin.services.payments import BatchSummary, pay
from anxin.services.reports import program_year_report, summary_zh
from anxin.services.run_records import RunSummary
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.tabular import write_table
from anxin.synth.care import write_care_files
from anxin.synth.group_covers import Cover, elderly_cover, staff_cover, women_cover

#: The demo's program of each kind (besides critical illness), and the program year it runs.
ELDERLY, WOMEN, DONATED, CARE = (
    "qingdao-elderly-ga",
    "heilongjiang-union-women-sd",
    "wuhan-frontline-donated-ga",
    "shandong-city-ltc-resident",
)
#: The donated cover was given for 2020 (its only version).
DONATED_YEAR = 2020

Bar = Callable[[str], Callable[[int, int], None]]


@dataclass(frozen=True)
class ProgramOutcome:
    """One program's demo: enrolled from a file, its claims (or bills, settlements) run and paid."""

    code: str
    name_zh: str
    kind: ProgramKind
    year: int
    enrolled: int
    run: RunSummary
    batch: BatchSummary
    summary_zh: str


def run_other_programs(
    db: Database, persons: Path, workdir: Path, ci: Program, year: int, *, seed: int, bar: Bar
) -> list[ProgramOutcome]:
    """Every other kind of program, on the residents of ``persons`` (the province's persons file)."""
    shipped = shipped_programs()
    outcomes = []
    supplementary = [
        p
        for p in shipped.values()
        if p.kind is ProgramKind.SUPPLEMENTARY_MEDICAL
        and getattr(p.versions[-1].parameters, "after", None) == ci.code
    ]
    for program in supplementary:
        outcomes.append(_supplementary(db, program, persons, workdir, year, bar))
    outcomes.append(_care(db, shipped[CARE], persons, workdir, year, seed, bar))
    outcomes.append(_elderly(db, shipped[ELDERLY], persons, workdir, year, seed, bar))
    outcomes.append(_women(db, shipped[WOMEN], persons, workdir, year, seed, bar))
    outcomes.append(_donated(db, shipped[DONATED], persons, workdir, seed, bar))
    return outcomes


def cover_of(program: Program, year: int) -> Cover:
    """The period of cover of ``program``'s year ``year``."""
    starts = program.program_year.first_day(year)
    return Cover(starts, program.program_year.first_day(year + 1) - dt.timedelta(days=1))


def _supplementary(
    db: Database, program: Program, persons: Path, workdir: Path, year: int, bar: Bar
) -> ProgramOutcome:
    """The registered poor of the province enrolled; their settlements run after critical illness."""
    registered = pl.read_parquet(persons).filter(pl.col("vulnerable_group").is_not_null())
    roster = workdir / f"roster-{program.code}.parquet"
    write_table(registered.with_columns(缴费来源=pl.lit("政府")), roster)
    enrolled = import_persons(db, roster, program_code=program.code, year=year, actor="demo")
    run = adjudicate(db, program, actor="demo", progress=bar(f"理算 / adjudicating {program.code}"))
    batch = pay(db, program.code, actor="demo")
    summary = summary_zh(program_year_report(db, program.code, year))
    return _outcome(program, year, enrolled.rows, run, batch, summary)


def _care(
    db: Database, program: Program, persons: Path, workdir: Path, year: int, seed: int, bar: Bar
) -> ProgramOutcome:
    """One city's residents enrolled in long-term care, with December's care bills."""
    assert isinstance(program, LongTermCareProgram)
    people = pl.read_parquet(persons)
    city = people["city_code"].mode().sort()[0]
    residents = people.filter(pl.col("city_code") == city)
    roster = workdir / f"roster-{program.code}.parquet"
    write_table(residents.with_columns(缴费来源=pl.lit("个人")), roster)
    enrolled = import_persons(db, roster, program_code=program.code, year=year, actor="demo")
    month = dt.date(year, 12, 1)
    files = write_care_files(residents, workdir / "care", month, seed=seed, assessed_share=0.03)
    import_providers(db, files.providers, actor="demo")
    import_assessments(db, files.assessments, actor="demo")
    import_care_bills(db, files.bills, program_code=program.code, actor="demo")
    run = adjudicate_care(
        db, program, month, actor="demo", progress=bar(f"护理账单 / care bills {program.code}")
    )
    batch = pay(db, program.code, actor="demo")
    summary = care_summary_zh(care_report(db, program.code, year, month.month))
    return _outcome(program, year, enrolled.rows, run, batch, summary)


def _elderly(
    db: Database, program: Program, persons: Path, workdir: Path, year: int, seed: int, bar: Bar
) -> ProgramOutcome:
    cover = cover_of(program, year)
    min_age = _years(program.versions[-1].parameters.eligibility.min_age, 60)  # type: ignore[attr-defined]
    files = elderly_cover(
        workdir / "elderly", persons, cover=cover, min_age=min_age, share=0.5, premium_fen=2400, seed=seed
    )
    return _group(db, program, year, files, bar)


def _women(
    db: Database, program: Program, persons: Path, workdir: Path, year: int, seed: int, bar: Bar
) -> ProgramOutcome:
    parameters = program.versions[-1].parameters
    assert isinstance(parameters, SpecifiedDiseaseParameters)
    ages = parameters.eligibility
    files = women_cover(
        workdir / "women",
        persons,
        cover=cover_of(program, year),
        ages=(_years(ages.min_age, 0), _years(ages.max_age, 120)),
        group_size=(parameters.group.min_insured, 4 * parameters.group.min_insured),
        units=(1, parameters.max_units or 3),
        unit_premium_fen=parameters.unit_premium,
        diseases=[d.code for d in parameters.diseases],
        women=2_000,
        seed=seed,
    )
    return _group(db, program, year, files, bar)


def _donated(
    db: Database, program: Program, persons: Path, workdir: Path, seed: int, bar: Bar
) -> ProgramOutcome:
    files = staff_cover(
        workdir / "donated",
        persons,
        cover=cover_of(program, DONATED_YEAR),
        hospitals=5,
        staff=1_500,
        seed=seed,
    )
    return _group(db, program, DONATED_YEAR, files, bar)


def _group(db: Database, program: Program, year: int, files: dict[str, Path], bar: Bar) -> ProgramOutcome:
    enrolled = import_persons(db, files["roster"], program_code=program.code, year=year, actor="demo")
    import_claims(db, files["claims"], program_code=program.code, actor="demo")
    run = adjudicate_claims(db, program, actor="demo", progress=bar(f"理赔 / claims {program.code}"))
    batch = pay(db, program.code, actor="demo")
    summary = claims_summary_zh(claims_year_report(db, program.code, year))
    return _outcome(program, year, enrolled.rows, run, batch, summary)


def _years(limit: Age | None, default: int) -> int:
    """An age limit in whole years (a limit in days, for infants, is under a year)."""
    if limit is None:
        return default
    return 0 if limit.in_days else limit.count


def _outcome(
    program: Program, year: int, enrolled: int, run: RunSummary, batch: BatchSummary, summary: str
) -> ProgramOutcome:
    return ProgramOutcome(program.code, program.name_zh, program.kind, year, enrolled, run, batch, summary)
