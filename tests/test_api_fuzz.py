"""Property-based fuzzing of the API from its own OpenAPI schema, through the real gateway.

Schemathesis generates valid and invalid requests (positive and negative modes) for every
operation the schema describes; whatever it sends, the stack must never answer with a server
error (5xx). The number of examples is bounded so the run fits in the test suite.

The schema is loaded when the native stack is up, and each operation gets its own Hypothesis
run (schemathesis' lazy pytest fixture loader does not support the pytest version we pin).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 12


def fuzz_operation(operation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=30)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors(native_stack, mode):
    schema = schemathesis.openapi.from_url(f"{native_stack.gateway_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the schema lost its operations"
    failures = {}
    for operation in operations:
        try:
            fuzz_operation(operation, mode, native_stack.auth_headers)
        except Unsatisfiable:
            continue  # nothing invalid to send (an operation without parameters or body)
        except Exception as exc:  # collect every operation's failure, not only the first
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
