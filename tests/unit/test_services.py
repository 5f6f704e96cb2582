"""Services through nameko's worker_factory, on a real in-memory unit of work: the
entrypoints translate, the handlers decide, the events leave only through the outbox."""
import uuid
from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory

from services.notifications.orm import metadata as notifications_metadata
from services.notifications.service import NotificationsService
from services.referrals import repository
from services.referrals.orm import metadata as referrals_metadata
from services.referrals.service import ReferralsService
from services.tasking.orm import metadata as tasking_metadata
from services.tasking.routing import RoutingRules
from services.tasking.service import TaskingService
from shared.errors import Forbidden, InvalidContent, NotFound
from shared.events import Event
from shared.testing.factories import referral_payload
from shared.testing.memory import InMemoryDatabase

PARTNER = {"username": "yot.partner", "role": "partner", "agency": "yot"}


def referral_submitted(risk_level="high"):
    return Event("referral.submitted", 1, {
        "referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
        "category": "youth_at_risk", "risk_level": risk_level, "ward": "dalston",
        "referring_agency": "yot", "referred_by": "yot.partner",
        "submitted_at": datetime(2026, 11, 24, 12, tzinfo=timezone.utc), "handling_code": "P",
    })


@pytest.fixture
def referrals_db():
    db = InMemoryDatabase(referrals_metadata)
    with db.unit_of_work() as uow:
        repository.load_ward_register(uow.session, [{"code": "dalston", "name": "Dalston"}])
    return db


def test_submitting_a_referral_stores_it_and_publishes_referral_submitted(referrals_db):
    service = worker_factory(ReferralsService, uow=referrals_db.unit_of_work())
    referral = service.submit_referral(referral_payload(ward="dalston"), PARTNER)
    assert referral["status"] == "received" and referral["referring_agency"] == "yot"
    assert referrals_db.event_types == ["referral.submitted"]
    [row] = referrals_db.rows("outbox")
    assert row["message"]["payload"]["referral_id"] == referral["id"]
    assert "given_name" not in row["message"]["payload"]  # no names on the bus


def test_the_same_person_referred_twice_is_one_subject(referrals_db):
    service = worker_factory(ReferralsService, uow=referrals_db.unit_of_work())
    person = {"given_name": "Zoë", "family_name": "O'Neil", "date_of_birth": "2010-03-04"}
    first = service.submit_referral(referral_payload(ward="dalston", subject=person), PARTNER)
    again = {"given_name": "ZOE", "family_name": "o neil", "date_of_birth": "2010-03-04"}
    second = service.submit_referral(referral_payload(ward="dalston", subject=again), PARTNER)
    assert first["subject_id"] == second["subject_id"]


def test_an_invalid_referral_stores_nothing_and_publishes_nothing(referrals_db):
    service = worker_factory(ReferralsService, uow=referrals_db.unit_of_work())
    with pytest.raises(InvalidContent):
        service.submit_referral(referral_payload(ward="nowhere"), PARTNER)
    assert referrals_db.rows("referrals") == [] and referrals_db.rows("outbox") == []


def test_roles_that_may_not_refer_or_read_are_refused(referrals_db):
    service = worker_factory(ReferralsService, uow=referrals_db.unit_of_work())
    with pytest.raises(Forbidden):
        service.submit_referral(referral_payload(ward="dalston"),
                                {"username": "a", "role": "admin", "agency": None})
    referral = service.submit_referral(referral_payload(ward="dalston"), PARTNER)
    with pytest.raises(NotFound):
        service.get_referral(referral["id"], {"username": "h", "role": "partner",
                                              "agency": "health"})


def test_a_referral_submitted_twice_raises_one_tasking_item():
    db = InMemoryDatabase(tasking_metadata)
    service = worker_factory(TaskingService, uow=db.unit_of_work(), rules=RoutingRules.load())
    event = referral_submitted()
    service.raise_item_for_referral(event)
    service.raise_item_for_referral(event)
    [item] = db.rows("tasking_items")
    assert item["source_id"] == event.payload["referral_id"]
    assert item["due_by"] == datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
    assert db.event_types == ["tasking_item.raised"]


def test_a_referral_submitted_twice_is_acknowledged_once_to_the_referrer_and_their_team():
    db = InMemoryDatabase(notifications_metadata)
    service = worker_factory(NotificationsService, uow=db.unit_of_work())
    event = referral_submitted(risk_level="standard")
    service.acknowledge_referral(event)
    service.acknowledge_referral(event)
    notifications = db.rows("notifications")
    assert sorted(n["recipient"] for n in notifications) == ["agency:yot", "user:yot.partner"]
    assert all("next partnership tasking meeting" in n["body"] for n in notifications)
    assert db.event_types == ["notification.sent"]  # one for both notices, and only once
    [sent] = db.committed_events
    assert sent.payload["source_event_id"] == event.event_id
    assert sorted(d["recipient"] for d in sent.payload["deliveries"]) == [
        "agency:yot", "user:yot.partner"]
