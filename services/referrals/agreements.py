"""The register of information sharing agreements, and the check every disclosure of a
referral to another agency passes: no agreement in force that covers it, no disclosure
("A disclosure outside one is refused", docs/domain.md)."""
import uuid
from datetime import date

import sqlalchemy as sa
import structlog

from services.referrals.domain import AGREEMENT_KEEPERS, agreement_covers, agreement_flags
from services.referrals.orm import sharing_agreements
from shared.contracts.referrals import SharingAgreementQuerySchema, SharingAgreementSchema
from shared.errors import load_or_refuse
from shared.db import row_by_id, utcnow
from shared.errors import Forbidden, NotFound
from shared.paging import decode_cursor, page

log = structlog.get_logger(__name__)


def record_agreement(payload, actor, uow, today=None):
    """An admin or the coordinator adds an agreement to the register."""
    _keepers_only(actor)
    cmd = load_or_refuse(SharingAgreementSchema, payload)
    agreement = {"id": str(uuid.uuid4()), **cmd, "created_by": actor["username"],
                 "created_at": utcnow()}
    with uow:
        uow.session.execute(sharing_agreements.insert().values(**agreement))
    log.info("sharing_agreement.recorded", agreement_id=agreement["id"])
    return _view(agreement, today)


def revise_agreement(agreement_id, payload, actor, uow, today=None):
    """Change an agreement (its review date after a review, its end date, its scope);
    every field is checked again as a whole, so a change cannot leave it inconsistent."""
    _keepers_only(actor)
    with uow:
        current = _get(uow.session, agreement_id, for_update=True)
        keep = {k: current[k] for k in SharingAgreementSchema().fields}
        cmd = load_or_refuse(SharingAgreementSchema, {**_as_input(keep), **payload})
        changes = {**cmd, "updated_by": actor["username"], "updated_at": utcnow()}
        uow.session.execute(sharing_agreements.update()
                            .where(sharing_agreements.c.id == agreement_id).values(**changes))
    log.info("sharing_agreement.revised", agreement_id=agreement_id)
    return _view({**current, **changes}, today)


def load_agreements(session, register, actor):
    """Add the register's agreements not yet recorded (by title); returns how many."""
    known = set(session.execute(sa.select(sharing_agreements.c.title)).scalars())
    added = 0
    for entry in register:
        if entry["title"] in known:
            continue
        cmd = load_or_refuse(SharingAgreementSchema, entry)
        session.execute(sharing_agreements.insert().values(
            id=str(uuid.uuid4()), **cmd, created_by=actor["username"], created_at=utcnow()))
        added += 1
    return added


def get_agreement(agreement_id, actor, uow, today=None):
    with uow:
        agreement = _get(uow.session, agreement_id)
    if not _may_read(actor, agreement):
        raise NotFound("No sharing agreement with that id that you may see.",
                       {"id": [agreement_id]})
    return _view(agreement, today)


def list_agreements(query, actor, uow, today=None):
    """Agreements by review date (soonest first); a partner sees those its agency is a
    party to, everyone else the whole register."""
    params = load_or_refuse(SharingAgreementQuerySchema, query)
    today = today or date.today()
    with uow:
        rows = [row._asdict() for row in uow.session.execute(
            sa.select(sharing_agreements).order_by(sharing_agreements.c.review_by,
                                                   sharing_agreements.c.id))]
    agency = actor.get("agency") if actor["role"] == "partner" else params.get("agency")
    rows = [r for r in rows if _may_read(actor, r) and (not agency or agency in r["parties"])]
    views = [_view(r, today) for r in rows]
    if params.get("review_due") is not None:
        views = [v for v in views if (v["review_due"] or v["review_overdue"])
                 == params["review_due"]]
    after = decode_cursor(params["cursor"], 2, ("text", "text"))
    if after:
        views = [v for v in views if (v["review_by"].isoformat(), v["id"]) > tuple(after)]
    return page(views[:params["limit"] + 1], params["limit"],
                lambda v: (v["review_by"].isoformat(), v["id"]))


def agreement_for(session, referral, to_agency, today=None):
    """The agreement in force under which the referral may reach `to_agency`, or None."""
    today = today or date.today()
    for row in session.execute(sa.select(sharing_agreements)):
        agreement = row._asdict()
        if agreement_covers(agreement, referral, to_agency, today):
            return agreement
    return None


def _get(session, agreement_id, for_update=False):
    return row_by_id(session, sharing_agreements, agreement_id, for_update,
                     missing="No sharing agreement with that id.")


def _keepers_only(actor):
    if actor["role"] not in AGREEMENT_KEEPERS:
        raise Forbidden("Only an admin or the coordinator keeps the sharing agreements.")


def _may_read(actor, agreement):
    if actor["role"] == "partner":
        return actor.get("agency") in agreement["parties"]
    return actor["role"] != "panel"


def _as_input(agreement):
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in agreement.items()}


def _view(agreement, today=None):
    return {**agreement, **agreement_flags(agreement, today or date.today())}
