"""The OpenAPI 3 document, generated (apispec) from the gateway's own routes: every `@api`
entrypoint nameko registered on the service class, with the marshmallow schemas the
services load and dump with. Generated rather than written, so that a new route or a new
field appears in it without anyone remembering to."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from services.gateway.schemas import ErrorSchema
from services.gateway.http import ApiEndpoint

TITLE = "Wardline API"
VERSION = "1"
# Werkzeug's `<converter(args):name>`; the converter part is optional (`<name>`).
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_ERRORS = {
    400: "Malformed: the body is not a JSON object, or is too large.",
    401: "No valid token: sign in at POST /api/auth/token.",
    403: "The caller's role may not do this.",
    404: "No such record, or not one the caller may see.",
    409: "The record is not in a state that allows this.",
    422: "Valid JSON, invalid content: each bad field named in `fields`.",
    429: "Too many wrong passwords: the account is locked for a while.",
}
_PAGING = [
    {"in": "query", "name": "limit", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 200},
     "description": "Items per page."},
    {"in": "query", "name": "cursor", "required": False, "schema": {"type": "string"},
     "description": "The next_cursor of the previous page."},
]


def api_routes(service_cls):
    """(function name, defining class, ApiEndpoint) for every HTTP route, in URL order."""
    found = []
    for name in dir(service_cls):
        function = getattr(service_cls, name)
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiEndpoint):
                owner = next(cls for cls in service_cls.__mro__ if name in vars(cls))
                found.append((function, owner, entrypoint))
    return sorted(found, key=lambda route: (route[2].url, route[2].method))


REFERENCED = {"referral_id": "WL-R-2026-000123", "item_id": "WL-A-2026-000123",
              "task_id": "WL-T-2026-000123", "report_id": "WL-I-2026-000123",
              "review_id": "WL-C-2026-000123"}
"""Path parameters naming a kind of record that has a reference, with an example."""


def openapi_path(url):
    """`/api/x/<string:id>/<any(a,b):d>` -> (`/api/x/{id}/{d}`, path parameters)."""
    parameters = []
    for match in _PARAMETER.finditer(url):
        schema = {"type": "string"}
        if match["converter"] == "any":
            schema["enum"] = [choice.strip(" '\"") for choice in match["args"].split(",")]
        elif match["converter"] in ("int", "float"):
            schema = {"type": "integer" if match["converter"] == "int" else "number"}
        else:  # string, default: one segment, no slash
            schema["pattern"] = "^[^/]+$"
        parameter = {"in": "path", "name": match["name"], "required": True, "schema": schema}
        if match["name"] in REFERENCED:  # http.taking_references resolves it
            parameter["description"] = ("The id, or the reference people can say "
                                        f"({REFERENCED[match['name']]}).")
        parameters.append(parameter)
    return _PARAMETER.sub(lambda m: "{%s}" % m["name"], url), parameters


def build_spec(service_cls):
    """The whole document as a dict."""
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_NameResolver())],
                   info={"description": "Joint tasking and case review. Errors are "
                                        "`{\"error\": {code, message, fields}}`."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=ErrorSchema)
    for function, owner, endpoint in api_routes(service_cls):
        path, parameters = openapi_path(endpoint.url)
        spec.path(path=path, operations={
            endpoint.method.lower(): _operation(function, owner, endpoint, parameters)})
    return spec.to_dict()


def _operation(function, owner, endpoint, path_parameters):
    doc = (function.__doc__ or "").strip()
    operation = {
        "operationId": function.__name__,
        "summary": doc.splitlines()[0] if doc else function.__name__.replace("_", " ")
        .capitalize(),
        "tags": [owner.__name__.removesuffix("Routes")],
        "parameters": path_parameters + _query_parameters(endpoint),
        "responses": {str(endpoint.status): _success(endpoint)},
    }
    if doc:
        operation["description"] = doc
    if endpoint.roles is None:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = list(endpoint.roles)
        operation["description"] = (doc + "\n\n" if doc else "") + \
            f"Roles: {', '.join(endpoint.roles)}."
    if endpoint.request_schema is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": endpoint.request_schema}}}
    for status in _error_statuses(endpoint, path_parameters):
        operation["responses"][str(status)] = {
            "description": _ERRORS[status],
            "content": {"application/json": {"schema": "Error"}}}
    return operation


def _success(endpoint):
    response = endpoint.response_schema
    if response is None:
        return {"description": "Done."}
    if isinstance(response, str):  # a media type: a page, a picture, a free-form object
        shape = "object" if response == "application/json" else "string"
        return {"description": response, "content": {response: {"schema": {
            "type": shape}}}}
    return {"description": "OK" if endpoint.status == 200 else "Created",
            "content": {"application/json": {"schema": response}}}


def _query_parameters(endpoint):
    query = endpoint.query_schema
    if isinstance(query, dict):
        query = Schema.from_dict(query)
    parameters = [{"in": "query", "schema": query}] if query is not None else []
    if isinstance(query, type):
        query = query()
    declared = set(query.fields) if query is not None else set()
    if getattr(endpoint.response_schema, "paged", False):
        parameters += [param for param in _PAGING if param["name"] not in declared]
    return parameters


def _error_statuses(endpoint, path_parameters):
    """The refusals this route can give: every route may answer 400 and 422 (a bad body
    or query), a protected one 401 and 403, one naming a record 404, a change 409."""
    statuses = [400, 422]
    if endpoint.roles is not None:
        statuses += [401, 403]
    if path_parameters:
        statuses.append(404)
    if endpoint.method in ("POST", "PATCH"):
        statuses.append(409)
    if endpoint.url in ("/api/auth/token", "/api/auth/password"):
        statuses += [401, 429]
    if endpoint.url == "/api/auth/refresh":
        statuses.append(401)
    return sorted(set(statuses))


class _NameResolver:
    """Component names: the class name, with the owning service in front when two
    services use one name (referrals' and tasking's HistoryView). A schema narrowed with
    only/exclude is inlined, so it never takes the whole schema's name."""

    def __init__(self):
        self.taken = {}

    def __call__(self, schema):
        if not isinstance(schema, type) and (schema.only or schema.exclude):
            return None
        cls = schema if isinstance(schema, type) else type(schema)
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if self.taken.setdefault(name, cls) is not cls:
            area = cls.__module__.rsplit(".", 1)[-1]  # shared.contracts.<service>
            name = area.capitalize() + name
            self.taken.setdefault(name, cls)
        return name

