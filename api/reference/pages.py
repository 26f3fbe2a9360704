"""The API reference, offline: Swagger UI, ReDoc, and a page at each problem type URI.

Invariants: the reference pages load nothing from another origin and run no inline
script or style (Swagger UI is started by a static file, ReDoc's styles go through
constructed stylesheets), so they are served under the pages' strict
Content-Security-Policy (api/headers.py covers their paths). A problem type's URI
(`/problems/<slug>`) answers an HTML page in the page's language, or JSON to a client
that asks for JSON; both are built from `api.problem_types` alone.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api.pages.common import PublicPageDep
from api.pages.render import render
from api.problem_types import PROBLEM_TYPES, ProblemType
from api.problems import TYPE_BASE

DOCS_URL: Final = "/docs"
REDOC_URL: Final = "/redoc"
ASSETS_URL: Final = "/docs/assets"
# Swagger UI, ReDoc and their stylesheet as the `fastapi-offline` wheel ships them.
ASSETS_DIR: Final = Path(str(resources.files("fastapi_offline").joinpath("static")))
TITLE: Final = "Credence API"

_SWAGGER: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" data-openapi-url="{spec}"></main>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{root}/static/swagger-init.js"></script>
</body>
</html>
"""

# ReDoc starts by itself on its element; redoc-csp.js, loaded first, keeps its styles
# inside the CSP (constructed stylesheets instead of inline <style> elements).
_REDOC: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<redoc spec-url="{spec}" disable-search hide-download-button></redoc>
<script src="{root}/static/redoc-csp.js"></script>
<script src="{assets}/redoc.standalone.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


def _reference(template: str, request: Request) -> HTMLResponse:
    root = escape(str(request.scope.get("root_path", "")), quote=True)
    spec = escape(request.app.openapi_url or "/openapi.json", quote=True)
    html = template.format(title=TITLE, root=root, assets=root + ASSETS_URL, spec=root + spec)
    return HTMLResponse(html)


@router.get(DOCS_URL, response_class=HTMLResponse)
def swagger_ui(request: Request, _: PublicPageDep) -> HTMLResponse:
    """The interactive reference (Swagger UI), from packaged assets."""
    return _reference(_SWAGGER, request)


@router.get(REDOC_URL, response_class=HTMLResponse)
def redoc(request: Request, _: PublicPageDep) -> HTMLResponse:
    """The reference as one long page (ReDoc), from packaged assets."""
    return _reference(_REDOC, request)


def _wants_json(request: Request) -> bool:
    """Whether the client asked for JSON rather than a page (a program, not a browser)."""
    accept = request.headers.get("accept", "").lower()
    return "json" in accept and "text/html" not in accept


def _as_json(kind: ProblemType) -> dict[str, object]:
    return {
        "type": TYPE_BASE + kind.slug,
        "statuses": list(kind.statuses),
        "title": {"zh": kind.title[0], "en": kind.title[1]},
        "description": {"zh": kind.about[0], "en": kind.about[1]},
    }


@router.get("/problems", response_class=HTMLResponse)
def problem_types(request: Request, _: PublicPageDep) -> Response:
    """Every problem type the API answers with."""
    kinds = list(PROBLEM_TYPES.values())
    if _wants_json(request):
        return JSONResponse({"items": [_as_json(k) for k in kinds]})
    return render(request, "reference/problems.html", {"kinds": kinds, "base": TYPE_BASE})


@router.get("/problems/{slug}", response_class=HTMLResponse)
def problem_type(slug: str, request: Request, _: PublicPageDep) -> Response:
    """What one problem type means and what to do about it: the page its `type` names."""
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        if _wants_json(request):
            return JSONResponse({"detail": "no such problem type"}, status_code=404)
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    if _wants_json(request):
        return JSONResponse(_as_json(kind))
    return render(request, "reference/problem.html", {"kind": kind, "base": TYPE_BASE})


def install(app: FastAPI) -> None:
    """Serve the reference pages and the packaged assets they load, from this process."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    app.include_router(router)
