"""The confirmation step before an irreversible action, without script (the CSP allows none inline).

A form posts without `confirm=yes`; the route answers with `confirm_page`, which says what
will happen and posts the same fields again with `confirm=yes`. Only that second post acts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.pages.render import render

CONFIRMED = "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and posts again."""

    action: str
    back: str
    title_key: str
    what_key: str
    button_key: str
    fields: Sequence[tuple[str, str]] = ()
    details: Sequence[tuple[str, str]] = field(default_factory=tuple)


def confirmed(value: str | None) -> bool:
    """Whether a form's `confirm` field says the person confirmed."""
    return value == CONFIRMED


def confirm_page(request: Request, confirmation: Confirmation) -> HTMLResponse:
    """The page that asks before acting (200: nothing has happened yet)."""
    return render(request, "confirm.html", {"confirm": confirmation})


def repost(fields: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The fields to post again, the CSRF token and `confirm` left out (the page adds them)."""
    return tuple((k, v) for k, v in fields if k not in {"confirm", "csrf_token"})
