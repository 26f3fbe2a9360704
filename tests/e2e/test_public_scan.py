"""End to end on the demo data through a live `credence serve`: every public response is free
of every demo code (and every 4-character run of one) and every full name; the black list is
masked; a lookup finds its person, and one character off it looks exactly like a miss."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from core.clock import clock
from core.codes import citizen_check_char
from core.demo.dataset import demo_plan
from core.demo.people import DemoPerson, demo_people
from core.public.masking import mask_name
from core.public.schemas import LOOKUP_BODY_BYTES, PublicEntry
from tests.support.server import run_credence, serving

API = "/api/v1/public"
PEOPLE = demo_people(50)
# Random base64 (hash roots, signatures, keys) holds a given 4-digit run by chance about
# once in two hundred runs of this test; those tokens are left out of the run scan only.
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{40,}")


def _needles(person: DemoPerson) -> tuple[list[str], list[str]]:
    """(full values, 4-character runs of the code) of one demo person."""
    runs = [person.code[i : i + 4] for i in range(len(person.code) - 3)]
    return [person.code, person.name], runs


def _hits(text: str, *, runs: bool = True) -> set[str]:
    """Every demo value found in a text: full codes and names, and (if asked) runs of a code."""
    no_tokens = _BASE64_TOKEN.sub(" ", text)
    found: set[str] = set()
    for person in PEOPLE:
        full, code_runs = _needles(person)
        found |= {v for v in full if v in text}
        if runs:
            found |= {r for r in code_runs if r in no_tokens}
    return found


def _hit_person() -> DemoPerson:
    """A demo person whose black entry is surely displayed now (its notice long over)."""
    today = clock.today()
    for person, _domain, payload in demo_plan(PEOPLE, today):
        if (
            payload.list_kind == "black"
            and payload.severity != "minor"
            and payload.decided_on <= today - timedelta(days=25)
            and payload.display_until is not None
            and payload.display_until > today + timedelta(days=2)
        ):
            return person
    raise AssertionError("the demo plan has no displayed black entry")


def _one_off_code(code: str) -> str:
    """One sequence digit changed and the check character recomputed: valid, nobody's."""
    first17 = code[:16] + str((int(code[16]) + 1) % 10)
    return first17 + citizen_check_char(first17)


class Scan:
    """Every public response the test made, kept for the assertions."""

    def __init__(self) -> None:
        self.responses: dict[str, httpx.Response] = {}
        self.pages: dict[str, list[dict]] = {}

    def add(self, label: str, res: httpx.Response) -> httpx.Response:
        self.responses[label] = res
        return res


def _walk(client: httpx.Client, scan: Scan, label: str, url: str, **params: object) -> None:
    cursor = None
    items: list[dict] = []
    for n in range(1000):
        query = params | ({"cursor": cursor} if cursor else {})
        res = scan.add(f"{label} page {n}", client.get(url, params=query))
        assert res.status_code == 200, res.text
        body = res.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    scan.pages[label] = items


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    data: Path = tmp_path_factory.mktemp("public-demo")
    run_credence(data, "demo")
    run_credence(data, "sweep")
    result = Scan()
    person = _hit_person()
    with serving(data) as (base, _output), httpx.Client(base_url=base, timeout=30) as client:
        for kind in ("black", "red"):
            _walk(client, result, kind, f"{API}/lists/{kind}", limit=4)
            _walk(client, result, f"{kind} whole", f"{API}/lists/{kind}", limit=100)
        _walk(client, result, "black tax", f"{API}/lists/black", domain="tax", limit=2)
        _walk(client, result, "announcements", f"{API}/announcements", limit=3)
        result.add("checkpoint", client.get(f"{API}/checkpoint"))
        result.add("log-key", client.get(f"{API}/log-key"))
        result.add("bad cursor", client.get(f"{API}/lists/black", params={"cursor": "zz"}))
        result.add("unknown kind", client.get(f"{API}/lists/watch"))
        unknown = PEOPLE[-1] if PEOPLE[-1] != person else PEOPLE[-2]
        lookups = {
            "hit": {"code": person.code, "name": person.name},
            "miss": {"code": _one_off_code(unknown.code), "name": unknown.name},
            "code one off": {"code": _one_off_code(person.code), "name": person.name},
            "name one off": {"code": person.code, "name": person.name[:-1] + "某"},
            "check character off": {
                "code": person.code[:17] + ("0" if person.code[17] != "0" else "1"),
                "name": person.name,
            },
        }
        # Five lookups are the burst of one address; the sixth is refused.
        for label, body in lookups.items():
            result.add(f"lookup {label}", client.post(f"{API}/lookup", json=body))
        result.add("lookup refused", client.post(f"{API}/lookup", json=lookups["hit"]))
    return result


class TestNothingPersonalInPublicResponses:
    def test_every_body_is_free_of_codes_runs_and_names(self, scan):
        assert len(scan.responses) > 20
        hits = {label: _hits(res.text) for label, res in scan.responses.items()}
        assert {label: found for label, found in hits.items() if found} == {}

    def test_no_header_carries_a_code_or_name(self, scan):
        # Headers hold lengths and dates whose digits are not personal: full values only.
        hits = {
            label: _hits(str(list(res.headers.items())), runs=False)
            for label, res in scan.responses.items()
        }
        assert {label: found for label, found in hits.items() if found} == {}

    def test_the_scan_would_see_a_leak(self):
        person = PEOPLE[3]
        assert person.code[5:9] in _hits(f'{{"x": "{person.code[5:9]}"}}')
        assert person.name in _hits(f"<{person.name}>")

    def test_lists_and_announcements_were_all_walked(self, scan):
        assert scan.pages["black"] == scan.pages["black whole"]
        assert scan.pages["red"] == scan.pages["red whole"]
        assert len(scan.pages["black"]) >= 5
        assert len(scan.pages["red"]) >= 5
        assert len(scan.pages["announcements"]) >= 1
        assert {i["domain"] for i in scan.pages["black tax"]} <= {"tax"}
        assert scan.responses["checkpoint"].status_code == 200
        assert scan.responses["bad cursor"].status_code == 422
        assert scan.responses["unknown kind"].status_code == 422


class TestDoneWhen:
    def test_the_black_list_shows_masked_entries_only(self, scan):
        masks = {mask_name(p.name) for p in PEOPLE}
        names = {p.name for p in PEOPLE}
        for item in scan.pages["black"]:
            assert set(item) == set(PublicEntry.model_fields)
            assert item["masked_name"] in masks
            assert re.fullmatch(r"[^*]{1,2}\*", item["masked_name"])
            assert not set(item.values()) & names
            assert item["list_kind"] == "black"
            assert re.fullmatch(r"[A-Z]{14}", item["public_ref"])

    def test_a_lookup_with_full_code_and_name_finds_the_entry(self, scan):
        person = _hit_person()
        hit = scan.responses["lookup hit"]
        assert hit.status_code == 200
        body = hit.json()
        assert body["found"] is True
        assert body["entries"]
        assert {e["masked_name"] for e in body["entries"]} == {mask_name(person.name)}
        listed = {i["public_ref"] for i in scan.pages["black"]}
        assert {e["public_ref"] for e in body["entries"]} <= listed

    @pytest.mark.parametrize("label", ["code one off", "name one off", "check character off"])
    def test_one_character_off_is_indistinguishable_from_a_miss(self, scan, label):
        miss = scan.responses["lookup miss"]
        off = scan.responses[f"lookup {label}"]
        hit = scan.responses["lookup hit"]
        assert miss.json() == {"found": False, "entries": []}
        assert off.status_code == miss.status_code == 200
        assert off.content == miss.content
        assert len(off.content) == len(hit.content) == LOOKUP_BODY_BYTES
        for header in ("content-length", "content-type", "cache-control"):
            assert off.headers[header] == miss.headers[header] == hit.headers[header]
        assert off.headers["cache-control"] == "no-store"

    def test_the_burst_of_one_address_is_refused_with_retry_after(self, scan):
        refused = scan.responses["lookup refused"]
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
