"""A seeded year of customer activity on a book of life policies, for the demo: where the policies
are, the new business received during the year, the servicing requests by day, kind and channel, and
how each new policy's callback (回访) goes.

New business is imported every few days (:func:`import_day`); the calls are planned per policy
(:func:`callbacks_plan`) and put in order by day (:func:`callbacks_by_day`).

Everything here is pure and deterministic: the same arguments give the same frames. A request names
no policy: it carries ``pick``, a number in [0, 1) that chooses among the policies eligible for its
kind on its day (whatever the book looks like by then), and ``share``, the part of the amount
available (the loan quote, the debt) that it asks for. Rates and shares are illustrative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.engine.servicing_terms import POLICY_SCHEMA
from anxin.synth.life import life_book

#: Henan districts (the shipped relief campaign's province, ``41``).
HENAN = ("410102", "410105", "410302", "410702", "411302")
#: New business is numbered ``N…`` (the book at the start of the year ``L…``).
NEW_PREFIX = "N"
#: Servicing requests a year per 1,000 policies of the book, by kind.
REQUESTS_PER_THOUSAND = {
    "contact_change": 60,
    "beneficiary_change": 8,
    "loan": 40,
    "repayment": 30,
    "reinstatement": 30,
    "surrender": 8,
}
#: Cooling-off cancellations per new policy.
COOLING_OFF_SHARE = 0.04
#: The channels requests come by: the app (electronic) takes about 98 %.
REQUEST_CHANNELS = {"app": 0.981, "counter": 0.009, "agent": 0.006, "phone": 0.004}
#: How new-policy callbacks end: done electronically, done by phone, or never done (overdue).
CALLBACK_OUTCOMES = {"electronic": 0.972, "phone": 0.013, "overdue": 0.015}
#: Share of callbacks whose first call leaves a point unconfirmed (called again two days later).
INCOMPLETE_FIRST_CALL = 0.03


def shuffled(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """``n`` values in the given shares (rounded; the first value takes what rounding leaves), in a
    seeded order: the shares hold exactly, not only on average."""
    counts = [round(share * n) for share in list(shares.values())[1:]]
    counts = [n - sum(counts), *counts]
    return rng.permutation(np.repeat(np.array(list(shares)), counts))


def placed(
    policies: pl.DataFrame, local: Sequence[str], *, henan_share: float = 0.3, seed: int = 7
) -> pl.DataFrame:
    """The policies with their regions: ``henan_share`` in Henan districts, the rest in ``local``
    regions (the residents' own districts)."""
    rng = np.random.default_rng([seed, 41, policies.height])
    henan = rng.random(policies.height) < henan_share
    regions = np.where(
        henan,
        np.array(HENAN)[rng.integers(0, len(HENAN), policies.height)],
        np.array(list(local))[rng.integers(0, len(local), policies.height)],
    )
    return policies.with_columns(region=pl.Series(regions, dtype=pl.String))


def new_business(n: int, *, year: int, seed: int, products: Sequence[LifeProduct]) -> pl.DataFrame:
    """``n`` policies received during ``year`` (issued 1–10 days before receipt), first premium
    paid, in force; policy numbers ``N…``. ``last_run_day`` is left empty for the importer's day."""
    book, _ = life_book(n, seed=seed + 1, as_of=dt.date(year + 1, 1, 1), products=products)
    rng = np.random.default_rng([seed, year, n])
    first = np.datetime64(dt.date(year, 1, 1), "D")
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    received = np.sort(first + rng.integers(0, days, n).astype("timedelta64[D]"))
    issued = received - rng.integers(1, 11, n).astype("timedelta64[D]")
    return (
        book.with_columns(
            policy_id=pl.lit(NEW_PREFIX) + pl.col("policy_id").str.slice(1),
            issue_date=pl.Series(issued).cast(pl.Date),
            received_on=pl.Series(received).cast(pl.Date),
            status=pl.lit(PolicyStatus.IN_FORCE.value),
            premiums_paid=pl.lit(1, pl.Int64),
            premium_credit=pl.lit(0, pl.Int64),
            due_on=pl.lit(None, pl.Date),
            cover_to=pl.lit(None, pl.Date),
            suspended_on=pl.lit(None, pl.Date),
            last_run_day=pl.lit(None, pl.Date),
        )
        .with_columns(status_since=pl.col("issue_date"))
        .cast(POLICY_SCHEMA)
    )  # type: ignore[arg-type]


def requests_plan(year: int, *, policies: int, new_policies: int, seed: int) -> pl.DataFrame:
    """The year's servicing requests: ``day``, ``kind``, ``channel``, ``pick``, ``share``, by day."""
    rng = np.random.default_rng([seed, year, 6])
    counts = {kind: round(rate * policies / 1000) for kind, rate in REQUESTS_PER_THOUSAND.items()}
    counts["cooling_off_cancellation"] = round(COOLING_OFF_SHARE * new_policies)
    kinds = np.repeat(np.array(list(counts)), list(counts.values()))
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    frame = pl.DataFrame(
        {
            "day": np.datetime64(dt.date(year, 1, 1), "D") + rng.integers(0, days, len(kinds)),
            "kind": kinds,
            "channel": shuffled(rng, REQUEST_CHANNELS, len(kinds)),
            "pick": rng.random(len(kinds)),
            "share": rng.uniform(0.2, 1.0, len(kinds)),
        }
    )
    return frame.with_columns(pl.col("day").cast(pl.Date)).sort("day", "kind", "pick")


def callbacks_plan(received_on: pl.DataFrame, *, seed: int) -> pl.DataFrame:
    """How each new policy's callback goes, from ``policy_id`` and ``received_on``: ``outcome``
    (electronic, phone, overdue), ``day`` (1–10 days after receipt) and ``incomplete_first`` (a
    first call two days earlier left a point unconfirmed)."""
    n = received_on.height
    rng = np.random.default_rng([seed, n, 98])
    return received_on.select(
        "policy_id",
        outcome=pl.Series(shuffled(rng, CALLBACK_OUTCOMES, n)),
        day=pl.col("received_on") + pl.duration(days=pl.Series(rng.integers(3, 11, n))),
        incomplete_first=pl.Series(rng.random(n) < INCOMPLETE_FIRST_CALL),
    )


def import_day(received: pl.Expr, first: dt.date, every: int) -> pl.Expr:
    """The import day of a policy received on ``received``: the first of the days ``first``,
    ``first + every``, … on or after it."""
    offset = (received - pl.lit(first)).dt.total_days()
    return pl.lit(first) + pl.duration(days=(offset + every - 1) // every * every)


def callbacks_by_day(
    fresh: pl.DataFrame, book: pl.DataFrame, first: dt.date, *, seed: int, cooling_off: int, every: int
) -> pl.DataFrame:
    """The calls to make, by day: ``policy_id``, ``day``, ``channel`` and ``complete`` (all points
    confirmed) — on the new business (imported every ``every`` days from ``first``) and on the
    book's policies still in cooling-off on ``first``; never before the policy is imported, the
    overdue ones never called, an incomplete first call two days before the complete one."""
    recent = book.filter(pl.col("received_on") >= first - dt.timedelta(days=cooling_off))
    received = pl.concat([
        recent.select("policy_id", "received_on", imported=pl.lit(first)),
        fresh.select("policy_id", "received_on", imported=import_day(pl.col("received_on"), first, every)),
    ])  # fmt: skip
    plan = callbacks_plan(received.select("policy_id", "received_on"), seed=seed).join(
        received.select("policy_id", "imported"), on="policy_id"
    )
    called = plan.filter(pl.col("outcome") != "overdue")
    done = called.select(
        "policy_id", day=pl.max_horizontal("day", "imported"), channel="outcome", complete=pl.lit(True)
    )
    tries = called.filter("incomplete_first").select(
        "policy_id",
        day=pl.max_horizontal(pl.col("day") - pl.duration(days=2), "imported"),
        channel=pl.lit("electronic"),
        complete=pl.lit(False),
    )
    return pl.concat([tries, done]).sort("day", "complete", "policy_id")
