"""Registering one group-cover claim (理赔登记) through the API or the web form.

The claim is checked exactly as a row of a claims file (:func:`.imports.claim_rows.validate_claims`,
the same messages, each naming its field); its person is found by ``psn_no`` or by the ID number's
keyed hash and must be enrolled in the program with cover on the claim's event day (the accident,
the admission of an illness stay, the diagnosis). ``claim_no`` is the natural key: the same claim
again changes nothing, another claim under the same number is a :class:`Conflict` (claims are never
edited). Each new claim is written with its channel, the documents received and who entered it,
and audited in the same transaction (never with the ID number or the diagnosis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from anxin.domain.errors import Conflict, InvalidInput, InvalidRows, RowProblem
from anxin.domain.programs.claim_documents import Documents
from anxin.services import claims_data
from anxin.services.claim_documents import claims_program, missing_documents, version_for
from anxin.services.imports.claim_fields import BY_NAME
from anxin.services.imports.claim_rows import STORED, validate_claims
from anxin.services.imports.claims import CONFLICT_EN, CONFLICT_ZH
from anxin.services.imports.problems import Problems
from anxin.services.imports.settlement_plan import resolve_persons
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.schema import Claim, Enrollment

CHANNELS = ("api", "web")
#: The fields of an entry, as a claims file names its columns.
ENTRY_FIELDS = (
    "claim_no", "psn_no", "certno", "claim_type", "due_on", "accident_on", "admitted_on",
    "discharged_on", "grades", "expense", "disease_code", "basic_insurance", "documents",
)  # fmt: skip
#: Compared with a stored claim of the same number (channel and who entered it are not content).
CONTENT = ("person_id", "program_code", *(n for n in STORED if n != "claim_no"))


@dataclass(frozen=True)
class ClaimEntry:
    """One claim as a clerk gives it: text as on a form (dates ``2024-01-05``, yuan ``380.00``)."""

    program_code: str
    claim_no: str
    claim_type: str = ""
    psn_no: str = ""
    certno: str = ""
    due_on: str = ""
    accident_on: str = ""
    admitted_on: str = ""
    discharged_on: str = ""
    grades: str = ""
    expense: str = ""
    disease_code: str = ""
    #: ``是``/``否`` (yes/no); empty: insured (the file import's default).
    basic_insurance: str = ""
    documents: tuple[str, ...] = field(default_factory=tuple)

    def cells(self) -> dict[str, str]:
        values = {name: getattr(self, name) for name in ENTRY_FIELDS if name != "documents"}
        values["documents"] = ",".join(self.documents)
        return {k: (v or "").strip() for k, v in values.items()}


@dataclass(frozen=True)
class IntakeResult:
    claim_id: int
    claim_no: str
    program_code: str
    #: ``created`` or ``unchanged`` (the same claim was entered before).
    status: str
    missing: Documents

    @property
    def created(self) -> bool:
        return self.status == "created"


class InvalidClaim(InvalidRows):
    """A claim with bad fields: each problem names its field; nothing is written."""

    code = "invalid_claim"

    def __init__(self, problems: list[RowProblem]) -> None:
        self.source = "claim"
        self.problems = problems
        self.total = len(problems)
        zh = "；".join(f"「{_label(p.column)}」{p.reason_zh}" for p in problems)
        en = "; ".join(f"{p.column}: {p.reason_en}" for p in problems)
        InvalidInput.__init__(self, f"理赔登记有误：{zh}", f"the claim is not valid: {en}")


def _label(name: str) -> str:
    found = BY_NAME.get(name)
    return f"{found.label_zh} {name}" if found else name


def _invalid(error: InvalidRows) -> InvalidClaim:
    return InvalidClaim(list(error.problems))


def enter_claim(db: Database, entry: ClaimEntry, *, channel: str, actor: str) -> IntakeResult:
    """Register ``entry`` (``channel``: ``api`` or ``web``) as entered by ``actor``."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    program = claims_program(entry.program_code)
    cells = entry.cells()
    if cells["psn_no"] and cells["certno"]:
        cells["certno"] = ""  # the personnel number decides; the ID number is not needed then
    raw = pl.DataFrame(
        {name: [value] for name, value in cells.items()}, schema=dict.fromkeys(cells, pl.String)
    )
    try:
        checked = validate_claims(raw, program.kind.value, source="claim", first_row=1, path=Path("claim"))
    except InvalidRows as error:
        raise _invalid(error) from None
    frame = checked.frame.with_columns(person_id=pl.lit(None, pl.Int64))
    for _ in range(2):  # a second try only when another request stored the same number meanwhile
        try:
            return _store(db, program.code, frame, checked.headers, channel, actor)
        except IntegrityError:
            continue
    raise Conflict(CONFLICT_ZH, CONFLICT_EN, code="claim_conflict")


def _store(
    db: Database,
    program_code: str,
    frame: pl.DataFrame,
    headers: dict[str, str],
    channel: str,
    actor: str,
) -> IntakeResult:
    program = claims_program(program_code)
    with db.session() as session, session.begin():
        connection = session.connection()
        problems = Problems()
        who = "psn_no" if frame["psn_no"][0] else "certno"
        found = resolve_persons(connection, frame, {who: who}, db.protector, problems)
        if error := problems.error("claim"):
            raise _invalid(error)
        row = found.with_columns(_event=claims_data.event_day()).row(0, named=True)
        _check_cover(connection, program_code, row, who)
        values = {name: row[name] for name in STORED} | {
            "person_id": row["person_id"],
            "program_code": program_code,
        }
        version = version_for(program, row["_event"])
        lacking = missing_documents(version, row["claim_type"], row["documents"])
        stored = session.execute(
            sa.select(Claim.id, *(getattr(Claim, n) for n in CONTENT)).where(
                Claim.claim_no == row["claim_no"]
            )
        ).first()
        if stored is not None:
            if any(_differs(getattr(stored, n), values[n]) for n in CONTENT):
                raise Conflict(
                    f"赔案号 {row['claim_no']} {CONFLICT_ZH}",
                    f"claim number {row['claim_no']} {CONFLICT_EN}",
                    code="claim_conflict",
                )
            return IntakeResult(stored.id, row["claim_no"], program_code, "unchanged", lacking)
        claim = Claim(**values, channel=channel, entered_by=actor[:64])
        session.add(claim)
        session.flush()
        record(
            session,
            actor=actor,
            action="claim_entered",
            entity="claim",
            entity_id=row["claim_no"],
            after={
                "program_code": program_code,
                "claim_type": row["claim_type"],
                "due_on": row["due_on"],
                "channel": channel,
                "documents": row["documents"],
                "documents_missing": ",".join(lacking),
            },
        )
        return IntakeResult(claim.id, row["claim_no"], program_code, "created", lacking)


def _differs(stored: Any, given: Any) -> bool:
    if isinstance(stored, dt.datetime):
        stored = stored.date()
    return stored != given


def _check_cover(connection: sa.Connection, program_code: str, row: dict[str, Any], who: str) -> None:
    """The person must have cover under the program on the claim's event day."""
    day = row["_event"]
    covered = connection.execute(
        sa.select(Enrollment.id)
        .where(
            Enrollment.person_id == row["person_id"],
            Enrollment.program_code == program_code,
            Enrollment.covered_from <= day,
            Enrollment.covered_to >= day,
        )
        .limit(1)
    ).first()
    if covered is None:
        raise InvalidClaim(
            [
                RowProblem(
                    1,
                    who,
                    "",
                    f"参保人在 {day} 未参加本项目（无保障），请先导入参保名单",
                    f"the person has no cover under this program on {day}: import the roster first",
                )
            ]
        )
