"""Property-based fuzzing of the API from its own OpenAPI schema, through the real gateway.

Schemathesis generates valid and invalid requests for every operation the schema describes;
whatever it sends, the stack must never answer with a server error (5xx). The number of
examples is bounded so the run fits in the test suite.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 15


@pytest.fixture(scope="module")
def api_schema(native_stack):
    return schemathesis.openapi.from_url(f"{native_stack.gateway_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, native_stack):
    case.call_and_validate(
        headers=native_stack.auth_headers, checks=[not_a_server_error], timeout=30
    )
