"""Stand-in Google servers on loopback, built from the discovery documents that ship with
google-api-python-client (fitness v1, health v4).

Routes come from each method's httpMethod + servicePath + flatPath; a request that matches no
documented method answers 404, a query parameter the method does not document answers 400,
and every JSON answer a handler returns is checked against the method's response schema
(property names, recursively), so the stand-in cannot drift from the published shapes.
Handlers are plain functions of (request) -> dict; faults are queued per method id.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
STANDARD_PARAMS = {"alt", "key", "fields", "prettyPrint", "quotaUser", "access_token",
                   "upload_protocol", "uploadType", "callback", "$.xgafv", "oauth_token",
                   "userIp"}


@dataclass
class Method:
    id: str
    http_method: str
    pattern: re.Pattern[str]
    parameters: set[str]
    response: str | None


@dataclass
class Request:
    method: str  # discovery id, e.g. "health.users.dataTypes.dataPoints.dailyRollUp"
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]
    authorization: str | None


@dataclass
class Fault:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    when: Callable[[Request], bool] = lambda request: True
    status_text: str = "UNKNOWN"


def _methods(document: dict[str, Any]) -> list[Method]:
    found: list[Method] = []

    def walk(resource: dict[str, Any]) -> None:
        for spec in resource.get("methods", {}).values():
            flat = spec.get("flatPath") or spec["path"]
            parts = re.split(r"(\{[^}]+\})", flat)
            regex = "".join(
                f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', part[1:-1])}>[^/]+)"
                if part.startswith("{") else re.escape(part)
                for part in parts
            )
            pattern = re.compile("^/" + re.escape(document["servicePath"]) + regex + "$")
            found.append(Method(spec["id"], spec["httpMethod"], pattern,
                                set(spec.get("parameters", {})),
                                spec.get("response", {}).get("$ref")))
        for child in resource.get("resources", {}).values():
            walk(child)

    walk(document)
    return found


def check_shape(schemas: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> None:
    """Every property the stand-in sends exists in the documented schema."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            assert key in schema["properties"], f"{where}.{key} is not in the discovery schema"
            check_shape(schemas, schema["properties"][key], item, f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check_shape(schemas, schema["items"], item, f"{where}[{i}]")


class StandIn:
    """One loopback server for one discovery document (plus a /token endpoint)."""

    def __init__(self, api: str, version: str) -> None:
        self.document = json.loads((DOCUMENTS / f"{api}.{version}.json").read_text())
        self.methods = _methods(self.document)
        self.handlers: dict[str, Callable[[Request], dict[str, Any]]] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.calls: list[Request] = []
        self.tokens_issued = 0
        self.delay = 0.0
        self.valid_token: str | None = None  # set: other bearer tokens get 401
        self.violations: list[str] = []  # answers that left the documented schema
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, *faults: Fault) -> None:
        self.faults.setdefault(method, []).extend(faults)

    def called(self, method: str) -> list[Request]:
        return [c for c in self.calls if c.method == method]

    def _route(self, http_method: str, path: str) -> tuple[Method, dict[str, str]] | None:
        for method in self.methods:
            match = method.pattern.match(path)
            if match and method.http_method == http_method:
                return method, match.groupdict()
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict[str, Any],
                      headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, status_text: str = "UNKNOWN",
                       headers: dict[str, str] | None = None) -> None:
                self._send(status, {"error": {"code": status, "message": message,
                                              "status": status_text}}, headers)

            def _serve(self, http_method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlparse(self.path)
                if url.path == "/token":
                    with stand_in.lock:
                        stand_in.tokens_issued += 1
                    self._send(200, {"access_token": "fresh", "expires_in": 3600,
                                     "token_type": "Bearer"})
                    return
                if stand_in.delay:
                    time.sleep(stand_in.delay)
                routed = stand_in._route(http_method, url.path)
                if routed is None:
                    self._error(404, f"no documented method for {http_method} {url.path}",
                                "NOT_FOUND")
                    return
                method, path_params = routed
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                unknown = set(query) - method.parameters - STANDARD_PARAMS
                if unknown:
                    self._error(400, f"unknown parameters {sorted(unknown)}", "INVALID_ARGUMENT")
                    return
                request = Request(method.id, url.path, path_params, query,
                                  json.loads(raw) if raw else {},
                                  self.headers.get("Authorization"))
                with stand_in.lock:
                    stand_in.calls.append(request)
                    pending = stand_in.faults.get(method.id, [])
                    fault = next((f for f in pending if f.when(request)), None)
                    if fault is not None:
                        pending.remove(fault)
                if stand_in.valid_token and request.authorization != \
                        f"Bearer {stand_in.valid_token}":
                    self._error(401, "Request had invalid authentication credentials.",
                                "UNAUTHENTICATED",
                                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                 'error="invalid_token"'})
                    return
                if fault is not None:
                    self._error(fault.status, fault.message, fault.status_text, fault.headers)
                    return
                handler = stand_in.handlers.get(method.id)
                if handler is None:
                    self._error(501, f"{method.id} is not played by this stand-in")
                    return
                payload = handler(request)
                schemas = stand_in.document["schemas"]
                try:
                    if method.response:
                        check_shape(schemas, {"$ref": method.response}, payload, method.response)
                except AssertionError as exc:
                    stand_in.violations.append(str(exc))
                    self._error(500, f"stand-in answer off schema: {exc}")
                    return
                self._send(200, payload)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler
