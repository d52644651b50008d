"""Helpers for the page tests (no tests here): a browser-like client signed in as one of the test
users, the CSRF token of its session, and a result line above the four-eyes threshold."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient
from stdnum.cn import ric

from anxin.store.database import Database
from anxin.store.schema import Adjudication, AdjudicationRun
from tests.web.conftest import password

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str, *, lang: str = "zh") -> TestClient:  # type: ignore[no-untyped-def]
    """A client holding ``username``'s session cookie, as a browser would after the sign-in form."""
    client = TestClient(app)
    if lang != "zh":
        client.cookies.set("anxin_lang", lang)
    answer = client.post(
        "/login", data={"username": username, "password": password(username)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf(client: TestClient, path: str = "/programs") -> str:
    """The session's CSRF token, as every page renders it into its forms."""
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def texts(html: str, pattern: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(pattern, html, re.S)]


def resident_id(first17: str) -> str:
    """A valid resident ID number from its first 17 digits."""
    return first17 + ric.calc_check_digit(first17 + "0")


def add_line(db: Database, *, amount_fen: int, status: str = "review", actor: str = "adjuster") -> int:
    """A result line as a run with a review threshold would leave it: an adjustment of
    ``amount_fen`` to the settlement with the largest approved payout, made by ``actor``'s run."""
    with db.session() as session, session.begin():
        model = session.scalars(
            sa.select(Adjudication)
            .where(Adjudication.status == "approved")
            .order_by(Adjudication.amount_fen.desc())
            .limit(1)
        ).one()
        run = AdjudicationRun(
            program_code=model.program_code,
            year=model.program_year,
            mode="full",
            status="completed",
            actor=actor,
        )
        session.add(run)
        session.flush()
        skip = {"id", "run_id", "kind", "status", "amount_fen", "review_reason", "created_at"}
        copied = {c.key: getattr(model, c.key) for c in Adjudication.__table__.columns if c.key not in skip}
        line = Adjudication(
            **copied,
            run_id=run.id,
            kind="adjustment",
            status=status,
            amount_fen=amount_fen,
            review_reason="above_threshold" if status == "review" else "",
        )
        session.add(line)
        session.flush()
        return line.id
