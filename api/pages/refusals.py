"""Domain refusals as pages: the status, the message in the page language, the error pages.

Invariants: a page answers a refusal with the status `api/problems.py` gives it in the API,
so a page and the API agree; the message is the catalogued text of the refusal's rule,
filled only with values the rule computed or the caller's limits — never with input —
and an uncatalogued rule falls back to the domain's own message, which holds no
personal data; no refusal is ever shown as a traceback.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.pages.i18n import translate, translate_or
from api.pages.render import render
from api.problems import status_of
from core.errors import (
    DomainError,
    NotFound,
)


def refusal_status(exc: DomainError) -> int:
    """The HTTP status of a domain refusal, as the API maps it."""
    return status_of(exc)


def fill(text: str, values: dict[str, object]) -> str:
    """Put computed values (dates, limits) into a catalogued message's `{name}` slots."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def refusal_message(exc: DomainError, lang: str, values: dict[str, object] | None = None) -> str:
    """A refusal in the page language: the catalogued text of its rule, with computed dates.

    Only values a rule computed (`exc.extra`) or the caller's limits fill the text; an
    uncatalogued rule falls back to the domain's own message, which holds no personal data.
    """
    computed: dict[str, object] = {**(getattr(exc, "extra", None) or {}), **(values or {})}
    if exc.rule:
        text = translate_or(f"me_err.{exc.rule}", "", lang)
        if text:
            return fill(text, computed)
    if isinstance(exc, NotFound):
        return translate("error.not_found", lang)
    return exc.detail


def invalid_fields(exc: ValidationError) -> list[str]:
    """The names of the fields a validation error is about ("" for the model as a whole)."""
    names: list[str] = []
    for err in exc.errors():
        loc = err.get("loc", ())
        name = str(loc[0]) if loc else ""
        if name not in names:
            names.append(name)
    return names


def not_found_page(request: Request) -> HTMLResponse:
    """The 404 page."""
    return render(request, "error.html", {"message_key": "error.not_found"}, status=404)


def gone_page(request: Request) -> HTMLResponse:
    """The 410 page of a staff page whose content was erased (its key destroyed)."""
    return render(request, "error.html", {"message_key": "staff.gone"}, status=410)
