"""Staff accounts: Argon2 passwords, browser sessions, API tokens for partner systems.

Tokens are random (``secrets.token_urlsafe``) and stored only as SHA-256 digests; a session also
carries a CSRF token that every state-changing form must echo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from anxin.domain.access import Role, parse_roles
from anxin.domain.errors import AnxinError, Conflict, NotFound, NotSignedIn
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.schema import ApiToken, User, UserSession
from anxin.store.schema.base import utc_now

SESSION_HOURS = 10
MIN_PASSWORD = 10
_hasher = PasswordHasher()
#: Verified against when a username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Staff:
    """A signed-in person as requests see them."""

    id: int
    username: str
    display_name: str
    roles: tuple[Role, ...]
    csrf_token: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _staff(user: User, csrf: str = "") -> Staff:
    return Staff(user.id, user.username, user.display_name, parse_roles(user.roles), csrf)


def add_user(
    db: Database,
    username: str,
    password: str,
    roles: str | list[str] | tuple[str, ...],
    *,
    display_name: str = "",
    actor: str = "system",
) -> Staff:
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        raise AnxinError(
            f"用户名须为 1–64 个字母、数字、点或下划线：{username!r}",
            f"a username has 1–64 letters, digits, dots or underscores: {username!r}",
            code="invalid_username",
        )
    if len(password) < MIN_PASSWORD:
        raise AnxinError(
            f"密码至少 {MIN_PASSWORD} 个字符",
            f"a password has at least {MIN_PASSWORD} characters",
            code="weak_password",
        )
    try:
        parsed = parse_roles(roles)
    except ValueError as exc:
        raise AnxinError(str(exc), str(exc), code="invalid_role") from None
    with db.session() as session, session.begin():
        if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"用户名已存在：{username}", f"the username is taken: {username}")
        user = User(
            username=username,
            display_name=display_name,
            password_hash=_hasher.hash(password),
            roles=",".join(r.value for r in parsed),
            created_by=actor,
        )
        session.add(user)
        session.flush()
        record(
            session,
            actor=actor,
            action="user_added",
            entity="user",
            entity_id=user.id,
            after={"username": username, "roles": user.roles},
        )
        return _staff(user)


def list_users(db: Database) -> list[Staff]:
    with db.session() as session:
        return [_staff(u) for u in session.scalars(sa.select(User).order_by(User.username))]


def authenticate(db: Database, username: str, password: str) -> Staff:
    """The active user with this password, or :class:`NotSignedIn` (the same for any mistake)."""
    with db.session() as session, session.begin():
        user = session.scalar(sa.select(User).where(User.username == username.strip()))
        stored = user.password_hash if user is not None else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
            good = user is not None and user.active
        except (VerificationError, InvalidHashError):
            good = False
        if not good or user is None:
            record(session, actor=username[:64] or "?", action="sign_in_failed", entity="user")
            raise NotSignedIn("用户名或密码不正确", "wrong username or password")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        record(session, actor=user.username, action="signed_in", entity="user", entity_id=user.id)
        return _staff(user)


def start_session(db: Database, staff: Staff) -> tuple[str, Staff]:
    """A new browser session: the cookie's token (kept only as a digest) and the staff with CSRF."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with db.session() as session, session.begin():
        session.add(
            UserSession(
                token_hash=digest(token),
                user_id=staff.id,
                csrf_token=csrf,
                expires_at=utc_now() + dt.timedelta(hours=SESSION_HOURS),
            )
        )
    return token, Staff(staff.id, staff.username, staff.display_name, staff.roles, csrf)


def session_staff(db: Database, token: str) -> Staff | None:
    with db.session() as session:
        row = session.execute(
            sa.select(User, UserSession.csrf_token, UserSession.expires_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == digest(token), UserSession.revoked_at.is_(None))
        ).first()
    if row is None or not row[0].active or _aware(row[2]) < utc_now():
        return None
    return _staff(row[0], row[1])


def end_session(db: Database, token: str) -> None:
    with db.session() as session, session.begin():
        session.execute(
            sa.update(UserSession).where(UserSession.token_hash == digest(token)).values(revoked_at=utc_now())
        )


def issue_token(db: Database, username: str, name: str, *, actor: str = "system") -> str:
    """A new API token for ``username`` (returned once; only its digest is kept)."""
    token = "anx_" + secrets.token_urlsafe(32)
    with db.session() as session, session.begin():
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"没有该用户：{username}", f"no such user: {username}")
        row = ApiToken(token_hash=digest(token), user_id=user.id, name=name)
        session.add(row)
        session.flush()
        record(
            session,
            actor=actor,
            action="token_issued",
            entity="api_token",
            entity_id=row.id,
            after={"user": username, "name": name},
        )
    return token


def token_staff(db: Database, token: str) -> Staff | None:
    with db.session() as session:
        user = session.scalar(
            sa.select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
        )
    return _staff(user) if user is not None and user.active else None


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes for UTC columns."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


DEMO_USERS = {
    "demo": (
        "演示用户",
        ("clerk", "adjuster", "reviewer", "finance", "risk_officer", "auditor", "manager", "admin"),
    ),
    "demo2": ("演示复核人", ("reviewer",)),
}


def ensure_demo_users(db: Database) -> dict[str, str]:
    """The demo's staff (``demo`` with every role, ``demo2`` a second reviewer for four eyes), with
    passwords kept in the data folder (owner-only) so ``anxin serve`` can sign ``demo`` in."""
    path = db.settings.data_dir / "demo-users.txt"
    known = (
        dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)
        if path.exists()
        else {}
    )
    existing = {staff.username for staff in list_users(db)}
    for username, (display, roles) in DEMO_USERS.items():
        if username in existing and username in known:
            continue
        if username in existing:  # created elsewhere: leave it alone
            continue
        known[username] = secrets.token_urlsafe(12)
        add_user(db, username, known[username], roles, display_name=display, actor="demo")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.writelines(f"{name}\t{password}\n" for name, password in known.items())
    return known


def demo_staff(db: Database) -> Staff | None:
    """The demo user, when ``anxin demo`` made it (its password file is in the data folder)."""
    if not (db.settings.data_dir / "demo-users.txt").exists():
        return None
    with db.session() as session:
        user = session.scalar(sa.select(User).where(User.username == "demo", User.created_by == "demo"))
    return _staff(user) if user is not None and user.active else None
