"""The personal credit report as words (zh or en) and as a PDF drawn with reportlab.

Invariants: presentation only — it formats a `PersonalReport` the service already
scoped and decrypted, and reads nothing else; the credit code is never in a report, so
it can never be drawn; every value is escaped before it reaches reportlab's paragraph
markup; the font is the built-in CID font `STSong-Light` (nothing embedded, Chinese and
Latin both render); the document's metadata names the report, never the person.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from api.pages.common import local_minute
from api.pages.i18n import translate, translate_or
from core.cases.deadlines import LegalClock
from core.entries.visibility import Visibility
from core.queries.catalogues import LEGAL_BASES, PURPOSES
from core.reports.schemas import PersonalReport, ReportAuthorization, ReportEntry, ReportRepair

FONT: Final = "STSong-Light"
MARGIN: Final = 16 * mm
LINE: Final = colors.HexColor("#c8c8c8")
SHADE: Final = colors.HexColor("#f0f0f0")
INK: Final = colors.HexColor("#1a1a1a")
MUTED: Final = colors.HexColor("#4a4a4a")


class ReportWords:
    """The report's labels, vocabulary values, dates and catalogue codes in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __repr__(self) -> str:
        return f"ReportWords({self.lang!r})"

    def t(self, key: str) -> str:
        """A message of the catalogue."""
        return translate(key, self.lang)

    def v(self, group: str, value: object) -> str:
        """A vocabulary value (`kind`, `state`, `domain`…), raw when not catalogued."""
        return translate_or(f"{group}.{value}", str(value), self.lang)

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
        return f"{word} · {self.legal_basis(legal_basis)}" if legal_basis else word

    def when(self, instant: datetime) -> str:
        """An instant in China Standard Time, to the minute."""
        return local_minute(instant)

    def audiences(self, views: Iterable[Visibility]) -> str:
        """Who can still see an entry, and until when."""
        parts = [
            f"{self.v('audience', v.audience)} {self.t('report.until')} {v.until.isoformat()}"
            for v in views
        ]
        return "; ".join(parts) or self.t("record.nobody")

    def clocks(self, clocks: Iterable[LegalClock]) -> str:
        """The legal clocks still running, each with its due date (overdue, provisional marks)."""
        parts = []
        for c in clocks:
            text = f"{self.v('report.step', c.step)} {self.t('report.due')} {c.due.isoformat()}"
            text += f" ({self.t('report.overdue')})" if c.overdue else ""
            parts.append(text + (f" ({self.t('calendar.provisional')})" if c.provisional else ""))
        return "; ".join(parts) or "—"

    def scope(self, grant: ReportAuthorization) -> str:
        """An authorization's scope: list kinds and domains."""
        kinds = ", ".join(self.v("kind", k) for k in grant.list_kinds)
        domains = (
            ", ".join(self.v("domain", d) for d in grant.domains)
            if grant.domains
            else self.t("report.all_domains")
        )
        return f"{kinds} · {domains}"

    def remains(self, repair: ReportRepair) -> str:
        """What an approved repair leaves in the back end, and who can still see it."""
        left = repair.what_remains
        if left is None:
            return "—"
        return (
            f"{self.v('state', left.entry_state)}; {self.t('report.kept_until')} "
            f"{left.kept_until.isoformat()}; {self.audiences(left.visible_to)}"
        )

    def entry_rows(self, e: ReportEntry) -> list[tuple[str, str]]:
        """An entry's fields as (label, value) lines, in the order the report shows them."""
        rows = [
            (self.t("col.state"), self.v("state", e.state)),
            (self.t("col.ref"), e.public_ref),
            (self.t("col.department"), e.department),
            (self.t("record.severity"), self.v("severity", e.severity)),
            (self.t("record.facts"), e.facts),
            (self.t("col.basis"), e.legal_basis),
            (self.t("col.decided"), e.decided_on.isoformat()),
        ]
        if e.notice_until is not None:
            mark = f" ({self.t('calendar.provisional')})" if e.notice_until_provisional else ""
            rows.append((self.t("record.notice_until"), e.notice_until.isoformat() + mark))
        rows += [
            (self.t("col.display_until"), e.display_until.isoformat()),
            (self.t("record.valid_until"), e.valid_until.isoformat()),
            (self.t("record.retain_until"), e.retain_until.isoformat()),
        ]
        if e.exit_reason:
            rows.append((self.t("record.exit_reason"), self.v("report.exit", e.exit_reason)))
        if e.repair_ways:
            ways = ", ".join(self.v("way", w) for w in e.repair_ways)
            rows.append((self.t("record.repair_ways"), ways))
        rows += [
            (self.t("col.objection"), self.t("objection.mark") if e.under_objection else "—"),
            (self.t("record.statement"), e.statement or "—"),
            (self.t("record.visible_to"), self.audiences(e.visible_to)),
        ]
        return rows


@cache
def _font() -> str:
    """Register the built-in CID font once per process."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


class _Styles:
    def __init__(self) -> None:
        font = _font()
        base: dict[str, Any] = {"fontName": font, "wordWrap": "CJK", "textColor": INK}
        self.body = ParagraphStyle("body", fontSize=9, leading=12.5, **base)
        self.small = ParagraphStyle("small", fontSize=7.5, leading=10, **base)
        self.head = ParagraphStyle("head", fontSize=8.5, leading=11, **base)
        self.h1 = ParagraphStyle("h1", fontSize=17, leading=22, spaceAfter=6, **base)
        self.h2 = ParagraphStyle(
            "h2", fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4, **base
        )
        self.h3 = ParagraphStyle("h3", fontSize=10.5, leading=14, spaceBefore=6, **base)


def _p(text: str, style: ParagraphStyle) -> Any:
    return Paragraph(escape(text), style)


def _table(
    header: list[str] | None, rows: list[list[str]], widths: list[float], styles: _Styles
) -> Any:
    data = [[_p(h, styles.head) for h in header]] if header else []
    data += [[_p(cell, styles.body) for cell in row] for row in rows]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), SHADE))
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(TableStyle(commands))
    return table


def _section(
    title: str,
    empty: str,
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    styles: _Styles,
) -> list[Any]:
    flow: list[Any] = [_p(title, styles.h2)]
    if not rows:
        return [*flow, _p(empty, styles.body)]
    return [*flow, _table(header, rows, widths, styles)]


def _width(*fractions: float) -> list[float]:
    usable = A4[0] - 2 * MARGIN
    return [usable * f for f in fractions]


def _overview(report: PersonalReport, w: ReportWords, styles: _Styles) -> list[Any]:
    s = report.summary
    facts = [
        [w.t("report.name"), report.subject_name or "—"],
        [w.t("report.code"), w.t("report.code_hidden")],
        [w.t("report.generated_at"), w.when(report.generated_at)],
        [w.t("report.as_of"), report.as_of.isoformat()],
        [w.t("report.warning_list"), w.t("yes") if report.warning_list else w.t("no")],
        [w.t("report.frozen"), w.t("report.frozen_yes") if report.frozen else w.t("no")],
    ]
    counts = [[w.t("report.entries_total"), str(s.entries)]]
    counts += [[w.v("kind", kind), str(n)] for kind, n in sorted(s.by_kind.items())]
    counts += [
        [w.t("report.entries_displayed"), str(s.displayed)],
        [w.t("report.entries_objected"), str(s.under_objection)],
        [w.t("report.queries_total"), str(s.queries)],
        [w.t("report.authorizations_active"), str(s.active_authorizations)],
        [w.t("report.objections_open"), str(s.open_objections)],
        [w.t("report.repairs_open"), str(s.open_repairs)],
    ]
    # Why a date reads "provisional", once, where the reader starts.
    note = (
        [_p(f"{w.t('calendar.provisional')}: {w.t('calendar.provisional_note')}", styles.body)]
        if s.provisional_deadlines
        else []
    )
    return [
        _p(w.t("report.title"), styles.h1),
        _p(w.t("report.intro"), styles.body),
        *note,
        Spacer(1, 4 * mm),
        _table(None, facts, _width(0.3, 0.7), styles),
        _p(w.t("report.summary"), styles.h2),
        _table([w.t("report.item"), w.t("report.count")], counts, _width(0.7, 0.3), styles),
    ]


def _entries(report: PersonalReport, w: ReportWords, styles: _Styles) -> list[Any]:
    flow: list[Any] = [_p(w.t("report.entries"), styles.h2)]
    if not report.entries:
        return [*flow, _p(w.t("report.no_entries"), styles.body)]
    for e in report.entries:
        title = f"{w.v('kind', e.list_kind)} · {w.v('domain', e.domain)} · {e.department}"
        if e.under_objection:
            title += f" · {w.t('objection.mark')}"
        rows = [[label, value] for label, value in w.entry_rows(e)]
        flow.append(
            KeepTogether([_p(title, styles.h3), _table(None, rows, _width(0.26, 0.74), styles)])
        )
    return flow


def _footer(words: ReportWords, generated: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, f"{words.t('report.pdf_footer')} · {generated}")
        page = words.t("report.page").replace("{n}", str(doc.page))
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, page)
        canvas.restoreState()

    return draw


def render_pdf(report: PersonalReport, lang: str) -> bytes:
    """The report as an A4 PDF in `lang`."""
    w = ReportWords(lang)
    styles = _Styles()
    flow = _overview(report, w, styles) + _entries(report, w, styles)
    flow += _section(
        w.t("report.queries"),
        w.t("report.no_queries"),
        [
            w.t("queries.at"),
            w.t("queries.agency"),
            w.t("queries.purpose"),
            w.t("queries.basis"),
            w.t("queries.outcome"),
            w.t("queries.entries"),
        ],
        [
            [
                w.when(q.at),
                q.agency,
                w.purpose(q.purpose),
                w.basis(q.basis, q.legal_basis),
                w.v("outcome", q.outcome),
                str(q.entries_returned),
            ]
            for q in report.queries
        ],
        _width(0.17, 0.17, 0.19, 0.21, 0.13, 0.13),
        styles,
    )
    flow += _section(
        w.t("report.authorizations"),
        w.t("report.no_authorizations"),
        [
            w.t("queries.agency"),
            w.t("queries.purpose"),
            w.t("report.col.scope"),
            w.t("report.col.validity"),
            w.t("report.col.uses"),
            w.t("col.state"),
        ],
        [
            [
                a.agency,
                w.purpose(a.purpose),
                w.scope(a),
                f"{w.when(a.starts_at)} – {w.when(a.expires_at)}",
                f"{a.uses} / {a.max_uses}",
                w.v("report.auth_state", a.state),
            ]
            for a in report.authorizations
        ],
        _width(0.14, 0.17, 0.2, 0.23, 0.12, 0.14),
        styles,
    )
    flow += _section(
        w.t("report.objections"),
        w.t("report.no_objections"),
        [
            w.t("case.filed_on"),
            w.t("report.col.entry"),
            w.t("case.status"),
            w.t("report.col.clocks"),
            w.t("case.escalated"),
        ],
        [
            [
                o.filed_on.isoformat(),
                f"{w.v('kind', o.list_kind)} · {o.department}",
                w.v("status", o.status) + (f" · {w.t('report.erased')}" if o.erased else ""),
                w.clocks(o.clocks),
                w.t("yes") if o.escalated else w.t("no"),
            ]
            for o in report.objections
        ],
        _width(0.14, 0.26, 0.18, 0.3, 0.12),
        styles,
    )
    flow += _section(
        w.t("report.repairs"),
        w.t("report.no_repairs"),
        [
            w.t("case.filed_on"),
            w.t("report.col.entry"),
            w.t("report.col.way"),
            w.t("case.status"),
            w.t("report.col.clocks"),
            w.t("report.col.remains"),
        ],
        [
            [
                r.filed_on.isoformat(),
                f"{w.v('kind', r.list_kind)} · {w.v('domain', r.domain)}",
                w.v("way", r.way),
                w.v("report.repair_status", r.status)
                + (
                    f" · {w.t('report.col.retry_from')} {r.retry_from.isoformat()}"
                    if r.retry_from
                    else ""
                ),
                w.clocks(r.clocks),
                w.remains(r),
            ]
            for r in report.repairs
        ],
        _width(0.12, 0.18, 0.14, 0.16, 0.2, 0.2),
        styles,
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=w.t("report.title"),
        author="Credence",
        creator="Credence",
        subject="",
        lang="zh-Hans" if lang == "zh" else "en",
    )
    footer = _footer(w, w.when(report.generated_at))
    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
