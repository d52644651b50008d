"""Registering one group-cover claim (API, web form) on SQLite and PostgreSQL: validation naming the
field, the person by number or ID hash with cover on the event day, idempotency by claim number,
the audit entry; and a claims run sending a claim that lacks documents to review."""

from __future__ import annotations

import json

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import Conflict, NotFound
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.claims_intake import ClaimEntry, InvalidClaim, enter_claim
from anxin.services.imports import import_claims, import_persons
from anxin.store.program_files import shipped_programs
from anxin.store.schema import AuditEntry, Claim, ClaimResult

from .group_claims_support import (
    GA,
    GA_HEADER,
    OLD,
    SD,
    WOMEN,
    YEAR,
    elderly_roster,
    ga_claims,
    women_roster,
    write,
)

ALL_MEDICAL = (
    "claim_form",
    "id_proof",
    "accident_report",
    "medical_invoices",
    "settlement_statement",
    "bank_account",
)


def medical(claim_no: str = "API-1", **changes: object) -> ClaimEntry:
    values: dict[str, object] = {
        "program_code": GA,
        "claim_no": claim_no,
        "claim_type": "accident_medical",
        "psn_no": "Q1",
        "due_on": "2024-01-10",
        "accident_on": "2024-01-05",
        "expense": "1100.00",
        "documents": ALL_MEDICAL,
    }
    values.update(changes)
    return ClaimEntry(**values)  # type: ignore[arg-type]


def test_a_claim_is_entered_once_audited_and_again_changes_nothing(database, tmp_path) -> None:
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    first = enter_claim(database, medical(), channel="api", actor="clerk")
    assert first.created and first.missing == ()
    again = enter_claim(database, medical(), channel="web", actor="someone-else")
    assert again.status == "unchanged" and again.claim_id == first.claim_id
    with database.engine.connect() as connection:
        claim = connection.execute(sa.select(Claim).where(Claim.claim_no == "API-1")).one()
        audits = connection.execute(sa.select(AuditEntry).where(AuditEntry.action == "claim_entered")).all()
    assert (claim.channel, claim.entered_by, claim.expense_fen) == ("api", "clerk", 110000)
    assert claim.documents == ",".join(sorted(ALL_MEDICAL))
    assert len(audits) == 1 and audits[0].entity_id == "API-1"
    assert OLD[0] not in audits[0].detail

    with pytest.raises(Conflict) as conflict:
        enter_claim(database, medical(expense="1200.00"), channel="api", actor="clerk")
    assert conflict.value.code == "claim_conflict"


def test_by_id_number_with_missing_documents_and_a_specified_disease(database, tmp_path) -> None:
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    import_persons(database, women_roster(tmp_path), program_code=SD, year=2024)
    entry = medical("API-2", psn_no="", certno=OLD[1], documents=("身份证明", "医疗费用发票"))
    result = enter_claim(database, entry, channel="web", actor="clerk")
    assert [d.value for d in result.missing] == [
        "claim_form", "accident_report", "settlement_statement", "bank_account"
    ]  # fmt: skip
    sd = ClaimEntry(
        program_code=SD, claim_no="SD-API-1", certno=WOMEN[0], due_on="2024-06-01",
        disease_code="breast_cancer", documents=("diagnosis_certificate",),
    )  # fmt: skip
    lacking = enter_claim(database, sd, channel="api", actor="clerk").missing
    assert [d.value for d in lacking] == ["claim_form", "id_proof", "pathology_report", "bank_account"]


def test_bad_fields_unknown_persons_and_no_cover_are_named(database, tmp_path) -> None:
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    with pytest.raises(InvalidClaim) as bad:
        enter_claim(
            database,
            medical(accident_on="", expense="abc", documents=("passport",)),
            channel="api",
            actor="c",
        )
    fields = {p.column for p in bad.value.problems}
    assert fields == {"accident_on", "expense", "documents"}
    assert "事故日期 accident_on" in bad.value.zh and "accident_on" in bad.value.en
    with pytest.raises(InvalidClaim) as unknown:
        enter_claim(database, medical(psn_no="NOBODY"), channel="api", actor="c")
    assert "import persons first" in unknown.value.en
    with pytest.raises(InvalidClaim) as outside:
        enter_claim(
            database, medical(accident_on="2023-11-20", due_on="2023-11-25"), channel="api", actor="c"
        )
    assert outside.value.problems[0].column == "psn_no" and "no cover" in outside.value.en
    with pytest.raises(NotFound):
        enter_claim(database, medical(program_code="taian-ci"), channel="api", actor="c")
    with database.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_a_claim_missing_documents_goes_to_review_with_the_documents_named(database, tmp_path) -> None:
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    enter_claim(database, medical("FULL"), channel="api", actor="clerk")
    enter_claim(
        database,
        medical("PART", psn_no="Q2", documents=("claim_form", "id_proof")),
        channel="web",
        actor="clerk",
    )
    # A file recording the documents received is checked too; an older file without them is not.
    row = ("GA-9", "Q3", "伤残", "2024-03-01", "2024-01-20", None, None, "10", None)
    with_documents = pl.DataFrame([(*row, "身份证明")], schema=[*GA_HEADER, "理赔材料"], orient="row")
    import_claims(database, write(with_documents, tmp_path / "with-documents.csv"), program_code=GA)
    old = ("GA-10", "Q3", "意外医疗", "2024-03-01", "2024-02-20", None, None, None, "300.00")
    import_claims(database, ga_claims(tmp_path, [old], "old.csv"), program_code=GA)
    adjudicate_claims(database, shipped_programs()[GA], actor="adjuster")
    with database.engine.connect() as connection:
        lines = {
            r.claim_no: r
            for r in connection.execute(
                sa.select(
                    Claim.claim_no,
                    Claim.channel,
                    ClaimResult.status,
                    ClaimResult.review_reason,
                    ClaimResult.amount_fen,
                    ClaimResult.explanation,
                ).join(Claim, Claim.id == ClaimResult.claim_id)
            )
        }
    assert (lines["FULL"].status, lines["FULL"].review_reason, lines["FULL"].amount_fen) == (
        "approved",
        "paid",
        100000,
    )
    part = lines["PART"]
    assert (part.status, part.review_reason, part.amount_fen) == ("review", "documents_missing", 100000)
    explained = json.loads(part.explanation)
    assert (
        explained["documents_missing"] == "accident_report,medical_invoices,settlement_statement,bank_account"
    )
    assert "意外事故证明" in explained["documents_missing_zh"]
    assert "medical invoices" in explained["documents_missing_en"]
    assert (lines["GA-9"].channel, lines["GA-9"].status, lines["GA-9"].review_reason) == (
        "file", "review", "documents_missing"
    )  # fmt: skip
    assert (lines["GA-10"].status, json.loads(lines["GA-10"].explanation)["documents_missing"]) == (
        "approved",
        "",
    )


def test_the_claim_detail_shows_documents_and_explained_lines(database, tmp_path) -> None:
    from anxin.services.claim_view import claim_detail

    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    import_persons(database, women_roster(tmp_path), program_code=SD, year=2024)
    enter_claim(database, medical("V-1", documents=("id_proof",)), channel="web", actor="clerk")
    sd = ClaimEntry(
        program_code=SD, claim_no="V-2", psn_no="W1", due_on="2024-06-01", disease_code="breast_cancer"
    )
    enter_claim(database, sd, channel="api", actor="clerk")
    before = claim_detail(database, "V-1")
    assert before.results == [] and [r[0] for r in before.received] == ["id_proof"]
    assert "claim_form" in [m[0] for m in before.missing] and before.id_masked == "3702**********013X"
    adjudicate_claims(database, shipped_programs()[GA], actor="adjuster")
    adjudicate_claims(database, shipped_programs()[SD], actor="adjuster")
    after = claim_detail(database, "V-1")
    (line,) = after.results
    assert (line.status, line.reason, line.amount_fen) == ("review", "documents_missing", 100000)
    assert any("1,100.00" in text for text in line.lines_zh)
    assert "理赔材料不全" in line.lines_zh[-1] and "medical invoices" in line.lines_en[-1]
    (lump,) = claim_detail(database, "V-2").results
    assert lump.status == "review" and "本次赔付" in " ".join(lump.lines_zh)
    with pytest.raises(NotFound):
        claim_detail(database, "NOPE")
