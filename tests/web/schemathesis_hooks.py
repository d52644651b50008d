"""Schemathesis hooks for the command-line run in docs/security.md: every request gets a fresh
``Idempotency-Key`` (with one fixed key, every state-changing request after the first would only
be refused as a reused key).

    SCHEMATHESIS_HOOKS=tests.web.schemathesis_hooks st run …
"""

from __future__ import annotations

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs) -> None:  # type: ignore[no-untyped-def]
    case.headers = {
        **{k: v for k, v in (case.headers or {}).items() if k.lower() != "idempotency-key"},
        "Idempotency-Key": str(uuid.uuid4()),
    }
