"""Property-based: schemathesis generates requests from the OpenAPI spec; no answer may be a 5xx,
and a JSON answer must match the schema the spec documents for it (search, detail and compat send
pre-serialized JSON, so this is what keeps them honest)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import response_schema_conformance

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def api(server):  # noqa: ANN001, ANN201
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def test_no_server_errors(api, server) -> None:  # noqa: ANN001
    checked = 0
    for operation in api.get_all_operations():
        op = operation.ok()
        if op.path in ("/sparql", "/update"):
            continue  # protocol endpoints: covered by the W3C protocol suite

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case) -> None:  # noqa: ANN001
            response = case.call(base_url=server.url)
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            case.validate_response(response, checks=[response_schema_conformance])

        run()
        checked += 1
    assert checked >= 6
