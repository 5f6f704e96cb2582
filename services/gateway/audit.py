"""The audit trail: who collected, altered, consulted, disclosed, combined or erased a
person's data, when, and for what purpose (Data Protection Act 2018, Part 3, s.62).
Rows are only ever added, each chained to the one before by hash (audit_chain.py);
admins read them at GET /api/audit."""
import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from services.gateway import audit_chain
from services.gateway.orm import audit_log
from shared.db import utcnow
from shared.errors import InvalidContent, load_or_refuse
from shared.paging import decode_cursor, page

ACTIONS = ("collection", "alteration", "consultation", "disclosure", "combination",
           "erasure")
MAX_PURPOSE = 300


def stated_purpose(request):
    """The purpose the caller states (`X-Purpose` header), if any: kept beside the
    route's own purpose, never instead of it."""
    stated = (request.headers.get("X-Purpose") or "").strip()
    return stated[:MAX_PURPOSE] or None


def record(session, principal, action, record_type, record_ids, purpose,
           correlation_id=None, recipient=None, event_id=None, stated=None):
    assert action in ACTIONS, action
    inserted = session.execute(audit_log.insert().values(
        at=utcnow(), username=principal["username"], role=principal["role"],
        agency=principal.get("agency"), action=action, record_type=record_type,
        record_ids=[str(i) for i in record_ids], purpose=purpose[:MAX_PURPOSE],
        stated_purpose=stated, recipient=recipient, correlation_id=correlation_id,
        event_id=event_id))
    if session.get_bind().dialect.name == "sqlite":  # PostgreSQL's trigger chains the row
        audit_chain.link(session, inserted.inserted_primary_key[0])


class AuditQuery(Schema):
    username = fields.String(validate=validate.Length(max=80))
    action = fields.String(validate=validate.OneOf(ACTIONS))
    record_type = fields.String(validate=validate.Length(max=30))
    record_id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{1,36}$"))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    cursor = fields.String()
    limit = fields.String()  # checked by the route's page_limit


def search(session, query_args, limit):
    """Newest first, filtered by who, what, which record and when."""
    filters = load_or_refuse(AuditQuery, query_args, "Bad audit query.")
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit + 1)
    for column in ("username", "action", "record_type"):
        if filters.get(column):
            query = query.where(audit_log.c[column] == filters[column])
    if filters.get("record_id"):
        query = query.where(sa.cast(audit_log.c.record_ids, sa.String)
                            .like(f'%"{filters["record_id"]}"%'))
    if filters.get("since"):
        query = query.where(audit_log.c.at >= filters["since"])
    if filters.get("until"):
        query = query.where(audit_log.c.at < filters["until"])
    after = decode_cursor(filters.get("cursor"), 1, ("int",))
    if after:
        if not isinstance(after[0], int):  # a hand-made cursor: a 422, not a 500
            raise InvalidContent("Bad paging.", {"cursor": ["Use the next_cursor of a "
                                                            "previous page."]})
        query = query.where(audit_log.c.id < after[0])
    rows = [row._asdict() for row in session.execute(query)]
    return page(rows, limit, lambda r: (r["id"],))
