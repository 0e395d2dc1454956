"""Swagger UI is served from local assets only (no CDN), with a strict CSP."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.docs_ui import ASSETS_URL, DOCS_CONTENT_SECURITY_POLICY, install_docs

EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


@pytest.fixture()
def client() -> TestClient:
    app = FastAPI(title="Docs test", docs_url=None, redoc_url=None)
    install_docs(app)
    return TestClient(app)


def test_docs_page_references_only_local_assets(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    assert not EXTERNAL_URL.search(html), html
    assert "<script>" not in html, "inline scripts would need 'unsafe-inline' in the CSP"
    assert 'data-openapi-url="/openapi.json"' in html
    assert response.headers["content-security-policy"] == DOCS_CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        (f"{ASSETS_URL}/swagger-ui-bundle.js", "SwaggerUIBundle"),
        (f"{ASSETS_URL}/swagger-ui.css", ".swagger-ui"),
        ("/docs/swagger-init.js", "validatorUrl: null"),
    ],
)
def test_docs_assets_are_served(client: TestClient, path: str, marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert marker in response.text


def test_install_docs_refuses_an_app_with_the_cdn_docs_page() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        install_docs(FastAPI())
