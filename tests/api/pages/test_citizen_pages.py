"""The citizen self-service pages over HTTP (no browser): authorizations and the freeze,
statements, credit repair. Each form needs its session's CSRF token, another role gets a
403 page, another citizen's ids do not exist, and a refused form changes nothing — read
back through the API, which the pages share their services with."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from core.clock import CST, clock
from tests.factories import (
    COMMITMENT,
    Issuer,
    at,
    bearer,
    citizen_get,
    citizen_items,
    csrf_of,
    decide_repair,
    evidence_pdf,
    grant_form,
    make_code,
    ok_json,
    post_entry,
    post_serious,
    register_agency,
    register_issuer,
)

PDF = b"%PDF-1.7\n" + "完税证明-编号PG-1207".encode() + b"\n%%EOF"
CERTIFICATE = "VC-2026-PG-0007"


def _alert(html: str) -> str:
    """The text of the page's error alert (empty when there is none)."""
    found = re.search(r'<(div|p) class="error[^"]*" role="alert"[^>]*>(.*?)</\1>', html, re.S)
    return "" if found is None else found.group(2)


def _last_day(exclusive_end: str) -> str:
    """How a page shows the period that ends (exclusive) on this ISO day: its last day."""
    day = date.fromisoformat(exclusive_end) - timedelta(days=1)
    return f"{day.isoformat()}（含当日）"


def _visible(html: str) -> str:
    """The page's text without its tags and attribute values."""
    return re.sub(r"<[^>]*>", " ", html)


def _no_traceback(html: str) -> None:
    assert "Traceback" not in html
    assert 'File "' not in html


class Browser:
    """One signed-in caller of the pages: a Bearer token, the session cookie, its CSRF token."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = bearer(token)
        self.token = ""

    def get(self, path: str, **kw: object):
        res = self.client.get(path, headers=self.headers, follow_redirects=False, **kw)
        if res.status_code == 200 and "csrf_token" in res.text:
            self.token = csrf_of(res.text)
        return res

    def post(self, path: str, data: dict[str, object] | None = None, csrf: bool = True, **kw):
        if csrf and not self.token:
            self.get("/me/authorizations")
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = self.token
        return self.client.post(path, data=body, headers=self.headers, follow_redirects=False, **kw)


@pytest.fixture
def pages(client: TestClient, runtime) -> TestClient:
    """The app's client over https, so the Secure session cookie comes back; the agency the
    grant form names by default is registered."""
    client.base_url = "https://testserver"  # type: ignore[assignment]
    register_agency(runtime)
    return client


def _citizen(pages, mint, code: str) -> Browser:
    return Browser(pages, mint("citizen", credit_code=code))


class TestAuthorizationsPage:
    def test_grant_shows_its_code_once_then_active_and_revoke_asks_first(self, pages, mint):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        page = me.get("/me/authorizations")
        assert page.status_code == 200
        assert "尚未授予任何授权" in page.text
        # The agencies are offered as a list to pick from, by name; no id is typed.
        assert '<select id="f-agency" name="agency"' in page.text
        assert '<option value="bank-1">测试银行</option>' in page.text
        day = clock.today() + timedelta(days=30)
        made = me.post("/me/authorizations", grant_form(domains=["tax", "finance"]))
        assert made.status_code == 200
        shown_code = re.search(r'id="authorization-code"[^>]*>(\w{4}-\w{4})<', made.text)
        assert shown_code is not None
        assert "测试银行" in made.text
        assert "bank-1" not in _visible(made.text)
        (grant,) = citizen_get(pages, mint, code, "authorizations")["items"]
        assert grant["agency"] == "bank-1"
        assert grant["state"] == "active"
        assert grant["list_kinds"] == ["black", "red"]
        assert grant["domains"] == ["tax", "finance"]
        assert grant["max_uses"] == 2
        # Valid until the end of the chosen day, China Standard Time, shown as that day.
        end = datetime.fromisoformat(grant["expires_at"]).astimezone(CST)
        assert (end.date(), end.hour) == (day + timedelta(days=1), 0)
        assert f"{day.isoformat()}（含当日）" in made.text
        shown = me.get("/me/authorizations").text
        assert shown_code.group(1) not in shown  # shown once, on the grant's own answer
        assert "测试银行" in shown
        assert "信贷审批" in shown
        assert "有效" in shown
        assert f"{day.isoformat()}（含当日）" in shown
        assert f"{(day + timedelta(days=1)).isoformat()} 00:00" not in shown
        assert "北京时间" in shown
        assert f"/me/authorizations/{grant['id']}/revoke" in shown

        asked = me.post(f"/me/authorizations/{grant['id']}/revoke")
        assert asked.status_code == 200
        assert "确认撤销授权" in asked.text
        assert 'name="confirm" value="yes"' in asked.text
        assert "测试银行" in asked.text
        assert citizen_get(pages, mint, code, "authorizations")["items"][0]["state"] == "active"
        gone = me.post(f"/me/authorizations/{grant['id']}/revoke", {"confirm": "yes"})
        assert gone.status_code == 303
        assert gone.headers["location"] == "/me/authorizations?done=revoked"
        assert citizen_get(pages, mint, code, "authorizations")["items"][0]["state"] == "revoked"
        shown = me.get("/me/authorizations").text
        assert "已撤销" in shown
        assert f"/me/authorizations/{grant['id']}/revoke" not in shown
        again = me.post(f"/me/authorizations/{grant['id']}/revoke", {"confirm": "yes"})
        assert again.status_code == 409
        assert "该授权已被撤销" in again.text
        _no_traceback(again.text)

    def test_an_unregistered_agency_is_refused_in_the_page_language(self, pages, mint):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        refusals = (("zh", "请从列表中选择一个已登记的查询机构"), ("en", "registered agency"))
        for lang, text in refusals:
            res = me.post(f"/me/authorizations?lang={lang}", grant_form(agency="demo-bnak"))
            assert res.status_code == 422
            assert text in _alert(res.text)
            assert 'href="#f-agency"' in res.text
            assert "demo-bnak" not in _alert(res.text)
        assert citizen_get(pages, mint, code, "authorizations")["items"] == []

    def test_sent_to_the_agency_s_inbox(self, pages, mint):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        made = me.post("/me/authorizations", grant_form())
        assert 'action="/me/authorizations/' in made.text
        (grant,) = citizen_get(pages, mint, code, "authorizations")["items"]
        sent = me.post(f"/me/authorizations/{grant['id']}/deliver")
        assert sent.status_code == 303
        assert sent.headers["location"] == "/me/authorizations?done=delivered"
        shown = me.get("/me/authorizations?done=delivered").text
        assert "授权已发送至机构收件箱" in shown
        assert "已发送至机构收件箱：" in shown
        assert f"/me/authorizations/{grant['id']}/deliver" not in shown
        held = ok_json(
            pages.get(
                "/api/v1/agency/authorizations", headers=bearer(mint("agency", agency="bank-1"))
            )
        )
        assert [h["id"] for h in held["items"]] == [grant["id"]]

    def test_english_on_request(self, pages, mint):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        page = _citizen(pages, mint, code).get("/me/authorizations?lang=en")
        assert '<html lang="en">' in page.text
        assert "Grant a new authorization" in page.text
        assert "Credit and loan assessment" in page.text

    @pytest.mark.parametrize(
        ("field", "value", "fragment"),
        [
            ("agency", "Bank One!", 'href="#f-agency"'),
            ("purpose", "because I said so", 'href="#f-purpose"'),
            ("list_kinds", [], 'href="#f-list_kinds"'),
            ("max_uses", "101", 'href="#f-max_uses"'),
            ("expires_on", "not-a-date", 'href="#f-expires_at"'),
            ("expires_on", (clock.today() + timedelta(days=400)).isoformat(), "不超过一年"),
            ("starts_on", (clock.today() - timedelta(days=3)).isoformat(), "不得早于今天"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, pages, mint, field, value, fragment):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        res = me.post("/me/authorizations", grant_form(**{field: value}))
        assert res.status_code == 422
        assert fragment in _alert(res.text)
        _no_traceback(res.text)
        assert citizen_get(pages, mint, code, "authorizations")["items"] == []

    def test_no_record_yet_is_a_404_page(self, pages, mint):
        me = _citizen(pages, mint, make_code())
        res = me.post("/me/authorizations", grant_form())
        assert res.status_code == 404
        assert "您的信用记录尚未建立" in res.text
        assert me.post("/me/freeze").status_code == 404

    def test_without_csrf_nothing_is_granted(self, pages, mint):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        me.get("/me/authorizations")
        assert me.post("/me/authorizations", grant_form(), csrf=False).status_code == 400
        forged = me.post("/me/authorizations", {**grant_form(), "csrf_token": "0" * 64}, False)
        assert forged.status_code == 400
        assert me.post("/me/freeze", csrf=False).status_code == 400
        assert citizen_get(pages, mint, code, "authorizations")["items"] == []

    def test_another_citizens_authorization_does_not_exist(self, pages, mint):
        code, other = make_code(), make_code()
        post_entry(pages, mint, subject_code=code)
        post_entry(pages, mint, subject_code=other)
        made = _citizen(pages, mint, code).post("/me/authorizations", grant_form())
        assert made.status_code == 200
        (grant,) = citizen_get(pages, mint, code, "authorizations")["items"]
        for confirm in ("", "yes"):
            res = _citizen(pages, mint, other).post(
                f"/me/authorizations/{grant['id']}/revoke", {"confirm": confirm}
            )
            assert res.status_code == 404
            sent = _citizen(pages, mint, other).post(f"/me/authorizations/{grant['id']}/deliver")
            assert sent.status_code == 404
        assert citizen_get(pages, mint, code, "authorizations")["items"][0]["state"] == "active"
        assert _citizen(pages, mint, code).post("/me/authorizations/nope/revoke").status_code == 404

    @pytest.mark.parametrize("role", ["agency", "recorder", "objection_officer", "repair_officer"])
    def test_other_roles_get_a_403_page(self, pages, mint, role):
        other = Browser(pages, mint(role))
        for path in ("/me/authorizations", "/me/repairs", "/me/repairs/new?entry=x"):
            res = other.get(path)
            assert res.status_code == 403, path
            assert res.headers["content-type"].startswith("text/html")
        other.token = "0" * 64
        assert other.post("/me/freeze").status_code == 403


class TestFreezePage:
    def test_freeze_refuses_authorized_queries_until_lifted(self, pages, mint):
        code = make_code()
        post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        assert me.post("/me/authorizations", grant_form(max_uses="5")).status_code == 200
        (grant,) = citizen_get(pages, mint, code, "authorizations")["items"]
        assert "未冻结" in me.get("/me/authorizations").text

        def query() -> int:
            return pages.post(
                "/api/v1/queries",
                headers=bearer(mint("agency", agency="bank-1")),
                json={
                    "subject_code": code,
                    "purpose": "credit_loan",
                    "authorization_id": grant["id"],
                },
            ).status_code

        asked = me.post("/me/freeze")
        assert asked.status_code == 200
        assert "确认冻结记录" in asked.text
        assert 'action="/me/freeze"' in asked.text
        assert query() == 200  # asking changed nothing
        frozen = me.post("/me/freeze", {"confirm": "yes"})
        assert frozen.headers["location"] == "/me/authorizations?done=frozen"
        page = me.get("/me/authorizations").text
        assert "已冻结" in page
        assert 'action="/me/unfreeze"' in page
        assert query() == 403
        twice = me.post("/me/freeze")
        assert twice.status_code == 409
        assert "已处于冻结状态" in twice.text
        assert me.post("/me/unfreeze").status_code == 303
        assert "未冻结" in me.get("/me/authorizations").text
        assert query() == 200
        assert me.post("/me/unfreeze").status_code == 409


class TestStatementForm:
    def test_set_shown_on_the_record_then_deleted(self, pages, mint):
        code = make_code()
        entry_id = post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        record = me.get("/me").text
        assert f'action="/me/record/{entry_id}/statement"' in record
        text = "该笔税款已于2026年补缴完毕"
        res = me.post(f"/me/record/{entry_id}/statement", {"statement": text})
        assert res.status_code == 303
        assert res.headers["location"] == f"/me#entry-{entry_id}"
        assert citizen_get(pages, mint, code, "record")["entries"][0]["statement"] == text
        assert f'<dd class="statement">{text}</dd>' in me.get("/me").text
        gone = me.post(f"/me/record/{entry_id}/statement/delete")
        assert gone.status_code == 303
        assert citizen_get(pages, mint, code, "record")["entries"][0]["statement"] is None

    @pytest.mark.parametrize("text", ["长" * 201, "   ", "bad\x01char"])
    def test_bad_statement_changes_nothing(self, pages, mint, text):
        code = make_code()
        entry_id = post_entry(pages, mint, subject_code=code)
        me = _citizen(pages, mint, code)
        assert me.post(f"/me/record/{entry_id}/statement", {"statement": "原声明"}).is_redirect
        res = me.post(f"/me/record/{entry_id}/statement", {"statement": text})
        assert res.status_code == 422
        assert "声明须为1至200字" in res.text
        _no_traceback(res.text)
        assert citizen_get(pages, mint, code, "record")["entries"][0]["statement"] == "原声明"

    def test_another_citizens_entry_and_no_csrf(self, pages, mint):
        code, other = make_code(), make_code()
        entry_id = post_entry(pages, mint, subject_code=code)
        post_entry(pages, mint, subject_code=other)
        intruder = _citizen(pages, mint, other)
        res = intruder.post(f"/me/record/{entry_id}/statement", {"statement": "不是我的"})
        assert res.status_code == 404
        assert intruder.post(f"/me/record/{uuid.uuid4()}/statement/delete").status_code == 404
        me = _citizen(pages, mint, code)
        me.get("/me")
        no_token = me.post(f"/me/record/{entry_id}/statement", {"statement": "x"}, csrf=False)
        assert no_token.status_code == 400
        assert citizen_get(pages, mint, code, "record")["entries"][0]["statement"] is None


def _repair_form(entry_id: str, way: str = "commitment", **kw: object) -> dict[str, object]:
    return {"entry_id": entry_id, "way": way, "commitment": COMMITMENT, "signed": "on", **kw}


class TestRepairPages:
    def test_not_yet_eligible_shows_the_date_and_files_nothing(self, pages, mint):
        code = make_code()
        at(date(2026, 3, 2))
        fresh = post_entry(pages, mint, subject_code=code, decided_on=date(2025, 6, 1))
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        form = me.get(f"/me/repairs/new?entry={fresh}")
        assert form.status_code == 200
        assert "2026-06-01" in form.text  # told before filling in the form
        res = me.post("/me/repairs", _repair_form(fresh))
        assert res.status_code == 422
        assert "可申请的最早日期：2026-06-01" in res.text
        assert COMMITMENT in res.text  # the form keeps what was typed
        _no_traceback(res.text)
        assert citizen_items(pages, mint, code, "repairs") == []

    def test_filing_with_proof_then_case_page_and_download(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        listed = me.get("/me/repairs").text
        assert f"/me/repairs/new?entry={entry_id}" in listed
        assert "尚无修复申请" in listed
        res = me.post("/me/repairs", _repair_form(entry_id, "performance"), files=evidence_pdf(PDF))
        assert res.status_code == 303
        (case,) = citizen_items(pages, mint, code, "repairs")
        assert res.headers["location"] == f"/me/repairs/{case['id']}?filed=1"
        assert case["way"] == "performance"
        assert case["commitment"]["text"] == COMMITMENT

        page = me.get(f"/me/repairs/{case['id']}?filed=1").text
        assert "修复申请已提交" in page
        assert "已提交" in page
        accept_due = case["clocks"][0]["due"]
        assert accept_due in page
        assert "提交申请" in page  # the history
        assert COMMITMENT in page
        (f,) = case["files"]
        link = f"/me/repairs/{case['id']}/evidence/{f['id']}"
        assert link in page
        got = me.get(link)
        assert got.status_code == 200
        assert got.content == PDF
        assert got.headers["content-disposition"].startswith("attachment")

        listed = me.get("/me/repairs").text
        assert f"/me/repairs/{case['id']}" in listed
        assert f"/me/repairs/new?entry={entry_id}" not in listed  # one open case per entry
        again = me.post("/me/repairs", _repair_form(entry_id))
        assert again.status_code == 409
        assert "已有一份正在处理的修复申请" in again.text

        other = make_code()
        post_entry(pages, mint, subject_code=other)
        intruder = _citizen(pages, mint, other)
        assert intruder.get(f"/me/repairs/{case['id']}").status_code == 404
        assert intruder.get(link).status_code == 404
        assert intruder.post("/me/repairs", _repair_form(entry_id)).status_code == 404
        assert me.get(f"/me/repairs/{case['id']}/evidence/{uuid.uuid4()}").status_code == 404
        assert me.get("/me/repairs/not-an-id").status_code == 404

    @pytest.mark.parametrize(
        ("form", "files", "status", "message"),
        [
            ({"signed": ""}, None, 422, "请勾选确认签署信用承诺"),
            ({"commitment": "  "}, None, 422, "<li>信用承诺书</li>"),
            ({"way": "performance"}, None, 422, "须上传已履行义务的证明文件"),
            ({"way": "donation"}, None, 422, "不适用所选修复方式"),
            ({"credential": "{}"}, None, 422, "不需要签名凭证"),
            ({"way": "volunteering"}, None, 422, "须提供登记机构签名的凭证"),
            ({"way": "volunteering", "credential": "{bad"}, None, 422, "凭证格式不正确"),
            ({"way": "volunteering", "credential": "x" * 9000}, None, 422, "<li>签名凭证</li>"),
            ({}, evidence_pdf(b"MZ\x90\x00", "x.pdf"), 422, "内容与其类型不符"),
            ({}, [("files", ("a.txt", b"hi", "text/plain"))], 422, "证明文件只能是"),
            ({}, evidence_pdf(PDF) * 6, 422, "证明文件过多（最多 5 个）"),
        ],
    )
    def test_bad_filing_is_refused_and_changes_nothing(
        self, pages, mint, form, files, status, message
    ):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        res = me.post("/me/repairs", _repair_form(entry_id, **form), files=files)
        assert res.status_code == status
        assert message in _alert(res.text)
        _no_traceback(res.text)
        assert citizen_items(pages, mint, code, "repairs") == []

    def test_volunteering_with_a_signed_certificate(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        issuer = Issuer("BJ-VOL", "volunteer_organisation", "北京市志愿服务联合会")
        assert register_issuer(pages, mint, issuer).status_code == 201
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        form = me.get(f"/me/repairs/new?entry={entry_id}").text
        assert 'id="credential"' in form
        assert 'id="credential_file"' in form
        stranger = Issuer("BJ-NOPE", "volunteer_organisation")
        pasted = stranger.credential(code, "volunteering", CERTIFICATE)
        fields = {"credential": pasted, "commitment": "本人承诺今后诚信守法"}
        unknown = me.post("/me/repairs", _repair_form(entry_id, "volunteering", **fields))
        assert unknown.status_code == 422
        assert "出具该凭证的机构未在本系统登记" in _alert(unknown.text)
        # What was typed stays: the commitment and the credential.
        assert "本人承诺今后诚信守法" in unknown.text
        assert "BJ-NOPE" in unknown.text
        assert citizen_items(pages, mint, code, "repairs") == []
        upload = issuer.credential(code, "volunteering", CERTIFICATE).encode()
        res = me.post(
            "/me/repairs",
            _repair_form(entry_id, "volunteering"),
            files=[("credential_file", ("certificate.json", upload, "application/json"))],
        )
        assert res.status_code == 303, _alert(res.text)
        (case,) = citizen_items(pages, mint, code, "repairs")
        page = me.get(f"/me/repairs/{case['id']}").text
        assert "北京市志愿服务联合会" in page
        assert CERTIFICATE in page
        assert ">40<" in page
        assert "志愿服务证明（签名已验证）" in page

    def test_donation_errors_in_english(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code, repair_ways=["donation"])
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        res = me.post("/me/repairs?lang=en", _repair_form(entry_id, "donation"))
        assert res.status_code == 422
        assert "signed by a registered organisation" in _alert(res.text)

    def test_rejection_shows_reasons_and_the_date_to_apply_again(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        assert me.post("/me/repairs", _repair_form(entry_id)).status_code == 303
        (case,) = citizen_items(pages, mint, code, "repairs")
        ok_json(decide_repair(pages, mint, case["id"], "accept"))
        ok_json(
            decide_repair(pages, mint, case["id"], "reject", reasons="未能提供完整的履约证明材料")
        )
        page = me.get(f"/me/repairs/{case['id']}").text
        assert "未通过" in page
        assert "未能提供完整的履约证明材料" in page
        assert '<dd id="retry-from">2026-05-01</dd>' in page
        early = me.post("/me/repairs", _repair_form(entry_id))
        assert early.status_code == 422
        assert "2026-05-01 起方可重新申请" in early.text
        assert len(citizen_items(pages, mint, code, "repairs")) == 1

    def test_approval_says_what_remains_who_sees_it_and_until_when(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        assert me.post("/me/repairs", _repair_form(entry_id)).status_code == 303
        (case,) = citizen_items(pages, mint, code, "repairs")
        ok_json(decide_repair(pages, mint, case["id"], "accept"))
        ok_json(decide_repair(pages, mint, case["id"], "approve"))
        (approved,) = citizen_items(pages, mint, code, "repairs")
        remains = approved["what_remains"]
        page = me.get(f"/me/repairs/{case['id']}").text
        assert "修复已通过" in page
        assert 'id="what-remains"' in page
        # Each end is shown as its last day, inclusive (the API gives the exclusive end).
        assert _last_day(remains["kept_until"]) in page
        assert _last_day(remains["watch_until"]) in page
        for seen in remains["visible_to"]:
            assert _last_day(seen["until"]) in page
        history = page[page.index('id="history"') :]
        assert history.count("<li>") == 3  # filed, accepted, approved
        assert "修复通过" in history

    def test_overdue_cases_are_flagged(self, pages, mint, runtime):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        assert me.post("/me/repairs", _repair_form(entry_id)).status_code == 303
        assert "已逾期" not in me.get("/me/repairs").text
        due = runtime.calendar.add_working_days(date(2026, 4, 1), 3)
        at(due + timedelta(days=1))
        me = _citizen(pages, mint, code)
        listed = me.get("/me/repairs").text
        assert "已逾期" in listed
        assert 'class="overdue"' in listed

    def test_form_for_entries_that_are_not_mine_or_not_repairable(self, pages, mint):
        code = make_code()
        fixed = post_serious(pages, mint, code, repairable=False, repair_ways=[])
        at(date(2026, 4, 1))
        me = _citizen(pages, mint, code)
        res = me.get(f"/me/repairs/new?entry={fixed}")
        assert res.status_code == 422
        assert "该条目不可修复" in res.text
        assert me.get(f"/me/repairs/new?entry={uuid.uuid4()}").status_code == 404
        assert me.get("/me/repairs/new?entry=garbage").status_code == 404
        bare = me.get("/me/repairs/new")
        assert bare.status_code == 303
        assert bare.headers["location"] == "/me/repairs"
        assert me.post("/me/repairs", _repair_form(fixed), csrf=False).status_code == 400


class TestLanguageSwitchOnFormTargets:
    """The language link of a page shown after a POST opens the form's target with GET:
    it leads back to the page the form belongs to, in the language chosen."""

    @pytest.mark.parametrize(
        ("path", "target"),
        [
            ("/me/freeze?lang=en", "/me/authorizations?lang=en"),
            ("/me/unfreeze?lang=zh", "/me/authorizations?lang=zh"),
            (f"/me/authorizations/{uuid.uuid4()}/revoke?lang=en", "/me/authorizations?lang=en"),
            (f"/me/record/{uuid.uuid4()}/statement?lang=en", "/me?lang=en"),
            (f"/me/record/{uuid.uuid4()}/statement/delete", "/me"),
            ("/me/repairs/new?lang=en", "/me/repairs?lang=en"),
            ("/me/freeze?lang=fr", "/me/authorizations"),
        ],
    )
    def test_get_of_a_form_target_goes_back(self, pages, mint, path, target):
        res = _citizen(pages, mint, make_code()).get(path)
        assert res.status_code == 303
        assert res.headers["location"] == target
