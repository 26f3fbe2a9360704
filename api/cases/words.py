"""What the case pages say about a refusal, and the small date and file words they share.

Invariants: a refusal is shown by the catalogued text of its stable rule in the page's
language (an officer's own wording first, then the cases', then the shared `me_err.`
texts), filled only with values the rule computed or the service's limits — never with
input; an uncatalogued rule is a generic catalogued sentence, never the service's
English detail. An exclusive end date is shown as the inclusive day before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Final

from api.pages.i18n import translate, translate_or
from api.pages.refusals import fill
from core.errors import DomainError, NotFound

_MB: Final = 1024 * 1024


def refusal(
    exc: DomainError, lang: str, values: dict[str, object] | None = None, *, officer: bool = False
) -> str:
    """A case refusal in the page language, by its rule (with the dates the rule computed)."""
    computed: dict[str, object] = {**(getattr(exc, "extra", None) or {}), **(values or {})}
    keys = [f"case_err.{exc.rule}", f"me_err.{exc.rule}"] if exc.rule else []
    if officer and exc.rule:
        keys.insert(0, f"case_err.officer.{exc.rule}")
    for key in keys:
        text = translate_or(key, "", lang)
        if text:
            return fill(text, computed)
    if isinstance(exc, NotFound):
        return translate("error.not_found", lang)
    return translate("case_err.unknown", lang)


def rule_text(rule: str, lang: str, values: dict[str, object] | None = None) -> str:
    """A refusal the page itself finds (a form field), by the same catalogue."""
    return fill(translate(f"case_err.{rule}", lang), values or {})


def field_names(fields: Iterable[str], lang: str, prefix: str = "case.field") -> str:
    """The named fields of a refused form, in the page language, listed."""
    sep = "、" if lang == "zh" else ", "
    return sep.join(translate_or(f"{prefix}.{f}", f, lang) for f in fields if f)


def evidence_limits(max_files: int, max_bytes: int) -> dict[str, object]:
    """The evidence limits a refusal's text may name."""
    return {"max_files": max_files, "max_mb": max_bytes // _MB}


def day_before(day: date | None) -> date | None:
    """The last day of a period given by its exclusive end date."""
    return None if day is None else day - timedelta(days=1)


def file_type(media_type: str) -> str:
    """An evidence file's type as people name it (PDF, PNG, JPEG)."""
    return media_type.rsplit("/", 1)[-1].upper()


def file_size(size: int) -> str:
    """An evidence file's size in bytes, KB or MB (one decimal)."""
    if size >= _MB:
        return f"{size / _MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} B"


def paren(text: object, lang: str) -> str:
    """An aside in brackets: full-width in Chinese, spaced ASCII in English."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def file_meta(media_type: str, size: int, lang: str) -> str:
    """An evidence file's type and size, as an aside after its name."""
    sep = "，" if lang == "zh" else ", "
    return paren(f"{file_type(media_type)}{sep}{file_size(size)}", lang)


# What every case template may call, beside the shared globals (t, tv, org, when, until…).
TEMPLATE_HELPERS: Final = {
    "day_before": day_before,
    "file_type": file_type,
    "file_size": file_size,
    "file_meta": file_meta,
    "paren": paren,
}
