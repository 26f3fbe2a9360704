"""Issue 18 in Debian's Chromium: the recorder's form keeps what was typed after a refusal
(the code only in the form body, never in a URL, the server's log or its database file),
then the entry is amended and withdrawn through its confirmation step; an auditor's flag
has no reason preselected and asks first. Every page is screenshotted, checked for
accessibility, and must raise no Content-Security-Policy violation."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

from core.clock import clock
from core.demo.dataset import DEPARTMENTS
from tests.browser.conftest import A11y
from tests.browser.steps import Tab
from tests.factories import make_code
from tests.support.server import run_credence, serving

RECORDER_DEPARTMENT = DEPARTMENTS["tax"]
NAME = "上官明月"
FACTS = "逾期未申报个人所得税且经责令仍不改正"
NEW_FACTS = "逾期未申报个人所得税且经两次责令仍不改正"
SUMMARY = "逾期未申报个人所得税"


def _stored(data: Path) -> bytes:
    """Every byte of the server's SQLite files (the database and its write-ahead log)."""
    main = data / "credence.db"
    return b"".join(p.read_bytes() for p in (main, Path(f"{main}-wal")) if p.exists())


def test_the_recorder_form_keeps_what_was_typed_and_no_code_leaks(
    tmp_path_factory, browser, a11y: A11y
):
    data = tmp_path_factory.mktemp("recorder-demo")
    run_credence(data, "demo")
    code = make_code(600 + secrets.randbelow(99))
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with serving(data) as (base, output):
        tab = Tab(browser, base, a11y)
        page = tab.page
        tab.sign_in_staff("recorder", RECORDER_DEPARTMENT)
        page.wait_for_url(base + "/recorder")

        today = clock.today()
        decided = (today - timedelta(days=10)).isoformat()
        valid = (today + timedelta(days=700)).isoformat()
        typed = {
            "#external_id": f"WEB-{secrets.token_hex(4)}",
            "#subject_code": bad,
            "#subject_name": NAME,
            "#facts": FACTS,
            "#public_summary": SUMMARY,
            "#legal_basis": "《个人所得税法》第十三条",
            "#decided_on": decided,
            "#valid_until": valid,
        }
        for selector, value in typed.items():
            page.fill(selector, value)
        page.select_option("#list_kind", "watch")
        page.select_option("#domain", "tax")
        page.select_option("#severity", "general")
        page.click("#add-entry button[type=submit]")
        page.wait_for_load_state()

        # Refused on its check character, in Chinese; everything typed is still there.
        assert page.url == base + "/recorder/entries"
        assert "校验位" in page.locator("#field-errors").inner_text()
        for selector, value in typed.items():
            assert page.input_value(selector) == value, selector
        assert page.input_value("#list_kind") == "watch"
        assert page.input_value("#severity") == "general"
        tab.check("recorder-refused-kept")

        page.fill("#subject_code", code)
        page.click("#add-entry button[type=submit]")
        page.wait_for_url(re.compile(r".*/recorder/entries/[0-9a-f-]{36}\?created=1$"))
        assert code not in page.url
        entry_url = page.url.split("?")[0]
        assert page.locator("#created").count() == 1
        assert "（含当日）" in page.locator("dl.created-entry").inner_text()
        tab.check("recorder-created-entry")

        # Amend the facts: the history says who (by role) and what changed, in CST.
        page.click("#amend-link")
        page.wait_for_url(entry_url + "/amend")
        assert page.input_value("#facts") == FACTS
        tab.check("recorder-amend-form")
        page.fill("#facts", NEW_FACTS)
        page.click("#amend-entry button[type=submit]")
        page.wait_for_url(entry_url + "?amended=1")
        assert NEW_FACTS in page.locator("dd.entry-facts").inner_text()
        corrected = page.locator("tr[data-event='corrected']")
        assert corrected.count() == 1
        assert "认定部门录入员" in corrected.inner_text()
        assert "北京时间" in corrected.inner_text()
        tab.check("recorder-amended")

        # Withdraw: the form, then the confirmation step, and only then the withdrawal.
        page.click("#withdraw-link")
        page.wait_for_url(entry_url + "/withdraw")
        page.fill("#withdraw-reason", "认定依据已被撤销")
        page.click("#withdraw-entry button[type=submit]")
        page.wait_for_load_state()
        assert page.url == entry_url + "/withdraw"
        assert page.locator("main .confirm").count() == 1
        tab.check("recorder-withdraw-confirm")
        page.click("main form button.danger")
        page.wait_for_url(entry_url + "?withdrawn=1")
        assert page.locator("dd.state").get_attribute("data-state") == "exited"
        tab.check("recorder-withdrawn")

        # The list finds it by its reference, and the search by code posts the code.
        tab.go("/recorder/entries")
        page.fill("#search-code", code)
        page.click("#code-search button[type=submit]")
        page.wait_for_url(base + "/recorder/entries/search")
        assert page.locator("table.recorder-entries tbody tr").count() == 1
        tab.check("recorder-search-by-code")
        tab.sign_out()
        page.close()
    log = "".join(output)
    stored = _stored(data)
    assert stored
    for secret in (code, bad, NAME, FACTS, NEW_FACTS):
        assert secret not in log, secret
        assert secret.encode() not in stored, secret


def test_an_auditors_flag_has_no_reason_preselected_and_asks_first(live, browser, a11y: A11y):
    base, _data = live
    tab = Tab(browser, base, a11y)
    page = tab.page
    tab.sign_in_staff("auditor")
    page.wait_for_url(base + "/audit/queries")
    row = page.locator("table.querylog tbody tr").first
    index = row.get_attribute("data-index")
    select = row.locator("select")
    assert select.input_value() == ""
    # Submitting without a reason is stopped in the browser: nothing is posted.
    row.locator("form button[type=submit]").click()
    assert page.url == base + "/audit/queries"
    assert select.evaluate("s => s.validity.valueMissing") is True

    select.select_option("purpose_mismatch")
    row.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/audit/queries/{index}/flags")
    assert page.locator("main .confirm").count() == 1
    assert "目的不符" in page.locator("main .confirm").inner_text()
    tab.check("audit-flag-confirm")
    page.click("main form button.danger")
    page.wait_for_url(re.compile(rf".*/audit/queries#q-{index}$"))
    flags = page.locator(f"#q-{index} td.flags-cell")
    assert flags.locator("[data-reason='purpose_mismatch']").count() == 1
    assert "北京时间" in flags.inner_text()
    tab.check("audit-flagged-after-confirm")
    tab.sign_out()
    page.close()
