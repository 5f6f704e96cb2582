"""Notification outputs."""
from marshmallow import Schema, fields


class NotificationView(Schema):
    id = fields.String()
    recipient = fields.String()
    kind = fields.String()
    channel = fields.String()
    title = fields.String()
    body = fields.String()
    source_type = fields.String(allow_none=True)
    source_id = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)
