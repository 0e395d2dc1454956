"""Swagger UI served from the core itself, so /docs works on a home server with no internet.

FastAPI's default /docs page loads Swagger UI from a public CDN and starts it with an inline
script. Here the Swagger UI bundle comes from the pinned `fastapi-offline` package, and the page's
start-up code is a static file of ours, so the gateway's Content-Security-Policy can stay at
`script-src 'self'` (no inline scripts, no third-party hosts).
"""

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
OWN_ASSETS_DIR = Path(__file__).parent / "docs_assets"
ASSETS_URL = "/docs/assets"
INIT_SCRIPT_URL = "/docs/swagger-init.js"

# What the docs page needs and nothing more; the gateway sends the same policy.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def swagger_page(title: str, openapi_url: str) -> str:
    """The HTML shell of Swagger UI; every asset is served by this app."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - Swagger UI</title>
<link rel="icon" type="image/png" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{INIT_SCRIPT_URL}"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from local assets. Create the app with docs_url=None."""
    if app.docs_url is not None:
        raise ValueError("create the FastAPI app with docs_url=None before install_docs()")
    openapi_url = app.openapi_url or "/openapi.json"
    page = swagger_page(app.title, openapi_url)
    headers = {"Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY}

    app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_ASSETS_DIR), name="swagger-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    @app.get(INIT_SCRIPT_URL, include_in_schema=False)
    async def swagger_init() -> FileResponse:
        return FileResponse(
            OWN_ASSETS_DIR / "swagger-init.js", media_type="text/javascript", headers=headers
        )
