"""The outboxes page like every list: each item once, in order, ties at one instant kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import CST, clock
from core.paging import write_cursor
from tests.factories import (
    bearer,
    court_query,
    every_item,
    make_code,
    page_items,
    post_entry,
)

WITHDRAW = {"reason": "the listing criteria no longer apply", "kind": "criteria_changed"}


def _withdraw(client, mint, entry_id: str) -> None:
    recorder = bearer(mint("recorder", department="dept-a"))
    res = client.post(f"/api/v1/records/{entry_id}/withdraw", headers=recorder, json=WITHDRAW)
    assert res.status_code == 200, res.text


def _key(note: dict) -> tuple:
    if note["type"] == "query":
        return ("query", note["query"]["log_index"])
    return ("entry", note["entry"]["entry_id"], note["entry"]["kind"], note["at"])


class TestCitizenOutbox:
    def test_queries_and_entry_events_interleave_across_pages_each_once(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        entries = [post_entry(client, mint, subject_code=code) for _ in range(3)]
        clock.advance(timedelta(days=20))
        for entry_id in entries:
            court_query(client, mint, code)
            clock.advance(timedelta(minutes=1))
            _withdraw(client, mint, entry_id)
            clock.advance(timedelta(minutes=1))
        court_query(client, mint, code)
        url = "/api/v1/me/notifications"
        me = bearer(mint("citizen", credit_code=code))
        whole = page_items(client.get(url, headers=me, params={"limit": 100}))
        instants = [datetime.fromisoformat(n["at"]) for n in whole]
        assert instants == sorted(instants, reverse=True)
        kinds = {n["type"] for n in whole}
        assert kinds == {"query", "entry"}
        assert len(whole) >= 7
        for limit in (1, 2, 3):
            paged = every_item(client, url, headers=me, params={"limit": limit})
            assert [_key(n) for n in paged] == [_key(n) for n in whole], limit

    def test_a_cursor_of_another_list_is_refused(self, client, mint):
        me = bearer(mint("citizen", credit_code=make_code()))
        for cursor in (write_cursor("audit-queries", "5"), write_cursor("notifications", "5")):
            res = client.get("/api/v1/me/notifications", headers=me, params={"cursor": cursor})
            assert res.status_code == 422
            assert res.json()["rule"] == "bad_cursor"


class TestAgencyOutbox:
    def test_notices_of_one_instant_are_each_served_once(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        entries = [post_entry(client, mint, subject_code=code) for _ in range(4)]
        clock.advance(timedelta(days=20))
        assert len(court_query(client, mint, code, agency="court-1")["entries"]) == 4
        # Every withdrawal at the same instant: the page's position needs the id too.
        for entry_id in entries:
            _withdraw(client, mint, entry_id)
        agency = bearer(mint("agency", agency="court-1"))
        url = "/api/v1/agency/notifications"
        whole = page_items(client.get(url, headers=agency))
        assert sorted(n["entry_id"] for n in whole) == sorted(entries)
        assert len({n["at"] for n in whole}) == 1
        for limit in (1, 3):
            paged = every_item(client, url, headers=agency, params={"limit": limit})
            assert paged == whole, limit
