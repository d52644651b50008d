"""Policies and loans between their frames and the domain's value objects (one policy at a time).

The requests (:mod:`anxin.domain.life.servicing`) work on :class:`PolicyState` and :class:`LoanState`;
the daily run on frames. These two functions carry rows across, both ways, without loss.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import polars as pl

from anxin.domain.life.policy import LoanState, PolicyState, PolicyStatus
from anxin.engine.servicing_terms import LOAN_SCHEMA, POLICY_SCHEMA


def policies_frame(states: Iterable[PolicyState]) -> pl.DataFrame:
    rows = [dataclasses.asdict(s) | {"status": s.status.value} for s in states]
    return pl.DataFrame(rows, schema=POLICY_SCHEMA)


def loans_frame(loans: Iterable[LoanState]) -> pl.DataFrame:
    return pl.DataFrame([dataclasses.asdict(loan) for loan in loans], schema=LOAN_SCHEMA)


def policy_states(frame: pl.DataFrame) -> list[PolicyState]:
    return [
        PolicyState(**(row | {"status": PolicyStatus(row["status"])}))
        for row in frame.select(POLICY_SCHEMA.keys()).iter_rows(named=True)
    ]


def loan_states(frame: pl.DataFrame) -> list[LoanState]:
    return [LoanState(**row) for row in frame.select(LOAN_SCHEMA.keys()).iter_rows(named=True)]
