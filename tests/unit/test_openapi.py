"""The OpenAPI document is generated from the gateway's routes: these check that nothing
is left out or described wrongly, without running any service."""
import json

import pytest

from services.gateway.openapi import api_routes, build_spec, openapi_path
from services.gateway.routes.docs import render_html
from services.gateway.service import GatewayService


@pytest.fixture(scope="module")
def spec():
    return build_spec(GatewayService)


def _operation(spec, path, method):
    return spec["paths"][path][method]


def test_every_api_route_is_an_operation(spec):
    routes = api_routes(GatewayService)
    operations = {(path, method.upper()) for path, ops in spec["paths"].items()
                  for method in ops}
    assert len(routes) > 50
    assert operations == {(openapi_path(e.url)[0], e.method) for _, _, e in routes}
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) == len(routes)


def test_werkzeug_converters_become_path_parameters():
    path, params = openapi_path("/api/subject-links/<string:link_id>/"
                                "<any(confirm,reject,unlink):decision>")
    assert path == "/api/subject-links/{link_id}/{decision}"
    assert params[0]["name"] == "link_id" and params[0]["schema"]["type"] == "string"
    assert params[1]["schema"]["enum"] == ["confirm", "reject", "unlink"]
    assert all(p["in"] == "path" and p["required"] for p in params)


def test_request_and_response_schemas_come_from_the_services(spec):
    submit = _operation(spec, "/api/referrals", "post")
    body = submit["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SubmitReferral"}
    assert "201" in submit["responses"]
    submitted = spec["components"]["schemas"]["SubmitReferral"]
    assert {"category", "risk_level", "ward", "subject", "summary",
            "lawful_basis"} <= set(submitted["required"])
    assert submitted["properties"]["risk_level"]["enum"] == ["standard", "medium", "high"]
    # Two services name a schema HistoryView: both kept, neither overwritten.
    assert {"HistoryView", "TaskingHistoryView"} <= set(spec["components"]["schemas"])


def test_security_errors_and_paging(spec):
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    token = _operation(spec, "/api/auth/token", "post")
    assert token["security"] == [] and "429" in token["responses"]
    listing = _operation(spec, "/api/tasking/items", "get")
    assert listing["security"] == [{"bearer": []}]
    assert listing["x-roles"] == ["partner", "panel", "coordinator", "sergeant", "pcso",
                                  "analyst", "reviewer"]
    assert {"401", "403", "422"} <= set(listing["responses"])
    assert listing["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    names = [p["name"] for p in listing["parameters"]]
    assert {"limit", "cursor", "status", "ward", "overdue"} <= set(names)
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200
    assert "404" in _operation(spec, "/api/tasking/items/{item_id}", "get")["responses"]
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert set(error["properties"]) == {"code", "message", "fields", "enrolment_token",
                                         "expires_in"}


def test_non_json_answers_say_their_media_type(spec):
    picture = _operation(spec, "/api/case-reviews/{review_id}/timeline.svg", "get")
    assert "image/svg+xml" in picture["responses"]["200"]["content"]


def test_the_document_is_json_and_the_page_lists_every_operation(spec):
    json.dumps(spec)
    page = render_html(spec)
    assert "<script" not in page and "http://" not in page and "https://" not in page
    for ops in spec["paths"].values():
        for op in ops.values():
            assert f"id='{op['operationId']}'" in page
    assert "/api/referrals/{referral_id}/triage" in page
