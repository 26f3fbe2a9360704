"""The layout every page shares: who is signed in, the links, the language switch.

The header names the role and the masked name (citizen) or the department's name (staff),
never a position like "(#1)", an id or a stray space; the links of the role are there
twice, as a flat list for a wide screen and in a <details> menu for a phone, with the
current page marked; the language link keeps the page's query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.pages.session import LANG_COOKIE
from core.context import Context
from core.runtime import Runtime
from tests.factories import csrf_of
from tests.factories.directory import make_department

DEPARTMENT = "sz-tax-bureau"


@pytest.fixture
def loopback(app: FastAPI, runtime: Runtime) -> Iterator[TestClient]:
    """A client on the loopback interface (where the development sign-in is offered)."""
    with Session(runtime.engine) as s:
        make_department(Context(s, runtime.keyring), DEPARTMENT, name_zh="深圳市税务局",
                        name_en="Shenzhen Tax Bureau")  # fmt: skip
        s.commit()
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
        yield client


def _sign_in(client: TestClient, role: str, **fields: str) -> None:
    form = {"csrf_token": csrf_of(client.get("/signin").text), "role": role, **fields}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def _who(html: str) -> str:
    found = re.search(r'<span class="who-text">(.*?)</span>', html, re.S)
    assert found is not None
    return found.group(1)


class TestWhoIsSignedIn:
    def test_a_citizen_by_masked_name_alone(self, loopback):
        _sign_in(loopback, "citizen", person="0")
        html = loopback.get("/?lang=zh").text
        who = _who(html)
        assert re.fullmatch(r"已登录：公民 · \S+", who), who
        assert "#" not in who
        # The same words in the phone's menu.
        assert f'<p class="who-text">{who}</p>' in html

    def test_staff_by_the_departments_name(self, loopback):
        _sign_in(loopback, "recorder", department=DEPARTMENT)
        assert _who(loopback.get("/?lang=zh").text) == "已登录：认定部门录入人员 · 深圳市税务局"
        assert _who(loopback.get("/?lang=en").text) == "Signed in as Recorder · Shenzhen Tax Bureau"

    def test_an_auditor_by_role_alone(self, loopback):
        _sign_in(loopback, "auditor")
        assert _who(loopback.get("/?lang=zh").text) == "已登录：审计人员"

    def test_the_sign_in_page_names_departments(self, loopback):
        html = loopback.get("/signin?lang=zh").text
        assert f'<option value="{DEPARTMENT}">深圳市税务局</option>' in html
        assert "以审计人员身份登录" in html


class TestSignInRefusal:
    @pytest.mark.parametrize(
        ("fields", "lang", "said"),
        [
            (
                {"role": "citizen", "person": "9999"},
                "zh",
                "请选择列表中的角色，以及示范人员或部门。",
            ),
            ({"role": "recorder", "department": "nowhere"}, "en", "Choose a role from the list"),
            ({"role": "supervisor"}, "zh", "请选择列表中的角色"),
        ],
    )
    def test_a_choice_not_offered_is_said_in_the_page_language(self, loopback, fields, lang, said):
        token = csrf_of(loopback.get(f"/signin?lang={lang}").text)
        res = loopback.post("/signin", data={"csrf_token": token, **fields})
        assert res.status_code == 422
        assert said in res.text.split('role="alert"', 1)[1]


class TestLinks:
    def test_the_roles_links_flat_and_in_a_menu_with_the_page_marked(self, loopback):
        _sign_in(loopback, "citizen", person="0")
        html = loopback.get("/me/queries?lang=zh").text
        header = html.split("<main", 1)[0]
        wide, menu = header.split('<nav class="wide"', 1)[1].split("<details", 1)
        for part in (wide, menu):
            assert '<a href="/me/report">信用报告</a>' in part
            assert '<a href="/me/queries" aria-current="page">查询记录</a>' in part
        assert "<summary>菜单</summary>" in menu

    def test_nobody_signed_in_sees_the_public_links_and_sign_in(self, loopback):
        header = loopback.get("/?lang=en").text.split("<main", 1)[0]
        assert '<a href="/checkpoint">Log checkpoint</a>' in header
        assert '<a href="/signin">Sign in</a>' in header
        assert "/me/report" not in header


class TestLanguageLink:
    def test_it_keeps_the_query_and_replaces_the_language(self, loopback):
        loopback.cookies.set(LANG_COOKIE, "zh")
        html = loopback.get("/lists/black?domain=tax&lang=zh").text
        assert 'class="lang" href="/lists/black?domain=tax&amp;lang=en"' in html
        plain = loopback.get("/announcements").text
        assert 'class="lang" href="/announcements?lang=en"' in plain
