"""Fuzzing of the JSON API from its OpenAPI document (schemathesis), the proof suite's fuzzing at a
larger budget: every operation, positive and negative data, as the centre's duty chief with an API
key and as nobody, in-process against the real views and database (tests/proof/fuzzing.py).

    .venv/bin/python bench/api_fuzz.py [--examples 200] [--show 20]
    DATABASE_URL=postgres://…/bench_fuzz .venv/bin/python bench/api_fuzz.py
"""

from __future__ import annotations

import argparse
import logging
import sys

from _setup import setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=200, help="generated requests per operation, caller and mode")
    parser.add_argument("--show", type=int, default=20, help="failures to print (on stderr)")
    args = parser.parse_args()
    setup_django("fuzz")
    from django.conf import settings
    from django.db import transaction
    from tests.proof.fuzzing import (
        Tally,
        build_city,
        fuzz_operation,
        in_process,
        load_schema,
        operations,
    )

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the users are made here
    tally = Tally()
    with transaction.atomic(), in_process() as app:  # rolled back at the end: the database stays empty
        # After the WSGI handler's setup, which configures logging: thousands of 4xx on purpose, 5xx still shown.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        city = build_city()
        ops = operations(load_schema(app))
        for op in ops:
            fuzz_operation(op, city, tally, args.examples)
        transaction.set_rollback(True)
    for line in tally.failures[: args.show]:
        print(line, file=sys.stderr)
    figures = [
        ("fuzz_requests", tally.requests, "requests"),
        ("fuzz_operations_covered", len(tally.operations), "operations"),
        ("fuzz_operations_total", len(ops), "operations"),
        ("fuzz_2xx", tally.count(200, 300), "responses"),
        ("fuzz_4xx", tally.count(400, 500), "responses"),
        ("fuzz_5xx", tally.count(500, 600), "responses"),
        ("fuzz_schema_violations", tally.by_check["JsonSchemaError"], "responses"),
        ("fuzz_failed_checks", len(tally.failures), "checks"),
        ("fuzz_negative_runs_skipped", len(tally.nothing_to_break), "runs"),  # nothing in the request to break
        ("fuzz_seconds", f"{tally.seconds:.1f}", "s"),
    ]
    for name, value, unit in figures:
        print(name, value, unit)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
