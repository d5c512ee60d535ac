"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis), in-process.

Shared by tests/proof/test_api_fuzz.py and bench/api_fuzz.py. Every operation of /api/openapi.json
gets schema-valid (positive) and schema-breaking (negative) requests, sent through Django's WSGI
handler to the real views and database. Each response is checked: never a 5xx, a documented
status and content type, a body matching the schema declared for that status, and bad input
refused with a 4xx.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

OPENAPI = "/api/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Tally:
    """What the fuzzing sent and what came back wrong."""

    requests: int = 0
    statuses: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))  # per caller
    operations: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)  # one line per failed check, with the curl to replay it
    by_check: Counter[str] = field(default_factory=Counter)  # failure class name -> count
    nothing_to_break: list[str] = field(default_factory=list)  # negative runs with no part that can be invalid
    seconds: float = 0.0

    def count(self, low: int, high: int) -> int:
        return sum(n for c in self.statuses.values() for status, n in c.items() if low <= status < high)


@contextmanager
def in_process() -> Iterator[Any]:
    """Django's WSGI handler, minus the connection closing at each request's start and end: the
    requests run inside the caller's (pytest-django's) transaction, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi(OPENAPI, app)


def operations(schema: Any) -> list[Any]:
    return sorted((result.ok() for result in schema.get_all_operations()), key=lambda op: op.label)


class _UndoError(Exception):
    pass


def _send(case: Any) -> Any:
    """One request in a savepoint, undone after a 5xx: a database error must not leave the
    transaction aborted for the requests after it (each request has its own in production)."""
    response = None
    try:
        with transaction.atomic():
            response = case.call()
            if response.status_code >= 500:
                raise _UndoError
    except _UndoError:
        pass
    return response


def fuzz(operation: Any, tally: Tally, *, caller: str, headers: dict[str, str], examples: int,
         mode: GenerationMode, **fixed: Any) -> None:
    """Send up to ``examples`` generated requests to one operation; ``fixed`` pins parts of them
    (``path_parameters``, ``query``) so that they reach real rows instead of 404s."""
    if mode is GenerationMode.NEGATIVE and not _breakable(operation, fixed):
        # No parameters (GET /api/insight/models) or only pinned ones: no request can break the schema.
        tally.nothing_to_break.append(f"{operation.label} [{caller}]")
        return
    # The key goes in as a fixed header, so it is never the part of a request made invalid.
    strategy = operation.as_strategy(generation_mode=mode, headers=headers or None, **fixed)
    _run(operation, tally, caller, mode.value, strategy, examples)


def _breakable(operation: Any, fixed: dict[str, Any]) -> bool:
    """Whether schemathesis can make a request invalid: a body, or a path or query parameter left to
    generate whose schema is more than a bare string (any text is a valid bare string, once sent).
    The security header and cookie, listed as parameters too, give it nothing to negate."""
    pinned = {name for values in fixed.values() for name in values}
    return bool(list(operation.body)) or any(
        p.location.value in ("path", "query") and p.name not in pinned and not _bare_string(p.validation_schema)
        for p in operation.iter_parameters())


def _bare_string(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and set(schema) <= {"type", "title"}


def send_examples(operation: Any, tally: Tally, *, caller: str, headers: dict[str, str], **fixed: Any) -> None:
    """The request examples the document declares (IntakeIn, TransitionIn …), once each, the rest
    of the request generated: valid requests a random draw would hardly ever make."""
    for strategy in operation.get_strategies_from_examples(fill_missing=True, headers=headers or None, **fixed):
        _run(operation, tally, caller, "example", strategy, 1)


def _run(operation: Any, tally: Tally, caller: str, kind: str, strategy: Any, examples: int) -> None:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        response = _send(case)
        tally.requests += 1
        tally.statuses[caller][response.status_code] += 1
        tally.operations.add(operation.label)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else (exc,):
                tally.by_check[type(failure).__name__] += 1
                tally.failures.append(f"{operation.label} [{caller}, {kind}] {response.status_code} "
                                      f"{failure.title}: {failure.message[:300]}\n    {case.as_curl_command()}")

    start = time.perf_counter()
    try:
        run()
    finally:
        tally.seconds += time.perf_counter() - start


@dataclass
class City:
    """The fuzzed city: each caller's headers, and real rows for path and query parameters."""

    callers: dict[str, dict[str, str]]
    anchors: dict[str, dict[str, Any]]


def build_city() -> City:
    """tests/builders.py's city with one user per role, the registry pages' people and cases
    (tests/registry/pages_builders.py), two units and the default 派单目录. The centre's duty
    chief (岳麓区) calls with an API key; ``anonymous`` sends none."""
    from gongzhi.accounts.models import UnitKind
    from gongzhi.accounts.tokens import create_token
    from gongzhi.cases.catalog import load_default_catalog
    from gongzhi.core.access import Role
    from tests.builders import make_role_users, make_tree, make_unit
    from tests.registry.pages_builders import build

    tree = make_tree()
    users = make_role_users(tree)
    load_default_catalog()
    make_unit("dept-430104-chengguan", UnitKind.DEPARTMENT, tree["430104"], "岳麓区城管局")
    make_unit("street-430104002", UnitKind.STREET_OFFICE, tree["430104002"], "岳麓街道办事处")
    registry = build(tree, users)
    key = create_token(users[Role.CENTER_DUTY_CHIEF], "fuzz")[1]
    street, number = "430104002", registry.case.number
    anchors: dict[str, dict[str, Any]] = {
        "GET /api/areas/{path}": {"path_parameters": {"path": street}},
        "GET /api/areas/{path}/children": {"path_parameters": {"path": street}},
        "GET /api/locate": {"query": {"lon": 112.905, "lat": 28.205}},  # inside the first grid
        "GET /api/cases/{number}": {"path_parameters": {"number": number}},
        "POST /api/cases/{number}/transitions": {"path_parameters": {"number": number}},
        "GET /api/registry/people/{person_id}": {"path_parameters": {"person_id": registry.zhang.pk}},
        "GET /api/registry/people": {"query": {"area": street}},
        "GET /api/insight/hotspots": {"query": {"area": street}},
    }
    return City(callers={"chief": {"Authorization": f"Bearer {key}"}, "anonymous": {}}, anchors=anchors)


def fuzz_operation(operation: Any, city: City, tally: Tally, examples: int) -> None:
    """Every caller × both modes; for a caller with a key, the same again pinned to real rows and
    the declared examples."""
    for caller, headers in city.callers.items():
        pinned = city.anchors.get(operation.label) if headers else None
        for mode in MODES:
            fuzz(operation, tally, caller=caller, headers=headers, examples=examples, mode=mode)
            if pinned:
                fuzz(operation, tally, caller=caller, headers=headers, examples=examples, mode=mode, **pinned)
        if headers:
            send_examples(operation, tally, caller=caller, headers=headers, **(pinned or {}))
