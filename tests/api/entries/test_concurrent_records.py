"""Concurrent submissions of one external id over a real server: one 201, then 409s."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select
from sqlmodel import Session

from core.models import Entry, Subject
from tests.factories import make_code, make_payload
from tests.support.app_server import serve_app

THREADS = 8


def _race(base: str, token: str, bodies: list[dict]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def submit(i: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            barrier.wait()
            answers[i] = http.post(
                "/api/v1/records", json=bodies[i], headers={"Authorization": f"Bearer {token}"}
            )

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def _count(runtime, model) -> int:
    with Session(runtime.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one()[0])  # type: ignore[call-overload]


class TestConcurrentSubmissions:
    def test_the_same_submission_eight_times_at_once(self, app, mint, runtime, caplog):
        code = make_code()
        body = make_payload(subject_code=code).model_dump(mode="json")
        with serve_app(app) as base:
            answers = _race(base, mint("recorder"), [body] * THREADS)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [409] * (THREADS - 1), statuses
        for a in (a for a in answers if a.status_code == 409):
            assert a.json()["rule"] == "duplicate_external_id"
            assert code not in a.text
        assert code not in caplog.text
        assert (_count(runtime, Entry), _count(runtime, Subject)) == (1, 1)

    def test_the_same_external_id_with_other_content_at_once(self, app, mint, runtime):
        external_id = "RACE-0001"
        bodies = [
            make_payload(external_id=external_id).model_dump(mode="json") for _ in range(THREADS)
        ]
        with serve_app(app) as base:
            answers = _race(base, mint("recorder"), bodies)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [409] * (THREADS - 1), statuses
        assert _count(runtime, Entry) == 1

    def test_a_sequential_identical_resend_is_still_409(self, client, mint):
        body = make_payload().model_dump(mode="json")
        headers = {"Authorization": f"Bearer {mint('recorder')}"}
        assert client.post("/api/v1/records", json=body, headers=headers).status_code == 201
        again = client.post("/api/v1/records", json=body, headers=headers)
        assert again.status_code == 409
        assert again.json()["rule"] == "duplicate_external_id"

    def test_batches_racing_on_one_external_id_report_created_existing_or_conflict(
        self, app, mint, runtime
    ):
        same = make_payload(external_id="RACE-BATCH").model_dump(mode="json")
        other = make_payload(external_id="RACE-BATCH").model_dump(mode="json")
        bodies = [{"items": [same if i % 2 else other]} for i in range(THREADS)]
        token = mint("recorder")
        barrier = threading.Barrier(THREADS)
        answers: list[httpx.Response | None] = [None] * THREADS

        def submit(i: int) -> None:
            with httpx.Client(base_url=base, timeout=120) as http:
                barrier.wait()
                answers[i] = http.post(
                    "/api/v1/records:batch",
                    json=bodies[i],
                    headers={"Authorization": f"Bearer {token}"},
                )

        with serve_app(app) as base:
            threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        items = [a.json()["items"][0] for a in answers if a is not None]
        assert len(items) == THREADS
        statuses = [item["status"] for item in items]
        assert statuses.count("created") == 1, statuses
        winner = bodies[statuses.index("created")]["items"][0]
        for body, item in zip(bodies, items, strict=True):
            if item["status"] != "created":
                expected = "existing" if body["items"][0] is winner else "conflict"
                assert item["status"] == expected, statuses
        assert _count(runtime, Entry) == 1
