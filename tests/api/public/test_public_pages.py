"""The public pages over HTTP (no browser): the lookup tells the truth, lists name departments.

A code that fails its check character is refused 422 as invalid, in the page language,
never answered "not found"; a match says which list; departments are shown by name; and
neither the code nor the name typed is written back into the page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from api.ratelimit import TokenBucketLimiter
from api.state import state_of
from core.clock import CST, clock
from core.context import Context
from tests.factories import (
    RED,
    csrf_of,
    decide_objection,
    file_objection,
    make_code,
    record_entry,
)
from tests.factories.directory import make_department

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
LATER = T0 + timedelta(days=20)
NAME = "欧阳小明"
DEPARTMENT = "dept-a"


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


@pytest.fixture
def pages(app, client, runtime):
    """The client over https, a roomy lookup limit, and the test department registered by name."""
    state_of(app).lookup_limiter = TokenBucketLimiter(per_minute=100_000, burst=10_000)
    # Over https, so the Secure session cookie (and with it the CSRF token) comes back.
    client.base_url = "https://testserver"
    with Session(runtime.engine) as s:
        make_department(Context(s, runtime.keyring), DEPARTMENT, name_zh="测试市税务局",
                        name_en="Test City Tax Bureau")  # fmt: skip
        s.commit()
    return client


def _lookup(client, code: str, name: str = NAME, lang: str = "zh"):
    token = csrf_of(client.get(f"/lookup?lang={lang}").text)
    return client.post("/lookup", data={"csrf_token": token, "code": code, "name": name})


def _alert(html: str) -> str:
    start = html.index('role="alert"')
    return html[html.index(">", start) + 1 : html.index("</p>", start)]


def _wrong_check(code: str) -> str:
    """The code with another check character: the same number, mistyped at its end."""
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


class TestLookupRefusesAnInvalidCode:
    @pytest.mark.parametrize(
        ("lang", "words", "not_found"),
        [("zh", "校验码不符", "未找到"), ("en", "check character does not match", "No entry")],
    )
    def test_a_wrong_check_character_is_invalid_not_not_found(
        self, pages, mint, lang, words, not_found
    ):
        code = make_code()
        record_entry(pages, mint, subject_code=code)
        clock.freeze(LATER)
        res = _lookup(pages, _wrong_check(code), lang=lang)
        assert res.status_code == 422
        assert res.headers["content-type"].startswith("text/html")
        assert words in _alert(res.text)
        assert not_found not in res.text
        assert 'aria-invalid="true"' in res.text
        assert code[:17] not in res.text
        assert NAME not in res.text

    @pytest.mark.parametrize(
        ("code", "words"),
        [
            ("11010519900307", "应为18位"),
            ("991105199003074512", "省级行政区划"),
            ("110105199013404512", "出生日期"),
            ("91350100M000100Y4A", "校验码不符"),
        ],
    )
    def test_each_rule_has_its_own_message(self, pages, code, words):
        res = _lookup(pages, code)
        assert res.status_code == 422
        assert words in _alert(res.text)

    def test_a_missing_name_is_invalid_in_the_page_language(self, pages):
        res = _lookup(pages, make_code(), name="", lang="en")
        assert res.status_code == 422
        assert "Enter the full number and the full name" in _alert(res.text)

    def test_the_form_checks_the_code_before_sending(self, pages):
        html = pages.get("/lookup").text
        assert 'maxlength="18"' in html
        assert 'pattern="' in html
        assert "data-code-check" in html
        assert 'data-msg-check_character="号码的校验码不符' in html
        assert 'aria-describedby="code-hint code-problem"' in html


class TestLookupSaysWhichList:
    def test_a_black_match_says_black_and_names_the_department(self, pages, mint):
        code = make_code()
        record_entry(pages, mint, subject_code=code)
        clock.freeze(LATER)
        res = _lookup(pages, code)
        assert res.status_code == 200
        assert "在失信惩戒名单（黑名单）上，正在公示。" in res.text
        assert "守信激励名单（红名单）上" not in res.text
        assert "测试市税务局" in res.text
        assert DEPARTMENT not in res.text.split("<main", 1)[1]
        assert code not in res.text
        assert NAME not in res.text

    def test_a_red_match_says_red_in_english(self, pages, mint):
        code = make_code()
        record_entry(pages, mint, subject_code=code, **RED)
        clock.freeze(LATER)
        res = _lookup(pages, code, lang="en")
        assert "On the red list (joint incentives), displayed now." in res.text
        assert "Test City Tax Bureau" in res.text

    def test_no_match_for_a_valid_code_says_none_is_displayed(self, pages):
        res = _lookup(pages, make_code())
        assert res.status_code == 200
        assert "未找到正在公示的红名单或黑名单条目。" in res.text


class TestListsNameTheDepartment:
    def test_the_black_list_shows_the_departments_name_and_an_inclusive_end(self, pages, mint):
        made = record_entry(pages, mint, subject_code=make_code())
        clock.freeze(LATER)
        html = pages.get("/lists/black").text
        main = html.split("<main", 1)[1]
        assert "测试市税务局" in main
        assert f">{DEPARTMENT}<" not in main
        last = datetime.fromisoformat(made["display_until"]).date() - timedelta(days=1)
        assert f"{last.isoformat()}（含当日）" in main


class TestLookupAfterAnErasure:
    def test_an_entry_erased_as_erroneous_is_not_found_and_nothing_fails(self, pages, mint):
        code = make_code()
        other = record_entry(pages, mint, subject_code=code, domain="labour")
        erased = record_entry(pages, mint, subject_code=code)
        clock.freeze(LATER)
        case = file_objection(pages, mint, code, erased["id"])
        assert case.status_code == 201, case.text
        for body in (
            {"decision": "accept"},
            {"decision": "uphold", "erroneous": True, "reasons": "核实为身份冒用，认定错误"},
        ):
            res = decide_objection(pages, mint, case.json()["id"], body, DEPARTMENT)
            assert res.status_code == 200, res.text
        res = _lookup(pages, code)
        assert res.status_code == 200, res.text
        assert other["public_ref"] in res.text
        assert erased["public_ref"] not in res.text
