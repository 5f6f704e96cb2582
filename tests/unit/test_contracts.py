"""The RPC contracts (shared/contracts/): the gateway documents every route with them (or
with what only it says), and each contract refuses bad input by naming the fields."""
import importlib
import inspect
import pkgutil

import pytest
from marshmallow import Schema, ValidationError, fields

import shared.contracts
from services.gateway.openapi import api_routes
from services.gateway.service import GatewayService
from shared.contracts.referrals import ReferralView, SubmitReferralSchema
from shared.testing.factories import referral_payload

CONTRACTS = [importlib.import_module(f"shared.contracts.{m.name}")
             for m in pkgutil.iter_modules(shared.contracts.__path__)]


def schemas_of(module):
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Schema) and cls.__module__ == module.__name__]


def nested_schemas(schema, seen=None):
    """`schema` (a class, an instance, or a route's inline dict of fields) and every
    schema its fields nest, however deep."""
    seen = set() if seen is None else seen
    if isinstance(schema, dict):  # declared inline in the route: the gateway's own
        declared = schema
    elif isinstance(schema, Schema) or isinstance(schema, type) and issubclass(schema, Schema):
        cls = schema if isinstance(schema, type) else type(schema)
        if cls in seen:
            return seen
        seen.add(cls)
        declared = cls._declared_fields
    else:  # not a schema (a media type such as text/html)
        return seen
    for field in declared.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and not isinstance(inner.nested, str):
            nested = inner.nested() if callable(inner.nested) and not isinstance(
                inner.nested, type) else inner.nested
            nested_schemas(nested, seen)
    return seen


def test_there_is_a_contract_for_each_service_the_gateway_calls():
    assert {module.__name__.rsplit(".", 1)[1] for module in CONTRACTS} == {
        "referrals", "tasking", "notifications", "casereview"}


def test_every_documented_schema_is_a_contract_or_the_gateways_own():
    documented = set()
    for _function, _owner, endpoint in api_routes(GatewayService):
        for schema in (endpoint.request_schema, endpoint.response_schema,
                       endpoint.query_schema):
            if schema is not None:
                documented |= nested_schemas(schema)
    # A list's page envelope (schemas.page_of, built with Schema.from_dict) is the gateway's.
    homes = {"services.gateway" if getattr(cls, "paged", False)
             else cls.__module__.rsplit(".", 1)[0] for cls in documented}
    assert homes <= {"shared.contracts", "services.gateway", "shared.events"}, homes
    assert any(cls.__module__.startswith("shared.contracts.") for cls in documented)


@pytest.mark.parametrize("module", CONTRACTS, ids=lambda m: m.__name__)
def test_each_command_refuses_an_empty_payload_by_naming_its_fields(module):
    """Whatever a command requires, an empty payload is refused field by field, and each
    field named is one the command declares."""
    for cls in schemas_of(module):
        required = {name for name, field in cls._declared_fields.items() if field.required}
        if not required:
            continue
        with pytest.raises(ValidationError) as refused:
            cls().load({})
        named = set(refused.value.messages)
        assert named and named <= set(cls._declared_fields) | {"_schema"}, (cls, named)


def test_a_referral_goes_in_by_its_command_and_comes_out_by_its_view():
    payload = referral_payload(ward="dalston")
    command = SubmitReferralSchema().load(payload)
    stored = {**command, "id": "r1", "status": "received", "subject_id": "s1",
              "referring_agency": "yot", "referred_by": "yot.partner", "history": []}
    view = ReferralView().dump(stored)
    assert {key: view[key] for key in ("category", "risk_level", "ward", "summary")} == {
        key: payload[key] for key in ("category", "risk_level", "ward", "summary")}
    assert view["subject"]["family_name"] == payload["subject"]["family_name"]
