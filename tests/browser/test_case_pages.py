"""In Debian's Chromium against a live demo server, in Chinese: a citizen's objection is
refused for a file of the wrong type and the form keeps the reasons typed; filed with a PDF,
its history names who did what, in China Standard Time. The entry's department finds the
case by its reference, reads the entry objected to, accepts, and upholds it as erroneous
only after a confirmation page that says what will happen (cancelled once, then confirmed);
the citizen then reads the written apology, and the public black list no longer shows the
entry. Every page is screenshotted, checked with axe-core and must raise no CSP violation.

The server is this module's own: erasing an entry changes the demo for every later test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import clock
from core.demo.dataset import DEPARTMENTS, demo_plan
from core.demo.people import demo_people
from tests.browser.conftest import A11y, demo_server
from tests.browser.steps import Tab

PEOPLE = demo_people(50)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REASONS = "该笔税款已于2026年3月1日全额缴清，完税证明编号QX-7781，记录有误。"
APOLOGY = "经复核，该条目属错误认定，已予永久删除。由此给您带来的困扰，我们深表歉意。"


def _objector() -> tuple[int, str]:
    """(index, department) of a demo person with a black entry displayed for a while yet."""
    today = clock.today()
    for person, domain, payload in demo_plan(PEOPLE, today):
        index = PEOPLE.index(person)
        if (
            index not in (0, 3)
            and payload.list_kind == "black"
            and payload.severity != "minor"
            and payload.decided_on <= today - timedelta(days=25)
            and payload.display_until is not None
            and payload.display_until > today + timedelta(days=2)
        ):
            return index, DEPARTMENTS[domain]
    raise AssertionError("the demo plan has no displayed black entry")


@pytest.fixture(scope="module")
def own_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A live `credence serve` over a fresh demo data set, for this module alone."""
    yield from demo_server(tmp_path_factory, "case-pages-demo")


def test_objection_kept_after_a_refusal_and_erased_only_once_confirmed(
    own_live, browser, a11y: A11y
):
    base, _data = own_live
    index, department = _objector()
    tab = Tab(browser, base, a11y)
    page = tab.page
    try:
        tab.go("/?lang=zh")  # the browser profile is shared: start (and end) in Chinese
        tab.sign_in_citizen(index)
        black = page.locator("article.entry", has=page.locator("h2", has_text="黑名单"))
        entry = black.first
        ref = entry.locator("code").first.inner_text()
        assert ref in tab.black_refs()
        tab.go("/me")
        page.locator("article.entry", has=page.locator("code", has_text=ref)).locator(
            "a.button"
        ).click()
        page.wait_for_url(re.compile(re.escape(base) + r"/me/objections/new\?entry=[0-9a-f-]{36}$"))

        # A file of the wrong type: refused in Chinese, the reasons kept, nothing filed.
        page.fill("#reasons", REASONS)
        page.set_input_files(
            "#files", files=[{"name": "说明.txt", "mimeType": "text/plain", "buffer": b"text"}]
        )
        page.click("#objection-form button[type=submit]")
        page.wait_for_load_state()
        alert = page.locator("#form-error").inner_text()
        assert "证明文件" in alert
        assert "重新选择" in page.locator("#files-again").inner_text()
        assert page.locator("#reasons").input_value() == REASONS
        assert PEOPLE[index].code not in page.url
        assert "reasons" not in page.url
        tab.check("objection-form-refused")

        # … then filed with a PDF: the history says who, in China Standard Time.
        page.set_input_files(
            "#files",
            files=[{"name": "完税证明.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.click("#objection-form button[type=submit]")
        page.wait_for_url(re.compile(re.escape(base) + r"/me/objections/[0-9a-f-]{36}$"))
        case_path = page.url.removeprefix(base)
        case_id = case_path.rsplit("/", 1)[1]
        assert page.locator("dd.status").inner_text().startswith("已提出")
        history = page.locator("ol.history").inner_text()
        assert "您本人 · 提出异议" in history
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间", history)
        tab.check("objection-filed")
        tab.sign_out()

        # The department finds it by the entry's reference and reads the entry.
        tab.sign_in_staff("objection_officer", department)
        page.wait_for_url(base + "/officer/objections")
        page.fill("#filter-q", ref)
        page.click("#case-filters button[type=submit]")
        page.wait_for_load_state()
        assert f"q={ref}" in page.url
        rows = page.locator("tbody tr[data-objection]")
        assert rows.count() == 1
        assert rows.first.get_attribute("data-objection") == case_id
        tab.check("officer-worklist-search")
        rows.first.locator("a").click()
        page.wait_for_url(f"{base}/officer/objections/{case_id}")
        assert page.locator("#entry-facts").inner_text().strip()
        assert ref in page.locator("#entry").locator("xpath=following-sibling::dl[1]").inner_text()
        tab.check("officer-case-entry")
        page.select_option("#decision", "accept")
        page.click("#decision-form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("dd.status").get_attribute("data-status") == "accepted"

        # Upholding as erroneous asks first; cancelling changes nothing.
        def ask() -> None:
            page.select_option("#decision", "uphold")
            page.check("#erroneous")
            page.fill("#reasons", "认定对象有误。")
            page.fill("#apology", APOLOGY)
            page.click("#decision-form button[type=submit]")
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == "确认：认定错误并永久删除条目"
            assert "永久删除，无法恢复" in page.locator(".confirm").inner_text()
            assert APOLOGY in page.locator(".confirm").inner_text()

        ask()
        tab.check("officer-confirm-erase")
        page.click("main a.button.secondary")
        page.wait_for_url(f"{base}/officer/objections/{case_id}")
        assert page.locator("dd.status").get_attribute("data-status") == "accepted"
        assert page.locator("dd.entry-state").get_attribute("data-state") == "displayed"
        ask()
        page.click("main form button.danger")
        page.wait_for_url(f"{base}/officer/objections/{case_id}")
        assert page.locator("dd.status").get_attribute("data-status") == "upheld"
        assert page.locator("#entry-erased").count() == 1
        tab.check("officer-case-erased")
        tab.sign_out()

        # The citizen reads the apology itself; the public list no longer shows the entry.
        tab.sign_in_citizen(index)
        tab.go(case_path)
        assert page.locator("#apology-text").inner_text() == APOLOGY
        assert "已发出书面致歉" in page.locator("ol.history").inner_text()
        tab.check("objection-apology")
        tab.sign_out()
        assert ref not in tab.black_refs()
    finally:
        page.goto(base + "/?lang=zh")
        page.close()
