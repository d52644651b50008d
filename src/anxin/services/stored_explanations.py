"""Explanations of payouts already adjudicated and stored: the same lines ``anxin explain`` prints."""

from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa

from anxin.domain.critical_illness import resolve_schedule
from anxin.domain.errors import InvalidInput
from anxin.domain.explanation import Explanation, band_lines
from anxin.domain.programs import Program, SupplementaryMedicalProgram
from anxin.domain.supplementary_medical import SupplementaryExplanation
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine.critical_illness import REQUIRED, with_program_year
from anxin.store.database import Database
from anxin.store.schema import Adjudication, Settlement


def explain_stored(db: Database, program: Program, setl_id: str) -> Explanation | SupplementaryExplanation:
    """The latest result line of settlement ``setl_id`` under ``program``, explained (critical
    illness, or a supplementary program over what critical illness left)."""
    if isinstance(program, SupplementaryMedicalProgram):
        from anxin.services.supplementary_adjudication import explain_stored_supplementary

        return explain_stored_supplementary(db, program, setl_id)
    with db.session() as session:
        found = session.execute(
            sa.select(
                Adjudication,
                Settlement.setl_id,
                Settlement.setl_time,
                Settlement.begndate,
                Settlement.enddate,
                Settlement.hifmi_fen,
            )
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(Settlement.setl_id == setl_id, Adjudication.program_code == program.code)
            .order_by(Adjudication.id.desc())
            .limit(1)
        ).first()
    if found is None or not found[0].version:
        raise InvalidInput(
            f"结算 {setl_id} 在 {program.code} 下没有理算结果",
            f"no result for {setl_id} under {program.code}",
        )
    line = found[0]
    version = program.version_named(line.version)
    tilt = VulnerableGroup(line.tilt) if line.tilt else None
    schedule = resolve_schedule(version.parameters, tilt)
    one = pl.DataFrame(
        {
            "person_id": ["-"],
            "settlement_id": [setl_id],
            "admitted_on": [found.begndate],
            "discharged_on": [found.enddate],
            "settled_at": [found.setl_time],
            "base_fen": [0],
            "vulnerable_group": [None],
        },
        schema=REQUIRED,
    )
    dated = with_program_year(one, program.program_year)
    return Explanation(
        settlement_id=setl_id,
        program_code=program.code,
        program_name_zh=program.name_zh,
        program_name_en=program.name_en,
        version=line.version,
        parameter_hash=line.param_hash,
        program_year=line.program_year,
        counts_by=program.program_year.counts_by,
        counts_on=dated["counts_on"][0],
        base=line.base_fen,
        ytd_before=line.ytd_before_fen,
        ytd_after=line.ytd_after_fen,
        deductible=line.deductible_fen,
        deductible_applied=line.deductible_applied_fen,
        bands=band_lines(schedule, [amount for amount, _ in json.loads(line.bands)]),
        gross_e4=line.gross_e4,
        cap=line.cap_fen,
        cap_cut=line.cap_cut_fen,
        payout=line.due_fen,
        tilt=tilt,
        bureau_payout=found.hifmi_fen,
    )
