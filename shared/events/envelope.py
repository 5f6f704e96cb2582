"""The one event envelope (docs/api.md): every event on the bus is this, whatever its type."""
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, fields, validate

SYSTEM_ACTOR = {"username": "system", "role": "system", "agency": None}


class ActorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True)
    role = fields.String(required=True)
    agency = fields.String(allow_none=True, load_default=None)


class EnvelopeSchema(Schema):
    """What every consumer may rely on; the payload is checked by the type's own contract."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+$"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    causation_id = fields.String(allow_none=True, load_default=None)
    actor = fields.Nested(ActorSchema, required=True)
    payload = fields.Dict(required=True)


@dataclass(frozen=True)
class Event:
    """A domain event: something that happened, told once to whoever listens."""

    type: str
    version: int
    payload: dict
    actor: dict = field(default_factory=lambda: dict(SYSTEM_ACTOR))
    correlation_id: str = ""
    causation_id: str | None = None
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def source(self):
        """The producing service, as named by the contract registry."""
        from shared.events.registry import contract_for

        return contract_for(self.type, self.version).source

    def caused_by(self, cause):
        """This event as a consequence of `cause`: same conversation, cause recorded."""
        return replace(self, correlation_id=cause.correlation_id, causation_id=cause.event_id)

    def to_message(self, payload_json):
        return {
            "event_id": self.event_id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "correlation_id": self.correlation_id or self.event_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
            "payload": payload_json,
        }
