"""Claim lines of a group-cover program in the demo province, for the web tests: the Qingdao elderly
roster enrolled in qingdao-elderly-ga (2023), a death claim (10,000 yuan: above the web tests' four-
eyes amount of 5,000) and an accident medical bill (1,000 yuan), both sent to review by the run."""

from __future__ import annotations

from pathlib import Path

from anxin.services import review
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.imports import import_claims, import_persons
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from tests.integration.group_claims_support import GA, YEAR, elderly_roster, ga_claims

DEATH, MEDICAL = "GA-D1", "GA-M2"
CLAIMS = [
    (DEATH, "Q1", "意外身故", "2024-01-20", "2024-01-10", None, None, None, None),
    (MEDICAL, "Q2", "意外医疗", "2024-01-10", "2024-01-05", None, None, None, "1100.00"),
]


def claims_file(folder: Path) -> Path:
    return ga_claims(folder, CLAIMS, name="claims-web.csv")


def enrol_roster(db: Database, folder: Path) -> None:
    import_persons(db, elderly_roster(folder), program_code=GA, year=YEAR, actor="clerk")


def claim_lines_in_review(db: Database, folder: Path) -> dict[str, int]:
    """The roster and the two claims imported, adjudicated by ``adjuster`` with every line sent to
    review; the claim lines' ids by claim number."""
    enrol_roster(db, folder)
    import_claims(db, claims_file(folder), program_code=GA, actor="clerk")
    adjudicate_claims(db, shipped_programs()[GA], actor="adjuster", review_above_fen=0)
    items, _ = review.review_queue(db, source="claim")
    return {item.claim_no: item.line_id for item in items}
