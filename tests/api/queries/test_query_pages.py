"""The citizen's query history and notifications pages (no browser): agencies by name, every
time in China Standard Time with its zone, every word translated; receipts as files."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from api.state import state_of
from core.clock import clock
from core.ops.maintenance import run_maintenance
from tests.factories import (
    bearer,
    grant_json,
    make_code,
    ok_json,
    page_items,
    post_entry,
    register_agency,
)

BANK_ZH, BANK_EN = "示范商业银行", "Demo Commercial Bank"


def _text(html: str) -> str:
    """What a reader sees: the page without its scripts, tags and attribute values."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]*>", " ", html)


@pytest.fixture
def queried(client, mint, runtime, app) -> tuple[str, str, int]:
    """A citizen whose record the demo bank queried under their code, the query under a
    stored checkpoint: (code, token, log index)."""
    register_agency(runtime, "demo-bank", name_zh=BANK_ZH, name_en=BANK_EN)
    code = make_code()
    post_entry(client, mint, subject_code=code)
    clock.advance(timedelta(days=20))
    me = bearer(mint("citizen", credit_code=code))
    made = ok_json(
        client.post("/api/v1/me/authorizations", json=grant_json(agency="demo-bank"), headers=me),
        201,
    )
    answer = ok_json(
        client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="demo-bank")),
            json={
                "subject_code": code,
                "purpose": "credit_loan",
                "authorization_code": made["authorization_code"],
            },
        )
    )
    clock.advance(runtime.cadence.every)
    run_maintenance(
        engine=runtime.engine,
        signer=state_of(app).log_signer,
        cadence=runtime.cadence,
        now=clock.now(),
    )
    return code, mint("citizen", credit_code=code), int(answer["log_index"])


class TestQueriesPage:
    @pytest.mark.parametrize(
        ("lang", "bank", "zone"), [("zh", BANK_ZH, "北京时间"), ("en", BANK_EN, "CST")]
    )
    def test_names_times_and_words_in_the_page_language(self, client, queried, lang, bank, zone):
        _code, token, index = queried
        res = client.get(f"/me/queries?lang={lang}", headers=bearer(token))
        assert res.status_code == 200
        text = _text(res.text)
        assert bank in text
        assert "demo-bank" not in text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} " + zone, text)
        assert not re.search(r"\d{2}:\d{2}:\d{2}", text)
        for raw in ("credit_loan", "authorization", "answered"):
            if lang == "zh" or "_" in raw:
                assert raw not in text
        if lang == "zh":
            assert "凭您的授权" in text
            assert "已答复" in text
        # What the verifier rebuilds the leaf from is still there, as data.
        assert 'data-value="demo-bank"' in res.text
        assert f'href="/me/queries/{index}/receipt"' in res.text

    def test_the_receipt_downloads_as_json_for_its_subject_only(self, client, mint, queried):
        _code, token, index = queried
        res = client.get(f"/me/queries/{index}/receipt", headers=bearer(token))
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("application/json")
        assert "attachment" in res.headers["content-disposition"]
        receipt = json.loads(res.text)
        assert receipt["index"] == index
        history = page_items(client.get("/api/v1/me/queries", headers=bearer(token)))
        assert receipt == next(q["receipt"] for q in history if q["log_index"] == index)
        other = bearer(mint("citizen", credit_code=make_code()))
        assert client.get(f"/me/queries/{index}/receipt", headers=other).status_code == 404
        missing = client.get(f"/me/queries/{index + 5}/receipt", headers=bearer(token))
        assert missing.status_code == 404


class TestNotificationsPage:
    def test_the_bank_s_query_by_name_with_a_labelled_time(self, client, queried):
        _code, token, _index = queried
        html = client.get("/me/notifications?lang=zh", headers=bearer(token)).text
        text = _text(html)
        assert f"查询：{BANK_ZH}" in text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间", text)
        for raw in ("demo-bank", "credit_loan", "authorization", "answered"):
            assert raw not in text
