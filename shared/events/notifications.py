"""Events the notifications service publishes: its delivery log."""
from marshmallow import Schema, fields

from shared.events.registry import contract


class NotificationSentV1(Schema):
    notification_id = fields.String(required=True)
    kind = fields.String(required=True)
    recipient = fields.String(required=True)
    channel = fields.String(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)


NOTIFICATION_SENT = contract(
    source="notifications", type="notification.sent", version=1, schema=NotificationSentV1,
    description="A notification was delivered to an inbox or mailbox.",
    example={
        "notification_id": "9b000000-0000-4000-8000-000000000001",
        "kind": "referral.acknowledged", "recipient": "team:yot", "channel": "inbox",
        "source_type": "referral", "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
    },
)
