"""No page, in either language, shows a raw vocabulary value or a time without its zone.

A crawl over the app (TestClient, no browser) signs in through the development page as
each role on the demo data (entries, a week of queries, an open objection, an upheld one
and a repair application), opens every page the navigation links to and every page
reachable from those (GET only, a few pages of each shape), in Chinese and in English,
reads the text a reader sees (no tags, scripts or attribute values; inline elements run
on, blocks break) and keeps, for each page shape and language:

- a vocabulary value in its raw form as a whole word (a list kind, state, status, way,
  event, purpose, legal basis, audit flag, role id, department or agency slug): any of
  them in Chinese, those written with `_` or `-` in English (`expired` reads as English);
- a date and time to the minute not followed by its zone label (北京时间 / CST), an ISO
  timestamp with seconds or microseconds;
- in Chinese: ASCII `, ; : ( )` against Chinese text, a space between two Chinese
  characters, `(#1)` after a name, a heading said twice in a row.

Each page shape is its own test case, so a page another branch is still fixing is marked
`xfail(strict=True)` by name (PENDING) and the mark fails the day it is fixed. Agencies
have no pages (they use the API; signing in answers `oidc.no_pages`), so the public crawl
is theirs. A pass in Chromium at phone width then checks the layout: the header is one
row with a menu, the menu holds the links, and no page is wider than the screen.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any, Final, Literal, get_args, get_origin
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

import core
from api.app import create_app
from api.identity.signin_pages import SIGNIN_ROLES
from api.pages import i18n
from api.pages.session import LANG_COOKIE
from api.state import state_of
from core import migrate, vocabulary
from core.audit.rules import FlagReason
from core.cases.objections.schemas import Decision as ObjectionDecision
from core.cases.objections.schemas import ObjectionStatus
from core.cases.repairs.schemas import Decision as RepairDecision
from core.cases.repairs.schemas import RepairStatus
from core.clock import CST, clock
from core.consents.schemas import AuthorizationState
from core.db import make_engine
from core.demo.dataset import DEPARTMENTS, demo_plan, load_demo
from core.demo.directory import DEMO_ORGANISATIONS
from core.demo.people import DemoPerson, demo_people
from core.demo.queries import load_demo_queries
from core.entries.states import Event, Status
from core.entries.visibility import Audience
from core.identity.principal import Role
from core.identity.tokens import mint_access_token
from core.ops.keys import verify_keys
from core.public.masking import PublicExitReason
from core.queries.catalogues import LegalBasisCode, PurposeCode
from core.runtime import Runtime
from core.settings import Settings
from tests.browser.conftest import A11y, shoot
from tests.browser.steps import sign_in_citizen, watch_csp
from tests.conftest import make_keyring
from tests.factories import (
    csrf_of,
    decide_objection,
    evidence_pdf,
    file_objection,
    file_repair,
    my_entries,
)

pytestmark = pytest.mark.db

PEOPLE: Final = demo_people(50)
# A working Monday morning: every demo date, deadline and notice falls the same way.
DEMO_AT: Final = datetime(2026, 11, 23, 10, 0, tzinfo=CST)
LANGS: Final = ("zh", "en")
ZONE: Final = {"zh": "北京时间", "en": "CST"}
# Pages of one shape (ids differ) opened at most this often per role and language.
PER_SHAPE: Final = 2
PHONE: Final = {"width": 390, "height": 844}

# ------------------------------------------------------------------- the pages, by owner

# Every page shape the navigation reaches (ids as {id}, query values dropped), and the
# branch whose folders hold it. The crawl must reach each and no other.
PAGES: Final[dict[str, str]] = {
    "/": "shell",
    "/lists/black": "shell",
    "/lists/red": "shell",
    "/announcements": "shell",
    "/lookup": "shell",
    "/checkpoint": "shell",
    "/signin": "shell",
    "/me": "records",
    "/me/queries": "consent",
    "/me/notifications": "consent",
    "/me/authorizations": "consent",
    "/me/report": "report",
    "/verify/report/{id}": "report",
    "/me/objections": "cases",
    "/me/objections/{id}": "cases",
    "/me/objections/new?entry=": "cases",
    "/me/repairs": "cases",
    "/me/repairs/{id}": "cases",
    # No demo citizen the crawl signs in as has an entry repairable today (the one that
    # had, has its repair under way), so no link reaches the form: tests/api/cases has it.
    "/officer/objections": "cases",
    "/officer/objections/{id}": "cases",
    "/officer/repairs": "cases",
    "/officer/repairs/{id}": "cases",
    "/recorder": "records",
    "/recorder/batch": "records",
    "/recorder/entries": "records",
    "/recorder/entries/{id}": "records",
    "/recorder/entries/{id}/amend": "records",
    "/recorder/entries/{id}/withdraw": "records",
    "/audit/queries": "records",
    "/audit/queries/{id}": "records",
    "/audit/queries?before=": "records",
    # The error pages (REFUSED), opened by hand: no link leads to them.
    "/no-such-page": "shell",
    "/lists/purple": "shell",
}
# Pages a browser is refused, with the status they answer, in the page's language.
REFUSED: Final = {"/no-such-page": 404, "/lists/purple": 422}
BROWSER_ACCEPT: Final = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Pages still showing what they must not, fixed on another branch: (language, shape).
# The merger removes a line once that branch is in; a fixed page fails its strict mark.
PENDING: Final[frozenset[tuple[str, str]]] = frozenset({})

# ------------------------------------------------------------------- what is a raw word

# Segments of a catalogue key that name a closed vocabulary: `<area>.<vocabulary>.<value>`.
VOCABULARY_KEYS: Final = frozenset(
    {
        "audience",
        "auth_state",
        "basis",
        "domain",
        "event",
        "exit",
        "flag",
        "kind",
        "outcome",
        "purpose",
        "repair_status",
        "rstatus",
        "severity",
        "state",
        "status",
        "step",
        "way",
        "actor",
    }
)
VOCABULARY_TYPES: Final = (
    vocabulary.ListKind,
    vocabulary.Severity,
    vocabulary.Domain,
    vocabulary.RepairWay,
    vocabulary.EntryState,
    Status,
    Event,
    Audience,
    AuthorizationState,
    ObjectionStatus,
    ObjectionDecision,
    RepairStatus,
    RepairDecision,
    FlagReason,
    PublicExitReason,
    PurposeCode,
    LegalBasisCode,
    Role,
)
# Events of a case's history the engine names in code, not in a Literal.
CASE_EVENTS: Final = (
    "filed",
    "accepted",
    "apology_issued",
    "entry_erased",
    "entry_corrected",
    "reconsideration_notice",
)


def core_literals() -> set[str]:
    """The values of every closed vocabulary `core` declares (each module's Literal aliases)."""
    values: set[str] = set()
    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for alias in vars(module).values():
            if get_origin(alias) is Literal:
                values.update(str(v) for v in _flat_literal(alias))
    return values


def _flat_literal(alias: Any) -> list[object]:
    """A Literal's values, nested Literals (`Literal["citizen", ClientRole]`) opened."""
    out: list[object] = []
    for arg in get_args(alias):
        out.extend(_flat_literal(arg) if get_origin(arg) is Literal else [arg])
    return out


def raw_values() -> frozenset[str]:
    """Every vocabulary value as it is stored: what a page must never show as it is."""
    values: set[str] = set(CASE_EVENTS) | set(DEMO_ORGANISATIONS) | set(DEPARTMENTS.values())
    values |= core_literals()
    for kind in VOCABULARY_TYPES:
        values.update(str(v) for v in _flat_literal(kind))
    for key in i18n._M:
        parts = key.split(".")
        if len(parts) >= 2 and parts[-2] in VOCABULARY_KEYS and parts[0] != "verify":
            values.add(parts[-1])
    return frozenset(v for v in values if re.fullmatch(r"[a-z][a-z0-9_-]*", v))


RAW: Final = raw_values()
# A whole word: not inside a longer run of letters, digits, `_`, `-`, `/`, `+`, `=`, `.`
# (so a base64 hash, a path or a host name that happens to contain `red` is not one).
_EDGE: Final = r"A-Za-z0-9_\-/+=."
_RAW_WORD: Final = re.compile(
    rf"(?<![{_EDGE}])("
    + "|".join(sorted(map(re.escape, RAW), key=len, reverse=True))
    + rf")(?![{_EDGE}]|\.[A-Za-z0-9])"
)
_MINUTE: Final = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?")
_SECONDS: Final = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?")
# Chinese characters and the full-width punctuation written among them.
_HAN: Final = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e"
_ASCII_PUNCT: Final = re.compile(rf"[{_HAN}][,;:()]|[,;:()] ?[{_HAN}]")
_STRAY_SPACE: Final = re.compile(rf"[{_HAN}] +[{_HAN}]")
_NUMBERED_NAME: Final = re.compile(r"[(（]#\d+[)）]")
# Elements whose text runs on with what is around them; every other element breaks it.
INLINE: Final = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark"}
    | {"q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
)
HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "caption"})
_BREAK: Final = "\x00"


class VisibleText(HTMLParser):
    """The text a reader sees: no tags, no attribute values, nothing in script or style."""

    SKIP: Final = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.headings: list[str] = []
        self.unfolded: list[str] = []
        self._heading: list[str] | None = None
        self._skipping = 0
        self._folded = 0
        self._verbatim = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        if tag in HEADINGS:
            self._heading = []
        if tag == "details":
            self._folded += 1
        if tag == "pre":
            self._verbatim += 1
        if tag not in INLINE:
            self.parts.append(_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        if tag == "details" and self._folded:
            self._folded -= 1
        if tag == "pre" and self._verbatim:
            self._verbatim -= 1
        if tag in HEADINGS and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        if tag not in INLINE:
            self.parts.append(_BREAK)

    def handle_data(self, data: str) -> None:
        # Signed material quoted as it is (a <pre> behind "how this works") is for machines
        # and experts: its ISO times and ids are the data, not words to read.
        if self._skipping or (self._folded and self._verbatim):
            return
        self.parts.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if not self._folded:
            self.unfolded.append(data)

    @property
    def text(self) -> str:
        """The text as laid out: white space runs are one space, blocks are lines."""
        flowing = re.sub(r"\s+", " ", "".join(self.parts))
        return re.sub(rf" ?{_BREAK}[ {_BREAK}]*", "\n", flowing).strip("\n ")


@dataclass(frozen=True)
class Page:
    """What a page shows: its text, its links, its headings (captions too) in order, and
    the text not folded inside a <details>."""

    text: str
    links: list[str]
    headings: list[str]
    unfolded: str = ""


def read_page(html: str) -> Page:
    """The visible text of a page, the links on it and its headings."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return Page(parser.text, parser.links, parser.headings, " ".join(parser.unfolded))


# The technical words a reader should find behind "how this works" (工作原理), not in the way.
_JARGON: Final = re.compile(r"Ed25519|RFC ?9162|默克尔|Merkle|SHA-256|C2SP|tlog", re.IGNORECASE)


def jargon_of(page: Page) -> list[str]:
    """The verification jargon a page shows outside its folded <details>."""
    return [f"unfolded jargon {w!r}" for w in dict.fromkeys(_JARGON.findall(page.unfolded))]


def page_problems(page: Page, lang: str) -> list[str]:
    """Everything a page shows that it must not."""
    return problems_of(page.text, lang, page.headings) + jargon_of(page)


def problems_of(text: str, lang: str, headings: list[str] | None = None) -> list[str]:
    """What a page's visible text shows that it must not, each said once."""
    found: list[str] = []
    for match in _RAW_WORD.finditer(text):
        word = match.group(1)
        if lang == "zh" or "_" in word or "-" in word:
            found.append(f"raw word {word!r}")
    for match in _MINUTE.finditer(text):
        after = text[match.end() :].lstrip(" \u00a0\n\t")
        if _SECONDS.fullmatch(match.group(0)):
            found.append(f"time with seconds {match.group(0)!r}")
        elif not after.startswith(ZONE[lang]):
            found.append(f"time without {ZONE[lang]} {match.group(0)!r}")
    for match in re.finditer(r"\d{2}:\d{2}:\d{2}\.\d+", text):
        found.append(f"microseconds {match.group(0)!r}")
    found.extend(f"numbered name {m.group(0)!r}" for m in _NUMBERED_NAME.finditer(text))
    if lang == "zh":
        found.extend(f"ASCII punctuation {m.group(0)!r}" for m in _ASCII_PUNCT.finditer(text))
        found.extend(f"stray space {m.group(0)!r}" for m in _STRAY_SPACE.finditer(text))
    heads = headings or []
    found.extend(f"doubled heading {a!r}" for a, b in pairwise(heads) if a and a == b)
    return list(dict.fromkeys(found))


class TestTheDetector:
    """The crawl's eyes: each kind of problem is seen, and a proper page passes."""

    def test_raw_words_are_found_in_chinese_and_separated_ones_in_english(self) -> None:
        text = "状态：pending_notice；部门 pbc-credit-office；black"
        assert problems_of(text, "zh") == [
            "raw word 'pending_notice'",
            "raw word 'pbc-credit-office'",
            "raw word 'black'",
        ]
        assert problems_of("Display ended · black · credit_loan", "en") == [
            "raw word 'credit_loan'"
        ]
        assert problems_of("dev-web:objection_officer · accepted", "zh") == [
            "raw word 'objection_officer'",
            "raw word 'accepted'",
        ]

    def test_every_closed_vocabulary_of_core_is_known(self) -> None:
        # Found by walking core, not listed by hand: a new Literal is checked the day it lands.
        assert {"used_up", "partly_upheld", "check_character", "recording_department"} <= RAW
        assert set(_flat_literal(Role)) <= RAW

    def test_hashes_paths_and_longer_words_are_not_raw_words(self) -> None:
        text = "root abc+red/x= tlog-checkpoint credence/log https://a.example/red unredacted"
        assert problems_of(text, "zh") == []

    def test_times_need_their_zone_and_no_seconds(self) -> None:
        assert problems_of("2026-12-04 15:05 北京时间", "zh") == []
        assert problems_of("2026-12-04 15:05 CST", "en") == []
        assert problems_of("2026-12-04", "zh") == []
        assert problems_of("2026-12-04 15:05", "zh") == ["time without 北京时间 '2026-12-04 15:05'"]
        assert problems_of("2026-12-04 15:05 北京时间", "en") == [
            "time without CST '2026-12-04 15:05'"
        ]
        assert problems_of("2026-12-04T07:05:09.123456+00:00", "en") == [
            "time with seconds '2026-12-04T07:05:09'",
            "microseconds '07:05:09.123456'",
        ]

    def test_chinese_text_has_full_width_punctuation_and_no_stray_space(self) -> None:
        assert problems_of("展示至：2027-01-01（含当日）；已登录：公民 · 欧**明", "zh") == []
        assert problems_of("展示至: 2027-01-01, 黑名单; 严重(已公示)", "zh") == [
            "ASCII punctuation '至:'",
            "ASCII punctuation ', 黑'",
            "ASCII punctuation '单;'",
            "ASCII punctuation '重('",
            "ASCII punctuation '示)'",
        ]
        assert problems_of("已登录： 公民", "zh") == ["stray space '： 公'"]
        assert problems_of("Signed in as: Citizen, 2027-01-01; (inclusive)", "en") == []

    def test_a_name_is_not_numbered_and_a_heading_is_said_once(self) -> None:
        assert problems_of("欧**明 (#1)", "zh") == ["numbered name '(#1)'"]
        assert problems_of("O** (#12)", "en") == ["numbered name '(#12)'"]
        assert problems_of("", "zh", ["我的异议", "我的异议"]) == ["doubled heading '我的异议'"]
        assert problems_of("", "zh", ["我的异议", "处理记录", "我的异议"]) == []

    def test_visible_text_leaves_out_tags_attributes_and_scripts(self) -> None:
        html = (
            '<p title="expired" data-id="pending_notice">展示期满</p>'
            "<script>const s = 'expired';</script><a href=\"/x?k=black\">黑名单</a>"
        )
        page = read_page(html)
        assert problems_of(page.text, "zh") == []
        assert page.links == ["/x?k=black"]

    def test_verification_jargon_is_only_allowed_folded(self) -> None:
        folded = read_page(
            '<p>查询日志防篡改。</p><details class="how"><summary>工作原理</summary>'
            "<p>默克尔树（RFC 9162），Ed25519 签名。</p></details>"
        )
        assert jargon_of(folded) == []
        signed = read_page(
            '<details><summary>工作原理</summary><pre>{"at": "2026-11-23T02:00:00.000000"}</pre>'
            "</details><pre>2026-11-23T02:00:00</pre>"
        )
        assert problems_of(signed.text, "zh") == ["time with seconds '2026-11-23T02:00:00'"]
        plain = read_page("<p>检查检查点的 Ed25519 签名，再按 RFC 9162 计算默克尔树根。</p>")
        assert jargon_of(plain) == [
            "unfolded jargon 'Ed25519'",
            "unfolded jargon 'RFC 9162'",
            "unfolded jargon '默克尔'",
        ]

    def test_inline_elements_run_on_and_blocks_break(self) -> None:
        page = read_page(
            "<h1>退出公告</h1><table><caption>退出公告</caption><tr><td>黑名单</td>\n"
            "<td>严重</td></tr></table><p>已登录：<span>公民</span> <b>审计</b>\n人员</p>"
        )
        assert page.text == "退出公告\n退出公告\n黑名单\n严重\n已登录：公民 审计 人员"
        assert page.headings == ["退出公告", "退出公告"]
        assert problems_of(page.text, "zh", page.headings) == [
            "stray space '民 审'",
            "stray space '计 人'",
            "doubled heading '退出公告'",
        ]


# ------------------------------------------------------------------------ the demo app


@dataclass
class Demo:
    """The app over the demo data, and who is who in it."""

    app: FastAPI
    runtime: Runtime
    citizens: list[int]
    # The department each staff role signs in for: where the demo's cases are.
    departments: dict[str, str]


def _mint(app: FastAPI, runtime: Runtime, role: str, **claims: object) -> str:
    return mint_access_token(
        keys=state_of(app).issuer_keys,
        issuer=runtime.settings.embedded_issuer_id,
        audience=runtime.settings.token_audience,
        subject=f"test:{role}",
        claims={"role": role, **claims},
        ttl=timedelta(minutes=30),
        now=clock.now(),
        client_id=f"test-{role}",
    )


def _black_displayed(department: str) -> list[int]:
    """The people with a black entry of the department displayed now (and for a while)."""
    today = clock.today()
    found = []
    for person, domain, payload in demo_plan(PEOPLE, today):
        if (
            DEPARTMENTS[domain] == department
            and payload.list_kind == "black"
            and payload.severity != "minor"
            and payload.decided_on <= today - timedelta(days=25)
            and payload.display_until is not None
            and payload.display_until > today + timedelta(days=2)
        ):
            found.append(PEOPLE.index(person))
    return found


def _entry_id(client: TestClient, mint: Any, person: DemoPerson, department: str) -> str:
    """The id of the person's black entry of `department` displayed now."""
    (entry,) = [
        e
        for e in my_entries(client, mint, person.code)
        if e["list_kind"] == "black" and e["state"] == "displayed" and e["department"] == department
    ]
    return str(entry["id"])


def _with_cases(api: TestClient, mint: Any) -> Demo:
    """File an open objection, an upheld one and a repair application on the demo data."""
    department = DEPARTMENTS["tax"]
    _, objector, upheld_by, *_ = _black_displayed(department)
    open_case = file_objection(
        api,
        mint,
        PEOPLE[objector].code,
        _entry_id(api, mint, PEOPLE[objector], department),
        reasons="该记录认定的事实有误，我已按期缴纳",
        files=evidence_pdf(),
    )
    assert open_case.status_code == 201, open_case.text
    upheld = file_objection(
        api,
        mint,
        PEOPLE[upheld_by].code,
        _entry_id(api, mint, PEOPLE[upheld_by], department),
        reasons="我从未在该单位任职，系他人冒用身份",
        files=evidence_pdf(),
    )
    assert upheld.status_code == 201, upheld.text
    case_id = upheld.json()["id"]
    for body in (
        {"decision": "accept"},
        {"decision": "uphold", "erroneous": True, "reasons": "核实为身份冒用，认定错误"},
    ):
        decided = decide_objection(api, mint, case_id, body, department)
        assert decided.status_code == 200, decided.text
    repairer = 3
    repair = file_repair(
        api,
        mint,
        PEOPLE[repairer].code,
        _entry_id(api, mint, PEOPLE[repairer], DEPARTMENTS["labour"]),
    )
    assert repair.status_code == 201, repair.text
    return Demo(
        app=api.app,  # type: ignore[arg-type]
        runtime=state_of(api.app).runtime,  # type: ignore[arg-type]
        citizens=[repairer, objector, upheld_by, 0],
        departments={
            "objection_officer": department,
            "recorder": department,
            "repair_officer": DEPARTMENTS["labour"],
        },
    )


# ------------------------------------------------------------------------------ crawl


@dataclass
class Crawl:
    """What the crawl saw: the problems of each page shape by language, and who saw them."""

    problems: dict[tuple[str, str], dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    seen_by: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    opened: int = 0

    def add(self, who: str, lang: str, path: str, found: list[str]) -> None:
        """Keep what one page showed (and that `who` reached its shape)."""
        page = (lang, _shape(path))
        self.seen_by[page].add(who)
        if found:
            kept = self.problems[page].setdefault(path, [])
            kept.extend(p for p in found if p not in kept)

    def shapes(self, lang: str) -> set[str]:
        """The page shapes reached in `lang`."""
        return {shape for (lang_, shape) in self.seen_by if lang_ == lang}

    def report(self, lang: str, shape: str) -> str:
        """A page shape's problems, page by page."""
        lines = [f"[{lang}] {shape} (seen by {', '.join(sorted(self.seen_by[(lang, shape)]))})"]
        for path, found in sorted(self.problems[(lang, shape)].items()):
            lines.append(f"  {path}")
            lines.extend(f"    {problem}" for problem in found)
        return "\n".join(lines)


_ID_SEGMENT: Final = re.compile(r"^(?:[0-9a-f-]{32,36}|\d+|[A-Za-z0-9_-]{16,})$")


def _shape(path: str) -> str:
    """A path with its ids replaced, so pages of one shape are told apart from others."""
    parts = urlsplit(path)
    segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in parts.path.split("/")]
    return "/".join(segments) + ("?" + re.sub(r"=[^&]*", "=", parts.query) if parts.query else "")


def _followable(href: str) -> str | None:
    """A link of ours to a page, as a path; None for the rest (files, API, language switch)."""
    parts = urlsplit(urljoin("http://127.0.0.1/", href))
    if parts.netloc != "127.0.0.1" or (parts.fragment and not parts.path):
        return None
    if parts.path.startswith(("/static/", "/api/", "/signout", "/oauth", "/docs", "/redoc")):
        return None
    # Files to download and evidence are not pages (and the PDF takes its time).
    if parts.path.endswith((".pdf", ".json")) or "/evidence/" in parts.path:
        return None
    if "lang=" in parts.query:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _sign_in(client: TestClient, role: str, *, person: int = 0, department: str = "") -> None:
    form = client.get("/signin")
    assert form.status_code == 200, form.text
    fields = {"csrf_token": csrf_of(form.text), "role": role}
    if role == "citizen":
        fields["person"] = str(person)
    elif department:
        fields["department"] = department
    signed = client.post("/signin", data=fields, follow_redirects=False)
    assert signed.status_code == 303, signed.text


def _nav_links(html: str) -> list[str]:
    return read_page(html.split("<main", 1)[0]).links


def crawl_as(demo: Demo, crawl: Crawl, who: str, role: str, lang: str, **signin: Any) -> None:
    """Sign in as one role and open every page reachable from the navigation (GET only)."""
    with TestClient(
        demo.app,
        base_url="http://127.0.0.1",
        client=("127.0.0.1", 50000),
        raise_server_exceptions=False,
        headers={"Accept": BROWSER_ACCEPT},
    ) as client:
        client.cookies.set(LANG_COOKIE, lang)
        if role != "public":
            _sign_in(client, role, **signin)
        home = client.get("/")
        start = ["/", *(p for h in _nav_links(home.text) if (p := _followable(h)))]
        seen: set[str] = set()
        shapes: dict[str, int] = defaultdict(int)
        queue = list(dict.fromkeys(start))
        while queue:
            path = queue.pop(0)
            shape = _shape(path)
            if path in seen or shapes[shape] >= PER_SHAPE:
                continue
            seen.add(path)
            shapes[shape] += 1
            response = client.get(path)
            crawl.opened += 1
            if response.status_code >= 400:
                crawl.add(who, lang, path, [f"answered {response.status_code}"])
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            page = read_page(response.text)
            crawl.add(who, lang, path, page_problems(page, lang))
            queue.extend(p for h in page.links if (p := _followable(urljoin(path, h))))
        if role == "public":
            for path, status in REFUSED.items():
                response = client.get(path)
                crawl.opened += 1
                answered = response.status_code
                found = [] if answered == status else [f"answered {answered}"]
                if "text/html" not in response.headers.get("content-type", ""):
                    found.append("not a page")
                page = read_page(response.text)
                crawl.add(who, lang, path, found + page_problems(page, lang))


@pytest.fixture(scope="module")
def crawl(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """Every page of every role in both languages, over the demo data set with its cases."""
    clock.freeze(DEMO_AT)
    engine = make_engine(databases.new_url())
    migrate.upgrade(engine)
    keyring = make_keyring()
    with Session(engine) as s:
        verify_keys(session=s, keyring=keyring)
        s.commit()
    settings = Settings(data_dir=tmp_path_factory.mktemp("words"), maintenance_every_seconds=0)
    runtime = Runtime(settings=settings, engine=engine, keyring=keyring)
    app = create_app(runtime=runtime)
    try:
        with TestClient(app, raise_server_exceptions=False) as api:
            with Session(engine) as s:
                load_demo(session=s, keyring=keyring)
            with Session(engine) as s:
                load_demo_queries(
                    session=s,
                    keyring=keyring,
                    signer=state_of(app).log_signer,
                    people=PEOPLE,
                    rules=runtime.audit_rules,
                    cadence=runtime.cadence,
                )
                s.commit()

            def mint(role: str, **claims: object) -> str:
                return _mint(app, runtime, role, **claims)

            demo = _with_cases(api, mint)
            seen = Crawl()
            for lang in LANGS:
                crawl_as(demo, seen, "public", "public", lang)
                for index in demo.citizens:
                    crawl_as(demo, seen, f"citizen#{index}", "citizen", lang, person=index)
                for role in SIGNIN_ROLES:
                    if role != "citizen":
                        department = demo.departments.get(role, "")
                        crawl_as(demo, seen, role, role, lang, department=department)
            yield seen
    finally:
        engine.dispose()


def _case(lang: str, shape: str) -> Any:
    if (lang, shape) not in PENDING:
        return pytest.param(lang, shape, id=f"{lang}:{shape}")
    reason = f"fixed on branch {PAGES[shape]}"
    return pytest.param(
        lang, shape, id=f"{lang}:{shape}", marks=pytest.mark.xfail(strict=True, reason=reason)
    )


def test_pending_pages_are_only_others_pages() -> None:
    """A page of this branch is never marked pending: it is fixed here."""
    assert {shape for _, shape in PENDING} <= set(PAGES)
    assert [p for p in PENDING if PAGES[p[1]] == "shell"] == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_crawl_reaches_every_page_of_the_navigation(crawl: Crawl, lang: str) -> None:
    assert crawl.opened > 50, crawl.opened
    assert crawl.shapes(lang) == set(PAGES), (
        "pages reached but not listed in PAGES, or listed but not reached",
        sorted(crawl.shapes(lang) ^ set(PAGES)),
    )


@pytest.mark.parametrize(
    ("lang", "shape"), [_case(lang, shape) for lang in LANGS for shape in PAGES]
)
def test_no_page_shows_a_raw_word_or_an_unzoned_time(crawl: Crawl, lang: str, shape: str) -> None:
    assert (lang, shape) in crawl.seen_by, f"{shape} was not reached in {lang}"
    assert not crawl.problems.get((lang, shape)), crawl.report(lang, shape)


# ------------------------------------------------------------------------ phone layout

_BAR: Final = """() => [...document.querySelectorAll("header.site .bar > *")]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, r.right]; })"""


def _one_row(page: Any) -> tuple[bool, list[list[float]]]:
    """Whether every shown part of the header bar sits on one line (and none runs off)."""
    boxes = page.evaluate(_BAR)
    tops, bottoms, rights = zip(*boxes, strict=True)
    return max(tops) < min(bottoms) and max(rights) <= PHONE["width"], boxes


@pytest.mark.parametrize("lang", LANGS)
def test_the_navigation_is_one_row_with_a_menu_on_a_phone(
    live: tuple[str, Any], browser: Any, a11y: A11y, lang: str
) -> None:
    base, _data = live
    page = browser.new_page()
    csp_errors = watch_csp(page)
    try:
        page.set_viewport_size(PHONE)
        sign_in_citizen(page, base, 0, lang=lang)
        for path in ("/", "/me", "/lists/black", "/checkpoint"):
            page.goto(f"{base}{path}?lang={lang}")
            one_row, boxes = _one_row(page)
            assert one_row, (path, boxes)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            assert not page.locator("header nav.wide").is_visible()
            menu = page.locator("header details.menu")
            assert menu.is_visible()
            assert not menu.locator("a[href='/me/report']").is_visible()
        bar_height = page.locator("header.site").bounding_box()["height"]
        page.click("header details.menu summary")
        links = page.locator("header details.menu nav a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert {"/me", "/me/queries", "/me/report", "/lists/black", "/checkpoint"} <= set(hrefs)
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        # The menu opens over the page: the header stays one row high.
        assert page.locator("header.site").bounding_box()["height"] == bar_height
        assert page.locator("header details.menu .who-text").is_visible()
        shoot(page, f"phone-menu-open-{lang}")
        assert a11y.serious(page) == []
        page.click("header details.menu nav a[href='/me/queries']")
        page.wait_for_url(base + "/me/queries")
        assert csp_errors == []
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "/?lang=zh")
        signout = page.locator("header .who button[type=submit]")
        if signout.count():
            signout.click()
            page.wait_for_url(base + "/")
        page.close()


def test_a_wide_screen_shows_the_links_without_a_menu(live: tuple[str, Any], browser: Any) -> None:
    base, _data = live
    page = browser.new_page()
    try:
        page.goto(base + "/lists/black?lang=zh")
        assert page.locator("header nav.wide a[href='/lookup']").is_visible()
        assert page.locator("header nav.wide a[aria-current='page']").inner_text() == "黑名单"
        assert not page.locator("header details.menu").is_visible()
    finally:
        page.close()
