"""The issued personal credit report as a PDF drawn with reportlab.

Invariants: presentation only — it formats an issued `PersonalReport` the services
already scoped, decrypted and signed, in the words of `ReportWords`, and reads nothing
else; the credit code is never in a report (only its mask), so it can never be drawn;
every value is escaped before it reaches reportlab's paragraph markup; the text is set in
the vendored WenQuanYi Micro Hei, embedded (as a subset) so every reader sees the same
glyphs — a character it lacks is set in the built-in `STSong-Light` CID font rather than
lost; every page says "第 N 页 共 M 页" and the report number; the document's metadata
names the report, never the person.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from api.reports import qr
from api.reports.words import DASH, ReportWords
from core.reports.schemas import PersonalReport

FONT_FILE: Final = Path(__file__).resolve().parent / "fonts" / "WenQuanYiMicroHei-subset.ttf"
FONT: Final = "WenQuanYiMicroHei"
FALLBACK: Final = "STSong-Light"
MARGIN: Final = 16 * mm
QR_SIZE: Final = 30 * mm
# From CJK Radicals Supplement on: the scripts whose lines break between any two characters.
CJK_FROM: Final = 0x2E80
LINE: Final = colors.HexColor("#c8c8c8")
SHADE: Final = colors.HexColor("#f0f0f0")
INK: Final = colors.HexColor("#1a1a1a")
MUTED: Final = colors.HexColor("#4a4a4a")
NOTES: Final = (
    "report.note.source",
    "report.note.verify",
    "report.note.privacy",
    "report.note.times",
    "report.note.objection",
)


class ReportFontMissing(RuntimeError):
    """The report's font file is not where the package keeps it."""


@dataclass(frozen=True)
class Fonts:
    """The registered report font and the characters it can draw."""

    name: str
    fallback: str
    characters: frozenset[int]

    def covers(self, text: str) -> bool:
        """Whether the embedded font has a glyph for every character of `text`."""
        return all(ord(ch) in self.characters for ch in text)


@cache
def fonts() -> Fonts:
    """Register the embedded font (and the fallback CID font) once per process."""
    if not FONT_FILE.is_file():
        raise ReportFontMissing(
            f"the report font {FONT_FILE.name} is missing from {FONT_FILE.parent}: "
            "reinstall credence (the font ships with the package, api/reports/fonts)"
        )
    font = TTFont(FONT, str(FONT_FILE))
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return Fonts(FONT, FALLBACK, frozenset(font.face.charToGlyph))


def markup(text: str) -> str:
    """Paragraph markup of plain text: escaped, and runs the font lacks set in the fallback."""
    covered = fonts()
    out: list[str] = []
    run: list[str] = []
    for ch in text:
        if ch == "\n" or ord(ch) in covered.characters:
            if run:
                out.append(f'<font name="{covered.fallback}">{escape("".join(run))}</font>')
                run = []
            out.append("<br/>" if ch == "\n" else escape(ch))
        else:
            run.append(ch)
    if run:
        out.append(f'<font name="{covered.fallback}">{escape("".join(run))}</font>')
    return "".join(out)


def _has_cjk(text: str) -> bool:
    return any(ord(ch) >= CJK_FROM for ch in text)


class _Styles:
    def __init__(self) -> None:
        font = fonts().name
        base: dict[str, Any] = {"fontName": font, "wordWrap": "CJK", "textColor": INK}
        self.body = ParagraphStyle("body", fontSize=9, leading=12.5, **base)
        self.small = ParagraphStyle("small", fontSize=7.5, leading=10, **base)
        self.head = ParagraphStyle("head", fontSize=8.5, leading=11, **base)
        self.h1 = ParagraphStyle("h1", fontSize=17, leading=22, spaceAfter=2, **base)
        self.issuer = ParagraphStyle("issuer", fontSize=9.5, leading=13, spaceAfter=6, **base)
        # A heading stays with what follows it, never alone at the foot of a page.
        self.h2 = ParagraphStyle(
            "h2", fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4, keepWithNext=1, **base
        )
        self.h3 = ParagraphStyle(
            "h3", fontSize=10.5, leading=14, spaceBefore=6, keepWithNext=1, **base
        )


def _p(text: str, style: ParagraphStyle) -> Any:
    # CJK wrapping breaks between any two characters: right for Chinese, wrong inside an
    # English word, so text without CJK characters wraps at its spaces.
    if not _has_cjk(text):
        style = ParagraphStyle(f"{style.name}-latin", parent=style, wordWrap=None)
    return Paragraph(markup(text), style)


# A table sets its cells' font (Helvetica unless told), even around paragraphs.
_CELL_FONT: Final = (("FONTNAME", (0, 0), (-1, -1), FONT),)


def _table(
    header: list[str] | None, rows: list[list[str]], widths: list[float], styles: _Styles
) -> Any:
    data = [[_p(h, styles.head) for h in header]] if header else []
    data += [[_p(cell, styles.body) for cell in row] for row in rows]
    commands: list[tuple[Any, ...]] = [
        *_CELL_FONT,
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


def _usable() -> float:
    return float(A4[0] - 2 * MARGIN)


def _width(*fractions: float, of: float | None = None) -> list[float]:
    usable = _usable() if of is None else of
    return [usable * f for f in fractions]


def _issue_block(report: PersonalReport, w: ReportWords, url: str, styles: _Styles) -> Any:
    """The report's number, issuer, time and masked identity beside its verification QR."""
    issue = report.issue
    number = issue.number if issue is not None else DASH
    facts = [
        [w.t("report.number"), number],
        [w.t("report.issuer_label"), w.t("report.issuer")],
        [w.t("report.generated_at"), w.when(report.generated_at)],
        [w.t("report.as_of"), w.day(report.as_of)],
        [w.t("report.subject"), w.identity(report)],
    ]
    left_width = _usable() - QR_SIZE - 8 * mm
    left = _table(None, facts, _width(0.3, 0.7, of=left_width), styles)
    if issue is None:
        return left
    right = [
        Image(io.BytesIO(qr.png(url)), width=QR_SIZE, height=QR_SIZE),
        _p(w.t("report.scan"), styles.small),
    ]
    block = Table([[left, right]], colWidths=[left_width + 4 * mm, QR_SIZE + 4 * mm])
    block.setStyle(
        TableStyle(
            [
                *_CELL_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 4 * mm),
            ]
        )
    )
    return block


def _overview(report: PersonalReport, w: ReportWords, url: str, styles: _Styles) -> list[Any]:
    s = report.summary
    facts = [
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
        [
            _p(
                w.f(
                    "report.fmt.note",
                    label=w.t("calendar.provisional"),
                    text=w.t("calendar.provisional_note"),
                ),
                styles.body,
            )
        ]
        if s.provisional_deadlines
        else []
    )
    verify: list[Any] = []
    if report.issue is not None:
        verify = [
            _p(w.t("report.verify"), styles.h2),
            _p(w.t("report.verify_hint"), styles.body),
            _table(
                None,
                [
                    [w.t("report.verify_code"), report.issue.verification_code],
                    [w.t("report.verify_url"), url],
                ],
                _width(0.3, 0.7),
                styles,
            ),
        ]
    return [
        _p(w.t("report.title"), styles.h1),
        _p(w.t("report.issuer"), styles.issuer),
        _issue_block(report, w, url, styles),
        Spacer(1, 3 * mm),
        _p(w.t("report.intro"), styles.body),
        *note,
        Spacer(1, 3 * mm),
        _table(None, facts, _width(0.3, 0.7), styles),
        _p(w.t("report.summary"), styles.h2),
        _table([w.t("report.item"), w.t("report.count")], counts, _width(0.7, 0.3), styles),
        *verify,
    ]


def _entries(report: PersonalReport, w: ReportWords, styles: _Styles) -> list[Any]:
    heading = _p(w.t("report.entries"), styles.h2)
    if not report.entries:
        return [heading, _p(w.t("report.no_entries"), styles.body)]
    flow: list[Any] = []
    for e in report.entries:
        title = w.entry_title(e)
        if e.under_objection:
            title = w.title(title, w.t("objection.mark"))
        rows = [[label, value] for label, value in w.entry_rows(e)]
        # The section's heading goes with its first entry.
        lead = [] if flow else [heading]
        flow.append(
            KeepTogether(
                [*lead, _p(title, styles.h3), _table(None, rows, _width(0.26, 0.74), styles)]
            )
        )
    return flow


def _notes(w: ReportWords, styles: _Styles) -> list[Any]:
    rows = [[f"{i}.", w.t(key)] for i, key in enumerate(NOTES, start=1)]
    numbered = Table(
        [[_p(n, styles.body), _p(text, styles.body)] for n, text in rows],
        colWidths=_width(0.05, 0.95),
    )
    numbered.setStyle(
        TableStyle(
            [
                *_CELL_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [KeepTogether([_p(w.t("report.notes"), styles.h2), numbered])]


def _sections(report: PersonalReport, w: ReportWords, styles: _Styles) -> list[Any]:
    flow = _section(
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
                w.org(q.agency),
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
                w.org(a.agency),
                w.purpose(a.purpose),
                w.scope(a),
                w.validity(a),
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
                w.day(o.filed_on),
                w.title(w.v("kind", o.list_kind), w.org(o.department)),
                w.v("status", o.status) + (w.mark(w.t("report.erased")) if o.erased else ""),
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
                w.day(r.filed_on),
                w.title(w.v("kind", r.list_kind), w.v("domain", r.domain)),
                w.v("way", r.way),
                w.repair_status(r),
                w.clocks(r.clocks),
                w.remains(r),
            ]
            for r in report.repairs
        ],
        _width(0.12, 0.16, 0.17, 0.13, 0.21, 0.21),
        styles,
    )
    return flow


Footer = Callable[[Any, int, int], None]


def _footer(w: ReportWords, number: str) -> Footer:
    """Draw one page's footer: the report and its number, and "page N of M"."""
    left = w.f("report.pdf_footer", number=number)
    font = fonts()
    if not font.covers(left + w.t("report.page_of")):
        raise ReportFontMissing("the report font lacks a character of the page footer")

    def draw(canvas: Any, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(font.name, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, left)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, w.f("report.page_of", n=page, m=pages))
        canvas.restoreState()

    return draw


def _counting_canvas(footer: Footer) -> type[Any]:
    """A canvas class that holds its pages back until it knows how many there are."""

    class CountingCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = len(self._held)
            for page, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                footer(self, page, pages)
                super().showPage()
            super().save()

    return CountingCanvas


def render_pdf(report: PersonalReport, words: ReportWords, url: str) -> bytes:
    """The issued report as an A4 PDF in the words' language; `url` is its verification page."""
    w = words
    styles = _Styles()
    flow = _overview(report, w, url, styles) + _entries(report, w, styles)
    flow += _sections(report, w, styles) + _notes(w, styles)
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
        lang="zh-Hans" if w.lang == "zh" else "en",
        # Every page starts in the embedded font: no unembedded Helvetica at all.
        initialFontName=fonts().name,
    )
    number = report.issue.number if report.issue is not None else DASH
    doc.build(flow, canvasmaker=_counting_canvas(_footer(w, number)))
    return buffer.getvalue()
