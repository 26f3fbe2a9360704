"""In Debian's Chromium, on a phone (390×844) and in Chinese, against a live demo server: the
consent hand-off as a new user does it. A citizen signs in, grants the demo bank access by
picking it from the list of registered agencies, reads the short authorization code and
sends the grant to the bank's inbox; the bank, over the API, finds the grant in its list
(the subject masked, no code) and queries the record with the code; the citizen then sees
that query, by the bank's Chinese name and a labelled Beijing time, in 查询记录. Every page
is screenshotted, checked with axe-core, raises no CSP violation and fits the phone.

The server is this module's own: the grant, its delivery and the query are written there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.demo.directory import DEMO_ORGANISATIONS
from core.demo.people import demo_people
from tests.browser import steps
from tests.browser.conftest import A11y, demo_server
from tests.factories import bearer
from tests.support.server import run_credence

PEOPLE = demo_people(50)
# The demo's bank holds grants of the first twelve demo people: this one has none yet.
PERSON = 20
BANK = "demo-bank"
BANK_ZH = DEMO_ORGANISATIONS[BANK][1]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def own_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A live `credence serve` over a fresh demo data set, for this module alone."""
    yield from demo_server(tmp_path_factory, "handoff-demo")


class Tab(steps.Tab):
    """A tab whose checked pages must also fit the phone and hold no traceback."""

    def check(self, name: str) -> None:
        """Screenshot, accessibility, CSP, no traceback, nothing wider than the screen."""
        super().check(name)
        assert "Traceback" not in self.page.content()
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)


def _bank_token(data: Path) -> str:
    token = run_credence(data, "dev-token", "--role", "agency", "--agency", BANK).stdout
    return token.strip()


def test_a_citizen_hands_a_bank_a_code_and_sees_its_query(own_live, browser, a11y: A11y):
    base, data = own_live
    person = PEOPLE[PERSON]
    tab = Tab(browser, base, a11y)
    page = tab.page
    page.set_viewport_size(PHONE)
    try:
        tab.go("/?lang=zh")
        tab.sign_in_citizen(PERSON)

        # The grant: the bank picked from the registered agencies, by its Chinese name.
        tab.go("/me/authorizations")
        offered = page.locator("#f-agency option").all_inner_texts()
        assert BANK_ZH in offered
        assert BANK not in offered
        tab.check("handoff-authorizations")
        page.select_option("#f-agency", label=BANK_ZH)
        page.select_option("#f-purpose", "credit_loan")
        page.click("#grant-form button[type=submit]")
        page.wait_for_selector("#authorization-code")
        code = page.locator("#authorization-code").inner_text()
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
        assert code not in page.url
        assert page.locator("#grant-agency").inner_text() == BANK_ZH
        assert "（含当日）" in page.locator("#grant-facts").inner_text()
        tab.check("handoff-code")

        # Sent to the bank's inbox as well.
        page.click("#deliver-form button[type=submit]")
        page.wait_for_url(base + "/me/authorizations?done=delivered")
        assert "授权已发送至机构收件箱" in page.locator("p.me-done").inner_text()
        row = page.locator(f"#authorizations tbody tr[data-agency={BANK}]")
        assert row.count() == 1
        assert row.locator("td.auth-agency").inner_text() == BANK_ZH
        assert "已发送至机构收件箱" in row.inner_text()
        assert code not in page.content()  # shown once, on the grant's own answer
        tab.check("handoff-delivered")

        # The bank finds the grant in its list, then queries the record with the code.
        bank = bearer(_bank_token(data))
        with httpx.Client(base_url=base) as api:
            held = api.get("/api/v1/agency/authorizations", headers=bank)
            assert held.status_code == 200
            mine = [h for h in held.json()["items"] if h["subject"].endswith(person.code[-2:])]
            assert [h["state"] for h in mine] == ["active"]
            assert person.code not in held.text
            assert code not in held.text
            answer = api.post(
                "/api/v1/queries",
                headers=bank,
                json={
                    "subject_code": person.code,
                    "purpose": "credit_loan",
                    "authorization_code": code,
                },
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["receipt"]["private"]["authorization_id"] == mine[0]["id"]

        # The citizen sees the bank's query by its Chinese name in 查询记录.
        tab.go("/me/authorizations")
        nav = page.locator("a[href='/me/queries']", has_text="查询记录")
        assert nav.count() >= 1
        tab.go("/me/queries")
        queried = page.locator("article.entry", has=page.locator("h2", has_text=BANK_ZH))
        assert queried.count() == 1
        text = queried.inner_text()
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间", text)
        assert "信贷审批" in text
        assert "凭您的授权" in text
        assert BANK not in text
        assert not re.search(r"\d{2}:\d{2}:\d{2}", text)
        tab.check("handoff-queries")
        assert person.code not in page.url
        page.set_viewport_size({"width": 1280, "height": 900})
        tab.sign_out()
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "/?lang=zh")
        page.close()
