"""The recorder's forms as posted, and their refusals in the page's language.

Invariants:
- A form keeps what was typed after a refusal — code, name, facts and summary too — in
  the re-rendered form body only: never in a URL, a redirect or a log, and the page is
  sent `no-store`. The model's `repr` shows nothing personal.
- On a page an end date is the last day of its period (含当日); the services read the
  first day after it (the API's `display_until`, `valid_until`). The conversion is here.
- A refusal's words come from the catalogue by the rule or error type that refused,
  filled only with dates a rule computed; a code's refusal names its rule, never the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from api.pages.i18n import translate, translate_or
from api.pages.refusals import fill
from core.errors import DomainError
from core.vocabulary import REPAIR_WAYS

ONE_DAY: Final = timedelta(days=1)
# End dates: the page shows and takes the last day, the services the first day after.
END_DATES: Final = ("display_until", "valid_until")
# A code's refusal names its kind and rule (core.codes' fixed messages), never the code.
_CODE_RULE: Final = re.compile(r"(citizen|organisation) code failed rule '([a-z_]+)'")
# Dates a refusal computed, as first days after a period: shown as last days.
_END_VALUES: Final = frozenset({"earliest", "latest"})


def last_day(day: date | None) -> date | None:
    """The last day of a period that ends (exclusively) on `day`."""
    return None if day is None else day - ONE_DAY


def first_day_after(text: str) -> str:
    """A typed last day as the services read it (the day after); anything else as typed."""
    try:
        return (date.fromisoformat(text.strip()) + ONE_DAY).isoformat()
    except ValueError:
        return text


class EntryForm(BaseModel):
    """The add-entry form as posted: text as typed, checked boxes as `on`."""

    external_id: str = ""
    subject_code: str = ""
    subject_name: str = ""
    list_kind: str = ""
    domain: str = ""
    severity: str = ""
    facts: str = ""
    public_summary: str = ""
    legal_basis: str = ""
    decided_on: str = ""
    display_until: str = ""
    valid_until: str = ""
    watch_months: str = ""
    repairable: str = ""
    repair_ways: list[str] = []

    def __repr__(self) -> str:
        return "EntryForm(<personal>)"

    def submission(self) -> dict[str, object]:
        """The fields as `EntryCreate` reads them: blanks left out, so defaults apply."""
        text = self.model_dump(exclude={"repairable", "repair_ways"})
        data: dict[str, object] = {k: v.strip() for k, v in text.items() if v.strip()}
        for name in END_DATES:
            if name in data:
                data[name] = first_day_after(str(data[name]))
        data["repairable"] = self.repairable == "on"
        data["repair_ways"] = list(self.repair_ways)
        return data

    def typed(self) -> dict[str, object]:
        """Everything as typed, to fill the form in again (in the response body only)."""
        values: dict[str, object] = self.model_dump(exclude={"repairable", "repair_ways"})
        values["repairable"] = self.repairable == "on"
        values["repair_ways"] = [w for w in self.repair_ways if w in REPAIR_WAYS]
        return values


class AmendForm(BaseModel):
    """The amend form as posted: blank fields are left as they are."""

    facts: str = ""
    public_summary: str = ""
    legal_basis: str = ""
    decided_on: str = ""
    display_until: str = ""
    valid_until: str = ""
    version: str = ""

    def __repr__(self) -> str:
        return "AmendForm(<personal>)"

    def submission(self) -> dict[str, object]:
        """The fields as `EntryAmend` reads them: blanks left out, end dates as the day after."""
        data: dict[str, object] = {k: v.strip() for k, v in self.model_dump().items() if v.strip()}
        for name in END_DATES:
            if name in data:
                data[name] = first_day_after(str(data[name]))
        return data

    def typed(self) -> dict[str, object]:
        """Everything as typed, to fill the form in again."""
        return dict(self.model_dump())


def _code_message(msg: str, lang: str) -> str | None:
    found = _CODE_RULE.search(msg)
    if found is None:
        return None
    kind, rule = found.groups()
    if kind == "organisation":
        text = translate_or(f"rec_code.org.{rule}", "", lang)
        if text:
            return text
    return translate_or(f"rec_code.{rule}", "", lang) or None


def error_words(
    errors: Iterable[Mapping[str, Any]], lang: str, *, whole: str = "rec_field.entry"
) -> list[tuple[str, str]]:
    """(field, message) for each validation error, in the page's language, once a field."""
    words: list[tuple[str, str]] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        field = loc[0] if loc else ""
        kind, msg = str(err.get("type", "")), str(err.get("msg", ""))
        text = (
            (_code_message(msg, lang) if field == "subject_code" else None)
            or translate_or(f"rec_type.{kind}", "", lang)
            or translate_or(f"rec_field.{field}" if field else whole, "", lang)
            or translate(whole, lang)
        )
        if (field, text) not in words:
            words.append((field, text))
    return words


def validation_words(
    exc: ValidationError, lang: str, *, whole: str = "rec_field.entry"
) -> list[tuple[str, str]]:
    """A model's validation errors in the page's language (pydantic never gives the input)."""
    return error_words(exc.errors(include_input=False, include_url=False), lang, whole=whole)


def refusal_words(exc: DomainError, lang: str) -> str:
    """A domain refusal in the page's language: its rule's text, with the dates it computed."""
    computed: dict[str, object] = {}
    for name, value in (exc.extra or {}).items():
        if name in _END_VALUES and isinstance(value, str):
            value = (date.fromisoformat(value) - ONE_DAY).isoformat()
        computed[name] = value
    text = translate_or(f"rec_err.{exc.rule}", "", lang) if exc.rule else ""
    if not text and exc.rule:
        text = _code_message(f"citizen code failed rule '{exc.rule}'", lang) or ""
    return fill(text or translate("rec_err.other", lang), computed)
