"""The citizen's statement (§7): on their own entries only, ≤ 200 characters, shown everywhere."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from core.clock import clock
from core.models import EntryEvent
from tests.factories import bearer, make_code, post_entry

STATEMENT = "该笔税款已于二〇二六年补缴完毕，详见税务机关完税证明"


class TestStatement:
    def test_shown_to_the_owner_and_to_agencies_then_removed(self, client, mint, runtime):
        code = make_code()
        entry_id = post_entry(client, mint, subject_code=code)
        clock.advance(timedelta(days=20))  # past the prior notice
        me = bearer(mint("citizen", credit_code=code))
        url = f"/api/v1/me/record/{entry_id}/statement"
        put = client.put(url, headers=me, json={"statement": STATEMENT})
        assert put.status_code == 200, put.text
        assert put.json()["statement"] == STATEMENT
        answer = client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="court-1")),
            json={"subject_code": code, "purpose": "licensing", "legal_basis": "court_enforcement"},
        ).json()
        assert answer["entries"][0]["statement"] == STATEMENT
        if runtime.engine.url.get_backend_name() == "sqlite":
            # Recent commits may sit in the write-ahead log: read the file and its WAL.
            main = Path(str(runtime.engine.url.database))
            raw = b"".join(p.read_bytes() for p in (main, Path(f"{main}-wal")) if p.exists())
            assert len(raw) > 0
            assert STATEMENT.encode() not in raw
        removed = client.delete(url, headers=me)
        assert removed.status_code == 200
        assert removed.json()["statement"] is None

    def test_too_long_someone_elses_and_unknown_entries_are_refused(self, client, mint):
        code, other = make_code(), make_code()
        entry_id = post_entry(client, mint, subject_code=code)
        url = f"/api/v1/me/record/{entry_id}/statement"
        me = bearer(mint("citizen", credit_code=code))
        long = client.put(url, headers=me, json={"statement": "长" * 201})
        assert long.status_code == 422
        assert "长长长" not in long.text
        theirs = client.put(
            url, headers=bearer(mint("citizen", credit_code=other)), json={"statement": "不是我的"}
        )
        assert theirs.status_code == 404
        unknown = client.put(
            "/api/v1/me/record/00000000-0000-4000-8000-000000000000/statement",
            headers=me,
            json={"statement": "无"},
        )
        assert unknown.status_code == 404
        mine = client.get("/api/v1/me/record", headers=me).json()["entries"]
        assert [e["statement"] for e in mine] == [None]


def _events(runtime, entry_id: str) -> list[str]:
    with Session(runtime.engine) as s:
        rows = s.exec(select(EntryEvent.event).where(EntryEvent.entry_id == uuid.UUID(entry_id)))
        return sorted(rows.all())


class TestRemovingTwice:
    def test_a_second_delete_changes_nothing_and_writes_no_event(self, client, mint, runtime):
        code = make_code()
        entry_id = post_entry(client, mint, subject_code=code)
        me = bearer(mint("citizen", credit_code=code))
        url = f"/api/v1/me/record/{entry_id}/statement"
        assert client.put(url, headers=me, json={"statement": STATEMENT}).status_code == 200
        first = client.delete(url, headers=me)
        assert first.status_code == 200
        after_first = _events(runtime, entry_id)
        assert after_first.count("statement_removed") == 1
        again = client.delete(url, headers=me)
        assert again.status_code == first.status_code
        assert again.json() == first.json()
        assert _events(runtime, entry_id) == after_first

    def test_deleting_a_statement_never_set_writes_no_event(self, client, mint, runtime):
        code = make_code()
        entry_id = post_entry(client, mint, subject_code=code)
        before = _events(runtime, entry_id)
        me = bearer(mint("citizen", credit_code=code))
        res = client.delete(f"/api/v1/me/record/{entry_id}/statement", headers=me)
        assert res.status_code == 200
        assert res.json()["statement"] is None
        assert _events(runtime, entry_id) == before
