"""In Debian's Chromium against a live demo server: a citizen grants an authorization to an
agency picked from the list, reads its code, and revokes it after confirming; freezes
(after confirming) and unfreezes their record, sets a statement and sees it on their
record, and is not offered a repair whose entry is not yet eligible, only the date it will
be; the demo's eligible entry is then repaired by volunteering with a PDF, and the case
page shows its clocks, history and evidence. Every main page is screenshotted, checked
with axe-core, must raise no Content-Security-Policy violation, and fits a phone.

The server is this module's own (the demo, served as `live` serves it): the demo has one
entry eligible for repair and one open application per entry is allowed, so sharing the
session's server would make other tests that file for it depend on the order they run in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.clock import clock
from core.demo.dataset import DEMO_ORGANISATION, DEPARTMENTS, demo_plan
from core.demo.issuers import issue
from core.demo.people import demo_people
from core.entries.display import display_bounds
from tests.browser import steps
from tests.browser.conftest import A11y, demo_server, dump

PEOPLE = demo_people(50)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REPAIRER = 3  # the demo's volunteering-repairable black entry (DEMO-R001) is theirs
STATEMENT = "该事项已整改完毕，欠薪已全部补发。"
CERTIFICATE = "VC-DEMO-2026-0042"


def _not_yet_eligible() -> tuple[int, str, date]:
    """(index, department, eligible-from) of a demo person whose displayed, repairable black
    entry is still inside its minimum display period."""
    today = clock.today()
    for person, domain, payload in demo_plan(PEOPLE, today):
        index = PEOPLE.index(person)
        bounds = display_bounds(payload.list_kind, payload.severity, payload.decided_on)
        if (
            index not in (0, REPAIRER)
            and payload.list_kind == "black"
            and payload.repairable
            and bounds is not None
            and payload.display_until is not None
            and payload.display_until > today + timedelta(days=2)
            and bounds[0] > today + timedelta(days=2)
        ):
            return index, DEPARTMENTS[domain], bounds[0]
    raise AssertionError("the demo plan has no repairable entry that is not yet eligible")


@pytest.fixture(scope="module")
def own_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A live `credence serve` over a fresh demo data set, for this module alone."""
    yield from demo_server(tmp_path_factory, "selfservice-demo")


class Tab(steps.Tab):
    """A tab whose checked pages must also hold no traceback."""

    def check(self, name: str) -> None:
        """Screenshot, accessibility, CSP, and no traceback on the page now shown."""
        super().check(name)
        assert "Traceback" not in self.page.content()

    def no_personal_data_in_url(self, person: int) -> None:
        """Neither the code nor the name of the person is in the address bar."""
        url = self.page.url
        assert PEOPLE[person].code not in url
        assert PEOPLE[person].name not in url


def test_citizen_self_service(own_live, browser, a11y: A11y):
    base, _data = own_live
    index, _department, eligible_from = _not_yet_eligible()
    tab = Tab(browser, base, a11y)
    page = tab.page
    try:
        tab.go("/?lang=zh")  # the browser profile is shared: start (and end) in Chinese
        tab.sign_in_citizen(index)

        # Authorizations: grant one to an agency picked by name, read its code once, see it
        # active, revoke it (after confirming), see it revoked.
        tab.go("/me/authorizations")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        tab.check("me-authorizations")
        page.select_option("#f-agency", label="示范小额贷款公司")
        page.select_option("#f-purpose", "tenancy")
        page.check("#kind-watch")
        page.check("#domain-labour")
        page.fill("#f-max_uses", "3")
        page.click("#grant-form button[type=submit]")
        page.wait_for_selector("#authorization-code")
        assert "授权已授予" in page.locator("p.me-done").inner_text()
        assert re.fullmatch(r"\w{4}-\w{4}", page.locator("#authorization-code").inner_text())
        assert page.locator("#grant-agency").inner_text() == "示范小额贷款公司"
        tab.check("me-authorization-code")
        tab.go("/me/authorizations")
        row = page.locator("#authorizations tbody tr[data-agency=demo-lender]")
        assert row.count() == 1
        assert row.locator("td.auth-agency").inner_text() == "示范小额贷款公司"
        assert row.locator(".auth-state").inner_text() == "有效"
        assert "房屋租赁" in row.inner_text()
        assert "劳动保障" in row.inner_text()
        assert "北京时间" in row.inner_text()
        assert "（含当日）" in row.inner_text()
        tab.check("me-authorizations-granted")
        row.locator(".revoke-form button").click()
        page.wait_for_selector("form button.danger")
        assert "确认撤销授权" in page.locator("h1").inner_text()
        assert "示范小额贷款公司" in page.locator("main").inner_text()
        tab.check("me-authorization-revoke-confirm")
        page.click("form button.danger")
        page.wait_for_url(base + "/me/authorizations?done=revoked")
        row = page.locator("#authorizations tbody tr[data-agency=demo-lender]")
        assert row.locator(".auth-state").inner_text() == "已撤销"
        assert row.locator("button").count() == 0

        # Freeze (after confirming), see it frozen; unfreeze, see it open again.
        assert page.locator("#freeze-state").inner_text().startswith("未冻结")
        page.click("#freeze-form button[type=submit]")
        page.wait_for_selector("form button.danger")
        assert "确认冻结记录" in page.locator("h1").inner_text()
        tab.check("me-freeze-confirm")
        page.click("form button.danger")
        page.wait_for_url(base + "/me/authorizations?done=frozen")
        assert page.locator("#freeze-state").inner_text().startswith("已冻结")
        tab.check("me-authorizations-frozen")
        page.click("#freeze-form button[type=submit]")
        page.wait_for_url(base + "/me/authorizations?done=unfrozen")
        assert page.locator("#freeze-state").inner_text().startswith("未冻结")
        tab.no_personal_data_in_url(index)

        # A statement on an entry, shown on the record page.
        tab.go("/me")
        entry = page.locator("article.entry").first
        entry.locator("details.statement-edit summary").click()
        entry.locator("textarea").fill(STATEMENT)
        tab.check("me-record-statement-form")
        entry.locator("form.statement-form button[type=submit]").click()
        page.wait_for_url(re.compile(re.escape(base) + r"/me#entry-[0-9a-f-]{36}$"))
        entry = page.locator("article.entry").first
        assert entry.locator("dd.statement").inner_text() == STATEMENT
        tab.check("me-record-with-statement")

        # A repair that is not yet eligible: refused with the date, nothing filed.
        tab.go("/me/repairs")
        assert "尚无修复申请" in page.locator("main").inner_text()
        tab.check("me-repairs-empty")
        # Not offered before its day: listed with the day, without a link to the form.
        later = page.locator(".later-list li", has_text=eligible_from.isoformat())
        assert later.count() == 1
        assert f"可于{eligible_from.isoformat()}起申请" in later.inner_text()
        assert later.locator("a").count() == 0
        tab.go(f"/me/repairs/new?entry={later.get_attribute('data-entry')}")
        assert eligible_from.isoformat() in page.locator("#eligible-note").inner_text()
        assert page.locator("#repair-form").count() == 0
        tab.check("me-repair-form-not-yet")
        tab.go("/me/repairs")
        assert "尚无修复申请" in page.locator("main").inner_text()
        tab.sign_out()

        # The demo's eligible entry, repaired by volunteering with a signed certificate and a PDF.
        tab.sign_in_citizen(REPAIRER)
        tab.go("/me/repairs")
        apply = page.locator(".apply-list li")
        assert apply.count() == 1  # DEMO-R001; their other black entry's display is over
        apply.locator("a").click()
        assert page.locator("#eligible-note").count() == 0
        page.check("#way-volunteering")
        # The demo volunteer organisation's signed certificate (a DEMO key), pasted.
        certificate = issue(
            "volunteering",
            code=PEOPLE[REPAIRER].code,
            issued_at=clock.now(),
            credential_id=CERTIFICATE,
            hours=40,
        )
        page.fill("#credential", certificate)
        page.set_input_files(
            "#files",
            files=[{"name": "志愿服务证明.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.check("#signed")
        tab.check("me-repair-form")
        page.click("#repair-form button[type=submit]")
        page.wait_for_url(re.compile(re.escape(base) + r"/me/repairs/[0-9a-f-]{36}\?filed=1$"))
        assert "修复申请已提交" in page.locator("p.me-done").inner_text()
        assert page.locator("dd.status").inner_text().startswith("已提交")
        assert page.locator("table tbody tr").count() == 2  # acceptance and decision clocks
        assert DEMO_ORGANISATION.name in page.locator("main").inner_text()
        assert CERTIFICATE in page.locator("main").inner_text()
        assert "提交申请" in page.locator("ol.history").inner_text()
        with page.expect_download() as download:
            page.locator("a[download]").click()
        assert download.value.suggested_filename.endswith(".pdf")
        tab.check("me-repair-case")
        case_path = page.url.removeprefix(base).split("?")[0]
        tab.go("/me/repairs")
        listed = page.locator("#repairs tbody tr")
        assert listed.count() == 1
        assert "已提交" in listed.locator("td.status").inner_text()
        assert page.locator(".apply-list").count() == 0  # one open application per entry
        tab.check("me-repairs")
        tab.no_personal_data_in_url(REPAIRER)

        # English on request.
        tab.go("/me/repairs?lang=en")
        assert page.locator("h1").inner_text() == "My credit repair applications"
        assert "filed" in page.locator("#repairs td.status").inner_text()
        tab.check("me-repairs-en")
        tab.go(case_path)
        assert page.locator("dd.status").inner_text().startswith("filed")
        tab.check("me-repair-case-en")
        tab.go("/me/authorizations?lang=zh")

        # On a phone, nothing needs sideways scrolling.
        page.set_viewport_size({"width": 375, "height": 740})
        for path, name in (
            ("/me/authorizations", "phone-me-authorizations"),
            ("/me/repairs", "phone-me-repairs"),
            (case_path, "phone-me-repair-case"),
            ("/me", "phone-me-record"),
        ):
            tab.go(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
            tab.check(name)
        page.set_viewport_size({"width": 1280, "height": 900})
        tab.sign_out()
        dump("a11y-selfservice", {"engine": a11y.engine, "pages": tab.findings})
    finally:
        page.goto(base + "/?lang=zh")
        page.close()
