"""Events the notifications service publishes: its delivery log."""
from marshmallow import Schema, fields, validate

from shared.events.registry import contract


class NotificationSentV1(Schema):
    notification_id = fields.String(required=True)
    kind = fields.String(required=True)
    recipient = fields.String(required=True)
    channel = fields.String(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)


def upcast_sent_v1_v2(payload):
    """A v1 event told one delivery; v2 lists a source event's deliveries: a v1 event is
    a list of one, whose source event was not told."""
    return {"channel": payload["channel"], "source_type": payload.get("source_type"),
            "source_id": payload.get("source_id"), "source_event_id": None,
            "deliveries": [{"notification_id": payload["notification_id"],
                            "kind": payload["kind"], "recipient": payload["recipient"]}]}


upcast_sent_v1_v2.reshapes = True  # its fields move into the list: none is kept as it was


NOTIFICATION_SENT_V1 = contract(
    source="notifications", type="notification.sent", version=1, schema=NotificationSentV1,
    upcast=upcast_sent_v1_v2,
    description="A notification was delivered to an inbox or mailbox (one event per "
                "delivery; superseded by v2, one per source event).",
    example={
        "notification_id": "9b000000-0000-4000-8000-000000000001",
        "kind": "referral.acknowledged", "recipient": "team:yot", "channel": "inbox",
        "source_type": "referral", "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
    },
)


class DeliveryV2(Schema):
    notification_id = fields.String(required=True)
    kind = fields.String(required=True)
    recipient = fields.String(required=True)


class NotificationSentV2(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(("inbox", "email")))
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)
    source_event_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the event whose notices these are; none for emails (a digest "
                       "gathers several) and on an event upcast from v1"})
    deliveries = fields.List(fields.Nested(DeliveryV2), required=True,
                             validate=validate.Length(min=1))


NOTIFICATION_SENT = contract(
    source="notifications", type="notification.sent", version=2, schema=NotificationSentV2,
    description="Notifications were delivered, to inboxes (one event for all the notices one "
                "source event caused) or by email (one event per message sent, a digest's "
                "notices listed together).",
    example={
        "channel": "inbox", "source_type": "referral",
        "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "source_event_id": "7a000000-0000-4000-8000-000000000001",
        "deliveries": [
            {"notification_id": "9b000000-0000-4000-8000-000000000001",
             "kind": "referral.acknowledged", "recipient": "user:yot.worker"},
            {"notification_id": "9b000000-0000-4000-8000-000000000002",
             "kind": "referral.acknowledged", "recipient": "team:yot"}],
    },
)
