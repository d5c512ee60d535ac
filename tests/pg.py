"""Fresh PostgreSQL databases for tests that run the platform in another process."""

from __future__ import annotations

from urllib.parse import urlparse


def fresh_pg_database(url: str, name: str) -> str:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()
