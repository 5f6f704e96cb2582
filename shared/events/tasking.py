"""Events the tasking service publishes."""
from marshmallow import Schema, fields

from shared.events.registry import contract


class TaskingItemRaisedV1(Schema):
    tasking_item_id = fields.String(required=True)
    title = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)
    due_by = fields.AwareDateTime(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)


TASKING_ITEM_RAISED = contract(
    source="tasking", type="tasking_item.raised", version=1, schema=TaskingItemRaisedV1,
    description="An action was raised with an owning agency and a due date.",
    example={
        "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001",
        "title": "Act on high-risk youth at risk referral in Dalston",
        "ward": "dalston", "owner_agency": "yot", "due_by": "2026-11-25T10:00:00+00:00",
        "source_type": "referral", "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
    },
)
