"""Watch-list warnings (§17): a watch entry warns its subject with its validity end, and the
watch entry that puts them on the derived warning list (three domains) says so too."""

from __future__ import annotations

import re
from datetime import datetime

from core.clock import CST, clock
from tests.factories import bearer, make_code, page_items, record_entry, watch_fields


def _entry_notices(client, mint, code: str) -> list[dict]:
    me = bearer(mint("citizen", credit_code=code))
    items = page_items(client.get("/api/v1/me/notifications", headers=me))
    return [n["entry"] for n in items if n["type"] == "entry"]


class TestWatchWarning:
    def test_a_watch_entry_warns_with_its_validity_end(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        made = record_entry(client, mint, subject_code=code, **watch_fields())
        (notice,) = _entry_notices(client, mint, code)
        assert (notice["kind"], notice["list_kind"]) == ("watch_warning", "watch")
        assert notice["listing"]["valid_until"] == made["valid_until"]
        me = bearer(mint("citizen", credit_code=code))
        page = re.sub(
            r"\s+",
            " ",
            re.sub(r"<[^>]*>", " ", client.get("/me/notifications?lang=zh", headers=me).text),
        )
        assert "重点关注警示" in page
        assert f"有效期至： {made['valid_until']}（含当日）" in page

    def test_the_third_domain_enters_the_warning_list_once(self, client, mint):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        code = make_code()
        for domain in ("tax", "traffic"):
            record_entry(client, mint, subject_code=code, **watch_fields(domain=domain))
        kinds = [n["kind"] for n in _entry_notices(client, mint, code)]
        assert "warning_list" not in kinds
        third = record_entry(client, mint, subject_code=code, **watch_fields(domain="finance"))
        record_entry(client, mint, subject_code=code, **watch_fields(domain="food_drug"))
        notices = _entry_notices(client, mint, code)
        entered = [n for n in notices if n["kind"] == "warning_list"]
        assert [n["entry_id"] for n in entered] == [third["id"]]
        assert [n["kind"] for n in notices].count("watch_warning") == 4
