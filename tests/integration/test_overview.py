"""Every program year at a glance, whatever its kind: critical-illness settlement lines, group-cover
claim lines and care bill lines summed side by side, paid money net of reversals."""

from __future__ import annotations

from anxin.domain.programs import ProgramKind
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.overview import program_overview
from anxin.services.payments import pay
from anxin.store.program_files import resolve_program
from tests.integration.group_claims_support import GA, SD, YEAR, load_group_programs


def test_group_programs_appear_with_their_claims_and_payments(database, tmp_path):
    load_group_programs(database, tmp_path)
    run = adjudicate_claims(database, resolve_program(GA))
    batch = pay(database, GA, actor="tester")
    rows = {(r.program_code, r.year): r for r in program_overview(database)}
    elderly = rows[(GA, YEAR)]
    assert elderly.kind is ProgramKind.GROUP_ACCIDENT
    assert (elderly.insured, elderly.judged, elderly.persons) == (3, 4, 3)
    assert elderly.due_fen == run.amount_fen == batch.total_fen == elderly.paid_fen
    assert elderly.name_zh.startswith("青岛市")
    women = rows[(SD, 2024)]  # enrolled, no claims yet
    assert (women.insured, women.judged, women.due_fen, women.paid_fen) == (2, 0, 0, 0)
    assert list(rows) == sorted(rows, key=lambda key: (-key[1], key[0]))
