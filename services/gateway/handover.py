"""Handing over a leaver's open work (`POST /api/users/{username}/handover`). The gateway
owns accounts: it finds the leaver and the successor and tells tasking who the successor
is (role, agency, wards, active). Tasking owns the PCSO tasks and actions, decides whether
the successor can hold each one, and moves them all, or none, in one unit of work."""
from marshmallow import Schema, fields, validate

from services.gateway import accounts
from shared.errors import InvalidContent, NotFound, load_or_refuse

SUCCESSOR_FIELDS = ("username", "role", "agency", "wards", "active")


class HandoverSchema(Schema):
    """`to`: the successor's username; omitted or null, the work goes back to the team
    (the ward's sergeant for PCSO tasks, the owning agency for actions)."""
    to = fields.String(load_default=None, allow_none=True,
                       validate=validate.Length(min=1, max=80))


def successor_account(session, leaver, payload):
    """The successor's account as tasking needs it, or None (back to the team); a 404
    naming `username` for an unknown leaver, a 422 naming `to` for a successor who does not
    exist, is the leaver, or is disabled."""
    to = load_or_refuse(HandoverSchema, payload, "The handover has invalid fields.")["to"]
    if accounts.find_user(session, leaver) is None:
        raise NotFound("No such account.", {"username": [leaver]})
    if to is None:
        return None
    if to == leaver:
        raise _refused("Hand the work over to someone else: this is the leaver.")
    successor = accounts.find_user(session, to)
    if successor is None:
        raise _refused(f"There is no account {to}.")
    if not successor["active"]:
        raise _refused(f"{to}'s account is disabled: it cannot take on work.")
    return {key: successor[key] for key in SUCCESSOR_FIELDS}


def _refused(message):
    return InvalidContent("The handover has invalid fields; nothing was moved.",
                          {"to": [message]})
