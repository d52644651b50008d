"""Property-based tests of the whole API from its OpenAPI document (schemathesis, in process).

Every operation gets generated requests, valid ones and invalid ones, sent as a user holding every
role with a fresh ``Idempotency-Key``; no answer may be a server error (status ≥ 500). The same run
from the command line is in docs/security.md.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from anxin.domain.access import Role
from anxin.services.users import add_user, issue_token

#: Examples per operation and generation mode; about 15 seconds in all.
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 20, schemathesis.GenerationMode.NEGATIVE: 10}


@dataclass
class Tally:
    token: str
    cases: int = 0
    skipped: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def exercise(operation, mode: schemathesis.GenerationMode, examples: int, tally: Tally) -> None:  # type: ignore[no-untyped-def]
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:  # type: ignore[no-untyped-def]
        tally.cases += 1
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "idempotency-key"}
        case.headers = {
            **headers,
            "Authorization": f"Bearer {tally.token}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        response = case.call()
        tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            tally.failures.append(f"{operation.label}: {response.status_code} {case.as_curl_command()}")

    try:
        check()
    except Unsatisfiable:  # nothing invalid to generate (an operation without inputs)
        tally.skipped += 1


def test_no_generated_request_makes_a_server_error(app, web_db) -> None:  # type: ignore[no-untyped-def]
    add_user(web_db, "everyone", "password-of-everyone", [r.value for r in Role])
    tally = Tally(token=issue_token(web_db, "everyone", "schemathesis"))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    started = time.perf_counter()
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            exercise(operation, mode, examples, tally)
    elapsed = time.perf_counter() - started
    print(
        f"\nschemathesis: {len(operations)} operations, {tally.cases} cases, {len(tally.failures)} server "
        f"errors, {tally.skipped} without invalid inputs, {elapsed:.1f} s"
    )
    print("answers by status:", dict(sorted(tally.statuses.items())))
    assert len(operations) >= 26
    assert not tally.failures, "\n".join(tally.failures[:20])
