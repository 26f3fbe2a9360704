"""The report's words: every vocabulary value it can show has its text in zh and en, names
come from the registry, end dates follow one convention (the last day, 含当日), instants
are CST to the minute with the zone named, and Chinese text keeps Chinese punctuation."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import get_args

import pytest
from pypdf import PdfReader

from api.pages.i18n import translate_or
from api.reports import messages
from api.reports.pdf import fonts, markup, render_pdf
from api.reports.words import ReportWords
from core.cases.objections.schemas import ObjectionStatus
from core.cases.repairs.schemas import RepairStatus
from core.consents.schemas import AuthorizationState
from core.directory.schemas import Names
from core.entries.list_rules import EXIT_REASONS
from core.entries.visibility import Audience, Visibility
from core.reports.schemas import PersonalReport, ReportIssue, ReportSummary
from core.vocabulary import Domain, EntryState, ListKind, RepairWay, Severity

VOCABULARIES = {
    "kind": get_args(ListKind),
    "domain": get_args(Domain),
    "severity": get_args(Severity),
    "state": get_args(EntryState),
    "way": get_args(RepairWay),
    "audience": get_args(Audience),
    "status": get_args(ObjectionStatus),
    "report.repair_status": get_args(RepairStatus),
    "report.auth_state": get_args(AuthorizationState),
    "report.step": ("accept", "resolve", "decide"),
    "report.exit": (*EXIT_REASONS, "removed_by_black"),
    "report.basis": ("authorization", "legal"),
    "outcome": ("answered", "empty", "refused"),
}
MISSING = "\x00"
# CJK Extension A's first character: in the fallback CID font, not in the embedded one.
RARE = "\u3400"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("group", sorted(VOCABULARIES))
def test_every_value_the_report_shows_has_its_words(group, lang):
    raw = [v for v in VOCABULARIES[group] if translate_or(f"{group}.{v}", MISSING, lang) == MISSING]
    assert raw == []


def test_chinese_report_text_uses_chinese_punctuation():
    for key, (zh, _en) in messages.MESSAGES.items():
        if key.startswith("report.sep.") or not re.search(r"[\u4e00-\u9fff]", zh):
            continue
        # ASCII , ; : and brackets never sit beside Chinese characters.
        assert not re.search(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]", zh), key


class TestWords:
    def test_names_come_from_the_registry(self):
        names = Names({"dept-a": ("深圳市税务局", "Shenzhen Tax Bureau")})
        assert ReportWords("zh", names).org("dept-a") == "深圳市税务局"
        assert ReportWords("en", names).org("dept-a") == "Shenzhen Tax Bureau"

    def test_an_exclusive_end_is_shown_as_its_last_day_inclusive(self):
        assert ReportWords("zh").last(date(2027, 1, 2)) == "2027-01-01（含当日）"
        assert ReportWords("en").last(date(2027, 1, 2)) == "2027-01-01 (inclusive)"
        assert ReportWords("zh").due(date(2027, 1, 1)) == "2027-01-01（含当日）"

    def test_an_end_at_a_cst_midnight_is_never_the_next_day_at_midnight(self):
        midnight = datetime(2027, 1, 1, 16, 0, tzinfo=UTC)  # 2027-01-02 00:00 CST
        shown = ReportWords("zh").ends(midnight)
        assert shown == "2027-01-01（含当日）"
        assert "00:00" not in shown

    def test_instants_are_cst_to_the_minute_labelled(self):
        at = datetime(2026, 4, 1, 2, 0, 59, 999, tzinfo=UTC)
        assert ReportWords("zh").when(at) == "2026-04-01 10:00 北京时间"
        assert ReportWords("en").when(at) == "2026-04-01 10:00 CST"

    def test_audiences_are_joined_with_the_languages_separator(self):
        views = [
            Visibility(audience="agencies", until=date(2027, 3, 1)),
            Visibility(audience="you", until=date(2032, 3, 1)),
        ]
        assert ReportWords("zh").audiences(views) == (
            "经授权的查询机构：至 2027-02-28（含当日）；您本人：至 2032-02-29（含当日）"
        )
        assert ReportWords("en").audiences(views) == (
            "Authorized agencies until 2027-02-28 (inclusive); You until 2032-02-29 (inclusive)"
        )


class TestFallbackFont:
    def test_markup_escapes_and_sets_what_the_font_lacks_in_the_fallback(self):
        assert fonts().covers("司马")
        assert not fonts().covers(RARE)
        assert markup(f"司马{RARE}<b>") == (
            f'司马<font name="{fonts().fallback}">{RARE}</font>&lt;b&gt;'
        )

    def test_a_name_the_font_lacks_is_still_drawn(self):
        report = PersonalReport(
            generated_at=datetime(2026, 4, 1, 2, 0, tzinfo=UTC),
            as_of=date(2026, 4, 1),
            masked_name=f"{RARE}*",
            masked_code="11**************4X",
            warning_list=False,
            frozen=False,
            summary=ReportSummary(
                entries=0,
                by_kind={},
                displayed=0,
                under_objection=0,
                queries=0,
                active_authorizations=0,
                open_objections=0,
                open_repairs=0,
            ),
            entries=[],
            queries=[],
            authorizations=[],
            objections=[],
            repairs=[],
            issue=ReportIssue(
                number="CR202604010000000001",
                verification_code="ABCD-EFGH-JKMN-PQRS",
                generated_at=datetime(2026, 4, 1, 2, 0, tzinfo=UTC),
                digest="",
                key="",
            ),
        )
        content = render_pdf(report, ReportWords("zh"), "http://testserver/verify/report/x")
        reader = PdfReader(io.BytesIO(content))
        used = {
            str(ref.get_object()["/BaseFont"])
            for page in reader.pages
            for ref in page["/Resources"]["/Font"].values()
        }
        assert any(fonts().fallback in name for name in used), used
        assert any("WenQuanYiMicroHei" in name for name in used), used
