"""One group-cover claim as the API and the claim page show it: its fields, the documents received
and missing, and its result lines explained line by line. ID numbers only masked; no diagnosis in
the audit trail (reading changes nothing, so nothing is audited)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from anxin.domain.errors import NotFound
from anxin.domain.group_accident_explanation import ClaimExplanation, assessment_from_row
from anxin.domain.group_cover import Reason
from anxin.domain.programs import Program, ProgramKind
from anxin.domain.specified_disease import LumpSum
from anxin.domain.specified_disease import explain as explain_lump_sum
from anxin.services.claim_documents import (
    claims_program,
    labelled,
    missing_documents,
    received_codes,
    type_labels,
    version_for,
)
from anxin.store.database import Database
from anxin.store.schema import Claim, ClaimResult, Person


@dataclass(frozen=True)
class ResultLine:
    id: int
    run_id: int
    kind: str
    amount_fen: int
    due_fen: int
    status: str
    reason: str
    reason_zh: str
    reason_en: str
    version: str
    created_at: dt.datetime
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]


@dataclass(frozen=True)
class ClaimDetail:
    id: int
    claim_no: str
    program_code: str
    program_name_zh: str
    program_name_en: str
    claim_type: str
    claim_type_zh: str
    claim_type_en: str
    person_id: int
    psn_no: str
    id_masked: str
    due_on: dt.date
    accident_on: dt.date | None
    admitted_on: dt.date | None
    discharged_on: dt.date | None
    grades: str
    expense_fen: int
    disease_code: str
    basic_insurance: bool
    channel: str
    entered_by: str
    created_at: dt.datetime
    #: (code, Chinese, English) of each document received, and of each required one missing.
    received: list[tuple[str, str, str]]
    missing: list[tuple[str, str, str]]
    results: list[ResultLine]


def claim_detail(db: Database, claim_no: str) -> ClaimDetail:
    """The claim numbered ``claim_no`` with its result lines, or :class:`NotFound`."""
    with db.session() as session:
        row = session.execute(
            sa.select(Claim, Person.psn_no, Person.id_masked)
            .join(Person, Person.id == Claim.person_id)
            .where(Claim.claim_no == claim_no)
        ).first()
        if row is None:
            raise NotFound(f"没有该赔案：{claim_no}", f"no such claim: {claim_no}", code="claim_not_found")
        claim: Claim = row[0]
        lines = (
            session.execute(
                sa.select(ClaimResult).where(ClaimResult.claim_id == claim.id).order_by(ClaimResult.id)
            )
            .scalars()
            .all()
        )
        session.expunge_all()
    program = claims_program(claim.program_code)
    event = claim.accident_on or claim.admitted_on or claim.due_on
    version = version_for(program, event)
    labels = type_labels(program.kind).get(claim.claim_type, (claim.claim_type, claim.claim_type))
    return ClaimDetail(
        id=claim.id,
        claim_no=claim.claim_no,
        program_code=program.code,
        program_name_zh=program.name_zh,
        program_name_en=program.name_en,
        claim_type=claim.claim_type,
        claim_type_zh=labels[0],
        claim_type_en=labels[1],
        person_id=claim.person_id,
        psn_no=row.psn_no or "",
        id_masked=row.id_masked,
        due_on=claim.due_on,
        accident_on=claim.accident_on,
        admitted_on=claim.admitted_on,
        discharged_on=claim.discharged_on,
        grades=claim.grades,
        expense_fen=claim.expense_fen,
        disease_code=claim.disease_code,
        basic_insurance=claim.basic_insurance,
        channel=claim.channel,
        entered_by=claim.entered_by,
        created_at=claim.created_at,
        received=labelled(received_codes(claim.documents)),
        missing=labelled(missing_documents(version, claim.claim_type, claim.documents)),
        results=[_line(line, claim, program) for line in lines],
    )


def _line(line: ClaimResult, claim: Claim, program: Program) -> ResultLine:
    try:
        reason = Reason(line.review_reason)
        reason_zh, reason_en = reason.label_zh, reason.label_en
    except ValueError:
        reason_zh = reason_en = line.review_reason
    explained = json.loads(line.explanation or "{}")
    return ResultLine(
        id=line.id,
        run_id=line.run_id,
        kind=line.kind,
        amount_fen=line.amount_fen,
        due_fen=line.due_fen,
        status=line.status,
        reason=line.review_reason,
        reason_zh=reason_zh,
        reason_en=reason_en,
        version=line.version,
        created_at=line.created_at,
        lines_zh=tuple(explanation_lines(explained, claim, program, line.param_hash, "zh")),
        lines_en=tuple(explanation_lines(explained, claim, program, line.param_hash, "en")),
    )


def explanation_lines(
    explained: dict[str, Any], claim: Claim, program: Program, param_hash: str, lang: str
) -> list[str]:
    """A stored line's explanation as sentences, ending with the documents missing (if any)."""
    out: list[str] = []
    try:
        if program.kind is ProgramKind.SPECIFIED_DISEASE:
            version = program.version_named(str(explained["version"]))
            units = int(explained.get("units_paid") or 0)
            fields = ("age", "unit_sum_fen", "multiple_bp", "gross_e4", "payout_fen")
            lump = LumpSum(
                claim.claim_no, Reason(str(explained["reason"])), units=units, units_paid=units,
                **{f: int(explained.get(f) or 0) for f in fields},
            )  # fmt: skip
            out = explain_lump_sum(version.parameters, lump, claim.disease_code, lang)  # type: ignore[arg-type]
        else:
            assessment = assessment_from_row({**explained, "claim_id": claim.claim_no})
            out = ClaimExplanation(
                assessment,
                program.code,
                program.name_zh,
                program.name_en,
                str(explained["version"]),
                param_hash,
            ).lines(lang)
    except (KeyError, ValueError, TypeError):
        out = []
    missing = explained.get(f"documents_missing_{lang}", "")
    if missing:
        out.append(
            f"理赔材料不全，待审核；缺少：{missing}"
            if lang == "zh"
            else f"Documents missing, held for review: {missing}"
        )
    return out
