"""The auditor's pages (issue 18): a flag asks first and has no reason preselected; a missing
reason is refused in the page's language and stores nothing; times are CST with the zone
named, agencies shown by their registered names, every word translated."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from core.context import Context
from tests.factories import (
    bearer,
    court_query,
    csrf_of,
    every_item,
    make_code,
    record_entry,
    watch_fields,
)
from tests.factories.directory import make_agency


@pytest.fixture
def client(client):
    """The app's client over https, as browsers reach it: the session cookie is Secure there."""
    client.base_url = "https://testserver"
    return client


def _query(client, mint, agency: str = "court-1") -> int:
    code = make_code()
    record_entry(client, mint, subject_code=code, **watch_fields())
    return int(court_query(client, mint, code, agency)["log_index"])


def _flags(client, mint, index: int) -> list[dict]:
    items = every_item(client, "/api/v1/audit/queries", headers=bearer(mint("auditor")))
    (found,) = [q for q in items if q["log_index"] == index]
    return list(found["flags"])


class TestTheFlagForm:
    def test_no_reason_is_preselected_and_one_is_required(self, client, mint):
        index = _query(client, mint)
        auditor = bearer(mint("auditor"))
        for path in ("/audit/queries", f"/audit/queries/{index}"):
            html = client.get(path, headers=auditor).text
            pattern = rf'<select id="reason-{index}" name="reason" required>(.*?)</select>'
            select = re.search(pattern, html, re.S)
            assert select is not None, path
            options = re.findall(r"<option ([^>]*)>", select.group(1))
            assert options[0] == 'value="" selected'
            assert all("selected" not in o for o in options[1:])

    @pytest.mark.parametrize(
        ("lang", "words"), [("zh", "请从列表中选择标记原因"), ("en", "Choose a reason to flag")]
    )
    def test_a_missing_reason_is_refused_in_the_pages_language(self, client, mint, lang, words):
        index = _query(client, mint)
        auditor = bearer(mint("auditor"))
        token = csrf_of(client.get(f"/audit/queries?lang={lang}", headers=auditor).text)
        for reason in ("", "made_up"):
            res = client.post(
                f"/audit/queries/{index}/flags?lang={lang}",
                headers=auditor,
                data={"csrf_token": token, "reason": reason, "confirm": "yes"},
            )
            assert res.status_code == 422
            assert res.headers["content-type"].startswith("text/html")
            assert words in res.text
        assert _flags(client, mint, index) == []


class TestTheConfirmation:
    def test_a_flag_is_stored_only_once_confirmed(self, client, mint):
        index = _query(client, mint)
        auditor = bearer(mint("auditor"))
        token = csrf_of(client.get("/audit/queries", headers=auditor).text)
        asked = client.post(
            f"/audit/queries/{index}/flags",
            headers=auditor,
            data={"csrf_token": token, "reason": "no_business_need", "back": "agency=court-1"},
        )
        assert asked.status_code == 200
        assert "确认标记此查询" in asked.text
        assert "无业务需要" in asked.text
        assert re.search(r'name="reason" value="no_business_need"', asked.text)
        assert re.search(r'name="back" value="agency=court-1"', asked.text)
        assert _flags(client, mint, index) == []
        done = client.post(
            f"/audit/queries/{index}/flags",
            headers=auditor,
            data={
                "csrf_token": token,
                "reason": "no_business_need",
                "back": "agency=court-1",
                "confirm": "yes",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/audit/queries?agency=court-1#q-{index}"
        assert [f["reason"] for f in _flags(client, mint, index)] == ["no_business_need"]

    def test_an_unknown_query_is_not_found_before_asking(self, client, mint):
        _query(client, mint)
        auditor = bearer(mint("auditor"))
        token = csrf_of(client.get("/audit/queries", headers=auditor).text)
        res = client.post(
            "/audit/queries/999/flags",
            headers=auditor,
            data={"csrf_token": token, "reason": "other"},
        )
        assert res.status_code == 404


class TestWords:
    def test_times_carry_their_zone_and_agencies_their_names(self, client, mint, runtime):
        with Session(runtime.engine) as session:
            make_agency(
                Context(session, runtime.keyring),
                "court-7",
                name_zh="测试法院",
                name_en="Test Court",
            )
            session.commit()
        index = _query(client, mint, "court-7")
        auditor = bearer(mint("auditor"))
        listing = client.get("/audit/queries", headers=auditor).text
        row = re.search(rf'<tr id="q-{index}".*?</tr>', listing, re.S).group(0)
        assert "测试法院" in row
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间", row)
        assert "court_enforcement" not in row
        page = client.get(f"/audit/queries/{index}?lang=en", headers=auditor).text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} CST", page)
        assert "Test Court" in page
