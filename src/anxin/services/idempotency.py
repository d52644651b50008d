"""Idempotency keys: a state-changing request sent again with the same key acts once.

The first request with a key claims it (a row with status 0); when it finishes, its status code and
body are stored, and any later request with the same key and the same content gets that stored
answer without acting again. The same key with different content is refused; a request that failed
unexpectedly releases its key so the caller can retry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.errors import AnxinError, Conflict
from anxin.store.database import Database
from anxin.store.schema import IdempotentRequest

MAX_KEY = 80


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: str


def request_digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def claim(db: Database, user_id: int, key: str, method: str, path: str, digest: str) -> int | StoredAnswer:
    """Claim ``key`` for this request (returns the claim's id), or the answer stored for it."""
    if not 0 < len(key) <= MAX_KEY or not key.isprintable():
        raise AnxinError(
            f"Idempotency-Key 须为 1–{MAX_KEY} 个可见字符",
            f"Idempotency-Key has 1–{MAX_KEY} printable characters",
            code="invalid_idempotency_key",
        )
    try:
        with db.session() as session, session.begin():
            row = IdempotentRequest(
                user_id=user_id, key=key, method=method, path=path[:200], request_hash=digest
            )
            session.add(row)
            session.flush()
            return row.id
    except sa.exc.IntegrityError:
        pass
    with db.session() as session:
        earlier = session.scalar(
            sa.select(IdempotentRequest).where(
                IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
            )
        )
    if earlier is None:  # released between our insert and this read: try once more
        return claim(db, user_id, key, method, path, digest)
    if earlier.request_hash != digest:
        raise Conflict(
            "该 Idempotency-Key 已用于另一个请求",
            "this Idempotency-Key was used for a different request",
            code="idempotency_key_reused",
        )
    if earlier.status_code == 0:
        raise Conflict(
            "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
            "a request with this Idempotency-Key is still in progress; retry shortly",
            code="idempotency_in_progress",
        )
    return StoredAnswer(earlier.status_code, earlier.response_body)


def store_answer(db: Database, claim_id: int, status_code: int, body: str) -> None:
    with db.session() as session, session.begin():
        session.execute(
            sa.update(IdempotentRequest)
            .where(IdempotentRequest.id == claim_id)
            .values(status_code=status_code, response_body=body)
        )


def release(db: Database, claim_id: int) -> None:
    with db.session() as session, session.begin():
        session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.id == claim_id))
