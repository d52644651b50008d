"""One settlement as the bureau sent it, with every result line written for it, and its explanation.

A settlement number (``setl_id``) identifies a claim, not a person; the person appears only by the
internal id and the masked ID number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.errors import InvalidInput, NotFound
from anxin.domain.explanation import Explanation
from anxin.domain.supplementary_medical import SupplementaryExplanation
from anxin.services.program_lookup import shipped_program
from anxin.services.stored_explanations import explain_stored
from anxin.store.database import Database
from anxin.store.schema import Adjudication, Person, Settlement


class UnknownSettlement(NotFound):
    code = "unknown_settlement"


@dataclass(frozen=True)
class ResultLine:
    line_id: int
    run_id: int
    program_code: str
    program_year: int
    kind: str
    version: str
    param_hash: str
    amount_fen: int
    due_fen: int
    status: str
    review_reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class SettlementView:
    setl_id: str
    person_id: int
    id_masked: str
    setl_time: dt.datetime
    begndate: dt.date
    enddate: dt.date
    medfee_fen: int | None
    inscp_fen: int | None
    hifp_fen: int | None
    hifmi_fen: int | None
    base_fen: int
    psn_idet_type: str | None
    hosp_lv: str
    fixmedins_code: str
    insuplc_admdvs: str
    med_type: str
    reverses_setl_id: str | None
    import_id: int | None
    lines: tuple[ResultLine, ...]

    @property
    def due_fen(self) -> dict[str, int]:
        """What the settlement is due under each program now: the sum of its lines."""
        due: dict[str, int] = {}
        for line in self.lines:
            due[line.program_code] = due.get(line.program_code, 0) + line.amount_fen
        return due


def settlement_view(db: Database, setl_id: str) -> SettlementView:
    with db.session() as session:
        row = session.execute(
            sa.select(
                Settlement.id,
                Settlement.setl_id,
                Settlement.person_id,
                Person.id_masked,
                Settlement.setl_time,
                Settlement.begndate,
                Settlement.enddate,
                Settlement.medfee_fen,
                Settlement.inscp_fen,
                Settlement.hifp_fen,
                Settlement.hifmi_fen,
                Settlement.base_fen,
                Settlement.psn_idet_type,
                Settlement.hosp_lv,
                Settlement.fixmedins_code,
                Settlement.insuplc_admdvs,
                Settlement.med_type,
                Settlement.reverses_setl_id,
                Settlement.import_id,
            )
            .join(Person, Person.id == Settlement.person_id)
            .where(Settlement.setl_id == setl_id)
        ).first()
        if row is None:
            raise UnknownSettlement("没有该结算", "no such settlement")
        lines = session.execute(
            sa.select(
                Adjudication.id,
                Adjudication.run_id,
                Adjudication.program_code,
                Adjudication.program_year,
                Adjudication.kind,
                Adjudication.version,
                Adjudication.param_hash,
                Adjudication.amount_fen,
                Adjudication.due_fen,
                Adjudication.status,
                Adjudication.review_reason,
                Adjudication.created_at,
            )
            .where(Adjudication.settlement_id == row.id)
            .order_by(Adjudication.id)
        ).all()
    return SettlementView(*row[1:], lines=tuple(ResultLine(*line) for line in lines))


def explain_settlement(
    db: Database, setl_id: str, program_code: str | None = None
) -> Explanation | SupplementaryExplanation:
    """The settlement's latest line under ``program_code`` (by default the program of its latest
    line), explained step by step."""
    view = settlement_view(db, setl_id)
    if program_code is None:
        if not view.lines:
            raise InvalidInput(
                "该结算尚未理算", "the settlement has not been adjudicated", code="not_adjudicated"
            )
        program_code = view.lines[-1].program_code
    return explain_stored(db, shipped_program(program_code, field=True), setl_id)
