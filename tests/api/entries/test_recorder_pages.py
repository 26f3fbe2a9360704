"""The recorder's pages (issue 18): the form keeps what was typed after a refusal, the list
and the search by code, the entry page with its history, amend, withdraw with a
confirmation step, all in the page's language with last days (含当日) and CST times."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from api.entries import pages as recorder_pages
from core.clock import clock
from core.context import Context
from core.models import Entry
from tests.factories import bearer, csrf_of, make_code, make_payload, record_entry, watch_fields
from tests.factories.directory import make_department

NAME = "欧阳小明"
FACTS = "逾期未缴税款一百二十万元"


@pytest.fixture
def client(client):
    """The app's client over https, as browsers reach it: the session cookie is Secure there."""
    client.base_url = "https://testserver"
    return client


def _recorder(mint, department: str = "dept-a") -> dict[str, str]:
    return bearer(mint("recorder", department=department))


def _token(client, headers, path: str = "/recorder") -> str:
    res = client.get(path, headers=headers)
    assert res.status_code == 200, res.text
    return csrf_of(res.text)


def _entries(runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.execute(select(func.count()).select_from(Entry)).scalar_one())


def _form(**overrides) -> dict[str, str]:
    """The add-entry form as a person fills it: end dates as the last day (含当日)."""
    payload = make_payload(**overrides)
    data = payload.model_dump(mode="json")
    fields = {k: "" if v is None else str(v) for k, v in data.items() if k != "repair_ways"}
    fields["display_until"] = (payload.display_until - timedelta(days=1)).isoformat()
    fields["valid_until"] = (payload.valid_until - timedelta(days=1)).isoformat()
    fields["repairable"] = "on" if payload.repairable else ""
    fields["repair_ways"] = data["repair_ways"]
    return fields


def _add(client, headers, token: str, fields: dict, lang: str = ""):
    path = "/recorder/entries" + (f"?lang={lang}" if lang else "")
    return client.post(
        path, headers=headers, data={"csrf_token": token, **fields}, follow_redirects=False
    )


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return None if found is None else found.group(1)


class TestTheFormKeepsWhatWasTyped:
    def test_a_bad_code_keeps_every_field_and_says_why_in_chinese(self, client, mint, runtime):
        headers = _recorder(mint)
        token = _token(client, headers)
        code = make_code()
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        fields = _form(subject_name=NAME, list_kind="watch", severity="general") | {
            "subject_code": bad,
            "display_until": "",
        }
        before = _entries(runtime)
        res = _add(client, headers, token, fields)
        assert res.status_code == 422
        html = res.text
        assert "身份号码的校验位与前17位不符" in html
        assert "check_character" not in html
        for name in (
            "subject_code",
            "subject_name",
            "public_summary",
            "legal_basis",
            "external_id",
            "decided_on",
            "valid_until",
        ):
            assert _value(html, name) == fields[name], name
        assert f">{FACTS}</textarea>" in html
        assert '<option value="watch" selected>' in html
        assert '<option value="general" selected>' in html
        assert 'value="commitment" checked' in html
        assert "您填写的内容已保留" in html
        assert _entries(runtime) == before

    def test_in_english_the_same_refusal_is_in_english(self, client, mint):
        headers = _recorder(mint)
        token = _token(client, headers, "/recorder?lang=en")
        code = make_code()
        res = _add(client, headers, token, _form() | {"subject_code": code[:-2]}, lang="en")
        assert res.status_code == 422
        assert "must be 18 characters long" in res.text
        assert "身份号码" not in res.text

    def test_a_rule_refusal_keeps_the_form_and_gives_the_bounds_as_last_days(
        self, client, mint, runtime
    ):
        headers = _recorder(mint)
        token = _token(client, headers)
        payload = make_payload()
        # A serious entry is displayed one to three years: 40 days is too short.
        fields = _form() | {"display_until": (payload.decided_on + timedelta(days=40)).isoformat()}
        res = _add(client, headers, token, fields)
        assert res.status_code == 422
        low = payload.decided_on.replace(year=payload.decided_on.year + 1) - timedelta(days=1)
        assert f"最后展示日须在{low.isoformat()}至" in res.text
        assert 'data-rule="display_period_bounds"' in res.text
        assert _value(res.text, "subject_code") == fields["subject_code"]
        assert _value(res.text, "display_until") == fields["display_until"]
        assert _entries(runtime) == 0

    def test_the_last_days_typed_are_what_the_api_reads_as_the_day_after(self, client, mint):
        headers = _recorder(mint)
        token = _token(client, headers)
        fields = _form()
        res = _add(client, headers, token, fields)
        assert res.status_code == 303
        assert fields["subject_code"] not in res.headers["location"]
        entry_id = res.headers["location"].split("/")[-1].split("?")[0]
        stored = client.get(f"/api/v1/records/{entry_id}", headers=headers).json()
        expected = (clock.today() - timedelta(days=10) + timedelta(days=500)).isoformat()
        assert stored["display_until"] == expected
        page = client.get(res.headers["location"], headers=headers).text
        assert f"{fields['display_until']}（含当日）" in page
        assert fields["subject_code"] not in page
        assert NAME not in page
        assert "北京时间" in page  # the history's time


class TestListAndSearch:
    def test_the_list_filters_without_codes(self, client, mint):
        headers = _recorder(mint)
        codes = [make_code() for _ in range(3)]
        black = [record_entry(client, mint, subject_code=c) for c in codes]
        watch = record_entry(client, mint, **watch_fields())
        other = record_entry(client, mint, department="dept-b")
        page = client.get("/recorder/entries", headers=headers)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        for entry in [*black, watch]:
            assert entry["id"] in page.text
        assert other["id"] not in page.text
        assert all(code not in page.text for code in codes)
        assert "欧阳*" in page.text
        only_watch = client.get(
            "/recorder/entries?list_kind=watch&state=displayed", headers=headers
        )
        assert watch["id"] in only_watch.text
        assert black[0]["id"] not in only_watch.text
        by_ref = client.get(
            f"/recorder/entries?reference={black[1]['public_ref']}", headers=headers
        )
        assert re.findall(r'<tr data-id="([0-9a-f-]{36})"', by_ref.text) == [black[1]["id"]]

    def test_the_list_is_paged_by_cursor(self, client, mint, monkeypatch):
        headers = _recorder(mint)
        made = {record_entry(client, mint)["id"] for _ in range(3)}
        monkeypatch.setattr(recorder_pages, "PAGE_SIZE", 2)
        seen: set[str] = set()
        url = "/recorder/entries?list_kind=black"
        while url:
            html = client.get(url, headers=headers).text
            seen |= set(re.findall(r'<tr data-id="([0-9a-f-]{36})"', html))
            nxt = re.search(r'href="(/recorder/entries\?[^"]+)" rel="next"', html)
            url = "" if nxt is None else nxt.group(1).replace("&amp;", "&")
            if url:
                assert "list_kind=black" in url
        assert seen == made

    @pytest.mark.parametrize(
        "query", ["state=retained", "decided_from=2026-13-01", "cursor=zz", "list_kind=warning"]
    )
    def test_a_bad_filter_is_a_page_in_the_pages_language(self, client, mint, query):
        res = client.get(f"/recorder/entries?{query}", headers=_recorder(mint))
        assert res.status_code == 422
        assert res.headers["content-type"].startswith("text/html")
        assert "筛选条件无效" in res.text

    def test_a_search_by_code_is_posted_and_never_linked(self, client, mint):
        headers = _recorder(mint)
        code = make_code()
        mine = record_entry(client, mint, subject_code=code)
        record_entry(client, mint)
        token = _token(client, headers, "/recorder/entries")
        res = client.post(
            "/recorder/entries/search",
            headers=headers,
            data={"csrf_token": token, "subject_code": code},
        )
        assert res.status_code == 200
        assert re.findall(r'<tr data-id="([0-9a-f-]{36})"', res.text) == [mine["id"]]
        assert not any(code in href for href in re.findall(r'href="([^"]*)"', res.text))
        # Kept in the search box of the answer's body only.
        assert res.text.count(code) == 1
        bad = client.post(
            "/recorder/entries/search",
            headers=headers,
            data={"csrf_token": token, "subject_code": code[:-1] + "Z"},
        )
        assert bad.status_code == 422
        assert "身份号码" in bad.text
        opened = client.get("/recorder/entries/search", headers=headers, follow_redirects=False)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/recorder/entries"


class TestAmend:
    def test_the_form_is_filled_in_and_an_amendment_goes_into_the_history(self, client, mint):
        headers = _recorder(mint)
        entry = record_entry(client, mint)
        url = f"/recorder/entries/{entry['id']}/amend"
        form = client.get(url, headers=headers)
        assert form.status_code == 200
        assert f">{FACTS}</textarea>" in form.text
        last = (clock.today() - timedelta(days=10) + timedelta(days=499)).isoformat()
        assert _value(form.text, "display_until") == last
        assert entry["subject_code"] not in form.text
        token = csrf_of(form.text)
        res = client.post(
            url,
            headers=headers,
            data={
                "csrf_token": token,
                "facts": "逾期未缴税款八十万元",
                "version": "1",
                "display_until": last,
            },
            follow_redirects=False,
        )
        assert res.status_code == 303
        assert res.headers["location"] == f"/recorder/entries/{entry['id']}?amended=1"
        page = client.get(res.headers["location"], headers=headers).text
        assert 'id="amended"' in page
        assert "逾期未缴税款八十万元" in page
        assert '<tr data-event="corrected">' in page
        assert "认定部门录入员" in page
        assert "更正了：事实" in page
        stored = client.get(f"/api/v1/records/{entry['id']}", headers=headers).json()
        assert (stored["version"], stored["display_until"]) == (2, entry["display_until"])

    def test_a_refused_amendment_keeps_what_was_typed_and_changes_nothing(self, client, mint):
        headers = _recorder(mint)
        entry = record_entry(client, mint)
        url = f"/recorder/entries/{entry['id']}/amend"
        token = csrf_of(client.get(url, headers=headers).text)
        typed = {"facts": "新的事实描述", "valid_until": entry["decided_on"], "version": "1"}
        res = client.post(url, headers=headers, data={"csrf_token": token, **typed})
        assert res.status_code == 422
        assert "展示期限不能超过有效期" in res.text
        assert ">新的事实描述</textarea>" in res.text
        assert _value(res.text, "valid_until") == entry["decided_on"]
        assert client.get(f"/api/v1/records/{entry['id']}", headers=headers).json() == entry

    def test_a_stale_form_is_a_conflict_in_words(self, client, mint):
        headers = _recorder(mint)
        entry = record_entry(client, mint)
        url = f"/recorder/entries/{entry['id']}/amend"
        token = csrf_of(client.get(url, headers=headers).text)
        first = {"csrf_token": token, "facts": "第一次更正", "version": "1"}
        assert client.post(url, headers=headers, data=first).status_code == 200
        second = client.post(url, headers=headers, data=first | {"facts": "第二次更正"})
        assert second.status_code == 409
        assert "条目已被他人修改" in second.text

    def test_another_departments_entry_is_not_found(self, client, mint):
        entry = record_entry(client, mint, department="dept-b")
        headers = _recorder(mint)
        for path in ("", "/amend", "/withdraw"):
            res = client.get(f"/recorder/entries/{entry['id']}{path}", headers=headers)
            assert res.status_code == 404, path
            assert res.headers["content-type"].startswith("text/html")
        token = _token(client, headers)
        res = client.post(
            f"/recorder/entries/{entry['id']}/amend",
            headers=headers,
            data={"csrf_token": token, "facts": "越权更正"},
        )
        assert res.status_code == 404
        other = _recorder(mint, "dept-b")
        assert client.get(f"/api/v1/records/{entry['id']}", headers=other).json()["version"] == 1


class TestWithdraw:
    def test_the_withdrawal_asks_first_then_withdraws(self, client, mint):
        headers = _recorder(mint)
        entry = record_entry(client, mint)
        url = f"/recorder/entries/{entry['id']}/withdraw"
        form = client.get(url, headers=headers)
        assert form.status_code == 200
        token = csrf_of(form.text)
        fields = {"csrf_token": token, "kind": "criteria_changed", "reason": "列入标准已修订"}
        asked = client.post(url, headers=headers, data=fields)
        assert asked.status_code == 200
        assert "确认撤销条目" in asked.text
        assert 'name="confirm" value="yes"' in asked.text
        assert 'value="列入标准已修订"' in asked.text
        assert "列入标准变更" in asked.text
        api = f"/api/v1/records/{entry['id']}"
        assert client.get(api, headers=headers).json()["state"] == "pending_notice"
        done = client.post(
            url, headers=headers, data=fields | {"confirm": "yes"}, follow_redirects=False
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/recorder/entries/{entry['id']}?withdrawn=1"
        assert client.get(api, headers=headers).json()["state"] == "exited"
        page = client.get(done.headers["location"], headers=headers).text
        assert 'id="withdrawn"' in page
        assert "列入标准已修订" in page  # the department reads its own reason back
        assert 'id="withdraw-link"' not in page
        assert 'id="amend-link"' not in page

    def test_a_missing_reason_is_refused_in_the_pages_language(self, client, mint):
        headers = _recorder(mint)
        entry = record_entry(client, mint)
        url = f"/recorder/entries/{entry['id']}/withdraw?lang=en"
        token = csrf_of(client.get(url, headers=headers).text)
        res = client.post(url, headers=headers, data={"csrf_token": token, "reason": " "})
        assert res.status_code == 422
        assert "Give the reason" in res.text
        state = client.get(f"/api/v1/records/{entry['id']}", headers=headers).json()["state"]
        assert state == "pending_notice"


class TestTheCitizensRecord:
    def test_a_summary_comes_first_and_departments_have_their_names(self, client, mint, runtime):
        with Session(runtime.engine) as session:
            make_department(Context(session, runtime.keyring), "dept-a", name_zh="测试税务局")
            session.commit()
        code = make_code()
        record_entry(client, mint, subject_code=code)
        record_entry(client, mint, subject_code=code, **watch_fields(domain="traffic"))
        page = client.get("/me", headers=bearer(mint("citizen", credit_code=code)))
        assert page.status_code == 200
        html = page.text
        assert html.index('id="summary"') < html.index('class="entry"')
        assert 'data-kind="black">黑名单1条<' in html
        assert 'data-kind="watch">重点关注名单1条<' in html
        assert 'data-next="notice"' in html
        assert 'data-next="display"' in html
        assert "测试税务局" in html
        assert "dept-a" not in html
        assert "（含当日）" in html
        assert "可申请修复的日期" in html  # the black entry is repairable, not yet


class TestTheDepartmentsName:
    def test_the_recorder_pages_name_the_department(self, client, mint, runtime):
        with Session(runtime.engine) as session:
            ctx = Context(session, runtime.keyring)
            make_department(ctx, "dept-a", name_zh="测试税务局", name_en="Test Tax Bureau")
            session.commit()
        headers = _recorder(mint)
        for path in ("/recorder", "/recorder/entries"):
            assert "认定部门：测试税务局" in client.get(f"{path}?lang=zh", headers=headers).text
            english = client.get(f"{path}?lang=en", headers=headers).text
            assert "Recording department: Test Tax Bureau" in english
