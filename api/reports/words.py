"""The report's words in one language: labels, vocabulary, names, times, dates and separators.

Invariants: shared by the HTML page and the PDF, so both say the same; every value a
person reads goes through the catalogue (vocabulary values through `translate_or`, whose
entries exist in zh and en); departments and agencies are shown by their registered name,
never their slug; instants are China Standard Time to the minute with the zone named;
a stored end date (exclusive: the first day the period no longer runs) is shown as the
period's last day marked inclusive (含当日), a due date (already the last day) likewise;
separators and punctuation come from the catalogue, full-width in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from api.pages import times
from api.pages.i18n import translate, translate_or
from core.cases.deadlines import LegalClock
from core.directory.schemas import Names
from core.entries.visibility import Visibility
from core.queries.catalogues import LEGAL_BASES, PURPOSES
from core.reports.schemas import PersonalReport, ReportAuthorization, ReportEntry, ReportRepair

DASH = "—"


class ReportWords:
    """The report's labels, vocabulary values, names, dates and catalogue codes in one language."""

    def __init__(self, lang: str, names: Names | None = None) -> None:
        self.lang = lang
        self.names = names or Names()

    def __repr__(self) -> str:
        return f"ReportWords({self.lang!r})"

    def t(self, key: str) -> str:
        """A message of the catalogue."""
        return translate(key, self.lang)

    def f(self, key: str, **values: object) -> str:
        """A catalogue template with its `{name}` fields filled in."""
        text = self.t(key)
        for name, value in values.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def v(self, group: str, value: object) -> str:
        """A vocabulary value (`kind`, `state`, `domain`…), raw when not catalogued."""
        return translate_or(f"{group}.{value}", str(value), self.lang)

    def org(self, slug: str | None) -> str:
        """A department's or agency's registered name (its slug only when unregistered)."""
        return self.names.of(slug, self.lang)

    def join(self, parts: Iterable[str], sep: str = "report.sep.parts") -> str:
        """Parts joined by the language's separator (`；` or `、` in Chinese)."""
        return self.t(sep).join(parts)

    def title(self, *parts: str) -> str:
        """A heading's parts, joined by the title separator."""
        return self.t("report.sep.title").join(p for p in parts if p)

    def mark(self, text: str) -> str:
        """A parenthesised mark after a value (full-width brackets in Chinese)."""
        return self.f("report.fmt.mark", mark=text)

    def purpose(self, code: str) -> str:
        """A purpose code's label."""
        found = PURPOSES.get(code)
        if found is None:
            return code
        return found.label_en if self.lang == "en" else found.label_zh

    def legal_basis(self, code: str | None) -> str:
        """A legal-basis code's label ('' for none)."""
        if code is None:
            return ""
        found = LEGAL_BASES.get(code)
        if found is None:
            return code
        return found.label_en if self.lang == "en" else found.label_zh

    def basis(self, basis: str, legal_basis: str | None) -> str:
        """A query's basis: the citizen's authorization, or the legal basis it cited."""
        word = self.v("report.basis", basis)
        if not legal_basis:
            return word
        return self.f("report.fmt.basis", basis=word, legal=self.legal_basis(legal_basis))

    def when(self, instant: datetime | None) -> str:
        """An instant in China Standard Time, to the minute, with the zone named."""
        return times.minute(instant, self.lang) or DASH

    def ends(self, instant: datetime | None) -> str:
        """An exclusive end instant (a CST midnight shown as the inclusive day before)."""
        return times.ends(instant, self.lang) or DASH

    def last(self, end: date | None) -> str:
        """An exclusive end date shown as the period's last day, marked inclusive."""
        return DASH if end is None else times.last_day(end - timedelta(days=1), self.lang)

    def due(self, day: date) -> str:
        """A due date (the last day to act), marked inclusive."""
        return times.last_day(day, self.lang)

    def day(self, day: date | None) -> str:
        """A plain date (a decision, a filing)."""
        return DASH if day is None else day.isoformat()

    def identity(self, report: PersonalReport) -> str:
        """The masked identity line: the surname and the code's first and last characters."""
        return self.f(
            "report.identity", name=report.masked_name or DASH, code=report.masked_code or DASH
        )

    def audiences(self, views: Iterable[Visibility]) -> str:
        """Who can still see an entry, and the last day each can."""
        parts = [
            self.f(
                "report.fmt.audience", who=self.v("audience", v.audience), day=self.last(v.until)
            )
            for v in views
        ]
        return self.join(parts) or self.t("record.nobody")

    def clocks(self, clocks: Iterable[LegalClock]) -> str:
        """The legal clocks still running, each with its due date (overdue, provisional marks)."""
        parts = []
        for c in clocks:
            text = self.f(
                "report.fmt.clock", step=self.v("report.step", c.step), day=self.due(c.due)
            )
            if c.overdue:
                text += self.mark(self.t("report.overdue"))
            if c.provisional:
                text += self.mark(self.t("calendar.provisional"))
            parts.append(text)
        return self.join(parts) or DASH

    def scope(self, grant: ReportAuthorization) -> str:
        """An authorization's scope: list kinds and domains."""
        kinds = self.join((self.v("kind", k) for k in grant.list_kinds), "report.sep.list")
        domains = (
            self.join((self.v("domain", d) for d in grant.domains), "report.sep.list")
            if grant.domains
            else self.t("report.all_domains")
        )
        return self.join([kinds, domains])

    def validity(self, grant: ReportAuthorization) -> str:
        """An authorization's window: its start, and its end (inclusive day at a midnight)."""
        return self.f(
            "report.fmt.span", start=self.when(grant.starts_at), end=self.ends(grant.expires_at)
        )

    def repair_status(self, repair: ReportRepair) -> str:
        """A repair's status, with the day it may be applied for again after a rejection."""
        status = self.v("report.repair_status", repair.status)
        if repair.retry_from is None:
            return status
        return self.f("report.fmt.retry", status=status, day=self.day(repair.retry_from))

    def remains(self, repair: ReportRepair) -> str:
        """What an approved repair leaves in the back end, and who can still see it."""
        left = repair.what_remains
        if left is None:
            return DASH
        return self.f(
            "report.fmt.kept",
            state=self.v("state", left.entry_state),
            day=self.last(left.kept_until),
            who=self.audiences(left.visible_to),
        )

    def entry_title(self, e: ReportEntry) -> str:
        """An entry's heading: list, domain and the department that recorded it."""
        return self.title(
            self.v("kind", e.list_kind), self.v("domain", e.domain), self.org(e.department)
        )

    def entry_rows(self, e: ReportEntry) -> list[tuple[str, str]]:
        """An entry's fields as (label, value) lines, in the order the report shows them."""
        rows = [
            (self.t("col.state"), self.v("state", e.state)),
            (self.t("col.ref"), e.public_ref),
            (self.t("col.department"), self.org(e.department)),
            (self.t("record.severity"), self.v("severity", e.severity)),
            (self.t("record.facts"), e.facts),
            (self.t("col.basis"), e.legal_basis),
            (self.t("col.decided"), self.day(e.decided_on)),
        ]
        if e.notice_until is not None:
            mark = self.mark(self.t("calendar.provisional")) if e.notice_until_provisional else ""
            rows.append((self.t("record.notice_until"), self.last(e.notice_until) + mark))
        rows += [
            (self.t("col.display_until"), self.last(e.display_until)),
            (self.t("record.valid_until"), self.last(e.valid_until)),
            (self.t("record.retain_until"), self.last(e.retain_until)),
        ]
        if e.exit_reason:
            rows.append((self.t("record.exit_reason"), self.v("report.exit", e.exit_reason)))
        if e.repair_ways:
            ways = self.join((self.v("way", w) for w in e.repair_ways), "report.sep.list")
            rows.append((self.t("record.repair_ways"), ways))
        rows += [
            (self.t("col.objection"), self.t("objection.mark") if e.under_objection else DASH),
            (self.t("record.statement"), e.statement or DASH),
            (self.t("record.visible_to"), self.audiences(e.visible_to)),
        ]
        return rows
