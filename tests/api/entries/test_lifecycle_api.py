"""The entry lifecycle through HTTP: notice, read-time display, withdrawal and its notices."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import CST, clock
from tests.factories import (
    bearer,
    citizen_get,
    court_query,
    make_code,
    make_payload,
    page_items,
    post_entry,
    submit_entry,
)


class TestNoticeAndReadTimeDisplay:
    def test_black_entry_waits_out_its_notice_then_shows_without_a_sweep(self, client, mint):
        # Friday 2026-09-25 is the Mid-Autumn Festival; the five working days are 28-30
        # September and 8-9 October, past the National Day week, so it shows from 10 October.
        clock.freeze(datetime(2026, 9, 25, 10, 0, tzinfo=CST))
        code = make_code()
        made = submit_entry(client, mint, subject_code=code)
        assert made.status_code == 201, made.text
        assert made.json()["state"] == "pending_notice"
        assert made.json()["notice_until"] == "2026-10-10"
        (mine,) = citizen_get(client, mint, code, "record")["entries"]
        assert {v["audience"] for v in mine["visible_to"]} == {"you", "recording_department"}
        assert court_query(client, mint, code)["entries"] == []

        clock.freeze(datetime(2026, 10, 9, 23, 59, tzinfo=CST))
        assert court_query(client, mint, code)["entries"] == []
        clock.freeze(datetime(2026, 10, 10, 0, 0, tzinfo=CST))
        (shown,) = court_query(client, mint, code)["entries"]
        assert shown["id"] == made.json()["id"]
        (mine,) = citizen_get(client, mint, code, "record")["entries"]
        assert mine["state"] == "displayed"
        audiences = {v["audience"]: v["until"] for v in mine["visible_to"]}
        assert audiences["agencies"] == audiences["public"] == mine["display_until"]
        assert audiences["you"] == mine["retain_until"]


class TestWithdrawal:
    def test_withdrawal_notifies_the_agencies_that_received_it_once(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        entry_id = post_entry(client, mint, subject_code=code)
        clock.advance(timedelta(days=20))
        assert len(court_query(client, mint, code, agency="court-1")["entries"]) == 1
        recorder = bearer(mint("recorder", department="dept-a"))
        url = f"/api/v1/records/{entry_id}/withdraw"
        body = {"reason": "the listing criteria no longer apply", "kind": "criteria_changed"}
        done = client.post(url, headers=recorder, json=body)
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "exited"
        assert done.json()["exit_reason"] == "criteria_changed"

        again = client.post(url, headers=recorder, json=body)
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        assert again.json()["rule"] == "illegal_transition"

        got = page_items(
            client.get(
                "/api/v1/agency/notifications", headers=bearer(mint("agency", agency="court-1"))
            )
        )
        assert [(n["entry_id"], n["kind"]) for n in got] == [(entry_id, "withdrawn")]
        other = page_items(
            client.get(
                "/api/v1/agency/notifications", headers=bearer(mint("agency", agency="court-2"))
            )
        )
        assert other == []
        assert court_query(client, mint, code)["entries"][0]["id"] != entry_id

        record = citizen_get(client, mint, code, "record")
        kinds = {e["id"]: (e["list_kind"], e["state"]) for e in record["entries"]}
        assert kinds[entry_id] == ("black", "exited")
        # §5.4: after a black exit the subject is on watch for the department's period.
        assert sorted(kinds.values()) == [("black", "exited"), ("watch", "displayed")]
        notes = page_items(
            client.get(
                "/api/v1/me/notifications", headers=bearer(mint("citizen", credit_code=code))
            )
        )
        entry_notes = [n["entry"]["kind"] for n in notes if n["type"] == "entry"]
        # The exit and the watch entry's warning (§17, one instant: either order), then the
        # prior notice (1798号 §7) before them.
        assert sorted(entry_notes[:2]) == ["criteria_changed", "watch_warning"]
        assert entry_notes[2:] == ["prior_notice"]


class TestListRulesRefusals:
    def test_red_while_black_and_display_beyond_validity_change_nothing(self, client, mint):
        code = make_code()
        assert submit_entry(client, mint, subject_code=code).status_code == 201
        red = submit_entry(
            client,
            mint,
            subject_code=code,
            list_kind="red",
            severity="general",
            domain="volunteering",
            repairable=False,
            repair_ways=[],
        )
        assert red.status_code == 409
        assert red.json()["rule"] == "red_while_black"
        payload = make_payload()
        beyond = submit_entry(
            client,
            mint,
            display_until=payload.decided_on + timedelta(days=700),
            valid_until=payload.decided_on + timedelta(days=600),
        )
        assert beyond.status_code == 422
        assert beyond.json()["rule"] == "display_beyond_validity"
        assert len(citizen_get(client, mint, code, "record")["entries"]) == 1


class TestWarningList:
    def test_watch_entries_in_three_domains_derive_the_warning_list(self, client, mint):
        code = make_code()
        for domain in ("traffic", "finance", "ecommerce"):
            res = submit_entry(
                client,
                mint,
                subject_code=code,
                list_kind="watch",
                severity="general",
                domain=domain,
                display_until=clock.today() + timedelta(days=120),
                repairable=False,
                repair_ways=[],
            )
            assert res.status_code == 201, res.text
        assert citizen_get(client, mint, code, "record")["warning_list"] is True
        assert court_query(client, mint, code)["warning_list"] is True
        clock.advance(timedelta(days=121))
        assert citizen_get(client, mint, code, "record")["warning_list"] is False
