"""The pages' message catalogue: Simplified Chinese by default, English on request.

Invariants: one dictionary, no gettext toolchain; a missing translation falls back to
Chinese and then to the key itself, so a page never fails to render over a string. The
dictionary is assembled here from the shared words (`api.pages.messages`) and each
domain's own (`api/<domain>/messages.py`); a key defined twice is refused at import.
"""

from __future__ import annotations

from typing import Final

from api.audit import messages as audit
from api.cases import messages as cases
from api.cases.objections import messages as objections
from api.cases.repairs import messages as repairs
from api.consents import messages as consents
from api.entries import messages as entries
from api.identity import messages as identity
from api.pages import messages as shared
from api.public import messages as public
from api.queries import messages as queries
from api.querylog import messages as querylog
from api.reference import messages as reference
from api.reports import messages as reports
from core.queries.catalogues import LEGAL_BASES, PURPOSES

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"
HTML_LANG: Final = {"zh": "zh-Hans", "en": "en"}

_M: Final[dict[str, tuple[str, str]]] = {}


def _merge(*areas: dict[str, tuple[str, str]]) -> None:
    """Add each area's messages; a key defined twice is a bug, found at import."""
    for area in areas:
        twice = sorted(set(area) & set(_M))
        if twice:
            raise RuntimeError(f"messages defined twice: {twice}")
        _M.update(area)


# Every domain with pages, each with its own words: a domain's messages live beside its
# pages in api/<domain>/messages.py.
DOMAIN_MESSAGES: Final = (
    public,
    querylog,
    identity,
    entries,
    consents,
    queries,
    cases,
    objections,
    repairs,
    reports,
    audit,
    reference,
)

_merge(
    shared.MESSAGES,
    # Query purposes and legal bases: their labels live with the catalogue itself.
    {f"purpose.{p.code}": (p.label_zh, p.label_en) for p in PURPOSES.values()},
    {f"basis.{b.code}": (b.label_zh, b.label_en) for b in LEGAL_BASES.values()},
    *(domain.MESSAGES for domain in DOMAIN_MESSAGES),
)


def pick_lang(requested: str | None, remembered: str | None) -> str:
    """The page language: an explicit `?lang=`, else the cookie, else Chinese."""
    for lang in (requested, remembered):
        if lang in LANGS:
            return lang
    return DEFAULT_LANG


def translate(key: str, lang: str) -> str:
    """The message for `key` in `lang` (falling back to Chinese, then to the key)."""
    pair = _M.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" and pair[1] else pair[0]


def translate_or(key: str, fallback: str, lang: str) -> str:
    """The message for `key`, or `fallback` (a raw vocabulary value) when none is defined."""
    return translate(key, lang) if key in _M else fallback
