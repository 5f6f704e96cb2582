"""Who referred each referral, as notifications keeps it from the referral events: the
events about a referral's later life (an action's outcome, a receiving agency taking it
up) name the referral only, and their news must reach the same referring side."""
from dataclasses import replace

import sqlalchemy as sa

from services.notifications.orm import referral_records
from shared.db import upsert, utcnow

KEPT = ("referring_agency", "referred_by", "ward", "category")
HANDLING = ("handling_code", "handling_conditions")  # carried by submitted and triaged v2


class ReferralNotYetKnown(Exception):
    """News about a referral whose own events have not arrived yet (each event type has its
    own queue): the handler fails and the message is redelivered, with backoff, until they
    have; after the delivery limit it waits in the dead-letter queue to be replayed."""


def remember(session, payload):
    """Keep (or refresh) who referred `payload`'s referral; any referral event will do."""
    handling = {key: payload.get(key) for key in HANDLING if payload.get("handling_code")}
    upsert(session, referral_records,
           {"referral_id": payload["referral_id"], "recorded_at": utcnow(),
            **{key: payload[key] for key in KEPT}, **handling},
           key=["referral_id"], update=(*KEPT, *handling))


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
        return event
    if event.type == "tasking_item.raised" and event.payload.get("source_type") == "referral":
        return _with_handling(session, event)
    referral_id = _referral_named_by(event)
    if referral_id is None:
        return event
    known = referring_side(session, referral_id)
    known.pop("recorded_at")
    return replace(event, payload={**known, **event.payload})


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
