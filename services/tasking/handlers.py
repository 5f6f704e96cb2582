"""Tasking use cases."""
import uuid

import sqlalchemy as sa
import structlog

from services.tasking.domain import referral_action_title
from services.tasking.orm import tasking_items
from shared.db import utcnow

log = structlog.get_logger(__name__)

TASKING_ACTOR = {"username": "tasking", "role": "system", "agency": None}


def raise_item_for_referral(event, rules, uow):
    """A new referral becomes one tasking item, owned and due by the routing rules.
    A redelivered referral.submitted changes nothing."""
    referral = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return None
        item = {
            "id": str(uuid.uuid4()),
            "title": referral_action_title(referral["category"], referral["risk_level"],
                                           referral["ward"]),
            "ward": referral["ward"],
            "owner_agency": rules.owner_agency(referral["category"],
                                               referral["referring_agency"]),
            "owner_user": None, "status": "open",
            "due_by": rules.due_by(referral["risk_level"], referral["submitted_at"]),
            "source_type": "referral", "source_id": referral["referral_id"],
            "risk_level": referral["risk_level"], "raised_by": "tasking",
            "raised_at": utcnow(),
        }
        uow.session.execute(tasking_items.insert().values(**item))
        uow.publish("tasking_item.raised", 1, {
            key: item[key] for key in ("title", "ward", "owner_agency", "due_by",
                                       "source_type", "source_id")
        } | {"tasking_item_id": item["id"]}, TASKING_ACTOR)
    log.info("tasking_item.raised", tasking_item_id=item["id"], owner_agency=item["owner_agency"],
             due_by=item["due_by"].isoformat())
    return item["id"]


def list_items(uow, source_type=None, source_id=None, limit=50):
    with uow:
        query = sa.select(tasking_items).order_by(tasking_items.c.due_by,
                                                  tasking_items.c.id).limit(limit)
        if source_type:
            query = query.where(tasking_items.c.source_type == source_type)
        if source_id:
            query = query.where(tasking_items.c.source_id == source_id)
        return [row._asdict() for row in uow.session.execute(query)]
