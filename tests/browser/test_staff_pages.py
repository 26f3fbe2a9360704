"""Staff pages in Debian's Chromium against the live demo server: a repair officer decides
the demo's repairable black entry (accept, approve) and it leaves the public black list for
the watch list; a recorder adds an entry through the form and uploads a CSV batch; an
auditor filters the query log and flags a query. Every main page is screenshotted, checked
for accessibility, and must raise no Content-Security-Policy violation."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import httpx

from core.clock import CST, clock
from core.demo.dataset import DEPARTMENTS, demo_plan
from core.demo.people import demo_people
from tests.browser.conftest import A11y
from tests.browser.steps import Tab
from tests.factories import make_code, make_csv
from tests.support.server import run_credence

PEOPLE = demo_people(50)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REPAIRABLE = "DEMO-R001"
COMMITMENT = "本人承诺今后按时足额支付工资，如有违反愿承担相应责任。"
RECORDER_DEPARTMENT = DEPARTMENTS["tax"]


def _repairable() -> tuple[str, str]:
    """(code, department) of the demo's repairable black entry (§8)."""
    for person, domain, payload in demo_plan(PEOPLE, clock.today()):
        if payload.external_id == REPAIRABLE:
            return person.code, DEPARTMENTS[domain]
    raise AssertionError("the demo plan has no repairable entry")


class Citizen:
    """The repairable entry's subject, through the HTTP API with a development token."""

    def __init__(self, base: str, data: Path, code: str) -> None:
        token = run_credence(data, "dev-token", "--role", "citizen", "--code", code).stdout
        self.client = httpx.Client(
            base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token.strip()}"}
        )

    def __enter__(self) -> Citizen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def entries(self) -> list[dict]:
        res = self.client.get("/me/record")
        assert res.status_code == 200, res.text
        return list(res.json()["entries"])

    def entry(self, external_id: str) -> dict:
        (found,) = [e for e in self.entries() if e["external_id"] == external_id]
        return found

    def open_case(self, entry_id: str) -> tuple[str, bool]:
        """An open repair case of the entry: an existing one, or one filed now with a PDF."""
        res = self.client.get("/me/repairs", params={"limit": 100})
        assert res.status_code == 200, res.text
        for case in res.json()["items"]:
            if case["entry_id"] == entry_id and case["status"] in ("filed", "accepted"):
                return str(case["id"]), False
        filed = self.client.post(
            "/me/repairs",
            data={"entry_id": entry_id, "way": "commitment", "commitment": COMMITMENT},
            files=[("files", ("履约证明.pdf", PDF, "application/pdf"))],
        )
        assert filed.status_code == 201, filed.text
        return str(filed.json()["id"]), True


def test_repair_officer_accepts_and_approves_and_the_entry_leaves_the_black_list(
    live, browser, a11y: A11y
):
    base, data = live
    code, department = _repairable()
    with Citizen(base, data, code) as citizen:
        entry = citizen.entry(REPAIRABLE)
        assert entry["list_kind"] == "black"
        assert entry["state"] == "displayed", "the demo's repairable entry is not displayed"
        case_id, with_file = citizen.open_case(entry["id"])
        ref = entry["public_ref"]
        tab = Tab(browser, base, a11y)
        page = tab.page
        assert ref in tab.black_refs(department)
        tab.check("list-black-filtered")

        tab.sign_in_staff("repair_officer", department)
        page.wait_for_url(base + "/officer/repairs")
        tab.check("repair-worklist")
        row = page.locator(f"tr[data-repair='{case_id}']")
        assert row.count() == 1
        assert row.locator("td.days-left").inner_text().strip().isdigit()
        assert ref in row.inner_text()
        assert code not in page.content()
        row.locator("a").click()
        page.wait_for_url(f"{base}/officer/repairs/{case_id}")
        assert code not in page.url
        assert page.locator("dd.entry-state").get_attribute("data-state") == "displayed"
        if with_file:
            with page.expect_download() as download:
                page.locator("a[download]").first.click()
            assert download.value.suggested_filename.endswith(".pdf")
        if page.locator("dd.status").get_attribute("data-status") == "filed":
            tab.check("repair-case-filed")
            page.select_option("#decision", "accept")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
        assert page.locator("dd.status").get_attribute("data-status") == "accepted"
        page.select_option("#decision", "approve")
        tab.check("repair-case-accepted")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        # Approving cannot be undone: the officer confirms first.
        tab.check("repair-approve-confirm")
        page.click("main form button.danger")
        page.wait_for_load_state()
        assert page.locator("dd.status").get_attribute("data-status") == "approved"
        assert page.locator("dd.entry-state").get_attribute("data-state") == "exited"
        tab.check("repair-case-approved")
        tab.sign_out()

        # The entry left the public black list at once, and its subject is now on watch.
        assert ref not in tab.black_refs(department)
        assert citizen.entry(REPAIRABLE)["state"] == "exited"
        watch = citizen.entry(f"{REPAIRABLE}:watch")
        assert watch["list_kind"] == "watch"
        assert watch["state"] == "displayed"
        page.close()


def _row(external_id: str, code: str, decided: str, valid: str) -> dict[str, str]:
    return {
        "external_id": external_id,
        "subject_code": code,
        "subject_name": "司马小青",
        "list_kind": "black",
        "domain": "tax",
        "severity": "general",
        "facts": "逾期未申报个人所得税",
        "public_summary": "逾期未申报",
        "legal_basis": "《税收征收管理法》第六十二条",
        "decided_on": decided,
        "display_until": "",
        "valid_until": valid,
        "repairable": "true",
        "repair_ways": "performance;commitment",
    }


def test_recorder_adds_an_entry_and_uploads_a_batch(live, browser, a11y: A11y):
    base, _data = live
    tab = Tab(browser, base, a11y)
    page = tab.page
    tab.sign_in_staff("recorder", RECORDER_DEPARTMENT)
    page.wait_for_url(base + "/recorder")
    tab.check("recorder-form")

    today = clock.today()
    decided = (today - timedelta(days=10)).isoformat()
    valid = (today + timedelta(days=700)).isoformat()
    external_id = f"WEB-{secrets.token_hex(4)}"
    code = make_code(900 + secrets.randbelow(99))
    page.fill("#external_id", external_id)
    page.fill("#subject_code", code)
    page.fill("#subject_name", "诸葛小明")
    page.select_option("#list_kind", "black")
    page.select_option("#domain", "tax")
    page.select_option("#severity", "general")
    page.fill("#facts", "逾期未缴纳税款并拒不改正")
    page.fill("#public_summary", "逾期未缴纳税款")
    page.fill("#legal_basis", "《税收征收管理法》第六十八条")
    page.fill("#decided_on", decided)
    page.fill("#valid_until", valid)
    page.check("#repairable")
    page.check("#way-commitment")
    page.click("#add-entry button[type=submit]")
    page.wait_for_url(re.compile(r".*/recorder/entries/[0-9a-f-]{36}\?created=1$"))
    assert code not in page.url
    assert code not in page.content()
    assert "诸葛小明" not in page.content()
    assert page.locator("#created").count() == 1
    assert page.locator("dd.state").get_attribute("data-state") == "pending_notice"
    assert len(page.locator("code.entry-id").inner_text()) == 36
    tab.check("recorder-created")

    tab.go("/recorder/batch")
    tab.check("recorder-batch-form")
    good = f"WEB-{secrets.token_hex(4)}"
    bad_code = make_code(900 + secrets.randbelow(99))
    rows = [
        _row(good, make_code(800 + secrets.randbelow(99)), decided, valid),
        _row(external_id, make_code(700 + secrets.randbelow(99)), decided, valid),
        _row(f"WEB-{secrets.token_hex(4)}", bad_code[:-1] + "Z", decided, valid),
    ]
    page.set_input_files(
        "#file", files=[{"name": "batch.csv", "mimeType": "text/csv", "buffer": make_csv(rows)}]
    )
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/recorder/batch")
    results = page.locator("table.batch-results tbody tr")
    # The second row reuses the first entry's external id with other content: a conflict.
    assert [results.nth(i).get_attribute("data-status") for i in range(3)] == [
        "created",
        "conflict",
        "invalid",
    ]
    assert [results.nth(i).locator("td").first.inner_text() for i in range(3)] == ["1", "2", "3"]
    assert good in results.nth(0).inner_text()
    assert results.nth(2).locator("[data-field='subject_code']").count() == 1
    html = page.content()
    for row in rows:
        assert row["subject_code"] not in html
        assert row["subject_code"][:-1] not in html
    assert "司马小青" not in html
    tab.check("recorder-batch-results")
    tab.sign_out()
    page.close()


def test_auditor_filters_the_query_log_and_flags_a_query(live, browser, a11y: A11y):
    base, _data = live
    tab = Tab(browser, base, a11y)
    page = tab.page
    tab.sign_in_staff("auditor")
    page.wait_for_url(base + "/audit/queries")
    assert page.locator("table.querylog tbody tr").count() > 0
    tab.check("audit-log")

    since = (clock.now().astimezone(CST) - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#agency", "demo-bank")
    page.fill("#since", since)
    page.select_option("#outcome", "answered")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_load_state()
    assert "agency=demo-bank" in page.url
    rows = page.locator("table.querylog tbody tr")
    assert rows.count() > 0
    assert {a.get_attribute("data-agency") for a in page.locator("td.agency").all()} == {
        "demo-bank"
    }
    outcomes = {rows.nth(i).locator("td.outcome").get_attribute("data-outcome") for i in range(3)}
    assert outcomes == {"answered"}
    tab.check("audit-log-filtered")

    target = rows.first
    index = target.get_attribute("data-index")
    assert target.locator("[data-reason='no_business_need']").count() == 0
    target.locator("select").select_option("no_business_need")
    target.locator("form button[type=submit]").click()
    # A flag asks first (issue 18): the confirmation page, then back to the list.
    page.wait_for_url(re.compile(r".*/audit/queries/\d+/flags$"))
    page.click("main form button.danger")
    page.wait_for_url(re.compile(r".*/audit/queries\?.*"))
    assert "agency=demo-bank" in page.url
    flagged = page.locator(f"#q-{index}")
    assert flagged.locator("[data-reason='no_business_need']").count() == 1
    assert flagged.locator("td.flags-cell [data-by='auditor']").count() == 1
    tab.check("audit-log-flagged")

    page.select_option("#flag", "no_business_need")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(f"#q-{index}").count() == 1

    page.locator(f"#q-{index} td a").first.click()
    page.wait_for_url(f"{base}/audit/queries/{index}")
    assert page.locator("dd.tree-size").inner_text().strip().isdigit()
    assert "credence" in page.locator("pre.note").inner_text().lower()
    tab.check("audit-proof")
    tab.sign_out()
    page.close()


def test_staff_pages_work_on_a_phone(live, browser, a11y: A11y):
    base, _data = live
    tab = Tab(browser, base, a11y)
    page = tab.page
    page.set_viewport_size({"width": 375, "height": 740})
    code, department = _repairable()
    del code
    for role, dept, paths in (
        ("repair_officer", department, ["/officer/repairs"]),
        ("recorder", RECORDER_DEPARTMENT, ["/recorder", "/recorder/batch"]),
        ("auditor", None, ["/audit/queries"]),
    ):
        tab.sign_in_staff(role, dept)
        for path in paths:
            tab.go(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
            tab.check("phone" + path.replace("/", "-"))
        tab.sign_out()
    tab.go("/lists/black?department=" + department)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    tab.check("phone-list-black-filtered")
    page.close()
