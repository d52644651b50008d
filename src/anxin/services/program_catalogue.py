"""The shipped programs as people read them: versions with their dates and sources, each version's
parameters as readable yuan and percentages, and the difference between two versions.

Used by the staff pages and the API alike. Every function takes a program code (a shipped program)
or a :class:`~anxin.domain.programs.Program` already loaded (a file being drafted, a test's program).
Amounts are shown as ``"14,000.00 元"``, ratios as ``"60%"``, changes of ratio as ``"+5pp"``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from anxin.domain.errors import NotFound
from anxin.domain.money import BASIS_POINTS, format_ratio, format_yuan, round_half_up
from anxin.domain.programs import Program, ProgramVersion
from anxin.domain.programs.critical_illness import Band, BandOrigin, CriticalIllnessParameters, Tilt
from anxin.store import program_files
from anxin.store.program_files import shipped_programs

NONE_TEXT = "—"


@dataclass(frozen=True)
class SourceInfo:
    """Where a version's figures come from (文号 = ``reference``)."""

    title: str
    issuer: str
    reference: str
    published: dt.date | None
    url: str
    confirmed: bool
    note: str


@dataclass(frozen=True)
class VersionInfo:
    version: str
    effective_from: dt.date
    #: The last day in force: the day before the next version, none for the latest.
    effective_to: dt.date | None
    parameter_hash: str
    source: SourceInfo
    #: Every band and tilt confirmed against the source, and the source itself confirmed.
    confirmed: bool


@dataclass(frozen=True)
class ProgramInfo:
    code: str
    name_zh: str
    name_en: str
    kind: str
    kind_zh: str
    funder: str
    funder_zh: str
    population: str
    region: str
    year_starts: str
    counts_by: str
    counts_by_zh: str
    versions: tuple[VersionInfo, ...]

    @property
    def latest(self) -> VersionInfo:
        return self.versions[-1]


@dataclass(frozen=True)
class Parameter:
    """One parameter of a version, ready to show; ``value_en`` when the value has words in it."""

    key: str
    label_zh: str
    label_en: str
    value_text: str
    value_en: str = ""

    def value(self, lang: str = "zh") -> str:
        return (self.value_en or self.value_text) if lang == "en" else self.value_text


@dataclass(frozen=True)
class ParameterDiff:
    key: str
    label_zh: str
    label_en: str
    before: str
    after: str
    changed: bool
    before_en: str = ""
    after_en: str = ""


def _program(program: str | Program) -> Program:
    """The program itself, or the shipped program of that code (a code is never read as a path)."""
    if isinstance(program, Program):
        return program
    programs = shipped_programs(program_files.SHIPPED_DIR)
    if program not in programs:
        raise NotFound(
            f"没有该方案：{program[:64]}", f"no such program: {program[:64]}", code="unknown_program"
        )
    return programs[program]


def catalogue(directory: Path | None = None) -> list[ProgramInfo]:
    """Every shipped program (``programs/``, or ``directory``), by code."""
    found = shipped_programs(directory or program_files.SHIPPED_DIR)
    return [program_info(program) for program in found.values()]


def program_info(program: str | Program) -> ProgramInfo:
    p = _program(program)
    following = [v.effective_from for v in p.versions[1:]] + [None]
    versions = tuple(
        VersionInfo(
            version=v.version,
            effective_from=v.effective_from,
            effective_to=None if nxt is None else nxt - dt.timedelta(days=1),
            parameter_hash=p.parameter_hash(v),
            source=SourceInfo(
                title=v.source.title,
                issuer=v.source.issuer,
                reference=v.source.reference,
                published=v.source.published,
                url=v.source.url,
                confirmed=v.source.confirmed,
                note=v.source.note,
            ),
            confirmed=_confirmed(v),
        )
        for v, nxt in zip(p.versions, following, strict=True)
    )
    return ProgramInfo(
        code=p.code,
        name_zh=p.name_zh,
        name_en=p.name_en,
        kind=p.kind.value,
        kind_zh=p.kind.label_zh,
        funder=p.funder.value,
        funder_zh=p.funder.label_zh,
        population=p.population,
        region=p.region,
        year_starts=p.program_year.starts,
        counts_by=p.program_year.counts_by.value,
        counts_by_zh=p.program_year.counts_by.label_zh,
        versions=versions,
    )


def _confirmed(version: ProgramVersion) -> bool:
    parameters = version.parameters
    if not isinstance(parameters, CriticalIllnessParameters):
        checked = getattr(parameters, "all_confirmed", None)
        return version.source.confirmed and (checked() if checked else True)
    return (
        version.source.confirmed
        and all(b.confirmed for b in parameters.bands)
        and all(t.confirmed for t in parameters.tilts)
    )


def version_parameters(program: str | Program, version: str) -> list[Parameter]:
    """The version's parameters in a fixed order: effective date, deductible, band rule, bands, cap,
    then each tilt (preferential terms for vulnerable groups)."""
    p = _program(program)
    chosen = p.version_named(version)
    parameters = chosen.parameters
    effective = Parameter("effective_from", "生效日期", "effective from", chosen.effective_from.isoformat())
    if not isinstance(parameters, CriticalIllnessParameters):
        return [effective, *_described(parameters)]
    rows = [
        effective,
        Parameter(
            "deductible",
            "起付线",
            "deductible",
            _yuan(parameters.deductible),
            _yuan(parameters.deductible, "en"),
        ),
        _origin(parameters.band_origin),
    ]
    rows += [_band(parameters, i, band) for i, band in enumerate(parameters.bands, start=1)]
    if parameters.cap is None:
        rows.append(Parameter("cap", "年度封顶线", "annual cap", "不封顶", "no cap"))
    else:
        rows.append(
            Parameter("cap", "年度封顶线", "annual cap", _yuan(parameters.cap), _yuan(parameters.cap, "en"))
        )
    for tilt in parameters.tilts:
        rows += _tilt(parameters, tilt)
    return rows


def diff_versions(program: str | Program, a: str, b: str) -> list[ParameterDiff]:
    """Version ``a``'s parameters beside version ``b``'s: every key of either, in ``a``'s order then
    the keys only ``b`` has; a side without the key shows ``—``."""
    before = {row.key: row for row in version_parameters(program, a)}
    after = {row.key: row for row in version_parameters(program, b)}
    keys = list(before) + [key for key in after if key not in before]
    diffs = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        label = old or new
        assert label is not None
        diffs.append(
            ParameterDiff(
                key=key,
                label_zh=label.label_zh,
                label_en=label.label_en,
                before=old.value_text if old else NONE_TEXT,
                after=new.value_text if new else NONE_TEXT,
                changed=old is None
                or new is None
                or (old.value_text, old.value_en) != (new.value_text, new.value_en),
                before_en=old.value("en") if old else NONE_TEXT,
                after_en=new.value("en") if new else NONE_TEXT,
            )
        )
    return diffs


def _described(parameters: BaseModel) -> list[Parameter]:
    """Another kind's parameters, by the lines its model describes itself with (or, failing that,
    its keys and values as written)."""
    describe = getattr(parameters, "describe", None)
    if describe is not None:
        return [
            Parameter(line.key, line.label_zh, line.label_en, line.value_zh, line.value_en)
            for line in describe()
        ]
    flat = []
    for key, value in parameters.model_dump(mode="json").items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        flat.append(Parameter(key, key, key, text, text))
    return flat


def _yuan(fen: int, lang: str = "zh") -> str:
    return f"{format_yuan(fen)} {'yuan' if lang == 'en' else '元'}"


def _origin(origin: BandOrigin) -> Parameter:
    if origin is BandOrigin.ABSOLUTE:
        zh, en = "按年度累计费用分段", "bands on year-to-date cost"
    else:
        zh, en = "按起付线以上费用分段", "bands on cost above the deductible"
    return Parameter("band_origin", "分段方式", "band rule", zh, en)


def _band(parameters: CriticalIllnessParameters, number: int, band: Band) -> Parameter:
    previous = parameters.bands[number - 2].upto if number > 1 else None
    if parameters.band_origin is BandOrigin.ABSOLUTE:
        lo = parameters.deductible if previous is None else previous
        hi = band.upto
    else:  # edges measured above the deductible: shown as year-to-date amounts too
        lo = parameters.deductible + (previous or 0)
        hi = None if band.upto is None else parameters.deductible + band.upto
    zh_span = f"{_yuan(lo)}以上" if hi is None else f"{_yuan(lo)}–{_yuan(hi)}"
    en_span = f"above {_yuan(lo, 'en')}" if hi is None else f"{_yuan(lo, 'en')}–{_yuan(hi, 'en')}"
    zh = f"{zh_span}：{format_ratio(band.ratio)}"
    en = f"{en_span}: {format_ratio(band.ratio)}"
    if not band.confirmed:
        zh, en = f"{zh}（未核实）", f"{en} (unconfirmed)"
    return Parameter(f"band.{number}", f"第{number}段支付比例", f"band {number} ratio", zh, en)


def _tilt(parameters: CriticalIllnessParameters, tilt: Tilt) -> list[Parameter]:
    key = "tilt." + "+".join(sorted(g.value for g in tilt.groups))
    who_zh = "、".join(g.label_zh for g in tilt.groups)
    who_en = ", ".join(g.value.replace("_", " ") for g in tilt.groups)
    if tilt.deductible is not None:
        deductible_zh, deductible_en = _yuan(tilt.deductible), _yuan(tilt.deductible, "en")
    elif tilt.deductible_factor is not None:
        lowered = round_half_up(parameters.deductible * tilt.deductible_factor, BASIS_POINTS)
        factor = format_ratio(tilt.deductible_factor)
        deductible_zh = f"一般起付线的{factor}（{_yuan(lowered)}）"
        deductible_en = f"{factor} of the ordinary deductible ({_yuan(lowered, 'en')})"
    else:
        deductible_zh, deductible_en = "同一般人员", "as for everyone"
    bump = f"{'+' if tilt.ratio_bump >= 0 else ''}{format_ratio(tilt.ratio_bump)[:-1]}pp"
    cap_zh, cap_en = ("不设封顶线", "no cap") if tilt.remove_cap else ("同一般人员", "as for everyone")
    mark_zh, mark_en = ("（未核实）", " (unconfirmed)") if not tilt.confirmed else ("", "")
    return [
        Parameter(
            f"{key}.deductible",
            f"倾斜：{who_zh} 起付线",
            f"tilt: {who_en} deductible",
            deductible_zh + mark_zh,
            deductible_en + mark_en,
        ),
        Parameter(
            f"{key}.ratio_bump",
            f"倾斜：{who_zh} 支付比例提高",
            f"tilt: {who_en} ratio increase",
            bump + mark_zh,
            bump + mark_en,
        ),
        Parameter(
            f"{key}.cap", f"倾斜：{who_zh} 封顶线", f"tilt: {who_en} cap", cap_zh + mark_zh, cap_en + mark_en
        ),
    ]
