"""Schemas that describe what only the gateway says: its error body, the page every list
returns, sign-in, accounts, and answers the gateway composes from several services. The
services' contracts (shared/contracts/<service>.py) describe everything else;
these exist so that the OpenAPI document covers every route without a second, hand-kept
description of the services' data."""
from functools import lru_cache

from marshmallow import Schema, fields, validate

from services.gateway.accounts import NewUserSchema
from shared.contracts.notifications import NotificationView
from shared.contracts.referrals import ReferralView
from shared.contracts.tasking import TaskingItemView
from shared.vocabulary import VOCABULARY


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # `fields` would shadow Schema.fields: named apart, written as "fields".
    bad_fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                             data_key="fields")
    enrolment_token = fields.String(metadata={
        "description": "With `second_factor_enrolment_required` only: a token good for "
                       "setting up a second factor (/api/me/second-factor) and nothing else"})
    expires_in = fields.Integer(metadata={"description": "The enrolment token's seconds"})


class ErrorSchema(Schema):
    """Every refusal: `{"error": {code, message, fields}}` (docs/api.md)."""
    error = fields.Nested(ErrorDetailSchema, required=True)


@lru_cache(maxsize=None)
def page_of(item_schema):
    """`{items: [item], next_cursor}`: one named schema per item type (cached, so that
    two routes listing the same thing share one component)."""
    name = item_schema.__name__.removesuffix("View").removesuffix("Schema") + "Page"
    return type(name, (Schema,), {
        "__doc__": f"A page of {item_schema.__name__}; pass next_cursor as `cursor` for "
                   "the next one (null: this is the last).",
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(allow_none=True),
        "paged": True,
    })


class TokenRequestSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True)
    code = fields.String(metadata={
        "description": "The 6-digit code of the account's second factor (TOTP), or one of "
                       "its recovery codes: needed once the account has one"})


class TokenView(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(("bearer",)))
    expires_in = fields.Integer(required=True)


class UserView(Schema):
    id = fields.String()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    agency = fields.String(allow_none=True)
    wards = fields.List(fields.String(), allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean(metadata={"description": "false: disabled, cannot sign in"})


class WardView(Schema):
    code = fields.String()
    name = fields.String()


class WardsView(Schema):
    """The borough's whole ward register (a few dozen wards: not paged)."""
    items = fields.List(fields.Nested(WardView), required=True)


class ReferralDetailView(ReferralView):
    """A referral as the gateway composes it: with the actions tasking lets the caller see
    and what the referring agency was told."""
    tasking_items = fields.List(fields.Nested(TaskingItemView))
    feedback = fields.List(fields.Nested(NotificationView))


class AuditEntryView(Schema):
    """One row of the audit trail (services/gateway/audit.py)."""
    id = fields.Integer()
    at = fields.AwareDateTime()
    username = fields.String()
    role = fields.String()
    agency = fields.String(allow_none=True)
    action = fields.String()
    record_type = fields.String()
    record_ids = fields.List(fields.String())
    purpose = fields.String(metadata={"description": "the route's own purpose, always"})
    stated_purpose = fields.String(allow_none=True, metadata={
        "description": "the purpose the caller stated (`X-Purpose`), kept beside the route's"})
    recipient = fields.String(allow_none=True)
    correlation_id = fields.String(allow_none=True)
    event_id = fields.String(allow_none=True)
    prev_hash = fields.String(allow_none=True, metadata={
        "description": "the hash chain (`wardline audit verify`): the row before's hash"})
    row_hash = fields.String(allow_none=True, metadata={
        "description": "this row's hash over its fields and `prev_hash`; null for rows "
                       "that predate the chain"})


class HealthView(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


class TermView(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


def _terms():
    return fields.List(fields.Nested(TermView), required=True)


VocabularyView = type("VocabularyView", (Schema,), {
    "__doc__": "shared/vocabulary.py's lists, each `[{code, label}]` in display order.",
    "__module__": __name__,
    **{name: _terms() for name in VOCABULARY},  # one field per list, so the two cannot drift
})


__all__ = ["ErrorSchema", "NewUserSchema", "page_of", "TokenRequestSchema", "TokenView",
           "UserView", "WardsView", "ReferralDetailView", "AuditEntryView", "HealthView",
           "VocabularyView"]


class CodeSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "The 6 digits the authenticator app shows now"})


class EnrolmentView(Schema):
    otpauth_uri = fields.String(metadata={"description": "otpauth://totp/... for the app"})
    qr_svg = fields.String(metadata={"description": "the same URI as an SVG QR code"})


class ConfirmedView(Schema):
    recovery_codes = fields.List(fields.String(), metadata={
        "description": "ten one-time codes, shown this once"})
    access_token = fields.String(metadata={
        "description": "with an enrolment token only: the full token it was for"})
    token_type = fields.String()
    expires_in = fields.Integer()


class SecondFactorView(Schema):
    enrolled = fields.Boolean()
    required = fields.Boolean()
    recovery_codes_left = fields.Integer()


class AccountView(UserView):
    second_factor = fields.Nested(SecondFactorView, metadata={
        "description": "whether the person signs in with a second factor, and whether "
                       "their role requires one (recovery codes left: theirs to know)"})


class OneTimePasswordSchema(Schema):
    password = fields.String(required=True, load_only=True, metadata={
        "description": "good for one sign-in, which must choose a new password"})


class ResetView(Schema):
    username = fields.String()
    second_factor_removed = fields.Boolean()


class SingleSignOnView(Schema):
    enabled = fields.Boolean(metadata={
        "description": "whether people may sign in through their organisation's identity "
                       "provider (WARDLINE_OIDC_ISSUER is set)"})
    start = fields.String(metadata={
        "description": "where the sign-in page sends them: add ?next=#/<page>"})


class SingleSignOnStartQuery(Schema):
    next = fields.String(metadata={
        "description": "the web page's address to land on once signed in (#/...)"})


class SingleSignOnCallbackQuery(Schema):
    """What the identity provider adds to the redirect back (OpenID Connect Core 3.1.2.5)."""
    code = fields.String()
    state = fields.String()
    error = fields.String()
    error_description = fields.String()


class RetentionEntryView(Schema):
    """One line of the retention schedule (shared/retention.yaml)."""
    kind = fields.String(metadata={"description": "referral, intelligence_report, case_review"})
    outcome = fields.String(metadata={"description": "how the record ended (no_further_action, "
                                                     "mopi_group_3, published ...)"})
    after = fields.String(metadata={"description": "how long it is kept: \"6 years\""})
    action = fields.String(metadata={"description": "review, anonymise or delete"})
    automatic = fields.Boolean(metadata={"description": "disposed by a timer, no decision"})
    source = fields.String(metadata={"description": "app, npcc or partnership"})
    source_title = fields.String()
    confirm = fields.Boolean(metadata={"description": "the period awaits the DPO's check "
                                                      "against its source"})
    why = fields.String()


class RetentionScheduleView(Schema):
    entries = fields.List(fields.Nested(RetentionEntryView))
    sources = fields.Dict(metadata={"description": "key -> {title, url, read}: what each "
                                                   "source says, as quoted in the file"})
