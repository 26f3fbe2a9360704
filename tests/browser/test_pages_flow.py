"""In Debian's Chromium against a live demo server: a citizen signs in through the
development page, sees their record, objects to a black entry with a PDF; an officer
of its department accepts and upholds it (erroneous); the public black list no longer
shows the entry. Every main page is screenshotted, checked for accessibility, and
must raise no Content-Security-Policy violation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import clock
from core.demo.dataset import DEPARTMENTS, demo_plan
from core.demo.people import demo_people
from tests.browser.conftest import A11y, dump, shoot
from tests.browser.steps import Tab

PEOPLE = demo_people(50)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _objector() -> tuple[int, str]:
    """(index, department) of a demo person with one black entry displayed now."""
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


def test_citizen_objects_officer_upholds_public_list_changes(live, browser, a11y: A11y):
    base, _data = live
    index, department = _objector()
    tab = Tab(browser, base, a11y)
    page = tab.page

    # Public pages, Chinese by default, English on request.
    tab.go("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    tab.check("home-zh")
    tab.go("/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    tab.check("home-en")
    tab.go("/lists/red")
    tab.check("list-red")
    tab.go("/announcements")
    tab.check("announcements")
    tab.go("/checkpoint")
    assert "credence" in page.locator("pre.note").first.inner_text().lower()
    tab.check("checkpoint")
    tab.go("/lookup")
    page.fill("#code", "110101199003074514")
    page.fill("#name", "王小明")
    page.click("main button[type=submit]")
    assert "/lookup" in page.url
    assert "110101" not in page.url
    tab.check("lookup-result")
    before = tab.black_refs()
    tab.check("list-black")

    # The citizen signs in through the development page (English stays remembered).
    tab.go("/signin")
    tab.check("signin")
    page.select_option("#person", str(index))
    page.click("#signin-citizen button[type=submit]")
    page.wait_for_url(base + "/me")
    tab.check("my-record")
    black = page.locator("article.entry", has=page.locator("h2", has_text="black"))
    assert black.count() >= 1
    entry = black.first
    ref = entry.locator("code").first.inner_text()
    assert ref in before
    assert entry.locator("dd.state").inner_text() == "Displayed"
    assert "credit" not in page.url
    tab.go("/me/queries")
    tab.check("my-queries")
    tab.go("/me/notifications")
    tab.check("my-notifications")

    # … files an objection with a PDF.
    tab.go("/me")
    page.locator("article.entry", has=page.locator("code", has_text=ref)).locator(
        "a.button"
    ).click()
    tab.check("objection-form")
    page.fill("#reasons", "This was never my company's tax matter.")
    page.set_input_files(
        "#files", files=[{"name": "evidence.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/me/objections/*")
    assert page.locator("dd.status").inner_text().startswith("filed")
    assert page.locator("a[download]").inner_text() == "evidence.pdf"
    tab.check("my-objection-case")
    tab.go("/me")
    assert (
        "Under objection"
        in page.locator("article.entry", has=page.locator("code", has_text=ref)).inner_text()
    )
    tab.go("/me/objections")
    tab.check("my-objections")
    tab.sign_out()

    # An officer of the entry's department accepts, then upholds it as erroneous.
    tab.sign_in_staff("objection_officer", department)
    page.wait_for_url(base + "/officer/objections")
    tab.check("officer-worklist")
    page.locator("tbody tr", has=page.locator("td.status", has_text="filed")).first.locator(
        "a"
    ).click()
    tab.check("officer-case-filed")
    with page.expect_download() as download:
        page.locator("a[download]").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.select_option("#decision", "accept")
    page.click("main form button[type=submit]")
    assert page.locator("dd.status").inner_text().startswith("accepted")
    page.select_option("#decision", "uphold")
    page.check("#erroneous")
    page.fill("#reasons", "Recorded against the wrong person.")
    tab.check("officer-case-accepted")
    page.click("main form button[type=submit]")
    # Erasing cannot be undone: the officer confirms first.
    page.click("main form button.danger")
    assert page.locator("dd.status").inner_text().startswith("upheld")
    tab.check("officer-case-upheld")
    tab.sign_out()

    # The public black list no longer shows the entry.
    assert ref not in tab.black_refs()
    dump("a11y-findings", {"engine": a11y.engine, "pages": tab.findings})


def test_pages_work_on_a_phone(live, browser, a11y: A11y):
    base, _data = live
    page = browser.new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    try:
        for path, name in (
            ("/", "phone-home"),
            ("/lists/black", "phone-black"),
            ("/signin", "phone-signin"),
        ):
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
            shoot(page, name)
            assert a11y.serious(page) == []
    finally:
        page.close()


@pytest.mark.parametrize("path", ["/me", "/officer/objections"])
def test_signed_out_pages_ask_to_sign_in(live, browser, path):
    base, _data = live
    page = browser.new_page()
    try:
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 401
        assert page.locator("main a[href='/signin']").count() == 1
    finally:
        page.close()
