"""The API's own description: `GET /api/openapi.json` for programs (generated from the
routes, `openapi.py`) and `GET /api/docs`, a page people can read. Both public: they
describe what exists, never any data. The page is one self-contained HTML file (no
scripts or fonts from elsewhere: the places Wardline runs may have no internet)."""
import html

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from services.gateway.http import api, json_response
from services.gateway.openapi import build_spec
from shared.web import WebEndpoint

_SPECS = {}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class LeftoverApiPath(WebEndpoint):
    """The catch-all: before answering 404 it asks the routing map which other routes
    match this path, and with which methods. Any: 405, Allow naming only those (the
    catch-all's own methods would otherwise be all of them)."""

    def handle_request(self, request):
        allowed = self._allowed(request)
        if allowed:
            response = json_response(405, {"error": {
                "code": "method_not_allowed",
                "message": f"{request.method} is not allowed here; allowed: "
                           f"{', '.join(allowed)}."}})
            response.headers["Allow"] = ", ".join(allowed)
        else:
            response = super().handle_request(request)
        return response

    def _allowed(self, request):
        if not hasattr(self, "_url_map"):
            self._url_map = self.server.make_url_map()
        adapter = self._url_map.bind_to_environ(request.environ)
        allowed = []
        for method in METHODS:
            try:
                provider, _ = adapter.match(method=method)
            except HTTPException:
                continue
            if provider is not self and not isinstance(provider, LeftoverApiPath):
                allowed.append(method)
        return allowed


leftover_api_path = LeftoverApiPath.decorator  # built once per service class: routes do not change while it runs


class DocsRoutes:
    @api("GET", "/api/openapi.json", response="application/json")
    def openapi_document(self, request):
        """The OpenAPI 3 document of every route."""
        return openapi_for(type(self))

    @api("GET", "/api/docs", response="text/html")
    def api_docs(self, request):
        """The API reference as one HTML page."""
        return Response(render_html(openapi_for(type(self))), status=200,
                        mimetype="text/html")

    @leftover_api_path("GET,POST,PUT,PATCH,DELETE,OPTIONS", "/api/<path:rest>")
    def unknown_api_path(self, request, rest):
        """Any /api path no route matches (an unknown id-less path, or a value outside
        an `<any(...)>` choice) answers the API's JSON error, not Werkzeug's HTML 404.
        The `path` converter ranks below every other rule, so it only catches leftovers.
        A path some route serves with other methods is a 405 whose Allow header names
        that route's methods (`LeftoverApiPath`). A plain `http` entrypoint, so it is not
        in the OpenAPI document."""
        return json_response(404, {"error": {
            "code": "not_found", "message": f"No such API path: /api/{rest[:200]}. "
                                            "See GET /api/docs."}})


def openapi_for(service_cls):
    if service_cls not in _SPECS:
        _SPECS[service_cls] = build_spec(service_cls)
    return _SPECS[service_cls]


_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:3.6rem;font-weight:700;font-family:monospace}
.GET{color:#0a6b2d}.POST{color:#1149a6}
code{background:#f3f3f3;padding:0 .25rem;border-radius:3px}
.meta{color:#555;font-size:.9em}
"""


def render_html(spec):
    """Operations grouped by tag: method, path, summary, roles, schemas, answers."""
    groups = {}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            groups.setdefault(op["tags"][0], []).append((path, method.upper(), op))
    esc = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{esc(spec['info']['title'])}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{esc(spec['info']['title'])} <small>v{esc(spec['info']['version'])}</small>"
             "</h1><p>Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a>. "
             "Sign in with <code>POST /api/auth/token</code> and send "
             "<code>Authorization: Bearer &lt;token&gt;</code>.</p>"]
    for tag in sorted(groups):
        parts.append(f"<h2>{esc(tag)}</h2>")
        for path, method, op in groups[tag]:
            roles = ", ".join(op.get("x-roles", [])) or "public"
            parts.append(
                f"<div class='op' id='{esc(op['operationId'])}'><span class='m {method}'>"
                f"{method}</span> <code>{esc(path)}</code> {esc(op['summary'])}"
                f"<div class='meta'>Roles: {esc(roles)}"
                f"{_body_line(op)}; answers: {esc(', '.join(op['responses']))}</div></div>")
    parts.append("</body></html>")
    return "".join(parts)


def _body_line(op):
    schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
              .get("schema", {}))
    ref = schema.get("$ref", "").rsplit("/", 1)[-1]
    return f"; body: <code>{html.escape(ref)}</code>" if ref else ""
