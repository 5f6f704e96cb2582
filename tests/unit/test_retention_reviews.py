"""Retention reviews of referrals (services/referrals/retention_reviews.py) through the
referrals service's entrypoints, on a real in-memory unit of work: a referral falls due
its schedule's period after it ended, only the DPO sees the queue and decides, and each
decision is kept and announced without the reason (which may name people)."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from nameko.testing.services import worker_factory

from services.referrals import agreements, repository, retention_reviews
from services.referrals.orm import metadata, referral_history
from services.referrals.service import ReferralsService
from shared.errors import Conflict, Forbidden, InvalidContent
from shared.retention import Schedule
from shared.testing.factories import referral_payload, sharing_agreement_payload
from shared.testing.memory import InMemoryDatabase

YOT = {"username": "yot.partner", "role": "partner", "agency": "yot", "wards": []}
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
DPO = {"username": "dpo", "role": "dpo", "agency": None, "wards": []}
TODAY = date.today()


@pytest.fixture
def db():
    db = InMemoryDatabase(metadata)
    with db.unit_of_work() as uow:
        repository.load_ward_register(uow.session, [{"code": "dalston", "name": "Dalston"}])
        agreements.load_agreements(uow.session, [sharing_agreement_payload()], COORDINATOR)
    return db


@pytest.fixture
def service(db):
    return worker_factory(ReferralsService, uow=db.unit_of_work(), retention=Schedule.load())


def ended(service, db, days_ago, decision="no_further_action", **overrides):
    """A referral triaged as `decision` (or accepted and closed) `days_ago` days ago."""
    referral = service.submit_referral(referral_payload(ward="dalston", **overrides), YOT)
    if decision == "closed":
        service.triage_referral(referral["id"], {"decision": "accept", "reason": "r"},
                                COORDINATOR)
        service.close_referral(referral["id"], {"outcome": "Support in place"}, COORDINATOR)
    else:
        service.triage_referral(referral["id"], {
            "decision": decision, "reason": "r", "reason_for_referrer": "Nothing to do"},
            COORDINATOR)
    back = datetime.now(timezone.utc) - timedelta(days=days_ago)
    with db.engine.begin() as conn:
        conn.execute(sa.update(referral_history)
                     .where(referral_history.c.referral_id == referral["id"])
                     .values(at=back))
    return referral


def queue(service):
    return [(r["record_id"], r["outcome"], r["action"], r["automatic"])
            for r in service.list_records_due(DPO)["items"]]


def test_a_referral_closed_with_no_further_action_falls_due_two_years_after(service, db):
    due = ended(service, db, days_ago=2 * 366)
    ended(service, db, days_ago=30)  # not yet
    assert queue(service) == [(due["id"], "no_further_action", "delete", True)]
    item = service.list_records_due(DPO)["items"][0]
    assert set(item) >= {"reference", "ended_on", "due_on"}
    assert "subject" not in item and "summary" not in item  # the DPO decides on dates


def test_an_actioned_referral_falls_due_for_review_after_six_years(service, db):
    ended(service, db, days_ago=5 * 365, decision="closed")  # not yet
    closed = ended(service, db, days_ago=6 * 366, decision="closed")
    assert queue(service) == [(closed["id"], "closed", "review", False)]


@pytest.mark.parametrize("who", [YOT, COORDINATOR,
                                 {"username": "admin", "role": "admin", "agency": None}])
def test_only_the_data_protection_officer_sees_the_queue_and_decides(service, db, who):
    referral = ended(service, db, days_ago=3 * 365)
    with pytest.raises(Forbidden):
        service.list_records_due(who)
    with pytest.raises(Forbidden):
        service.decide_retention(referral["id"], {"decision": "dispose", "reason": "r"}, who)


def test_retaining_records_the_reason_and_the_next_review_and_announces_it(service, db):
    referral = ended(service, db, days_ago=7 * 365, decision="closed")
    next_review = TODAY + timedelta(days=365)
    decided = service.decide_retention(referral["id"], {
        "decision": "retain", "reason": "Sibling's case review still open",
        "retain_until": next_review.isoformat()}, DPO)
    assert decided["due_on"] == next_review.isoformat()
    assert queue(service) == []
    [row] = db.rows("retention_decisions")
    assert (row["decision"], row["reason"], row["retain_until"], row["decided_by"]) == \
        ("retain", "Sibling's case review still open", next_review, "dpo")
    event = db.committed_events[-1]
    assert event.type == "referral.retention_decided"
    assert "reason" not in event.payload and event.payload["decision"] == "retain"
    # back in the queue on the day the DPO set
    again = retention_reviews.records_due(DPO, db.unit_of_work(), Schedule.load(),
                                          today=next_review)
    assert [r["record_id"] for r in again["items"]] == [referral["id"]]
    assert again["items"][0]["last_decision"]["reason"] == "Sibling's case review still open"


def test_a_decision_to_dispose_takes_it_out_of_the_queue(service, db):
    referral = ended(service, db, days_ago=3 * 365)
    service.decide_retention(referral["id"], {"decision": "dispose", "reason": "Time up"}, DPO)
    assert queue(service) == []
    assert db.rows("retention_decisions")[0]["decision"] == "dispose"


@pytest.mark.parametrize("body, field", [
    ({"decision": "retain", "reason": "r"}, "retain_until"),
    ({"decision": "retain", "reason": "r", "retain_until": TODAY.isoformat()}, "retain_until"),
    ({"decision": "dispose", "reason": "r", "retain_until": "2099-01-01"}, "retain_until"),
    ({"decision": "dispose", "reason": " "}, "reason"),
    ({"decision": "shred", "reason": "r"}, "decision"),
])
def test_a_decision_says_why_and_a_retained_record_until_a_later_day(service, db, body,
                                                                      field):
    referral = ended(service, db, days_ago=3 * 365)
    with pytest.raises(InvalidContent) as refused:
        service.decide_retention(referral["id"], body, DPO)
    assert field in refused.value.fields
    assert db.rows("retention_decisions") == []


def test_a_referral_not_yet_due_cannot_be_decided_on(service, db):
    referral = ended(service, db, days_ago=10)
    with pytest.raises(Conflict):
        service.decide_retention(referral["id"], {"decision": "dispose", "reason": "r"}, DPO)


def test_the_due_date_rule():
    schedule = Schedule.load()
    ended_at = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert retention_reviews.due_on(schedule, "redirected", ended_at, None) == date(2028, 3, 1)
    assert retention_reviews.due_on(schedule, "closed", ended_at, {
        "decision": "retain", "retain_until": "2033-01-01"}) == date(2033, 1, 1)
    assert retention_reviews.due_on(schedule, "closed", ended_at,
                                    {"decision": "dispose", "retain_until": None}) is None
