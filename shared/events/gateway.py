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


class CaseReadingRoleGivenV1(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, metadata={
        "description": "the case-reading role given: coordinator, reviewer or analyst"})
    previous_role = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the role before; none when the account was added with this one"})
    given_by = fields.String(required=True, metadata={"description": "the acting admin"})


USER_CASE_READING_ROLE_GIVEN = contract(
    source="gateway", type="user.case_reading_role_given", version=1,
    schema=CaseReadingRoleGivenV1,
    description="An account was added with, or changed to, a role that reads the "
                "partnership's case data (coordinator, reviewer, analyst): the other "
                "admins are told.",
    example={"username": "biu.newcomer", "role": "analyst", "previous_role": "pcso",
             "given_by": "admin"},
)
