"""Which documents a group-cover claim needs and which it lacks, from its program's checklist.

The checklist is the program version's ``documents`` (:mod:`anxin.domain.programs.claim_documents`);
the documents received are stored with the claim as comma-separated codes. One implementation for
the intake, the claim page and the claims run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import NotFound
from anxin.domain.group_accident import ClaimType
from anxin.domain.programs import Program, ProgramKind
from anxin.domain.programs.claim_documents import Document, Documents, missing, names
from anxin.domain.programs.model import ProgramVersion
from anxin.services.imports.claim_fields import SPECIFIED_DISEASE
from anxin.services.imports.claims import CLAIM_KINDS
from anxin.store.bulk import select_by_keys
from anxin.store.program_files import shipped_programs
from anxin.store.schema import Claim


@dataclass(frozen=True)
class ClaimTypeChecklist:
    """One claim type of a program: its names and the documents it needs."""

    claim_type: str
    label_zh: str
    label_en: str
    documents: Documents


@dataclass(frozen=True)
class Checklist:
    program_code: str
    name_zh: str
    name_en: str
    kind: str
    version: str
    confirmed: bool
    note: str
    claim_types: tuple[ClaimTypeChecklist, ...]

    def of(self, claim_type: str) -> ClaimTypeChecklist | None:
        return next((t for t in self.claim_types if t.claim_type == claim_type), None)


def claims_program(program_code: str) -> Program:
    """A shipped program taking group-cover claims, or :class:`NotFound`."""
    program = shipped_programs().get(program_code)
    if program is None or program.kind not in CLAIM_KINDS:
        raise NotFound(
            f"没有接收理赔的团体保障项目：{program_code}",
            f"no group-cover program taking claims: {program_code}",
            code="program_not_found",
        )
    return program


def claims_programs() -> list[Program]:
    """The shipped programs that take group-cover claims, by code."""
    return sorted((p for p in shipped_programs().values() if p.kind in CLAIM_KINDS), key=lambda p: p.code)


def type_labels(kind: ProgramKind) -> dict[str, tuple[str, str]]:
    if kind is ProgramKind.SPECIFIED_DISEASE:
        return {SPECIFIED_DISEASE: ("特定疾病保险金", "specified-disease benefit")}
    return {t.value: (t.label_zh, t.label_en) for t in ClaimType}


def required(version: ProgramVersion, claim_type: str) -> Documents:
    documents = getattr(version.parameters, "documents", None)
    return () if documents is None else documents.required(claim_type)


def version_for(program: Program, day: dt.date | None) -> ProgramVersion:
    """The version in force on ``day`` (the latest when no day is given or before the first)."""
    if day is None or day < program.versions[0].effective_from:
        return program.versions[-1]
    return program.version_on(day)


def checklist(program_code: str, day: dt.date | None = None) -> Checklist:
    """The claim types a program accepts (in the version in force on ``day``) and their documents."""
    program = claims_program(program_code)
    version = version_for(program, day)
    labels = type_labels(program.kind)
    if program.kind is ProgramKind.SPECIFIED_DISEASE:
        accepted: tuple[str, ...] = (SPECIFIED_DISEASE,)
    else:
        accepted = version.parameters.claim_types()  # type: ignore[attr-defined]
    documents = getattr(version.parameters, "documents", None)
    return Checklist(
        program_code=program.code,
        name_zh=program.name_zh,
        name_en=program.name_en,
        kind=program.kind.value,
        version=version.version,
        confirmed=documents.confirmed if documents is not None else True,
        note=documents.note if documents is not None else "",
        claim_types=tuple(ClaimTypeChecklist(t, *labels[t], required(version, t)) for t in accepted),
    )


def received_codes(text: str) -> tuple[str, ...]:
    """The stored ``"a,b"`` as codes."""
    return tuple(code for code in (part.strip() for part in text.split(",")) if code)


def missing_documents(version: ProgramVersion, claim_type: str, received: str) -> Documents:
    """The documents a claim of ``claim_type`` under ``version`` lacks."""
    return missing(required(version, claim_type), received_codes(received))


def labelled(codes: tuple[str, ...] | Documents) -> list[tuple[str, str, str]]:
    """(code, Chinese, English) for each document code (unknown codes as themselves)."""
    out = []
    for code in codes:
        try:
            d = Document(code)
            out.append((d.value, d.label_zh, d.label_en))
        except ValueError:
            out.append((str(code), str(code), str(code)))
    return out


# ── the claims run ────────────────────────────────────────────────────────────────────────────────

_RECEIVED_SCHEMA: dict[str, pl.DataType] = {
    "claim_key": pl.Int64(),
    "documents": pl.String(),
    "channel": pl.String(),
}
MISSING_COLUMNS = ("documents_missing", "documents_missing_zh", "documents_missing_en")


def received_of(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    """Each claim's documents received and channel (``claim_key``, ``documents``, ``channel``)."""
    statement = sa.select(Claim.id, Claim.documents, Claim.channel).where(Claim.program_code == program_code)
    return select_by_keys(connection, statement, Claim.person_id, person_ids, _RECEIVED_SCHEMA)


def with_missing(result: pl.DataFrame, program: Program) -> pl.DataFrame:
    """``result`` (with ``version``, ``claim_type``, ``documents``, ``channel``) plus the documents
    each claim lacks: codes, Chinese and English names (empty when nothing is missing).

    Claims entered through the API or the form are always checked; a file's claims only when the
    file recorded documents (older files without the column leave the check to the paper file)."""
    checked = (pl.col("channel").fill_null("file") != "file") | (pl.col("documents").fill_null("") != "")
    combos = (
        result.filter(checked).select("version", "claim_type", pl.col("documents").fill_null("")).unique()
    )
    rows = []
    for version, claim_type, documents in combos.iter_rows():
        lacking = missing_documents(program.version_named(version), claim_type, documents)
        codes = ",".join(d.value for d in lacking)
        rows.append((version, claim_type, documents, codes, names(lacking), names(lacking, "en")))
    schema = dict.fromkeys(("version", "claim_type", "_documents", *MISSING_COLUMNS), pl.String)
    found = pl.DataFrame(rows, schema=schema, orient="row")
    keyed = result.with_columns(
        _documents=pl.when(checked).then(pl.col("documents").fill_null("")),
        version=pl.col("version").cast(pl.String),
    )
    joined = keyed.join(found, on=["version", "claim_type", "_documents"], how="left").drop("_documents")
    return joined.with_columns(pl.col(c).fill_null("") for c in MISSING_COLUMNS)
