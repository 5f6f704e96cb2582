"""Fuzzing every operation of the running stack from its own OpenAPI document
(schemathesis): whatever arrives, no 5xx, and every answer is one the document
describes (status, media type, body shape). Each operation is called as a user whose role
it admits, so the fuzz reaches the services and not just the gateway's 401/403.

A fixed, small budget per operation keeps this module to a couple of minutes; the
seed is fixed too, so a failure found in CI replays locally."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

pytestmark = pytest.mark.e2e

# One demo account per role (wardline/demo.py).
ACCOUNT_OF_ROLE = {"partner": "yot.partner", "panel": "panel.dalston",
                   "coordinator": "coordinator", "sergeant": "sgt.dalston",
                   "pcso": "pcso.dalston", "analyst": "biu.analyst", "reviewer": "reviewer",
                   "dpo": "dpo", "admin": "admin"}
ENDS_THE_SESSION = {"/api/auth/logout"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# `make reliability` raises the budget (WARDLINE_FUZZ_EXAMPLES) for its long run.
EXAMPLES_PER_OPERATION = int(os.environ.get("WARDLINE_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def api_schema(stack):
    return schemathesis.openapi.from_url(stack.base_url + "/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, stack):
    roles = case.operation.definition.raw.get("x-roles")
    # Signing out ends the session it is called with: it gets a session of its own.
    sign_in = stack.sign_in if case.operation.path in ENDS_THE_SESSION else stack.token
    headers = {"Authorization": f"Bearer {sign_in(ACCOUNT_OF_ROLE[roles[0]])}"} \
        if roles else {}
    case.call_and_validate(base_url=stack.base_url, headers=headers, checks=CHECKS,
                           timeout=30)
