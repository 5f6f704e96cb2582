"""Notification outputs."""
from marshmallow import Schema, fields, validate

from shared.vocabulary import AGENCIES


class NotificationView(Schema):
    id = fields.String()
    recipient = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    source_type = fields.String(allow_none=True)
    source_id = fields.String(allow_none=True)
    link = fields.String(allow_none=True, metadata={
        "description": "the web page of the record it is about, a path from the site's "
                       "root such as `#/referrals/<id>` (none for older notifications)"})
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


class ContactView(Schema):
    id = fields.String()
    username = fields.String(allow_none=True)
    display_name = fields.String()
    role = fields.String()
    agency = fields.String(allow_none=True)
    wards = fields.List(fields.String())
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    source = fields.String()
    confirmed_at = fields.AwareDateTime()
    stale = fields.Boolean()
    active = fields.Boolean(metadata={"description": "false: the account is disabled (listed "
                                                     "only with `inactive=true`)"})


class FailedEmailView(Schema):
    id = fields.String()
    username = fields.String()
    address = fields.String()
    kind = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.AwareDateTime()


# --- commands ---------------------------------------------------------------------------

class DirectoryEntrySchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "job title, e.g. 'ASB caseworker'"})
    agency = fields.String(required=True, validate=validate.OneOf(AGENCIES))
    wards = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Regexp(
        r"^[0-9 +()-]{6,40}$", error="Digits, spaces and + ( ) - only."))
