"""Claim documents per claim type in the group program files: parsed, checked against the benefits
the program pays, named in both languages, left out of the parameter hash, and what is missing."""

from __future__ import annotations

import copy
import tomllib

import pytest

from anxin.domain.errors import InvalidProgram
from anxin.domain.programs import parse_program
from anxin.domain.programs.claim_documents import Document, missing, names
from anxin.store.program_files import SHIPPED_DIR, shipped_programs

GROUP = (
    "qingdao-elderly-ga",
    "example-student-ga",
    "wuhan-frontline-donated-ga",
    "heilongjiang-union-women-sd",
)


def raw(code: str) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((SHIPPED_DIR / f"{code}.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", GROUP)
def test_every_group_program_lists_documents_for_each_claim_type_it_pays(code: str) -> None:
    program = shipped_programs()[code]
    parameters = program.versions[-1].parameters
    documents = parameters.documents  # type: ignore[attr-defined]
    accepted = (
        ("specified_disease",) if code.endswith("-sd") else parameters.claim_types()  # type: ignore[attr-defined]
    )
    assert documents.declared() == accepted
    assert all(Document.ID_PROOF in documents.required(t) for t in accepted)
    assert documents.confirmed is False and documents.note  # no formal source: said so
    assert not program.versions[-1].source.confirmed
    lines = {line.key: line for line in parameters.describe()}
    first = f"documents.{accepted[0]}"
    assert lines[first].value_zh.endswith("（未核实）") and "proof of identity" in lines[first].value_en


def test_documents_are_left_out_of_the_parameter_hash() -> None:
    data = raw("qingdao-elderly-ga")
    program = parse_program(data, source_name="a")
    without = copy.deepcopy(data)
    del without["versions"][0]["parameters"]["documents"]
    other = parse_program(without, source_name="b")
    assert program.parameter_hash(program.versions[0]) == other.parameter_hash(other.versions[0])


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [
        ({"death": ["passport"]}, "取值不在允许范围内", "death"),
        ({"illness_hospital": ["id_proof"]}, "不保障的理赔类型", "illness_hospital"),
        ({"death": ["id_proof", "id_proof"]}, "材料重复", "listed twice"),
        ({"burial": ["id_proof"]}, "不认识的键", "burial"),
    ],
)
def test_a_bad_checklist_is_refused_naming_the_key(change: dict, zh: str, en: str) -> None:  # type: ignore[type-arg]
    data = raw("qingdao-elderly-ga")
    data["versions"][0]["parameters"]["documents"].update(change)
    with pytest.raises(InvalidProgram) as refused:
        parse_program(data, source_name="qingdao.toml")
    assert zh in refused.value.zh and en in refused.value.en and "qingdao.toml" in refused.value.en


def test_missing_keeps_the_checklist_order_and_names_both_languages() -> None:
    required = (Document.CLAIM_FORM, Document.ID_PROOF, Document.DEATH_CERTIFICATE, Document.BANK_ACCOUNT)
    lacking = missing(required, ["id_proof", "bank_account", "pathology_report"])
    assert lacking == (Document.CLAIM_FORM, Document.DEATH_CERTIFICATE)
    assert names(lacking) == "理赔申请书、死亡证明"
    assert names(lacking, "en") == "claim form, death certificate"
    assert missing((), ["id_proof"]) == ()
