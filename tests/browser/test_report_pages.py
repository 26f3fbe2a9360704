"""In Debian's Chromium against the live demo server: a demo citizen signs in, opens their
personal credit report, prints it (the print stylesheet leaves navigation and buttons out),
downloads the PDF and the JSON export through the page's own links and finds in them what
the page shows — their masked identity, never their full name or credit code in the report
— in Chinese and English, accessible and within a phone's width."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from pypdf import PdfReader

from api.pages.i18n import translate
from core.demo.people import demo_people
from core.reports.policy import mask_code, masked_name
from tests.browser.conftest import A11y, shoot
from tests.browser.steps import sign_in_citizen, watch_csp

PEOPLE = demo_people(50)
# The person watched in three domains (and on one black list): every section has something.
INDEX = 0
REPORT_PDF = re.compile(r"credence-report-\d{4}-\d{2}-\d{2}\.pdf")
EXPORT_JSON = re.compile(r"credence-export-\d{4}-\d{2}-\d{2}\.json")


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _download(page, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_citizen_reads_prints_and_downloads_their_report(live, browser, a11y: A11y):
    base, _data = live
    person = PEOPLE[INDEX]
    others = [p for p in PEOPLE if p.code != person.code]
    page = browser.new_page()
    csp_errors = watch_csp(page)
    try:
        sign_in_citizen(page, base, INDEX, lang="zh")
        page.click("header nav a[href='/me/report']")
        page.wait_for_url(base + "/me/report")

        # The page: the masked identity, the counts, every entry; never the name or code.
        assert page.locator("h1").inner_text() == "个人信用报告"
        identity = page.locator("#report-identity").inner_text()
        assert identity == f"{masked_name(person.name)}，证件号码 {mask_code(person.code)}"
        count = int(page.locator("#report-entry-count").inner_text())
        assert count >= 1
        assert page.locator("article.report-entry").count() == count
        html = page.content()
        assert person.code not in _squeezed(html)
        assert person.name not in html
        assert person.code not in page.url
        # The print button is added by the static script (no inline script under the CSP).
        assert page.locator("#report-print").count() == 1
        shoot(page, "my-report-zh")
        assert a11y.serious(page) == []

        # Printing leaves the site's navigation, the downloads and every form out.
        page.emulate_media(media="print")
        assert not page.locator("header.site").is_visible()
        assert not page.locator(".report-actions").is_visible()
        assert page.locator("article.report-entry").first.is_visible()
        shoot(page, "my-report-print")
        page.emulate_media(media="screen")

        # The PDF, through the page's link.
        name, pdf = _download(page, "#report-pdf")
        assert REPORT_PDF.fullmatch(name), name
        assert pdf.startswith(b"%PDF-")
        text = _pdf_text(pdf)
        flat = _squeezed(text)
        assert "个人信用报告" in text
        assert _squeezed(identity) in flat
        assert _squeezed(person.name) not in flat
        assert f"名单条目{count}" in flat
        assert person.code not in flat
        assert person.code[:14] not in flat

        # The JSON export, through the page's link: all of theirs, none of anyone else's.
        name, raw = _download(page, "#report-json")
        assert EXPORT_JSON.fullmatch(name), name
        doc = json.loads(raw)
        assert doc["format"] == "credence-export/1"
        assert doc["subject"]["code"] == person.code
        assert len(doc["entries"]) == count
        assert {e["subject_name"] for e in doc["entries"]} == {person.name}
        assert {e["subject_code"] for e in doc["entries"]} == {person.code}
        exported = raw.decode()
        assert not [p.code for p in others if p.code in exported]
        for kind in {e["list_kind"] for e in doc["entries"]}:
            assert translate(f"kind.{kind}", "zh") in text, kind

        # English: the page, and the PDF its link now asks for.
        page.goto(base + "/me/report?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "Personal credit report"
        shoot(page, "my-report-en")
        assert a11y.serious(page) == []
        _name, pdf_en = _download(page, "#report-pdf")
        english = _pdf_text(pdf_en)
        assert "Personal credit report" in english
        assert f"Entries{count}" in _squeezed(english)
        assert person.code not in _squeezed(english)

        # A phone's width: nothing runs off the side.
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(base + "/me/report?lang=zh")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
        shoot(page, "phone-my-report")
        assert a11y.serious(page) == []
        assert csp_errors == []
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "/?lang=zh")  # leave the shared browser in its default language
        signout = page.locator("header button[type=submit]")
        if signout.count():
            signout.click()
            page.wait_for_url(base + "/")
        page.close()
