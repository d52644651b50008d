"""What a group-cover claims run reads: claims with their person, enrolments, recorded result lines.

Each claim is placed in the policy year of the enrolment whose cover holds its event (the accident,
the admission for an illness stay, the diagnosis); a claim whose event falls in no period of cover
is placed in the nearest earlier one (or the first), where the rule refuses it as outside the cover.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.group_accident import ClaimType
from anxin.store.bulk import fetch_frame, select_by_keys
from anxin.store.schema import Claim, ClaimResult, Enrollment, Person

CLAIM_SCHEMA: dict[str, pl.DataType] = {
    "claim_key": pl.Int64(),
    "claim_id": pl.String(),
    "person_key": pl.Int64(),
    "claim_type": pl.String(),
    "due_on": pl.Date(),
    "accident_on": pl.Date(),
    "admitted_on": pl.Date(),
    "discharged_on": pl.Date(),
    "grades_text": pl.String(),
    "expense_fen": pl.Int64(),
    "disease_code": pl.String(),
    "basic_insurance": pl.Boolean(),
    "born_on": pl.Date(),
    "sex": pl.String(),
}
ENROLMENT_SCHEMA: dict[str, pl.DataType] = {
    "person_key": pl.Int64(),
    "policy_year": pl.Int32(),
    "cover_from": pl.Date(),
    "cover_to": pl.Date(),
    "units": pl.Int64(),
}


def claimant_ids(connection: Connection, program_code: str, *, pending_only: bool) -> list[int]:
    """Persons with claims under the program (only those with a claim that has no line yet)."""
    statement = sa.select(Claim.person_id).where(Claim.program_code == program_code).distinct()
    if pending_only:
        lines = sa.select(ClaimResult.id).where(
            ClaimResult.claim_id == Claim.id, ClaimResult.program_code == program_code
        )
        statement = statement.where(~lines.exists())
    frame = fetch_frame(connection, statement, {"person_id": pl.Int64()})
    return sorted(frame["person_id"].to_list())


def claims_of(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    statement = (
        sa.select(
            Claim.id, Claim.claim_no, Claim.person_id, Claim.claim_type, Claim.due_on, Claim.accident_on,
            Claim.admitted_on, Claim.discharged_on, Claim.grades, Claim.expense_fen, Claim.disease_code,
            Claim.basic_insurance, Person.birth_date, Person.sex,
        )
        .join(Person, Person.id == Claim.person_id)
        .where(Claim.program_code == program_code)
    )  # fmt: skip
    frame = select_by_keys(connection, statement, Claim.person_id, person_ids, CLAIM_SCHEMA)
    return frame.with_columns(
        grades=pl.col("grades_text").str.split(",").list.eval(pl.element().cast(pl.Int8, strict=False)).list.drop_nulls()
    ).drop("grades_text")  # fmt: skip


def enrolments_of(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    """Each person's periods of cover, with ``renewed``: covered without a break the year before."""
    statement = sa.select(
        Enrollment.person_id,
        Enrollment.year,
        Enrollment.covered_from,
        Enrollment.covered_to,
        Enrollment.units,
    ).where(Enrollment.program_code == program_code)
    frame = select_by_keys(connection, statement, Enrollment.person_id, person_ids, ENROLMENT_SCHEMA)
    frame = frame.sort("person_key", "cover_from")
    previous_end = pl.col("cover_to").shift(1).over("person_key")
    return frame.with_columns(
        renewed=(previous_end + dt.timedelta(days=1) == pl.col("cover_from")).fill_null(False),
        units=pl.col("units").fill_null(1),
    )


def event_day() -> pl.Expr:
    """The day that places a claim in a period of cover."""
    illness = pl.col("accident_on").is_null() & pl.col("claim_type").is_in(
        [ClaimType.HOSPITAL_ALLOWANCE.value, ClaimType.ILLNESS_HOSPITAL.value]
    )
    return (
        pl.when(illness)
        .then(pl.col("admitted_on"))
        .otherwise(pl.coalesce("accident_on", "admitted_on", "due_on"))
    )


def with_cover(claims: pl.DataFrame, enrolments: pl.DataFrame) -> pl.DataFrame:
    """Claims joined to the enrolment their event falls in (else the nearest earlier, else the first)."""
    claims = claims.with_columns(_event=event_day())
    pairs = claims.select("claim_key", "person_key", "_event").join(enrolments, on="person_key")
    inside = (pl.col("_event") >= pl.col("cover_from")) & (pl.col("_event") <= pl.col("cover_to"))
    before = pl.col("cover_from") <= pl.col("_event")
    ranked = pairs.with_columns(
        _rank=pl.when(inside).then(0).when(before).then(1).otherwise(2),
        _order=pl.when(before).then(-pl.col("cover_from").cast(pl.Int64)).otherwise(pl.col("cover_from").cast(pl.Int64)),
    )  # fmt: skip
    best = ranked.sort("claim_key", "_rank", "_order").unique("claim_key", keep="first", maintain_order=True)
    return claims.join(best.drop("person_key", "_event", "_rank", "_order"), on="claim_key").drop("_event")


def recorded_due(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    """What each claim of these persons is due so far: the sum of its lines, and how many."""
    statement = sa.select(ClaimResult.claim_id, ClaimResult.amount_fen).where(
        ClaimResult.program_code == program_code
    )
    lines = select_by_keys(
        connection,
        statement,
        ClaimResult.person_id,
        person_ids,
        {"claim_key": pl.Int64(), "amount_fen": pl.Int64()},
    )
    return lines.group_by("claim_key").agg(
        recorded_fen=pl.col("amount_fen").sum(), lines=pl.len().cast(pl.Int64)
    )
