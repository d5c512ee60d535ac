"""Proof 7a: property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis).

Every operation of /api/openapi.json, as the centre's duty chief with an API key and as nobody,
gets schema-valid and schema-breaking requests (tests/proof/fuzzing.py), derandomized so a run
repeats: no 5xx, every status and content type documented, every body matching the schema
declared for its status, broken input refused with a 4xx. bench/api_fuzz.py runs the same with a
larger budget and prints the figures.

Open311 is not in the document: garbage for it (and malformed bodies for the API) is in
tests/cases/test_garbage.py, S9's other half.
"""

from __future__ import annotations

import pytest

from gongzhi.api import api
from tests.proof.fuzzing import (
    Tally,
    build_city,
    fuzz_operation,
    in_process,
    load_schema,
    operations,
)

pytestmark = pytest.mark.django_db
EXAMPLES = 25  # per operation, caller and mode: ~1,500 requests in all

LABELS = sorted(f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops)


def test_the_served_document_lists_every_operation() -> None:
    with in_process() as app:
        served = [op.label for op in operations(load_schema(app))]
    assert served == LABELS
    assert len(LABELS) >= 12  # areas, cases, registry, insight


@pytest.mark.parametrize("label", LABELS)
def test_operation_survives_fuzzing(label: str) -> None:
    method, path = label.split(" ", 1)
    tally = Tally()
    with in_process() as app:
        city = build_city()
        fuzz_operation(load_schema(app)[path][method], city, tally, EXAMPLES)
    assert not tally.failures, f"{len(tally.failures)} failed checks:\n" + "\n".join(tally.failures[:10])
    chief, anonymous = tally.statuses["chief"], tally.statuses["anonymous"]
    # Without a key: 401, or 403 from the session check's CSRF rule when a (made-up) session cookie came along.
    assert anonymous, "no request without a key"
    assert set(anonymous) <= {401, 403}, f"without a key: {dict(anonymous)}"
    assert sum(chief.values()) >= EXAMPLES, f"too few requests reached {label}: {dict(chief)}"
    # The generated requests get past validation to the view and its answers, not only 422s.
    assert any(200 <= s < 300 for s in chief), f"no success as the chief: {dict(chief)}"
