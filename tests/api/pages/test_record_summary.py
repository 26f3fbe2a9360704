"""The record page opens with a summary: counts by list and state, then the next dates.

The counts are of the citizen's own entries (in prior notice, displayed, ended), one row a
list; the next end of display and of prior notice are the inclusive last days, each with
the entry it belongs to (named by list, domain and the department's name); the summary
comes before the first entry.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    at,
    bearer,
    file_objection,
    make_code,
    post_entry,
    post_serious,
    watch_fields,
)


@pytest.fixture
def pages(client: TestClient) -> TestClient:
    """The app's client over https, so the Secure session cookie comes back."""
    client.base_url = "https://testserver"  # type: ignore[assignment]
    return client


def _summary(html: str) -> str:
    found = re.search(r'<section class="record-summary".*?</section>', html, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


class TestRecordSummary:
    def test_counts_by_list_and_the_next_dates_before_the_entries(self, pages, mint):
        code = make_code()
        soon = post_serious(pages, mint, code, display_until=date(2026, 9, 1))
        post_serious(pages, mint, code)  # displayed until 2027-03-01
        post_serious(pages, mint, code, display_until=date(2026, 5, 1))  # over by June
        at(date(2026, 6, 1))
        noticed = post_entry(pages, mint, subject_code=code)  # in prior notice now
        post_entry(pages, mint, subject_code=code, **watch_fields())
        html = pages.get("/me?lang=zh", headers=bearer(mint("citizen", credit_code=code))).text
        assert html.index('class="record-summary"') < html.index('class="entry"')
        summary = _summary(html)
        assert "概况" in summary
        assert "黑名单 1 2 1" in summary
        assert "重点关注 0 1 0" in summary
        # The first day no longer shown is 2026-09-01: the last day shown is the day before.
        assert "最近一次公示结束 2026-08-31（含当日） · 黑名单 · 税务" in summary
        assert f'href="#entry-{soon}"' in html
        assert "最近一次告知期结束" in summary
        assert f'<a href="#entry-{noticed}">' in html.split('class="record-summary"')[1]
        assert "异议处理中" not in summary
        assert file_objection(pages, mint, code, soon).status_code == 201
        again = pages.get("/me?lang=zh", headers=bearer(mint("citizen", credit_code=code)))
        assert "异议处理中 1条" in _summary(again.text)

    def test_in_english_and_with_nothing_shown(self, pages, mint):
        code = make_code()
        post_serious(pages, mint, code, display_until=date(2026, 5, 1))
        at(date(2026, 6, 1))
        html = pages.get("/me?lang=en", headers=bearer(mint("citizen", credit_code=code))).text
        summary = _summary(html)
        assert "At a glance" in summary
        assert "black 0 0 1" in summary
        assert "No entry is displayed or in prior notice now." in summary
        assert "Next end" not in summary
