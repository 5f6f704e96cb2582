"""Events the gateway publishes: accounts, so that services needing contact details
(notifications' directory and mail) keep their own copy instead of reading its tables."""
from marshmallow import Schema, fields

from shared.events.registry import contract


class UserSavedV1(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    agency = fields.String(allow_none=True, load_default=None)
    wards = fields.List(fields.String(), required=True)
    email = fields.String(allow_none=True, load_default=None)
    active = fields.Boolean(required=True)


USER_SAVED = contract(
    source="gateway", type="user.saved", version=1, schema=UserSavedV1,
    description="An account was created or changed: who someone is, where they work, how "
                "to reach them.",
    example={"username": "sgt.dalston", "display_name": "Sgt Sam Patel", "role": "sergeant",
             "agency": "police", "wards": ["dalston", "hackney-central"],
             "email": "sam.patel@example.org", "active": True},
)
