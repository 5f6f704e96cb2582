"""Tasking outputs."""
from marshmallow import Schema, fields


class TaskingItemView(Schema):
    id = fields.String()
    title = fields.String()
    ward = fields.String()
    owner_agency = fields.String()
    owner_user = fields.String(allow_none=True)
    status = fields.String()
    due_by = fields.AwareDateTime()
    source_type = fields.String(allow_none=True)
    source_id = fields.String(allow_none=True)
    risk_level = fields.String(allow_none=True)
    raised_by = fields.String()
    raised_at = fields.AwareDateTime()
