"""In Debian's Chromium against the live demo server: a demo citizen downloads their issued
report; the QR code on the page and the one in the PDF both hold the verification address
printed beside them (regenerated from that address and compared, module for module); signed
out, anyone opening that address sees the report verified in Chinese — number and generation
time, nothing of the report or its person — and in English; a tampered code is "not
verified"; every page accessible, within a phone's width, with no CSP violation."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader

from api.reports import qr
from core.demo.people import demo_people
from core.reports.policy import mask_code, masked_name
from tests.browser.conftest import A11y, shoot
from tests.browser.steps import sign_in_citizen, watch_csp

PEOPLE = demo_people(50)
INDEX = 0
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")
NUMBER = re.compile(r"CR\d{18}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间")


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _pdf(page) -> bytes:
    with page.expect_download() as info:
        page.click("#report-pdf")
    return Path(info.value.path()).read_bytes()


def _qr_modules(content: bytes) -> list[list[bool]]:
    """The QR image on the PDF's first page, one sample at the centre of each module."""
    (image,) = PdfReader(io.BytesIO(content)).pages[0].images
    grey = image.image.convert("L")
    size, half = grey.width // qr.PNG_SCALE, qr.PNG_SCALE // 2
    return [
        [
            grey.getpixel((x * qr.PNG_SCALE + half, y * qr.PNG_SCALE + half)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def _sign_out(page, base: str) -> None:
    signout = page.locator("header button[type=submit]")
    if signout.count():
        signout.click()
        page.wait_for_url(base + "/")


def test_the_reports_qr_code_opens_its_verified_page(live, browser, a11y: A11y):
    base, _data = live
    person = PEOPLE[INDEX]
    page = browser.new_page()
    csp_errors = watch_csp(page)
    try:
        sign_in_citizen(page, base, INDEX, lang="zh")
        page.goto(base + "/me/report?lang=zh")

        # The page's QR code holds exactly the address printed beside it.
        url = page.locator("#report-verify-url").get_attribute("href")
        assert url is not None
        assert url == page.locator("#report-verify-url").inner_text()
        assert url.startswith(base + "/verify/report/")
        assert page.locator("#report-qr").get_attribute("src") == qr.svg_data_uri(url)
        assert page.locator("#report-qr").evaluate("img => img.naturalWidth") > 0
        assert page.locator("#report-notes li").count() == 5
        shoot(page, "my-report-issued-zh")
        assert a11y.serious(page) == []

        # The PDF's QR code holds the address of the code printed on it.
        pdf = _pdf(page)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        (code,) = set(CODE.findall(_squeezed(text)))
        (number,) = set(NUMBER.findall(_squeezed(text)))
        pdf_url = qr.verify_url(base, code)
        assert _squeezed(pdf_url) in _squeezed(text)
        assert _qr_modules(pdf) == qr.modules(pdf_url)
        assert pdf_url != url  # each download is a report of its own

        # Signed out, as anyone the citizen shows the paper to: verified, in Chinese.
        _sign_out(page, base)
        response = page.goto(pdf_url)
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        result = page.locator("#check-result")
        assert result.get_attribute("data-verified") == "yes"
        assert page.locator("#check-verdict").inner_text() == "已核验"
        assert page.locator("#check-number").inner_text() == number
        assert TIME.fullmatch(page.locator("#check-generated").inner_text())
        body = page.content()
        for value in (person.name, masked_name(person.name), person.code, mask_code(person.code)):
            assert value not in body
        # The jargon waits behind "how this works".
        assert not page.locator("#check-statement").is_visible()
        page.click("#check-how summary")
        assert page.locator("#check-statement").is_visible()
        assert number in page.locator("#check-statement").inner_text()
        shoot(page, "report-verified-zh")
        assert a11y.serious(page) == []

        # In English.
        page.goto(pdf_url + "?lang=en")
        assert page.locator("#check-verdict").inner_text() == "Verified"
        assert page.locator("#check-generated").inner_text().endswith(" CST")
        shoot(page, "report-verified-en")
        assert a11y.serious(page) == []

        # A tampered code: not verified, the form offered again, in the page's language.
        tampered = pdf_url[:-1] + ("Z" if pdf_url[-1] != "Z" else "Y")
        response = page.goto(tampered + "?lang=zh")
        assert response is not None
        assert response.status == 404
        assert page.locator("#check-result").get_attribute("data-verified") == "no"
        assert page.locator("#check-verdict").inner_text() == "未通过核验"
        assert NUMBER.search(page.content()) is None
        shoot(page, "report-not-verified-zh")
        assert a11y.serious(page) == []

        # Typing the code into the form, lower case without dashes, verifies it too.
        page.fill("#check-code", code.replace("-", "").lower())
        page.click("form.check-form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#check-result").get_attribute("data-verified") == "yes"

        # A phone's width: nothing runs off the side.
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(pdf_url + "?lang=zh")
        page.click("#check-how summary")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
        shoot(page, "phone-report-verified")
        assert a11y.serious(page) == []
        assert csp_errors == []
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "/?lang=zh")  # leave the shared browser in its default language
        _sign_out(page, base)
        page.close()
