"""PostgreSQL helpers for tests that act on the server itself."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text

from tests.conftest import PG_URL


def terminate_backends(url: str) -> int:
    """Drop every server connection to the database of `url`, as a restart would; how many."""
    if PG_URL is None:
        raise RuntimeError("needs CREDENCE_TEST_PG_URL")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": make_url(url).database},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(killed)
