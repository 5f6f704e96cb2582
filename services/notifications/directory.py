"""The contact directory: named contacts for every ward team and agency, kept from the
accounts the gateway announces plus entries an admin adds. The study's partners asked
for exactly this: who to call, kept up to date (unconfirmed for 90 days = stale)."""
import uuid
from datetime import timedelta

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from services.notifications.orm import contacts
from shared.db import upsert, utcnow
from shared.errors import InvalidContent, NotFound, load_or_refuse
from shared.paging import decode_cursor, page
from shared.partnership import AGENCIES

STALE_AFTER = timedelta(days=90)
EMAIL_MODES = ("immediate", "digest", "off")


class DirectoryEntrySchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "job title, e.g. 'ASB caseworker'"})
    agency = fields.String(required=True, validate=validate.OneOf(AGENCIES))
    wards = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Regexp(
        r"^[0-9 +()-]{6,40}$", error="Digits, spaces and + ( ) - only."))


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
    return view(row)


def confirm_entry(session, contact_id, actor):
    """Someone checked the entry is still right: it is fresh for another 90 days."""
    done = session.execute(contacts.update().where(contacts.c.id == contact_id)
                           .values(confirmed_at=utcnow(), confirmed_by=actor["username"]))
    if not done.rowcount:
        raise NotFound("No such directory entry.", {"id": [contact_id]})
    return view(session.execute(sa.select(contacts).where(contacts.c.id == contact_id))
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


def list_directory(session, ward, agency, limit, cursor):
    """Active contacts, by agency then name; a ward's team is every contact serving it."""
    query = (sa.select(contacts).where(contacts.c.active.is_(True))
             .order_by(contacts.c.agency, contacts.c.display_name, contacts.c.id))
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
    return {**result, "items": [view(row) for row in result["items"]]}


def view(row):
    return {key: row.get(key) for key in ("id", "username", "display_name", "role", "agency",
                                          "wards", "email", "phone", "source",
                                          "confirmed_at")} | {
        "stale": row["confirmed_at"] < utcnow() - STALE_AFTER}


def contact_of(session, username):
    """A person's directory entry (username, agency, email, email_mode), or None for a
    team address or a person not (yet) in the directory."""
    if not username:
        return None
    return session.execute(sa.select(contacts.c.username, contacts.c.agency,
                                     contacts.c.email, contacts.c.email_mode)
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
