"""Recorder and citizen APIs: two citizens, two departments, nobody sees anyone else's data."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session

from core.context import Context
from core.entries.batches import submit_batch
from core.models import Entry, EntryEvent
from tests.factories import bearer, make_code, make_payload


def _body(**kw) -> dict:
    return make_payload(**kw).model_dump(mode="json")


class TestTwoCitizensTwoDepartments:
    def test_nobody_sees_another_persons_or_departments_data(self, client, mint):
        x, y = make_code(), make_code()
        rec_a = bearer(mint("recorder", department="dept-a"))
        rec_b = bearer(mint("recorder", department="dept-b"))
        a1 = client.post(
            "/api/v1/records", json=_body(subject_code=x, subject_name="王小明"), headers=rec_a
        )
        b1 = client.post(
            "/api/v1/records",
            json=_body(subject_code=y, subject_name="李四", domain="traffic"),
            headers=rec_b,
        )
        assert (a1.status_code, b1.status_code) == (201, 201)
        a_id, b_id = a1.json()["id"], b1.json()["id"]

        mine_x = client.get("/api/v1/me/record", headers=bearer(mint("citizen", credit_code=x)))
        mine_y = client.get("/api/v1/me/record", headers=bearer(mint("citizen", credit_code=y)))
        assert [e["id"] for e in mine_x.json()["entries"]] == [a_id]
        assert [e["id"] for e in mine_y.json()["entries"]] == [b_id]
        assert "李四" not in mine_x.text
        assert y not in mine_x.text

        # Another department's entry does not exist for the caller: 404, never 403.
        assert client.get(f"/api/v1/records/{a_id}", headers=rec_b).status_code == 404
        assert (
            client.post(
                f"/api/v1/records/{a_id}/withdraw", json={"reason": "x"}, headers=rec_b
            ).status_code
            == 404
        )
        assert (
            client.get(f"/api/v1/records/{a_id}", headers=rec_a).json()["subject_name"] == "王小明"
        )
        # Guessed ids answer exactly like another department's real ids.
        guess = client.get(f"/api/v1/records/{uuid.uuid4()}", headers=rec_b)
        assert guess.status_code == 404
        assert guess.json() == client.get(f"/api/v1/records/{a_id}", headers=rec_b).json()

    def test_department_comes_from_the_token_not_the_body(self, client, mint):
        body = _body() | {"department": "dept-z"}
        res = client.post(
            "/api/v1/records", json=body, headers=bearer(mint("recorder", department="dept-a"))
        )
        assert res.status_code == 422

    def test_citizen_with_no_entries_gets_an_empty_record(self, client, mint):
        res = client.get(
            "/api/v1/me/record", headers=bearer(mint("citizen", credit_code=make_code()))
        )
        assert res.status_code == 200
        assert res.json() == {"entries": [], "erased": [], "warning_list": False}


class TestWithdraw:
    def test_withdraw_needs_a_reason_and_happens_once(self, client, mint):
        rec = bearer(mint("recorder", department="dept-a"))
        entry_id = client.post("/api/v1/records", json=_body(), headers=rec).json()["id"]
        assert (
            client.post(f"/api/v1/records/{entry_id}/withdraw", json={}, headers=rec).status_code
            == 422
        )
        first = client.post(
            f"/api/v1/records/{entry_id}/withdraw", json={"reason": "认定标准变更"}, headers=rec
        )
        assert first.status_code == 200
        assert first.json()["state"] == "exited"
        again = client.post(
            f"/api/v1/records/{entry_id}/withdraw", json={"reason": "again"}, headers=rec
        )
        assert again.status_code == 409

    def test_duplicate_single_submission_is_409_and_stores_nothing(self, client, mint, runtime):
        rec = bearer(mint("recorder", department="dept-a"))
        body = _body()
        assert client.post("/api/v1/records", json=body, headers=rec).status_code == 201
        assert client.post("/api/v1/records", json=body, headers=rec).status_code == 409
        with Session(runtime.engine) as s:
            assert s.scalar(select(func.count()).select_from(Entry)) == 1


class TestBatch:
    def test_same_batch_twice_stores_each_entry_once(self, client, mint, runtime):
        rec = bearer(mint("recorder", department="dept-a"))
        items = [_body() for _ in range(5)]
        first = client.post("/api/v1/records:batch", json={"items": items}, headers=rec).json()
        second = client.post("/api/v1/records:batch", json={"items": items}, headers=rec).json()
        assert (first["created"], first["existing"]) == (5, 0)
        assert (second["created"], second["existing"]) == (0, 5)
        assert [i["id"] for i in first["items"]] == [i["id"] for i in second["items"]]
        with Session(runtime.engine) as s:
            assert s.scalar(select(func.count()).select_from(Entry)) == 5

    def test_malformed_items_get_422_results_and_valid_ones_are_stored_once(
        self, client, mint, runtime
    ):
        rec = bearer(mint("recorder", department="dept-a"))
        code = make_code()
        bad_code = code[:-1] + ("0" if code[-1] != "0" else "1")
        good = [_body(), _body()]
        items = [
            good[0],
            _body() | {"subject_code": bad_code},
            {"nonsense": True},
            good[1],
            good[0],
        ]
        res = client.post("/api/v1/records:batch", json={"items": items}, headers=rec)
        assert res.status_code == 200
        out = res.json()
        assert [i["http_status"] for i in out["items"]] == [201, 422, 422, 201, 422]
        assert bad_code not in res.text
        assert out["items"][1]["errors"][0]["loc"] == ["subject_code"]
        with Session(runtime.engine) as s:
            assert s.scalar(select(func.count()).select_from(Entry)) == 2

    def test_oversized_batch_is_refused_whole(self, client, mint):
        rec = bearer(mint("recorder", department="dept-a"))
        res = client.post("/api/v1/records:batch", json={"items": [{}] * 1001}, headers=rec)
        assert res.status_code == 422

    def test_uncommitted_tail_of_a_batch_stores_nothing_and_can_be_resent(self, runtime):
        items = [_body() for _ in range(4)]
        with Session(runtime.engine) as session:
            result = submit_batch(
                Context(session, runtime.keyring),
                department="d",
                actor="t",
                items=items,
                chunk_seconds=3600,  # one chunk: nothing is committed before the end
            )
            assert result.created == 4
            session.rollback()  # the transaction is killed before it commits
        with Session(runtime.engine) as session:
            assert session.scalar(select(func.count()).select_from(Entry)) == 0
            again = submit_batch(
                Context(session, runtime.keyring), department="d", actor="t", items=items
            )
            session.commit()
            assert again.created == 4
            assert session.scalar(select(func.count()).select_from(Entry)) == 4

    def test_batch_killed_between_chunks_keeps_whole_items_and_resend_stores_the_rest(
        self, runtime
    ):
        items = [_body() for _ in range(5)]
        inserts = 0

        class Killed(Exception):
            pass

        def die_at_third_entry(_conn, _cursor, statement, *_args) -> None:
            nonlocal inserts
            if statement.lstrip().upper().startswith("INSERT INTO ENTRY "):
                inserts += 1
                if inserts == 3:
                    raise Killed  # the process dies storing the third item

        event.listen(runtime.engine, "before_cursor_execute", die_at_third_entry)
        try:
            with Session(runtime.engine) as session, pytest.raises(Killed):
                submit_batch(
                    Context(session, runtime.keyring),
                    department="d",
                    actor="t",
                    items=items,
                    chunk_seconds=0,  # a chunk per item
                )
        finally:
            event.remove(runtime.engine, "before_cursor_execute", die_at_third_entry)
        with Session(runtime.engine) as session:
            stored = session.scalars(select(Entry.external_id)).all()
            # A prefix of whole items: each stored entry has its recording event.
            assert sorted(stored) == sorted(i["external_id"] for i in items[:2])
            events = session.scalar(select(func.count()).select_from(EntryEvent))
            assert events is not None
            assert events >= 2
            again = submit_batch(
                Context(session, runtime.keyring),
                department="d",
                actor="t",
                items=items,
                chunk_seconds=0,
            )
            session.commit()
            assert (again.created, again.existing) == (3, 2)
            assert session.scalar(select(func.count()).select_from(Entry)) == 5
