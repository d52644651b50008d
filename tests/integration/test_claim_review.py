"""Review of group-cover claim lines on SQLite and PostgreSQL: one queue with the settlement lines,
four eyes above the configured amount, decisions recorded and audited, approved lines paid by pay(),
paid lines never decided again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from anxin.domain.errors import AnxinError, Conflict
from anxin.services import claim_review, review
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.payments import pay
from anxin.store.program_files import shipped_programs
from anxin.store.schema import AuditEntry, ClaimResult, ClaimReviewDecision

from .group_claims_support import GA, load_group_programs

FOUR_EYES = 150_000  # 1,500 yuan: GA-3 (2,000 yuan) needs two approvals, GA-1 (1,000 yuan) one


@pytest.fixture
def claim_lines(database, tmp_path):  # type: ignore[no-untyped-def]
    """GA-1 (1,000 yuan) and GA-3 (2,000 yuan) in review (the run's threshold is 500 yuan), GA-2
    (300 yuan) approved, GA-4 rejected; the run was started by ``preparer``."""
    load_group_programs(database, tmp_path)
    adjudicate_claims(database, shipped_programs()[GA], actor="preparer", review_above_fen=50_000)
    items, _ = review.review_queue(database)
    return {item.claim_no: item.line_id for item in items}


def status_of(db, line_id: int) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(sa.select(ClaimResult.status).where(ClaimResult.id == line_id))


def test_claim_lines_join_the_queue_labelled_with_claim_and_outcome(database, claim_lines):
    items, total = review.review_queue(database)
    assert total == 2 and [(i.source, i.claim_no, i.amount_fen) for i in items] == [
        ("claim", "GA-3", 200_000),
        ("claim", "GA-1", 100_000),
    ]
    first = items[0]
    assert (first.claim_type, first.outcome, first.review_reason, first.run_actor) == (
        "disability",
        "paid",
        "above_threshold",
        "preparer",
    )
    assert first.id_masked and "*" in first.id_masked and first.program_code == GA
    assert review.review_queue(database, source="settlement")[1] == 0
    assert review.review_queue(database, source="claim", reason="bureau_differs")[1] == 0
    assert review.review_queue(database, program_code="taian-ci")[1] == 0
    item, decisions, facts = claim_review.claim_review_item(database, claim_lines["GA-3"])
    assert (facts.claim_no, facts.grades, decisions) == ("GA-3", "10", [])
    lines = claim_review.claim_explanation(shipped_programs()[GA], item, facts, "zh")
    assert lines[0].startswith("理赔 GA-3") and any("伤残" in line for line in lines)


def test_four_eyes_then_payment_then_no_more_decisions(database, claim_lines):
    big, small = claim_lines["GA-3"], claim_lines["GA-1"]

    def decide(line_id: int, decision: str, actor: str, reason: str = "") -> review.Outcome:
        return claim_review.decide_claim(
            database, line_id, decision, actor=actor, reason=reason, four_eyes_above_fen=FOUR_EYES
        )

    with pytest.raises(AnxinError) as preparer:
        decide(big, "approve", "preparer")
    assert preparer.value.code == "four_eyes"
    assert decide(big, "approve", "anna") == review.Outcome(big, "second", True)
    with pytest.raises(AnxinError) as same:
        decide(big, "approve", "anna")
    assert same.value.code == "four_eyes" and status_of(database, big) == "second"
    assert decide(big, "approve", "bert") == review.Outcome(big, "approved", False)
    with pytest.raises(AnxinError) as no_reason:
        decide(small, "send_back", "anna")
    assert no_reason.value.code == "reason_required"
    assert decide(small, "send_back", "anna", "发票缺失 invoice missing").status == "returned"
    # Only the lines approved so far are paid: GA-2 (approved by the run) and GA-3.
    batch = pay(database, GA, actor="payer")
    assert (batch.payments, batch.payouts_fen) == (2, 30_000 + 200_000)
    with pytest.raises(Conflict) as paid:
        decide(big, "reject", "carl", "too late")
    assert paid.value.code == "already_paid"
    assert decide(small, "approve", "carl").status == "approved"
    assert pay(database, GA, actor="payer").payouts_fen == 100_000
    with database.session() as session:
        decisions = session.execute(
            sa.select(
                ClaimReviewDecision.claim_result_id, ClaimReviewDecision.decision, ClaimReviewDecision.actor
            ).order_by(ClaimReviewDecision.id)
        ).all()
        audited = session.execute(
            sa.select(AuditEntry.action, AuditEntry.entity_id).where(AuditEntry.entity == "claim_result")
        ).all()
    assert [tuple(d) for d in decisions] == [
        (big, "approve", "anna"),
        (big, "approve", "bert"),
        (small, "send_back", "anna"),
        (small, "approve", "carl"),
    ]
    assert sorted(audited) == sorted(
        [
            ("review_approve", str(big)),
            ("review_approve", str(big)),
            ("review_send_back", str(small)),
            ("review_approve", str(small)),
        ]
    )
    assert review.review_queue(database)[1] == 0


def test_a_decision_on_a_line_decided_meanwhile_is_refused(database, claim_lines):
    line_id = claim_lines["GA-1"]
    claim_review.decide_claim(
        database, line_id, "reject", actor="anna", reason="duplicate", four_eyes_above_fen=FOUR_EYES
    )
    with pytest.raises(Conflict):
        claim_review.decide_claim(database, line_id, "approve", actor="bert", four_eyes_above_fen=FOUR_EYES)
    assert status_of(database, line_id) == "rejected"
    assert pay(database, GA, actor="payer").payouts_fen == 30_000  # GA-2 only


def test_a_specified_disease_line_is_explained_from_its_stored_columns(database, tmp_path):
    from anxin.services.imports import import_claims
    from tests.integration.group_claims_support import SD, WOMEN, sd_claims

    load_group_programs(database, tmp_path)
    import_claims(
        database, sd_claims(tmp_path, [("S-1", WOMEN[0], "2024-06-01", "breast_cancer")]), program_code=SD
    )
    adjudicate_claims(database, shipped_programs()[SD], actor="preparer", review_above_fen=0)
    (item,), total = review.review_queue(database, program_code=SD)
    assert (total, item.claim_no, item.amount_fen, item.source) == (1, "S-1", 4_000_000, "claim")
    found, _, facts = claim_review.claim_review_item(database, item.line_id)
    lines = claim_review.claim_explanation(shipped_programs()[SD], found, facts, "en")
    assert lines[-1] == "Payout: 40,000.00 yuan" and "2 units" in lines[-2]
