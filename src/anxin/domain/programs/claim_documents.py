"""The documents a group-cover claim needs (理赔材料), per claim type, as a program declares them.

A program file lists, per claim type it accepts, the codes of the documents a claim of that type
must come with (``[versions.parameters.documents]``)::

    [versions.parameters.documents]
    death = ["id_proof", "death_certificate", "accident_report", "beneficiary_proof", "bank_account"]
    confirmed = false
    note = "usual clauses of such covers; the policy wording was not found"

The codes are stable and named here in Chinese and English. A claim missing a required document is
not refused: its result goes to review with the reason ``documents_missing``.
"""

from __future__ import annotations

import enum

from pydantic import model_validator

from anxin.domain.programs.group_terms import _Frozen, unconfirmed
from anxin.domain.programs.model import ParameterLine


class Document(enum.StrEnum):
    """A kind of claim document, with a stable code."""

    CLAIM_FORM = "claim_form"
    ID_PROOF = "id_proof"
    BANK_ACCOUNT = "bank_account"
    ACCIDENT_REPORT = "accident_report"
    DEATH_CERTIFICATE = "death_certificate"
    BENEFICIARY_PROOF = "beneficiary_proof"
    DISABILITY_ASSESSMENT = "disability_assessment"
    MEDICAL_INVOICES = "medical_invoices"
    SETTLEMENT_STATEMENT = "settlement_statement"
    DISCHARGE_SUMMARY = "discharge_summary"
    DIAGNOSIS_CERTIFICATE = "diagnosis_certificate"
    PATHOLOGY_REPORT = "pathology_report"

    @property
    def label_zh(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    Document.CLAIM_FORM: ("理赔申请书", "claim form"),
    Document.ID_PROOF: ("身份证明", "proof of identity"),
    Document.BANK_ACCOUNT: ("银行账户", "bank account details"),
    Document.ACCIDENT_REPORT: ("意外事故证明", "accident report"),
    Document.DEATH_CERTIFICATE: ("死亡证明", "death certificate"),
    Document.BENEFICIARY_PROOF: ("受益人关系证明", "proof of the beneficiary's relationship"),
    Document.DISABILITY_ASSESSMENT: ("伤残鉴定书", "disability assessment report"),
    Document.MEDICAL_INVOICES: ("医疗费用发票", "medical invoices"),
    Document.SETTLEMENT_STATEMENT: ("医保结算单", "medical-insurance settlement statement"),
    Document.DISCHARGE_SUMMARY: ("出院小结", "discharge summary"),
    Document.DIAGNOSIS_CERTIFICATE: ("诊断证明书", "diagnosis certificate"),
    Document.PATHOLOGY_REPORT: ("病理诊断报告", "pathology report"),
}

#: Every accepted word for a document (code, Chinese or English name, lower case) → the document.
DOCUMENT_WORDS: dict[str, Document] = {
    word.lower(): d for d in Document for word in (d.value, d.label_zh, d.label_en)
}

#: The claim types a checklist may name (the group accident benefits, and a specified disease).
CLAIM_TYPES = (
    "death",
    "disability",
    "accident_medical",
    "hospital_allowance",
    "illness_hospital",
    "specified_disease",
)

Documents = tuple[Document, ...]


class ClaimDocuments(_Frozen):
    """Per claim type, the documents a claim of that type must come with (omitted: none)."""

    death: Documents = ()
    disability: Documents = ()
    accident_medical: Documents = ()
    hospital_allowance: Documents = ()
    illness_hospital: Documents = ()
    specified_disease: Documents = ()
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _no_repeats(self) -> ClaimDocuments:
        for claim_type in CLAIM_TYPES:
            listed = getattr(self, claim_type)
            if len(set(listed)) != len(listed):
                raise ValueError(f"{claim_type} 的材料重复 / a document is listed twice for {claim_type}")
        return self

    def required(self, claim_type: str) -> Documents:
        """The documents a claim of ``claim_type`` needs (none for a type not listed)."""
        return tuple(getattr(self, claim_type, ())) if claim_type in CLAIM_TYPES else ()

    def declared(self) -> tuple[str, ...]:
        """The claim types with a checklist."""
        return tuple(t for t in CLAIM_TYPES if getattr(self, t))

    def check_types(self, accepted: tuple[str, ...]) -> None:
        """Refuse a checklist for a claim type the program does not accept."""
        extra = [t for t in self.declared() if t not in accepted]
        if extra:
            raise ValueError(
                f"documents 列出了本方案不保障的理赔类型：{', '.join(extra)} / "
                f"documents lists claim types the program does not cover: {', '.join(extra)}"
            )


def missing(required: Documents, received: tuple[str, ...] | list[str]) -> Documents:
    """The required documents not among those received, in the checklist's order."""
    have = set(received)
    return tuple(d for d in required if d.value not in have)


def names(documents: Documents | list[Document], lang: str = "zh") -> str:
    """``身份证明、死亡证明`` or ``proof of identity, death certificate``."""
    if lang == "zh":
        return "、".join(d.label_zh for d in documents)
    return ", ".join(d.label_en for d in documents)


def describe_documents(
    documents: ClaimDocuments | None, labels: dict[str, tuple[str, str]]
) -> list[ParameterLine]:
    """One line per claim type with a checklist (``labels``: claim type → its names)."""
    if documents is None:
        return []
    lines = []
    for claim_type in documents.declared():
        listed = documents.required(claim_type)
        zh, en = unconfirmed(names(listed), names(listed, "en"), documents.confirmed)
        label_zh, label_en = labels.get(claim_type, (claim_type, claim_type))
        lines.append(
            ParameterLine(
                f"documents.{claim_type}", f"理赔材料：{label_zh}", f"documents: {label_en}", zh, en
            )
        )
    return lines
