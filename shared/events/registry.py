"""Event contracts: a schema per event type and version, with an example and upcasters.

Publishing refuses an event whose payload breaks its contract; consuming turns a message
into a validated `Event` at the latest version of its type, or says exactly why it cannot.
"""
from dataclasses import dataclass, field

from marshmallow import EXCLUDE, ValidationError, fields

from shared.events.envelope import EnvelopeSchema, Event


class InvalidEvent(Exception):
    """A message or event that breaks the envelope or its type's contract."""

    def __init__(self, reason, errors=None):
        super().__init__(reason, errors or {})
        self.reason = reason
        self.errors = errors or {}


@dataclass
class Contract:
    source: str
    type: str
    version: int
    schema: type
    example: dict
    upcast: object = None  # function(payload_vN) -> payload_vN+1
    description: str = ""
    consumers: list = field(default_factory=list)


_CONTRACTS = {}


def contract(source, type, version, schema, example, upcast=None, description=""):
    """Register one version of an event type (called at import by `shared.events.<source>`)."""
    _CONTRACTS[(type, version)] = Contract(source, type, version, schema, example, upcast,
                                           description)
    return _CONTRACTS[(type, version)]


def contract_for(type, version):
    try:
        return _CONTRACTS[(type, version)]
    except KeyError:
        raise InvalidEvent(f"unknown event type or version: {type} v{version}") from None


def latest_version(type):
    versions = [v for (t, v) in _CONTRACTS if t == type]
    if not versions:
        raise InvalidEvent(f"unknown event type: {type}")
    return max(versions)


def all_contracts():
    return list(_CONTRACTS.values())


_SCHEMAS = {}
_ENVELOPE = EnvelopeSchema()


def _schema(contract):
    """One schema instance per contract, reused: building a marshmallow schema (its
    fields deep-copied) cost more than loading an event with it. load/dump/validate keep
    no state on the instance, so sharing it between workers is safe."""
    schema = _SCHEMAS.get(id(contract))
    if schema is None or schema[0] is not contract:
        schema = _SCHEMAS[id(contract)] = (contract, contract.schema())
    return schema[1]


def serialize(event):
    """The message for `event`, or InvalidEvent: nothing invalid reaches the bus."""
    schema = _schema(contract_for(event.type, event.version))
    try:
        payload_json = schema.dump(event.payload)
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidEvent(f"{event.type} v{event.version} payload has a value of the wrong "
                           f"type: {exc}") from None
    errors = schema.validate(payload_json)
    if errors:
        raise InvalidEvent(f"{event.type} v{event.version} breaks its contract", errors)
    return event.to_message(payload_json)


def deserialize(message):
    """A validated Event at its type's latest version, or InvalidEvent with the reason."""
    if not isinstance(message, dict):
        raise InvalidEvent("message body is not a JSON object")
    try:
        envelope = _ENVELOPE.load(message)
    except ValidationError as exc:
        raise InvalidEvent("invalid envelope", exc.messages) from None
    type_, version, payload = envelope["type"], envelope["version"], envelope["payload"]
    current = contract_for(type_, version)
    try:
        loaded = _schema(current).load(payload, unknown=EXCLUDE)
        if current.upcast is not None:
            while current.upcast is not None:
                payload = current.upcast(payload)
                current = contract_for(type_, current.version + 1)
            loaded = _schema(current).load(payload, unknown=EXCLUDE)
    except ValidationError as exc:
        raise InvalidEvent(f"{type_} v{current.version} payload breaks its contract",
                           exc.messages) from None
    return Event(
        type=type_, version=current.version, payload=loaded, actor=envelope["actor"],
        correlation_id=envelope["correlation_id"], causation_id=envelope["causation_id"],
        event_id=str(envelope["event_id"]), occurred_at=envelope["occurred_at"],
    )


def reference_field(example):
    """The field that names a record by the reference people can say (`example`), which
    every notice about it shows; none on an event upcast from before references."""
    return fields.String(allow_none=True, load_default=None, metadata={
        "description": f"the record's reference people can say ({example}); none on an "
                       "event upcast from a version published before references"})


def upcast_without_reference(payload):
    """A version published before records had references: consumers show none for it."""
    return {**payload, "reference": None}
