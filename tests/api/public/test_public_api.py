"""Public data through HTTP (§9): masked lists, exit announcements, the masked lookup."""

from __future__ import annotations

import random
import statistics
import time
import typing
import uuid
from datetime import date, datetime, timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlmodel import Session

from api.public.endpoints import _padded
from api.ratelimit import TokenBucketLimiter, client_key
from api.state import state_of
from core.clock import CST, clock
from core.codes import citizen_check_char
from core.entries import lifecycle
from core.entries.sweeper import sweep
from core.models import Entry
from core.public import service as public_service
from core.public.schemas import (
    BASIS_MAX,
    DEPARTMENT_MAX,
    LOOKUP_BODY_BYTES,
    LOOKUP_MAX_ENTRIES,
    REF_MAX,
    SUMMARY_MAX,
    LookupAnswer,
    PublicEntry,
)
from tests.factories import RED, bearer, make_code, record_entry

# Monday 2 March 2026, 10:00 in Beijing. A black entry recorded now is noticed for five
# working days (until 10 March); a red entry is publicly noticed for ten days.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
LATER = T0 + timedelta(days=20)
NAME = "欧阳小明"
LISTS = "/api/v1/public/lists"
LOOKUP = "/api/v1/public/lookup"
ANNOUNCEMENTS = "/api/v1/public/announcements"
_YEARS = tuple(str(y) for y in range(2020, 2031))


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


@pytest.fixture
def roomy(app, client) -> None:
    """A lookup limit no functional test reaches (the rate-limit tests use the real one)."""
    state_of(app).lookup_limiter = TokenBucketLimiter(per_minute=100_000, burst=10_000)


def _code() -> str:
    """A fresh valid code with no 4-character run that a public date could contain."""
    while True:
        code = make_code()
        if not any(code[i : i + 4] in _YEARS for i in range(len(code) - 3)):
            return code


def _runs(code: str) -> set[str]:
    return {code[i : i + 4] for i in range(len(code) - 3)}


def _assert_no_leak(text: str, code: str, name: str = NAME) -> None:
    assert code not in text
    assert name not in text
    assert [run for run in _runs(code) if run in text] == []


def _red(client, mint, **overrides) -> dict:
    return record_entry(client, mint, **(RED | overrides))


def _fire(runtime, entry_id: str, *events: str) -> None:
    """Fire lifecycle events on one entry, as the objection service would."""
    with Session(runtime.engine) as session:
        for event in events:
            entry = session.get(Entry, uuid.UUID(entry_id))
            assert entry is not None
            lifecycle.apply(
                session=session, entry=entry, event=event, actor="test", now=clock.now()
            )
        session.commit()


def _sweep(runtime) -> None:
    sweep(engine=runtime.engine, keyring=runtime.keyring, now=clock.now())


def _withdraw(client, mint, entry_id: str, kind: str = "criteria_changed") -> None:
    res = client.post(
        f"/api/v1/records/{entry_id}/withdraw",
        headers=bearer(mint("recorder", department="dept-a")),
        json={"reason": "the listing criteria no longer apply", "kind": kind},
    )
    assert res.status_code == 200, res.text


def _list(client, kind: str = "black", **params) -> dict:
    res = client.get(f"{LISTS}/{kind}", params=params)
    assert res.status_code == 200, res.text
    return res.json()


def _refs(page: dict) -> list[str]:
    return [item["public_ref"] for item in page["items"]]


def _all_pages(client, url: str, **params) -> list[list[dict]]:
    pages: list[list[dict]] = []
    cursor = None
    while True:
        res = client.get(url, params=params | ({"cursor": cursor} if cursor else {}))
        assert res.status_code == 200, res.text
        body = res.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def _problem(res, status: int = 422) -> dict:
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in res.text
    return res.json()


class TestLists:
    def test_only_displayed_entries_masked_with_public_fields_only(self, client, mint, runtime):
        code = _code()
        black = record_entry(client, mint, subject_code=code)
        red = _red(client, mint, subject_code=_code(), domain="volunteering")
        # Both are in their notice periods: nothing is public yet.
        assert _list(client, "black")["items"] == []
        assert _list(client, "red")["items"] == []

        clock.freeze(LATER)
        (item,) = _list(client, "black")["items"]
        assert item == {
            "public_ref": black["public_ref"],
            "masked_name": "欧阳*",
            "department": "dept-a",
            "domain": "tax",
            "list_kind": "black",
            "public_summary": "逾期未缴税款",
            "legal_basis": "《税收征收管理法》第六十三条",
            "decided_on": black["decided_on"],
            "display_until": black["display_until"],
            "under_objection": False,
        }
        assert _refs(_list(client, "red")) == [red["public_ref"]]
        text = client.get(f"{LISTS}/black").text
        _assert_no_leak(text, code)
        assert "一百二十万" not in text  # the facts never, only the public summary

    def test_pending_expired_exited_and_held_entries_are_not_listed(self, client, mint, runtime):
        shown = record_entry(client, mint, subject_code=_code())
        decided = clock.today() - timedelta(days=10)
        expiring = record_entry(
            client,
            mint,
            subject_code=_code(),
            severity="general",
            decided_on=decided,
            display_until=decided + timedelta(days=95),
        )
        withdrawn = record_entry(client, mint, subject_code=_code())
        held = record_entry(client, mint, subject_code=_code())
        objected = record_entry(client, mint, subject_code=_code())
        no_summary = record_entry(client, mint, subject_code=_code(), public_summary=None)
        # An objection during the prior notice holds the entry (§5.1).
        _fire(runtime, held["id"], "objection_opened")
        clock.freeze(LATER)
        _withdraw(client, mint, withdrawn["id"])
        # An objection to a displayed entry keeps it listed, with the mark (§7). (The sweep
        # first: an objection to an entry still stored as pending hides it — see the report.)
        _sweep(runtime)
        _fire(runtime, objected["id"], "objection_opened")
        listed = {i["public_ref"]: i for i in _list(client, "black")["items"]}
        assert set(listed) == {
            shown["public_ref"],
            expiring["public_ref"],
            objected["public_ref"],
            no_summary["public_ref"],
        }
        assert listed[objected["public_ref"]]["under_objection"] is True
        assert listed[shown["public_ref"]]["under_objection"] is False
        assert listed[no_summary["public_ref"]]["public_summary"] is None

        # Past its display end it is gone at once, whether or not a sweeper ran.
        clock.freeze(datetime.combine(decided + timedelta(days=95), datetime.min.time(), CST))
        refs = set(_refs(_list(client, "black")))
        assert expiring["public_ref"] not in refs
        assert shown["public_ref"] in refs
        _sweep(runtime)
        assert set(_refs(_list(client, "black"))) == refs

    def test_unknown_list_kinds_are_refused(self, client):
        for kind in ("watch", "warning", "green", "BLACK", "%E9%BB%91"):
            body = _problem(client.get(f"{LISTS}/{kind}"))
            assert body["type"].endswith("/validation")


class TestPaging:
    def _seven(self, client, mint) -> list[dict]:
        made = []
        # Three share one decision date: the public reference orders them.
        for days in (10, 12, 12, 12, 15, 20, 30):
            decided = clock.today() - timedelta(days=days)
            made.append(
                record_entry(
                    client,
                    mint,
                    subject_code=_code(),
                    decided_on=decided,
                    display_until=decided + timedelta(days=500),
                    valid_until=decided + timedelta(days=900),
                )
            )
        return made

    def test_pages_cover_every_entry_once_in_a_stable_order(self, client, mint):
        made = self._seven(client, mint)
        clock.freeze(LATER)
        pages = _all_pages(client, f"{LISTS}/black", limit=3)
        assert [len(p) for p in pages] == [3, 3, 1]
        refs = [i["public_ref"] for p in pages for i in p]
        expected = sorted(made, key=lambda e: (-date.fromisoformat(e["decided_on"]).toordinal(),
                                               e["public_ref"]))  # fmt: skip
        assert refs == [e["public_ref"] for e in expected]
        whole = _list(client, "black", limit=100)
        assert _refs(whole) == refs
        assert whole["next_cursor"] is None

    def test_a_cursor_keeps_its_place_when_entries_are_added(self, client, mint):
        self._seven(client, mint)
        clock.freeze(LATER)
        first = _list(client, "black", limit=3)
        rest_before = _all_pages(client, f"{LISTS}/black", limit=100)[0][3:]
        # A newer entry lands before the cursor: the next page does not shift.
        clock.freeze(T0)
        record_entry(client, mint, subject_code=_code())
        clock.freeze(LATER)
        second = _list(client, "black", limit=100, cursor=first["next_cursor"])
        assert second["items"] == rest_before
        assert second["next_cursor"] is None

    def test_filters_by_domain_and_department(self, client, mint):
        tax_a = record_entry(client, mint, subject_code=_code())
        traffic_a = record_entry(client, mint, subject_code=_code(), domain="traffic")
        tax_b = record_entry(client, mint, subject_code=_code(), department="dept-b")
        clock.freeze(LATER)
        assert set(_refs(_list(client, domain="tax"))) == {
            tax_a["public_ref"],
            tax_b["public_ref"],
        }
        assert _refs(_list(client, department="dept-b")) == [tax_b["public_ref"]]
        assert _refs(_list(client, domain="traffic", department="dept-a")) == [
            traffic_a["public_ref"]
        ]
        assert _list(client, domain="traffic", department="dept-b")["items"] == []
        pages = _all_pages(client, f"{LISTS}/black", limit=1, domain="tax")
        assert len(pages) == 2
        _problem(client.get(f"{LISTS}/black", params={"domain": "astrology"}))

    def test_bad_cursors_and_page_sizes_are_clear_problems(self, client, mint):
        self._seven(client, mint)
        clock.freeze(LATER)
        good = _list(client, "black", limit=2)["next_cursor"]
        assert good is not None
        assert good.isalpha()  # letters only: no run of digits in any public body
        red_cursor = _list(client, "red", limit=2)["next_cursor"]
        assert red_cursor is None
        forged_date = "|".join(("v1", "black", "2026-02-30", "ABC")).encode().hex()
        letters = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
        cases = [
            "x",
            good[:-1],
            good[:-2] + "zz",
            good + "aa" * 200,
            "MTIzNA",
            "%00%01",
            forged_date.translate(letters),
            "|".join(("v1", "red", "2026-02-01", "ABC")).encode().hex().translate(letters),
            "|".join(("v2", "black", "2026-02-01", "ABC")).encode().hex().translate(letters),
            "|".join(("v1", "black", "2026-02-01", "A|B")).encode().hex().translate(letters),
            "ff" * 20,
        ]
        for cursor in cases:
            body = _problem(client.get(f"{LISTS}/black", params={"cursor": cursor}))
            assert cursor not in body.values()
            assert len(cursor) < 8 or cursor not in str(body)
        assert _problem(client.get(f"{LISTS}/black?cursor="))["type"].endswith("/validation")
        body = _problem(client.get(f"{LISTS}/black", params={"cursor": "aaaa"}))
        assert body["rule"] == "bad_cursor"
        for limit in ("0", "101", "-1", "many", "1e3", str(10**30)):
            body = _problem(client.get(f"{LISTS}/black", params={"limit": limit}))
            assert limit not in str(body.get("errors", ""))
        # A cursor of the announcements is not one of a list.
        assert good != _problem(client.get(ANNOUNCEMENTS, params={"cursor": good}))


class TestCaching:
    def test_strong_etag_and_304(self, client, mint):
        record_entry(client, mint, subject_code=_code())
        clock.freeze(LATER)
        first = client.get(f"{LISTS}/black")
        etag = first.headers["etag"]
        assert etag.startswith('"')
        assert not etag.startswith("W/")
        assert first.headers["cache-control"] == "public, no-cache"
        assert client.get(f"{LISTS}/black").headers["etag"] == etag
        for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = client.get(f"{LISTS}/black", headers={"If-None-Match": header})
            assert again.status_code == 304
            assert again.content == b""
            assert again.headers["etag"] == etag
        stale = client.get(f"{LISTS}/black", headers={"If-None-Match": '"stale"'})
        assert stale.status_code == 200
        assert stale.content == first.content
        # Another page, another filter or new content: another tag.
        assert client.get(f"{LISTS}/black", params={"domain": "traffic"}).headers["etag"] != etag
        clock.freeze(T0)
        record_entry(client, mint, subject_code=_code())
        clock.freeze(LATER)
        assert client.get(f"{LISTS}/black").headers["etag"] != etag
        announced = client.get(ANNOUNCEMENTS)
        assert announced.headers["cache-control"] == "public, no-cache"
        tag = announced.headers["etag"]
        assert client.get(ANNOUNCEMENTS, headers={"If-None-Match": tag}).status_code == 304


class TestAnnouncements:
    def test_exits_are_announced_masked_and_an_erroneous_one_says_only_that(
        self, client, mint, runtime
    ):
        codes = {k: _code() for k in ("withdrawn", "expired", "erroneous", "early", "minor", "red")}
        withdrawn = record_entry(client, mint, subject_code=codes["withdrawn"])
        decided = clock.today() - timedelta(days=10)
        expired = record_entry(
            client,
            mint,
            subject_code=codes["expired"],
            severity="general",
            decided_on=decided,
            display_until=decided + timedelta(days=95),
        )
        erroneous = record_entry(client, mint, subject_code=codes["erroneous"], domain="traffic")
        early = record_entry(client, mint, subject_code=codes["early"])
        # A minor penalty is never displayed (§4): its end is no public news either.
        minor = record_entry(client, mint, subject_code=codes["minor"], severity="minor",
                        display_until=None, repairable=False, repair_ways=[])  # fmt: skip
        red = _red(client, mint, subject_code=codes["red"], domain="volunteering")
        # Withdrawn during its prior notice: it was never public, so never announced.
        _withdraw(client, mint, early["id"], kind="withdrawn")
        clock.freeze(LATER)
        _withdraw(client, mint, withdrawn["id"])
        _fire(runtime, erroneous["id"], "objection_opened", "objection_upheld")
        # A new black entry removes the red one (§5.3) while it is still in its notice.
        record_entry(client, mint, subject_code=codes["red"], domain="finance")
        _sweep(runtime)
        clock.freeze(datetime.combine(decided + timedelta(days=96), datetime.min.time(), CST))
        _sweep(runtime)

        pages = _all_pages(client, ANNOUNCEMENTS, limit=1)
        items = [i for p in pages for i in p]
        assert all(len(p) == 1 for p in pages)
        assert len(items) == 4
        by_ref = {i["public_ref"]: i for i in items}
        assert early["public_ref"] not in by_ref
        assert minor["public_ref"] not in by_ref
        assert erroneous["public_ref"] not in by_ref
        assert by_ref[withdrawn["public_ref"]] == {
            "reason": "criteria_changed",
            "announced_on": LATER.date().isoformat(),
            "public_ref": withdrawn["public_ref"],
            "masked_name": "欧阳*",
            "list_kind": "black",
            "domain": "tax",
            "department": "dept-a",
        }
        assert by_ref[red["public_ref"]]["reason"] == "removed"
        assert by_ref[red["public_ref"]]["list_kind"] == "red"
        assert by_ref[expired["public_ref"]]["reason"] == "expired"
        (removed,) = [i for i in items if i["public_ref"] is None]
        assert removed == {
            "reason": "removed_as_erroneous",
            "announced_on": LATER.date().isoformat(),
            "public_ref": None,
            "masked_name": None,
            "list_kind": None,
            "domain": None,
            "department": None,
        }
        # Newest first.
        days = [i["announced_on"] for i in items]
        assert days == sorted(days, reverse=True)
        text = client.get(ANNOUNCEMENTS, params={"limit": 100}).text
        for code in codes.values():
            _assert_no_leak(text, code)
        assert "traffic" not in text
        assert erroneous["public_ref"] not in text

    def test_bad_cursor_and_limit(self, client):
        assert _problem(client.get(ANNOUNCEMENTS, params={"cursor": "abc"}))["rule"] == (
            "bad_cursor"
        )
        _problem(client.get(ANNOUNCEMENTS, params={"limit": 0}))
        _problem(client.get(ANNOUNCEMENTS, params={"limit": 101}))
        assert client.get(ANNOUNCEMENTS).json() == {"items": [], "next_cursor": None}


def _lookup(client, code: str, name: str = NAME):
    return client.post(LOOKUP, json={"code": code, "name": name})


def _changed_code(code: str) -> str:
    """The code with one digit of its sequence changed and a valid check character."""
    first17 = code[:16] + str((int(code[16]) + 2) % 10)
    return first17 + citizen_check_char(first17)


@pytest.mark.usefixtures("roomy")
class TestLookup:
    def test_hit_and_misses_have_one_shape_and_size(self, client, mint):
        code = _code()
        made = record_entry(client, mint, subject_code=code)
        clock.freeze(LATER)
        hit = _lookup(client, code)
        assert hit.status_code == 200
        body = hit.json()
        assert body["found"] is True
        (entry,) = body["entries"]
        assert entry["public_ref"] == made["public_ref"]
        assert entry["masked_name"] == "欧阳*"
        assert entry["public_summary"] == "逾期未缴税款"
        _assert_no_leak(hit.text, code)

        flipped = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
        misses = {
            "unknown": _lookup(client, _code()),
            "code one character off (valid)": _lookup(client, _changed_code(code)),
            "code one character off (invalid)": _lookup(client, flipped),
            "name one character off": _lookup(client, code, "欧阳小朋"),
            "name is the masked one": _lookup(client, code, "欧阳*"),
            "surname only": _lookup(client, code, "欧阳"),
            "partial code": _lookup(client, code[:10]),
            "wildcard": _lookup(client, code[:10] + "*"),
            "pattern": _lookup(client, code[:14] + "%%%%"),
            "lower-case letters": _lookup(client, "abcdefghijklmnopqr"),
        }
        for why, res in misses.items():
            assert res.status_code == 200, why
            assert res.json() == {"found": False, "entries": []}, why
            assert len(res.content) == len(hit.content) == LOOKUP_BODY_BYTES, why
            assert res.headers["content-length"] == hit.headers["content-length"], why
            assert res.headers["content-type"] == hit.headers["content-type"], why
            assert res.headers["cache-control"] == "no-store", why
            assert "etag" not in res.headers, why
            assert set(res.json()) == set(body), why
        # Surrounding spaces and a lower-case check character are normalised, not missed.
        assert _lookup(client, f" {code} ", f" {NAME} ").json()["found"] is True

    def test_only_displayed_public_entries_are_found(self, client, mint, runtime):
        pending, withdrawn, watch = _code(), _code(), _code()
        record_entry(client, mint, subject_code=pending)
        gone = record_entry(client, mint, subject_code=withdrawn)
        record_entry(client, mint, subject_code=watch, list_kind="watch", severity="general",
                display_until=clock.today() + timedelta(days=100), repairable=False,
                repair_ways=[])  # fmt: skip
        assert _lookup(client, pending).json()["found"] is False  # still in its notice
        assert _lookup(client, watch).json()["found"] is False  # watch lists are not public
        clock.freeze(LATER)
        assert _lookup(client, pending).json()["found"] is True
        _withdraw(client, mint, gone["id"])
        assert _lookup(client, withdrawn).json()["found"] is False

    def test_at_most_a_few_entries_are_returned(self, client, mint):
        code = _code()
        for domain in ("tax", "traffic", "finance", "ecommerce", "labour"):
            record_entry(client, mint, subject_code=code, domain=domain)
        clock.freeze(LATER)
        res = _lookup(client, code)
        assert res.json()["found"] is True
        assert len(res.json()["entries"]) == LOOKUP_MAX_ENTRIES
        assert len(res.content) == LOOKUP_BODY_BYTES

    def test_malformed_bodies_are_clear_problems_that_echo_nothing(self, client):
        code = _code()
        cases = [
            {"code": code},
            {"name": NAME},
            {"code": code, "name": NAME, "extra": "x"},
            {"code": code, "name": ""},
            {"code": "", "name": NAME},
            {"code": code * 3, "name": NAME},
            {"code": code, "name": NAME * 20},
            {"code": 110105198001011234, "name": NAME},
            {"code": [code], "name": NAME},
            [code, NAME],
            "code",
        ]
        for body in cases:
            res = client.post(LOOKUP, json=body)
            problem = _problem(res)
            _assert_no_leak(res.text, code)
            assert problem["type"].endswith("/validation")
        res = client.post(
            LOOKUP, content=b"{not json", headers={"content-type": "application/json"}
        )
        _problem(res)

    def test_the_worst_case_answer_fits_the_padded_size(self):
        # Control characters are escaped to six bytes each: the most any character costs.
        worst = PublicEntry(
            public_ref="Z" * REF_MAX,
            masked_name="\U00020000\U00020000*",
            department="\x01" * DEPARTMENT_MAX,
            domain="construction",
            list_kind="black",
            public_summary="\x01" * SUMMARY_MAX,
            legal_basis="\x01" * BASIS_MAX,
            decided_on=date(2026, 1, 1),
            display_until=date(2026, 12, 31),
            under_objection=True,
        )
        answer = LookupAnswer(found=True, entries=[worst] * LOOKUP_MAX_ENTRIES)
        assert len(answer.model_dump_json().encode()) <= LOOKUP_BODY_BYTES
        # Even an answer beyond the bounds (never built by the service) keeps the size.
        huge = worst.model_copy(update={"legal_basis": "\x01" * 10_000})
        padded = _padded(LookupAnswer.model_construct(found=True, entries=[huge] * 3))
        assert len(padded.body) == LOOKUP_BODY_BYTES


class TestRateLimit:
    def test_a_burst_from_one_address_is_refused_until_the_clock_refills_it(self, app, client):
        code = _code()
        answers = [_lookup(client, code).status_code for _ in range(5)]
        assert answers == [200] * 5
        refused = _lookup(client, code)
        body = _problem(refused, 429)
        assert code not in refused.text
        assert body["status"] == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 6
        # Malformed requests count too: a burst cannot hide behind bad bodies.
        assert client.post(LOOKUP, json={}).status_code == 429

        other = TestClient(app, raise_server_exceptions=False, client=("203.0.113.7", 40000))
        assert other.post(LOOKUP, json={"code": code, "name": NAME}).status_code == 200

        clock.advance(timedelta(seconds=wait - 1))
        assert _lookup(client, code).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert _lookup(client, code).status_code == 200
        assert _lookup(client, code).status_code == 429
        clock.advance(timedelta(minutes=10))
        assert [_lookup(client, code).status_code for _ in range(6)] == [200] * 5 + [429]

    def test_bucket_rules(self):
        limiter = TokenBucketLimiter(per_minute=6, burst=2, max_clients=2)
        assert limiter.take("a") is None
        assert limiter.take("a") is None
        assert limiter.take("a") == pytest.approx(10.0)
        # The clock stepping back adds nothing.
        clock.advance(timedelta(seconds=-30))
        assert limiter.take("a") is not None
        clock.advance(timedelta(seconds=30 + 10))
        assert limiter.take("a") is None
        assert limiter.take("b") is None
        assert limiter.take("c") is None
        # Only `max_clients` buckets are kept; the least recently used went first.
        assert len(limiter._buckets) == 2
        assert "a" not in limiter._buckets

    def test_client_keys(self):
        assert client_key("198.51.100.4") == "198.51.100.4"
        assert client_key("2001:db8:1:2:3:4:5:6") == client_key("2001:db8:1:2:ffff::1")
        assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
        assert client_key("::ffff:198.51.100.4") == "198.51.100.4"
        assert client_key(None) == client_key("") == "unknown"
        assert client_key("testclient") == "testclient"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def _timings(client, kinds: dict[str, dict], rounds: int, seed: int) -> dict[str, list[float]]:
    """Wall time of each kind of lookup, `rounds` times, interleaved in shuffled rounds."""
    samples: dict[str, list[float]] = {k: [] for k in kinds}
    order = list(kinds)
    rng = random.Random(seed)  # noqa: S311 - a shuffle, not a secret
    for _ in range(5):  # warm up every path
        for body in kinds.values():
            client.post(LOOKUP, json=body)
    for _ in range(rounds):
        # One of each kind per round, in a shuffled order: drift and load fall on all alike.
        rng.shuffle(order)
        for kind in order:
            start = time.perf_counter()
            res = client.post(LOOKUP, json=kinds[kind])
            samples[kind].append(time.perf_counter() - start)
            assert len(res.content) == LOOKUP_BODY_BYTES
    return samples


def _indistinguishable(samples: dict[str, list[float]]) -> tuple[bool, dict[str, object]]:
    """Whether the distributions agree within a few ms, by three robust statistics.

    The 25th percentile is the cost with the least background noise; the median of the
    differences paired by round cancels the load of each round; the medians bound the rest.
    """
    lows = {k: _quantile(v, 0.25) for k, v in samples.items()}
    medians = {k: statistics.median(v) for k, v in samples.items()}
    paired = {
        k: statistics.median(a - b for a, b in zip(v, samples["miss"], strict=True))
        for k, v in samples.items()
    }
    ok = (
        max(lows.values()) - min(lows.values()) < 0.0015
        and max(abs(d) for d in paired.values()) < 0.0015
        and max(medians.values()) - min(medians.values()) < 0.003
    )
    ms = {
        name: {k: round(v * 1e3, 2) for k, v in stat.items()}
        for name, stat in (("p25", lows), ("median", medians), ("paired", paired))
    }
    return ok, ms


@pytest.mark.usefixtures("roomy")
class TestLookupTiming:
    def _kinds(self, client, mint) -> dict[str, dict]:
        code = _code()
        for domain in ("tax", "traffic"):
            record_entry(client, mint, subject_code=code, domain=domain)
        clock.freeze(LATER)
        kinds = {
            "hit": {"code": code, "name": NAME},
            "miss": {"code": _changed_code(code), "name": NAME},
            "wrong name": {"code": code, "name": "欧阳小朋"},
            "invalid": {"code": code[:17] + "Y", "name": NAME},
        }
        assert client.post(LOOKUP, json=kinds["hit"]).json()["found"] is True
        return kinds

    def test_hit_miss_and_invalid_take_the_same_time(self, client, mint):
        kinds = self._kinds(client, mint)
        # A real difference shows in every attempt; a burst of load on a shared machine
        # rarely spoils three in a row.
        reports = []
        for attempt in range(3):
            ok, report = _indistinguishable(_timings(client, kinds, rounds=100, seed=attempt))
            reports.append(report)
            if ok:
                break
        assert ok, reports

    def test_the_comparison_sees_a_few_ms_of_difference(self, client, mint, monkeypatch):
        kinds = self._kinds(client, mint)
        real = public_service.lookup

        def slower_when_found(ctx, **kwargs):
            answer = real(ctx, **kwargs)
            if answer.found:
                until = time.perf_counter() + 0.004
                while time.perf_counter() < until:  # work, as a leaky lookup would do
                    pass
            return answer

        monkeypatch.setattr(public_service, "lookup", slower_when_found)
        ok, report = _indistinguishable(_timings(client, kinds, rounds=40, seed=0))
        assert not ok, report
        assert report["p25"]["hit"] - report["p25"]["miss"] > 3, report


_FORBIDDEN_FIELDS = {
    "code",
    "subject_code",
    "credit_code",
    "code_index",
    "subject_name",
    "name",
    "full_name",
    "facts",
    "statement",
    "subject_id",
    "entry_id",
    "id",
}


def _field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of a model and of the models nested in it, at any depth."""
    names: set[str] = set()
    seen: set[type] = set()
    stack: list[object] = [model]
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp in seen:
                continue
            seen.add(tp)
            for name, field in tp.model_fields.items():
                names.add(name)
                if field.alias:
                    names.add(field.alias)
                stack.append(field.annotation)
        else:
            stack.extend(typing.get_args(tp))
    return names


def _public_routes(app) -> list[tuple[str, APIRoute]]:
    return [
        (c.path, c.route)
        for c in iter_route_contexts(app.routes)
        if isinstance(c.route, APIRoute) and c.path.startswith("/api/v1/public/")
    ]


class TestPublicSchemas:
    def test_no_public_response_can_carry_a_code_or_full_name(self, app):
        routes = _public_routes(app)
        assert {path for path, _ in routes} >= {
            "/api/v1/public/lists/{list_kind}",
            "/api/v1/public/announcements",
            "/api/v1/public/lookup",
            "/api/v1/public/checkpoint",
        }
        text_only, tiles = set(), set()
        for path, route in routes:
            if route.response_model is None and path.startswith("/api/v1/public/log/tile/"):
                # Hash tiles hold 32-byte hashes only; entry bundles are withheld (404).
                tiles.add(path)
                continue
            if route.response_model is None:
                # Only the log's own signed note and key are plain text.
                assert route.response_class.__name__ == "PlainTextResponse", path
                text_only.add(path)
                continue
            names = _field_names(route.response_model)
            assert names, path
            assert names & _FORBIDDEN_FIELDS == set(), path
            # The witnesses' keys and quorum, and the log's proofs and checkpoints, name no one.
            assert "masked_name" in names or path.endswith(
                ("announcements", "witnesses", "consistency", "checkpoints")
            ), path
        assert text_only == {
            "/api/v1/public/checkpoint",
            "/api/v1/public/log-key",
            "/api/v1/public/log/checkpoint",
        }
        assert tiles == {
            "/api/v1/public/log/tile/entries/{path:path}",
            "/api/v1/public/log/tile/{path:path}",
        }

    def test_the_walker_finds_a_nested_forbidden_field(self):
        class Inner(BaseModel):
            subject_name: str

        class Outer(BaseModel):
            items: list[Inner | None]

        assert "subject_name" in _field_names(Outer)
