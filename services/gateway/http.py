"""The gateway's HTTP entrypoint: JSON in and out, errors as docs/api.md writes them, the
caller authenticated and their role checked before any worker runs, a correlation id
that follows the request through every RPC and event it causes, and every answer counted
by route template for `/metrics`."""
import inspect
import ipaddress
import json
import time
import uuid
from datetime import date, datetime
from functools import partial, wraps

import eventlet
import structlog
from eventlet.event import Event
from marshmallow import ValidationError, fields
from nameko.extensions import DependencyProvider
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from services.gateway import metrics, sessions, tokens
from services.gateway.sign_in import ENROLMENT_SCOPE
from shared.caller import CALLER_TTL_SECONDS, caller_context
from shared.errors import (Forbidden, InvalidContent, MalformedRequest, NotAuthenticated,
                           TimedOut, WardlineError, as_unavailable)
from shared.dependencies import Database
from shared.references import kind_of
from shared.web import WebEndpoint

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 256 * 1024
MAX_JSON_NODES = 20_000
"""Values (objects, lists, keys, strings, numbers) one JSON body may hold."""
MAX_JSON_DEPTH = 32
"""How deep objects and lists in one body may nest."""
PUBLIC = None


class ApiEndpoint(WebEndpoint):
    def __init__(self, method, url, roles=PUBLIC, request=None, response=None, query=None,
                 status=200, enrolment=False, **kwargs):
        """`roles`: who may call it; PUBLIC (None) needs no token. `enrolment`: a token
        good only to enrol a second factor (sign_in.py) may call it too.

        The rest only describe the route for the OpenAPI document (`openapi.py`), so that
        it is written beside the route and cannot drift from it: `request` and `response`
        are the marshmallow schemas the owning service loads and dumps with (`response`
        may be a media type string for a non-JSON answer), `query` a schema (or a dict of
        fields) of the query parameters, `status` the success code."""
        self.roles = roles
        self.enrolment = enrolment
        self.request_schema = request
        self.response_schema = response
        self.query_schema = query
        self.status = status
        self.route = metrics.route_label(url)
        # A refusal (4xx, or a 503 saying the database is away) is an answer, not a fault:
        # nameko logs it as a warning, so that errors in the log are ours alone.
        kwargs.setdefault("expected_exceptions", (WardlineError,))
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False
        correlation_id = request.correlation_id = _correlation_id(request)
        try:
            refuse_nul(request.path, *request.args.keys(), *request.args.values())
            request.principal = self._principal(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            done = Event()
            worker_ctx = self.container.spawn_worker(
                self, args, kwargs, context_data=self._context_data(request),
                handle_result=partial(self._handle_result, done))
            response = self._json_response(self._answer(done, worker_ctx))
        except WardlineError as exc:
            response = error_response(exc)
        except Exception as exc:
            unavailable = as_unavailable(exc)  # the gateway's own database, or a service's
            if unavailable is not None:
                log.warning("http.database_unavailable", path=request.path,
                            error=str(exc).splitlines()[0][:300] if str(exc) else "",
                            correlation_id=correlation_id)
                response = error_response(unavailable)
            else:  # a fault of ours: logged in full, told briefly
                log.exception("http.unhandled_error", path=request.path,
                              correlation_id=correlation_id)
                response = json_response(500, {"error": {
                    "code": "internal", "message": "Something went wrong on our side; it "
                    f"has been logged under reference {correlation_id}."}})
        response.headers["X-Correlation-ID"] = correlation_id
        no_store_if_personal(response, personal=self.roles is not PUBLIC)
        metrics.observe_request(self.route, self.method, response.status_code,
                                time.perf_counter() - started)
        return response

    def _principal(self, request):
        if self.roles is PUBLIC:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Sign in first: send 'Authorization: Bearer <token>' "
                                   "from POST /api/auth/token.")
        claims = tokens.verify(token.strip(), self.container.config["SECRET_KEY"])
        if not claims["session_id"]:
            raise NotAuthenticated("The access token is not valid.")
        principal = sessions.principal_for(claims, sessions.CACHE.state(
            claims["session_id"], self._session_state,
            self.container.config.get("SESSION_CHECK_SECONDS", sessions.CHECK_SECONDS)))
        if claims["scope"] and not (claims["scope"] == ENROLMENT_SCOPE and self.enrolment):
            raise Forbidden("This token may only set up a second factor: finish setting "
                            "it up (POST /api/me/second-factor), then sign in.",
                            {"second_factor": ["set up a second factor first"]})
        if principal["role"] not in self.roles:
            raise Forbidden(f"The {principal['role']} role may not do this.")
        return {**principal, "scope": claims["scope"]}

    def _session_state(self, sid):
        """sessions.state_of on the gateway's own database (its Database dependency)."""
        database = getattr(self.container, "_wardline_database", None)
        if database is None:
            database = next(d for d in self.container.dependencies
                            if isinstance(d, Database))
            self.container._wardline_database = database
        with database.sessions() as session:
            return sessions.state_of(session, sid)

    def _context_data(self, request):
        """What every RPC the worker makes carries: the correlation id and, behind a
        token, the signed caller (shared/caller.py) services take the actor from. It
        lasts as long as the request may (an anonymous route's calls need none)."""
        context = {"correlation_id": request.correlation_id}
        if request.principal is not None:
            context.update(signed_caller(actor(request.principal), self.container.config))
        return context

    def _answer(self, done, worker_ctx):
        """The worker's result (re-raising its error), or a 504 after the configured time.
        An answer lost in a broker restart would otherwise hold the request, and the
        worker's slot, for ever; the stuck worker is stopped to free its slot."""
        seconds = self.container.config.get("REQUEST_TIMEOUT_SECONDS", 30)
        try:
            with eventlet.Timeout(seconds):
                return done.wait()
        except eventlet.Timeout:
            thread = self.container._worker_threads.get(worker_ctx)  # nameko keeps no other
            if thread is not None:
                thread.kill()
            log.warning("http.service_timed_out", seconds=seconds,
                        entrypoint=self.method_name)
            raise TimedOut(f"No answer within {seconds:g} s. What you sent may still have "
                           "been stored: look for it before sending it again.") from None

    @staticmethod
    def _handle_result(done, worker_ctx, result, exc_info):
        done.send(result, exc_info)
        return result, exc_info

    @staticmethod
    def _json_response(result):
        if isinstance(result, Response):
            return result
        status, body = result if isinstance(result, tuple) else (200, result)
        return json_response(status, body)


def signed_caller(who, config):
    """Context data signing a worker's RPCs as `who`, for as long as a request may last."""
    lifetime = max(CALLER_TTL_SECONDS, config.get("REQUEST_TIMEOUT_SECONDS", 30))
    return caller_context(who, config["CALLER_KEY"], lifetime)


class ActingFor(DependencyProvider):
    """`act_for(who)`: the worker's RPCs from then on are signed as `who`. For a route
    without a token that learns whom it acts for only as it runs (single sign-on's
    callback, once the identity provider has vouched for the person)."""

    def get_dependency(self, worker_ctx):
        return lambda who: worker_ctx.data.update(signed_caller(who, self.container.config))


def api(method, url, **kwargs):
    """An HTTP route (ApiEndpoint's arguments) that takes a reference people can say
    (WL-R-2026-000123) wherever its path takes an id."""
    register = ApiEndpoint.decorator(method, url, **kwargs)
    return lambda function: register(taking_references(function))


OWNER_OF = {"referral": "referrals", "tasking_item": "tasking", "pcso_task": "tasking",
            "intelligence_report": "tasking", "case_review": "casereview"}
"""Kind of record -> the service (the gateway's RpcProxy of that name) that numbers it."""


def taking_references(function):
    """`function` (a route) with each path parameter that is a reference replaced by the
    id of its record before the route runs, asked of the record's owner by its prefix, so
    that no route needs to know references exist. An unknown one is the owner's 404,
    naming it. Anonymous routes hold no records, and are left as they are."""
    @wraps(function)
    def route(self, request, *args, **path):
        if getattr(request, "principal", None) is not None:
            path = {name: resolve_reference(self, request, value)
                    for name, value in path.items()}
        return function(self, request, *args, **path)

    route.__signature__ = inspect.signature(function)  # nameko checks calls against it
    return route


def resolve_reference(service, request, value):
    """The id `value` names: itself, or the id of the record whose reference it is."""
    kind = kind_of(value)
    if kind is None:
        return value
    owner = getattr(service, OWNER_OF[kind])
    return owner.resolve_reference(value, actor(request.principal))

def no_store_if_personal(response, personal=True):
    """Cache-Control: no-store on an answer that may hold personal data (anything behind a
    token), unless it set its own. The security headers every answer carries are added
    by the server itself (shared/web.py)."""
    if personal:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def json_response(status, body):
    return Response(json.dumps(body, default=_json_default), status=status,
                    mimetype="application/json")


def error_response(exc):
    """A WardlineError as its status and JSON body; `Retry-After` when it has one (503)."""
    response = json_response(exc.status, exc.as_json())
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def json_body(request):
    """The request's JSON object, or a 400 that says what is wrong with it."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise MalformedRequest(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    data = request.get_data(cache=True, as_text=False) or b"null"
    # Values are separated by commas: a body with more commas than MAX_JSON_NODES holds
    # more values than that, and is refused before the parser builds them all (counting
    # is one pass in C; parsing 130,000 tiny values holds the hub for tens of ms).
    if data.count(b",") >= MAX_JSON_NODES:
        raise MalformedRequest(f"The body holds more than {MAX_JSON_NODES} JSON values.")
    try:
        body = json.loads(data)
    except (ValueError, BadRequest):
        raise MalformedRequest("The body is not valid JSON.") from None
    except RecursionError:
        raise MalformedRequest(
            f"The body nests JSON more than {MAX_JSON_DEPTH} levels deep.") from None
    if not isinstance(body, dict):
        raise MalformedRequest("The body must be a JSON object.")
    refuse_nul(body)
    return body


def refuse_nul(*values):
    """400 for a NUL character anywhere in `values` (strings, or JSON lists and objects):
    PostgreSQL text cannot hold one, so it would otherwise fail deep in a service as a
    500 (found by the API fuzzing).

    One walk over the values, each node visited once, with at most MAX_JSON_NODES nodes
    nested at most MAX_JSON_DEPTH deep: the cost is linear in the body, and a body built
    to be expensive (130,000 tiny elements fit in the size limit) is a 400 at once."""
    stack = [(value, 0) for value in values]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_JSON_NODES:
            raise MalformedRequest(f"The body holds more than {MAX_JSON_NODES} JSON values.")
        if isinstance(value, str):
            if "\x00" in value:
                raise MalformedRequest("Text must not contain NUL (\\u0000) characters.")
        elif isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise MalformedRequest(
                    f"The body nests JSON more than {MAX_JSON_DEPTH} levels deep.")
            if isinstance(value, dict):
                stack.extend((key, depth + 1) for key in value.keys())
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)


def page_limit(request, default=50, maximum=200):
    """The `limit` query parameter: a whole number from 1 to `maximum`."""
    raw = request.args.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise InvalidContent("Bad paging.", {"limit": [f"A whole number from 1 to {maximum}."]})
    return int(raw)


def boolean_arg(request, name, default=False):
    """A true/false query parameter (`true`, `false`, `1`, `0`, `yes`, `no`...), or a 422
    naming it: anything else (`null`, `maybe`) is not read as either."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return fields.Boolean().deserialize(raw)
    except ValidationError:
        raise InvalidContent("Bad query parameter.",
                             {name: ["Not a boolean: use true or false."]}) from None


def client_address(request):
    """The caller's address: the peer's, or, when the peer is this machine or a private
    network (the reverse proxy in deploy/, which sets X-Forwarded-For to the address it
    saw), the last address that header names."""
    peer = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        behind_proxy = ipaddress.ip_address(peer).is_private
    except ValueError:
        behind_proxy = False
    if behind_proxy and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return peer


def actor(principal):
    """Who is acting: what services need to decide what they may see and record."""
    return {key: principal.get(key) for key in ("username", "role", "agency", "wards")}


def _correlation_id(request):
    given = request.headers.get("X-Correlation-ID", "")
    if given and len(given) <= 100 and given.replace("-", "").isalnum():
        return given
    return str(uuid.uuid4())


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
