"""`credence serve --workers N` with more than two workers, on SQLite and on PostgreSQL:
every query and every citizen read is answered, behind a named proxy, and the log verifies."""

from __future__ import annotations

import threading

import httpx

from tests.e2e.test_under_load import Load
from tests.factories import make_payload
from tests.support.server import run_credence, serving

WORKERS = "4"
CONNECTIONS = 60  # beyond what one worker's pool holds idle, spread over the workers


def test_four_workers_answer_every_query_and_read_and_the_log_verifies(tmp_path, fresh_url):
    # A database of its own: SQLite, or PostgreSQL in the PostgreSQL pass.
    extra = {"CREDENCE_DATABASE_URL": fresh_url}
    run_credence(tmp_path, "migrate", **extra)
    recorder = run_credence(
        tmp_path, "dev-token", "--role", "recorder", "--department", "dept-w", **extra
    ).stdout.strip()
    code = make_payload().subject_code
    with serving(tmp_path, "--workers", WORKERS, "--forwarded-allow-ips", "127.0.0.1", **extra) as (
        base,
        _output,
    ):
        created = httpx.post(
            f"{base}/api/v1/records",
            json=make_payload(subject_code=code).model_dump(mode="json"),
            headers={"Authorization": f"Bearer {recorder}"},
            timeout=60,
        )
        assert created.status_code == 201, created.text
        agency = run_credence(
            tmp_path, "dev-token", "--role", "agency", "--agency", "bank-w", **extra
        ).stdout.strip()
        citizen = run_credence(
            tmp_path, "dev-token", "--role", "citizen", "--code", code, **extra
        ).stdout.strip()
        load = Load(base, agency, [code], CONNECTIONS, 3)
        loader = threading.Thread(target=load.run)
        loader.start()
        reads = [
            httpx.get(
                f"{base}/api/v1/me/record",
                headers={"Authorization": f"Bearer {citizen}", "X-Forwarded-For": "203.0.113.9"},
                timeout=60,
            )
            for _ in range(20)
        ]
        loader.join()
    load.assert_all_answered(CONNECTIONS * 3)
    assert {r.status_code for r in reads} == {200}
    assert all(len(r.json()["entries"]) == 1 for r in reads)
    assert run_credence(tmp_path, "log", "verify", **extra).stdout.startswith("ok: ")
