"""Notifications' SQL: the in-app inbox (a person's own notifications and their agency
team's, each event once, newest first, each read or unread for that person); the contact
directory (named contacts for every ward team and agency, kept from the accounts the
gateway announces plus entries an admin adds; the study's partners asked for exactly
this: who to call, kept up to date, unconfirmed for 90 days = stale); and who referred
each referral, as notifications keeps it from the referral events (the events about a
referral's later life name the referral only, and their news must reach the same
referring side)."""
import uuid
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from services.notifications.orm import (contacts, notification_reads, notifications,
                                        referral_records)
from shared.contracts.notifications import DirectoryEntrySchema
from shared.db import upsert, utcnow
from shared.errors import InvalidContent, NotFound, load_or_refuse
from shared.paging import decode_cursor, page

STALE_AFTER = timedelta(days=90)
EMAIL_MODES = ("immediate", "digest", "off")
KEPT = ("referring_agency", "referred_by", "ward", "category")
HANDLING = ("handling_code", "handling_conditions")  # carried by submitted and triaged v2


# --- the inbox --------------------------------------------------------------------------

def addresses(actor):
    mine = [f"user:{actor['username']}"]
    return mine + ([f"agency:{actor['agency']}"] if actor.get("agency") else [])


def list_inbox(session, actor, unread_only, limit, cursor):
    read = sa.select(notification_reads.c.read_at).where(
        notification_reads.c.notification_id == notifications.c.id,
        notification_reads.c.username == actor["username"]).scalar_subquery()
    query = (sa.select(notifications.c.id, notifications.c.recipient, notifications.c.kind,
                       notifications.c.title, notifications.c.body,
                       notifications.c.source_type, notifications.c.source_id,
                       notifications.c.link, notifications.c.created_at,
                       read.label("read_at"))
             .where(notifications.c.recipient.in_(addresses(actor)),
                    _not_told_twice(actor))
             .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
             .limit(limit + 1))
    if unread_only:
        query = query.where(read.is_(None))
    after = decode_cursor(cursor, 2, ("time", "text"))
    if after:
        query = query.where(sa.tuple_(notifications.c.created_at, notifications.c.id)
                            < sa.tuple_(sa.literal(after[0],
                                                   notifications.c.created_at.type),
                                        sa.literal(after[1])))
    rows = [row._asdict() for row in session.execute(query)]
    return page(rows, limit, lambda r: (r["created_at"].isoformat(), r["id"]))


def _not_told_twice(actor):
    """A person told about an event in their own name is not shown their team's copy of
    the same event too: it is the same news twice. The team's row stays, for the rest of
    the team. In the query, so that pages are full and the cursor stays right."""
    mine = f"user:{actor['username']}"
    own = notifications.alias("own_copy")
    return sa.or_(notifications.c.recipient == mine,
                  ~sa.exists().where(own.c.event_id == notifications.c.event_id,
                                     own.c.recipient == mine))


def mark_read(session, notification_id, actor):
    """Mark one of the caller's notifications read (again is harmless)."""
    found = session.execute(sa.select(notifications.c.id).where(
        notifications.c.id == notification_id,
        notifications.c.recipient.in_(addresses(actor)))).first()
    if found is None:
        raise NotFound("No such notification in your inbox.", {"id": [notification_id]})
    already = session.execute(sa.select(notification_reads.c.read_at).where(
        notification_reads.c.notification_id == notification_id,
        notification_reads.c.username == actor["username"])).scalar()
    if already is None:
        already = utcnow()
        session.execute(notification_reads.insert().values(
            notification_id=notification_id, username=actor["username"], read_at=already))
    return {"id": notification_id, "read_at": already}


# --- the directory ----------------------------------------------------------------------

def save_account(session, account):
    """Insert or refresh the contact for an account (from `user.saved`), keeping the
    person's own email choice."""
    values = {"display_name": account["display_name"], "role": account["role"],
              "agency": account.get("agency"), "wards": list(account.get("wards") or []),
              "email": account.get("email"), "active": account["active"],
              "confirmed_at": utcnow(), "confirmed_by": "account"}
    upsert(session, contacts,
           {"id": f"user:{account['username']}", "username": account["username"],
            "email_mode": "immediate", "source": "account", "phone": None, **values},
           key=["username"], update=list(values))


def add_entry(session, payload, actor):
    entry = load_or_refuse(DirectoryEntrySchema, payload,
                           "The directory entry has invalid fields.")
    row = {**entry, "id": f"entry:{uuid.uuid4()}", "username": None, "email_mode": "off",
           "source": "directory", "active": True, "confirmed_at": utcnow(),
           "confirmed_by": actor["username"]}
    session.execute(contacts.insert().values(**row))
    return contact_view(row)


def directory_entry(session, contact_id):
    row = session.execute(sa.select(contacts).where(contacts.c.id == contact_id)).first()
    if row is None:
        raise NotFound("No such directory entry.", {"id": [contact_id]})
    return row._asdict()


def confirm_entry(session, contact_id, actor):
    """Someone checked the entry is still right: it is fresh for another 90 days."""
    done = session.execute(contacts.update().where(contacts.c.id == contact_id)
                           .values(confirmed_at=utcnow(), confirmed_by=actor["username"]))
    if not done.rowcount:
        raise NotFound("No such directory entry.", {"id": [contact_id]})
    return contact_view(session.execute(sa.select(contacts).where(contacts.c.id == contact_id))
                .one()._asdict())


def set_email_mode(session, username, mode):
    if mode not in EMAIL_MODES:
        raise InvalidContent("Unknown email choice.",
                             {"email": [f"One of: {', '.join(EMAIL_MODES)}."]})
    done = session.execute(contacts.update().where(contacts.c.username == username)
                           .values(email_mode=mode))
    if not done.rowcount:
        raise NotFound("Your account is not in the directory yet; try again shortly.")
    return {"email": mode}


def list_directory(session, ward, agency, limit, cursor, inactive=False):
    """Active contacts (with `inactive`, the disabled accounts' too, each `active: false`),
    by agency then name; a ward's team is every contact serving it."""
    query = sa.select(contacts).order_by(contacts.c.agency, contacts.c.display_name,
                                         contacts.c.id)
    if not inactive:
        query = query.where(contacts.c.active.is_(True))
    if agency:
        query = query.where(contacts.c.agency == agency)
    rows = [row._asdict() for row in session.execute(query)]
    if ward:  # wards are a short JSON list per contact; the directory is small
        rows = [row for row in rows if ward in (row["wards"] or [])]
    after = decode_cursor(cursor, 1, ("text",))
    if after:
        rows = rows[next((n + 1 for n, r in enumerate(rows) if r["id"] == after[0]),
                         len(rows)):]
    result = page(rows[:limit + 1], limit, lambda r: (r["id"],))
    return {**result, "items": [contact_view(row) for row in result["items"]]}


def contact_view(row):
    return {key: row.get(key) for key in ("id", "username", "display_name", "role", "agency",
                                          "wards", "email", "phone", "source",
                                          "confirmed_at", "active")} | {
        "stale": row["confirmed_at"] < utcnow() - STALE_AFTER}


def contact_of(session, username):
    """A person's directory entry (username, agency, email, email_mode, active), or None
    for a team address or a person not (yet) in the directory."""
    if not username:
        return None
    return session.execute(sa.select(contacts.c.username, contacts.c.agency,
                                     contacts.c.email, contacts.c.email_mode,
                                     contacts.c.active)
                           .where(contacts.c.username == username)).first()


def audience_of(address, contact=None):
    """Police recipients may read police detail; everyone else is a partner. `contact` is
    the person's directory entry, for a person's address."""
    kind, _, name = address.partition(":")
    if kind == "agency":
        return "police" if name == "police" else "partner"
    return "police" if contact is not None and contact.agency == "police" else "partner"


def coordinator_contact(session):
    """Who a partner can ask about a referral: the partnership coordinator."""
    row = session.execute(sa.select(contacts.c.display_name, contacts.c.email)
                          .where(contacts.c.role == "coordinator",
                                 contacts.c.active.is_(True))
                          .order_by(contacts.c.display_name).limit(1)).first()
    if row is None:
        return None
    return f"{row.display_name} ({row.email})" if row.email else row.display_name


class People:
    """Who holds a role (in a ward), from the directory's accounts: the recipient rules'
    view of the partnership."""

    def __init__(self, session):
        self.session = session

    def with_role(self, role, ward=None):
        rows = self.session.execute(
            sa.select(contacts.c.username, contacts.c.wards)
            .where(contacts.c.role == role, contacts.c.active.is_(True),
                   contacts.c.username.is_not(None))
            .order_by(contacts.c.username)).all()
        return [row.username for row in rows if ward is None or ward in (row.wards or [])]


# --- who referred each referral ---------------------------------------------------------

class ReferralNotYetKnown(Exception):
    """News about a referral whose own events have not arrived yet (each event type has its
    own queue): the handler fails and the message is redelivered, with backoff, until they
    have; after the delivery limit it waits in the dead-letter queue to be replayed."""


def remember(session, payload):
    """Keep (or refresh) who referred `payload`'s referral; any referral event will do.
    Its reference comes with referral.submitted (v3) and is kept once known."""
    handling = {key: payload.get(key) for key in HANDLING if payload.get("handling_code")}
    reference = {"reference": payload["reference"]} if payload.get("reference") else {}
    upsert(session, referral_records,
           {"referral_id": payload["referral_id"], "recorded_at": utcnow(),
            **{key: payload[key] for key in KEPT}, **handling, **reference},
           key=["referral_id"], update=(*KEPT, *handling, *reference))


def referring_side(session, referral_id):
    """{referral_id, referring_agency, referred_by, ward, category} of a known referral."""
    row = session.execute(sa.select(referral_records).where(
        referral_records.c.referral_id == referral_id)).first()
    if row is None:
        raise ReferralNotYetKnown(referral_id)
    return row._asdict()


REMEMBERED_FROM = ("referral.submitted", "referral.triaged", "referral.closed")


def _referral_named_by(event):
    if event.type == "referral.acknowledged":
        return event.payload["referral_id"]
    if event.type == "tasking_item.completed" and event.payload.get("source_type") == "referral":
        return event.payload["source_id"]
    return None


def with_referring_side(session, event):
    """`event`, its referral remembered if it is a referral event; and, if it is news about
    a referral that does not carry who referred it, with the referral's facts added
    (`referral_id`, `referring_agency`, `referred_by`, `ward`, `category`), so that rules
    and templates read it like the referral's own events."""
    if event.type in REMEMBERED_FROM:
        remember(session, event.payload)
        return _with_referral_reference(session, event)
    if event.type == "tasking_item.raised" and event.payload.get("source_type") == "referral":
        return _with_handling(session, event)
    referral_id = _referral_named_by(event)
    if referral_id is None:
        return (_with_referral_reference(session, event) if event.type.startswith("referral.")
                else event)
    known = referring_side(session, referral_id)
    known.pop("recorded_at")
    known["referral_reference"] = known.pop("reference")
    return replace(event, payload={**known, **event.payload})


def _with_referral_reference(session, event):
    """A referral event, with the referral's reference as notifications knows it (from
    its referral.submitted): later referral events name the referral by id only."""
    reference = session.execute(sa.select(referral_records.c.reference).where(
        referral_records.c.referral_id == event.payload["referral_id"])).scalar()
    return replace(event, payload={**event.payload, "referral_reference": reference})


def _with_handling(session, event):
    """A new action on a code C referral: its owner is told the conditions. The owner is
    told at once even when the referral's own event has not arrived yet (each type has its
    own queue); the conditions are then on the referral's page, which the notice names."""
    row = session.execute(sa.select(referral_records.c.handling_code,
                                    referral_records.c.handling_conditions).where(
        referral_records.c.referral_id == event.payload["source_id"])).first()
    if row is None:
        return event
    return replace(event, payload={**event.payload, **row._asdict()})
