"""Rendering pages: the Jinja2 environment, the language, the session cookie, CSRF.

Invariants: autoescaping is on for every template; every rendered page carries the
CSRF token of its session id and sets that id's cookie when it was new; the language
comes from `?lang=` (remembered in a cookie) or the cookie, Chinese by default.
Templates live with the domain whose pages render them (`api/<domain>/templates/`), the
shared ones (layout, error page, partials several domains include) in
`api/pages/templates/`; a template's name is its path inside its folder, and no name is
defined in two folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import read_context
from api.pages import times
from api.pages.i18n import HTML_LANG, pick_lang, translate, translate_or
from api.pages.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    SID_COOKIE,
    cookie_secure,
    current_session,
    request_sid,
    web_state,
)
from api.state import app_state
from core.directory import service as directory
from core.directory.schemas import Names

API_DIR: Final = Path(__file__).resolve().parent.parent
TEMPLATES_DIR: Final = API_DIR / "pages" / "templates"
# The shared folder first, then every domain's, found in the package tree.
TEMPLATE_DIRS: Final = (
    TEMPLATES_DIR,
    *sorted(d for d in API_DIR.glob("**/templates") if d.is_dir() and d != TEMPLATES_DIR),
)
STATIC_DIR: Final = API_DIR / "static"
templates = Jinja2Templates(directory=[str(d) for d in TEMPLATE_DIRS])
LANG_MAX_AGE: Final = 365 * 24 * 3600


def page_lang(request: Request) -> str:
    """The language of this page."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def lang_href(request: Request, lang: str) -> str:
    """This page in another language: the same path and query, `lang` replaced."""
    # Page queries carry filters, cursors and ids only, never personal data (no code or
    # name is ever put in a URL), so keeping them is safe.
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*kept, ('lang', lang)])}"


def set_sid_cookie(request: Request, response: Response, sid: str) -> None:
    """Set the session id cookie (HttpOnly, SameSite=Strict, Secure off loopback http)."""
    response.set_cookie(
        SID_COOKIE,
        sid,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/",
    )


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render one page with the shared context (language, session, CSRF token)."""
    lang = page_lang(request)
    sid = request_sid(request)
    session = current_session(request)

    def t(key: str) -> str:
        return translate(key, lang)

    def tv(prefix: str, value: object) -> str:
        """A vocabulary value in the page language (the raw value if not catalogued)."""
        return translate_or(f"{prefix}.{value}", str(value), lang)

    names: list[Names] = []

    def org(slug: str | None) -> str:
        """A department's or agency's display name in the page language (read once a page)."""
        if not names:
            with read_context(app_state(request).runtime) as rc:
                names.append(directory.names(rc))
        return names[0].of(slug, lang)

    ctx: dict[str, Any] = {
        "t": t,
        "tv": tv,
        "org": org,
        "when": lambda instant: times.minute(instant, lang),
        "until": lambda day: times.last_day(day, lang),
        "ends": lambda instant: times.ends(instant, lang),
        "ends_on": lambda day: times.ends_on(day, lang),
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "other_lang": "en" if lang == "zh" else "zh",
        "other_lang_href": lang_href(request, "en" if lang == "zh" else "zh"),
        "session": session,
        "csrf_field": CSRF_FIELD,
        "csrf_token": web_state(request).csrf_token(sid),
        "path": request.url.path,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status)
    if getattr(request.state, "sid_is_new", False):
        set_sid_cookie(request, response, sid)
    requested = request.query_params.get("lang")
    if requested == lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=cookie_secure(request),
            path="/",
        )
    return response
