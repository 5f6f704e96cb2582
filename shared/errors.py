"""Errors that cross service boundaries and become HTTP answers at the gateway.

They are registered with nameko so that an RPC caller receives the same exception
(with its fields), not a generic RemoteError.
"""
from functools import lru_cache

from marshmallow import ValidationError
from nameko.exceptions import RemoteError, deserialize_to_instance


class WardlineError(Exception):
    """Base: an expected failure with a code and an HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message, fields=None):
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or {}

    def as_json(self):
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


@deserialize_to_instance
class InvalidContent(WardlineError):
    """Valid JSON whose content breaks the rules: each bad field named."""

    status = 422
    code = "invalid"


@deserialize_to_instance
class MalformedRequest(WardlineError):
    status = 400
    code = "malformed"


@deserialize_to_instance
class NotAuthenticated(WardlineError):
    status = 401
    code = "not_authenticated"


@deserialize_to_instance
class Forbidden(WardlineError):
    status = 403
    code = "forbidden"


@deserialize_to_instance
class NotFound(WardlineError):
    status = 404
    code = "not_found"


@deserialize_to_instance
class Locked(WardlineError):
    """Too many failed sign-ins: try again later (HTTP 429)."""

    status = 429
    code = "locked"


@deserialize_to_instance
class Conflict(WardlineError):
    status = 409
    code = "conflict"


EXPECTED = (WardlineError,)
"""Pass as `expected_exceptions` so nameko logs these as warnings, not crashes."""


@lru_cache(maxsize=None)
def schema_for(schema_class):
    """One instance per marshmallow schema class: building a schema costs more than
    loading with it, and loading leaves the instance as it was."""
    return schema_class()


def load_or_refuse(schema, payload, message="Some fields are invalid; nothing was stored.",
                   more_errors=None):
    """The command `payload` makes through `schema` (a class), or one 422 naming every bad
    field: the schema's findings together with the caller's own (`more_errors(payload)`,
    a dict of field: messages), so that a person can fix everything in one go. The one way
    every service and the gateway refuse bad input."""
    payload = payload if isinstance(payload, dict) else {}
    try:
        cmd, errors = schema_for(schema).load(payload), {}
    except ValidationError as exc:
        cmd, errors = None, fields_from_marshmallow(exc.messages)
    if more_errors:
        errors.update(more_errors(payload))
    if errors:
        raise InvalidContent(message, errors)
    return cmd


def fields_from_marshmallow(messages):
    """Flatten marshmallow's nested messages into `{"subject.given_name": ["..."]}`."""
    flat = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat[prefix or "_schema"] = value if isinstance(value, list) else [value]

    walk("", messages)
    return flat


class TimedOut(WardlineError):
    """A service did not answer the gateway in time (a broker restart can lose an answer).
    What was sent may have been stored: the message says to look before sending again."""
    status = 504
    code = "timeout"


@deserialize_to_instance
class Unavailable(WardlineError):
    """The database refused or dropped the connection, or has none free (PostgreSQL or
    the pooler at its connection limit, a restart): HTTP 503 with `Retry-After`, as
    nothing is wrong with the request and the same one may well succeed in a moment."""
    status = 503
    code = "unavailable"
    retry_after = 5  # seconds, the `Retry-After` header


DATABASE_UNAVAILABLE = ("sqlalchemy.exc.OperationalError", "sqlalchemy.exc.TimeoutError",
                        "sqlalchemy.exc.DisconnectionError")
"""Exceptions that mean the database cannot be reached or is too busy, by their path:
SQLAlchemy's own wrapping of the driver's OperationalError (refused, too many clients,
the pooler's `no more connections allowed`, a dropped connection), a pool with no
connection free in time, and a failed ping; as raised here or by a service over RPC."""


def as_unavailable(exc):
    """An `Unavailable` for an exception that means the database is away or full, else
    None. A driver error on a connection SQLAlchemy found broken counts too."""
    if isinstance(exc, Unavailable):
        return exc
    if isinstance(exc, RemoteError):  # from a service that does not translate its own
        unavailable = exc.exc_type in ("OperationalError", "DisconnectionError")
    else:
        unavailable = (f"{type(exc).__module__}.{type(exc).__name__}" in DATABASE_UNAVAILABLE
                       or getattr(exc, "connection_invalidated", False))  # DBAPIError
    if unavailable:
        return Unavailable("The database is not taking connections just now; nothing was "
                           "changed. Try again in a few seconds.")
    return None
