"""事前告知 (1798号 §7): a person about to be black-listed is told when the entry is recorded
— the facts, the basis, the planned list, the day it takes effect, how and until when to
object — and told again when it takes effect; the database keeps none of it in the clear."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from core.clock import CST, clock
from core.codes import org_check_char
from core.entries.sweeper import sweep
from tests.factories import bearer, make_code, page_items, record_entry

FACTS = "逾期未缴税款一百二十万元"
NAME = "欧阳小明"
BASIS = "《税收征收管理法》第六十三条"


def _entry_notices(client, mint, code: str) -> list[dict]:
    me = bearer(mint("citizen", credit_code=code))
    items = page_items(client.get("/api/v1/me/notifications", headers=me))
    return [n["entry"] for n in items if n["type"] == "entry"]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))


class TestPriorNotice:
    def test_recording_tells_the_person_what_when_and_how_to_object(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        made = record_entry(client, mint, subject_code=code)
        assert made["state"] == "pending_notice"
        (notice,) = _entry_notices(client, mint, code)
        assert (notice["kind"], notice["list_kind"]) == ("prior_notice", "black")
        listing = notice["listing"]
        assert listing["facts"] == FACTS
        assert listing["legal_basis"] == BASIS
        assert listing["takes_effect_on"] == made["notice_until"]
        until = datetime.fromisoformat(made["notice_until"]).date() - timedelta(days=1)
        assert listing["object_until"] == until.isoformat()
        assert listing["object_at"] == f"/me/objections/new?entry={made['id']}"

    def test_the_page_states_it_in_either_language(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        made = record_entry(client, mint, subject_code=code)
        me = bearer(mint("citizen", credit_code=code))
        zh = _text(client.get("/me/notifications?lang=zh", headers=me).text)
        assert "事前告知：拟将您列入名单" in zh
        assert f"事实： {FACTS}" in zh
        assert f"依据： {BASIS}" in zh
        assert f"生效日期： {made['notice_until']}" in zh
        assert "提出异议截止：" in zh
        assert "“我的异议”" in zh
        en = _text(client.get("/me/notifications?lang=en", headers=me).text)
        assert "prior notice: you are to be listed" in en
        assert "Object by:" in en
        assert "事前告知" not in en

    def test_taking_effect_sends_its_own_notice(self, client, mint, runtime):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        made = record_entry(client, mint, subject_code=code)
        clock.freeze(datetime.fromisoformat(made["notice_until"]).replace(hour=10, tzinfo=CST))
        sweep(engine=runtime.engine, keyring=runtime.keyring, now=clock.now())
        sweep(engine=runtime.engine, keyring=runtime.keyring, now=clock.now())
        kinds = [n["kind"] for n in _entry_notices(client, mint, code)]
        assert kinds == ["took_effect", "prior_notice"]
        effect = _entry_notices(client, mint, code)[0]["listing"]
        assert effect["facts"] == FACTS
        assert effect["object_until"] == made["display_until"]

    def test_an_organisation_gets_no_prior_notice(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        body = "91110108MA01ABCD1"
        code = body + org_check_char(body)
        record_entry(client, mint, subject_code=code, subject_name="示范公司")
        assert all(n["kind"] != "prior_notice" for n in _entry_notices(client, mint, code))

    def test_the_database_file_holds_no_fact_name_or_code(self, client, mint, runtime):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        made = record_entry(client, mint, subject_code=code)
        clock.freeze(datetime.fromisoformat(made["notice_until"]).replace(hour=10, tzinfo=CST))
        sweep(engine=runtime.engine, keyring=runtime.keyring, now=clock.now())
        assert len(_entry_notices(client, mint, code)) == 2
        database = runtime.engine.url.database
        assert database
        # The file and its journal, whatever has not been checkpointed yet.
        raw = b"".join(
            p.read_bytes() for p in Path(database).parent.glob(Path(database).name + "*")
        )
        for secret in (FACTS, NAME, code):
            assert secret.encode() not in raw, secret
