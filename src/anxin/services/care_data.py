"""What a monthly long-term care run reads: a month's care bills of a program, the registers they are
judged against (the persons' assessments and enrolments, the care providers), and the result lines
already recorded — as frames in the shapes the kernel (:mod:`anxin.engine.long_term_care`) takes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from anxin.engine.long_term_care import Registers, registers
from anxin.store.bulk import fetch_frame, select_by_keys
from anxin.store.schema import CareAssessment, CareBill, CareBillResult, CareProvider, Enrollment

BILL_SCHEMA: dict[str, pl.DataType] = {
    "bill_key": pl.Int64(),
    "bill_id": pl.String(),
    "person_key": pl.Int64(),
    "provider_code": pl.String(),
    "service_type": pl.String(),
    "month": pl.Date(),
    "service_from": pl.Date(),
    "service_to": pl.Date(),
    "days": pl.Int32(),
    "cost_fen": pl.Int64(),
    "replaced_by": pl.String(),
}


def _in_month(program_code: str, month: dt.date) -> list[sa.ColumnElement[bool]]:
    return [CareBill.program_code == program_code, CareBill.month == month]


def billed_persons(
    connection: Connection, program_code: str, month: dt.date, *, pending_only: bool
) -> list[int]:
    """Persons with bills in the month (only those with a bill that has no line yet)."""
    statement = sa.select(CareBill.person_id).where(*_in_month(program_code, month)).distinct()
    if pending_only:
        lines = sa.select(CareBillResult.id).where(
            CareBillResult.program_code == program_code, CareBillResult.bill_id == CareBill.id
        )
        statement = statement.where(~lines.exists())
    frame = fetch_frame(connection, statement, {"person_id": pl.Int64()})
    return sorted(frame["person_id"].to_list())


def bills_of(
    connection: Connection, program_code: str, month: dt.date, person_ids: list[int]
) -> pl.DataFrame:
    """The persons' bills of the month, with the number of the bill replacing each (if any)."""
    replacing = aliased(CareBill)
    statement = (
        sa.select(
            CareBill.id, CareBill.bill_no, CareBill.person_id, CareBill.provider_code, CareBill.service_type,
            CareBill.month, CareBill.service_from, CareBill.service_to, CareBill.days, CareBill.cost_fen,
            replacing.bill_no,
        )
        .outerjoin(replacing, replacing.replaces_bill_no == CareBill.bill_no)
        .where(*_in_month(program_code, month))
    )  # fmt: skip
    return select_by_keys(connection, statement, CareBill.person_id, person_ids, BILL_SCHEMA)


def registers_of(connection: Connection, program_code: str, person_ids: list[int]) -> Registers:
    """The persons' assessments and enrolments in the program, and every care provider, checked."""
    assessments = select_by_keys(
        connection,
        sa.select(
            CareAssessment.person_id, CareAssessment.assessed_on, CareAssessment.method, CareAssessment.level
        ),
        CareAssessment.person_id,
        person_ids,
        {"person_id": pl.Int64(), "assessed_on": pl.Date(), "method": pl.String(), "level": pl.Int64()},
    )
    enrolments = select_by_keys(
        connection,
        sa.select(Enrollment.person_id, Enrollment.covered_from, Enrollment.covered_to).where(
            Enrollment.program_code == program_code
        ),
        Enrollment.person_id,
        person_ids,
        {"person_id": pl.Int64(), "enrolled_from": pl.Date(), "enrolled_to": pl.Date()},
    )
    providers = fetch_frame(
        connection,
        sa.select(
            CareProvider.provider_code, CareProvider.name, CareProvider.tier, CareProvider.service_types
        ),
        {
            "provider_code": pl.String(),
            "provider_name": pl.String(),
            "tier": pl.Int8(),
            "services": pl.String(),
        },
    )
    return registers(
        assessments.with_columns(pl.col("person_id").cast(pl.String)),
        _joined_years(enrolments),
        providers.with_columns(service_types=pl.col("services").str.split(",")).drop("services"),
    )


def _joined_years(enrolments: pl.DataFrame) -> pl.DataFrame:
    """Enrolments as periods: consecutive program years of a person joined into one period."""
    frame = enrolments.sort("person_id", "enrolled_from")
    gap = (pl.col("enrolled_from") != pl.col("enrolled_to").shift(1) + dt.timedelta(days=1)).fill_null(True)
    starts = (gap | (pl.col("person_id") != pl.col("person_id").shift(1)).fill_null(True)).cum_sum()
    return (
        frame.with_columns(_period=starts)
        .group_by("person_id", "_period")
        .agg(pl.col("enrolled_from").min(), pl.col("enrolled_to").max())
        .select(pl.col("person_id").cast(pl.String), "enrolled_from", "enrolled_to")
    )


def recorded_due(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    """What each bill of these persons is due so far: the sum of its lines, and how many."""
    lines = select_by_keys(
        connection,
        sa.select(CareBillResult.bill_id, CareBillResult.amount_fen).where(
            CareBillResult.program_code == program_code
        ),
        CareBillResult.person_id,
        person_ids,
        {"bill_key": pl.Int64(), "amount_fen": pl.Int64()},
    )
    return lines.group_by("bill_key").agg(
        recorded_fen=pl.col("amount_fen").sum(), lines=pl.len().cast(pl.Int64)
    )
