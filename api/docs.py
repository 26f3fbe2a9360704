"""The interactive API reference, served offline: Swagger UI and ReDoc from packaged assets.

Invariants: the reference pages load nothing from another origin and run no inline
script or style (Swagger UI is started by a static file), so they are served under the
pages' strict Content-Security-Policy (api/headers.py covers their paths).
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

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


def _page(template: str, request: Request, spec_url: str) -> HTMLResponse:
    root = escape(str(request.scope.get("root_path", "")), quote=True)
    html = template.format(
        title=TITLE, root=root, assets=root + ASSETS_URL, spec=root + escape(spec_url, quote=True)
    )
    return HTMLResponse(html)


def install(app: FastAPI) -> None:
    """Serve /docs and /redoc, and the assets they load, from this process alone."""
    spec_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        return _page(_SWAGGER, request, spec_url)

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return _page(_REDOC, request, spec_url)
