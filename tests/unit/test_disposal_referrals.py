"""Disposing of referrals in the referrals service (services/referrals/disposal.py), on a
real in-memory unit of work: the DPO's decision, the schedule's automatic delete and the
DPO disposing of a person each delete the referral (and its subject when no other
referral holds them) and announce `referral.disposed` with ids and references only."""
from datetime import date, timedelta

import pytest
from nameko.testing.services import worker_factory

from services.referrals import agreements, repository, retention_reviews
from services.referrals.orm import metadata
from services.referrals.service import ReferralsService
from shared.errors import Conflict, Forbidden
from shared.retention import Schedule
from shared.testing.factories import referral_payload, sharing_agreement_payload
from shared.testing.memory import InMemoryDatabase
from tests.unit.test_retention_reviews import COORDINATOR, DPO, YOT, ended

PERSON = {"given_name": "Ottoline", "family_name": "Quarrington",
          "date_of_birth": "1987-03-14", "address": "7 Lavender Grove, E8 3LU"}


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


def about_person(service, db, days_ago=3 * 365, decision="no_further_action"):
    return ended(service, db, days_ago, decision, subject=PERSON)


def disposed(db):
    return [e.payload for e in db.committed_events if e.type == "referral.disposed"]


def test_a_decision_to_dispose_deletes_the_referral_and_its_lone_subject(service, db):
    referral = about_person(service, db)
    service.decide_retention(referral["id"], {"decision": "dispose", "reason": "Due"}, DPO)
    for table in ("referrals", "referral_history", "subjects", "subject_keys",
                  "referral_disclosures", "referral_actions"):
        assert db.rows(table) == [], table
    [event] = disposed(db)
    assert (event["referral_id"], event["reference"], event["grounds"],
            event["schedule_entry"], event["subject_disposed"], event["decided_by"]) == \
        (referral["id"], referral["reference"], "decision", "referral/no_further_action",
         True, "dpo")
    assert "Quarrington" not in str(db.rows("outbox"))  # nothing personal on the bus
    assert db.rows("retention_decisions")[0]["decision"] == "dispose"  # the record stays


def test_a_subject_another_referral_holds_stays(service, db):
    first = about_person(service, db)
    second = about_person(service, db, days_ago=10)
    assert first["subject"]["id"] == second["subject"]["id"]
    service.decide_retention(first["id"], {"decision": "dispose", "reason": "Due"}, DPO)
    assert [r["id"] for r in db.rows("referrals")] == [second["id"]]
    assert len(db.rows("subjects")) == 1
    assert disposed(db)[0]["subject_disposed"] is False


def test_the_timer_disposes_only_of_automatic_entries_without_a_decision(service, db):
    automatic = ended(service, db, days_ago=3 * 365)  # no further action: delete, automatic
    review = ended(service, db, days_ago=7 * 365, decision="closed")  # review: the DPO
    retained = ended(service, db, days_ago=3 * 365)
    service.decide_retention(retained["id"], {
        "decision": "retain", "reason": "Linked case",
        "retain_until": (date.today() + timedelta(days=30)).isoformat()}, DPO)
    service.dispose_due_automatically()
    assert [e["referral_id"] for e in disposed(db)] == [automatic["id"]]
    assert disposed(db)[0]["grounds"] == "automatic"
    assert {r["id"] for r in db.rows("referrals")} == {review["id"], retained["id"]}
    service.dispose_due_automatically()  # the next tick finds nothing more
    assert len(disposed(db)) == 1


def test_disposing_of_a_person_disposes_of_every_referral_about_them(service, db):
    first = about_person(service, db)
    second = about_person(service, db, days_ago=1, decision="closed")
    answer = service.dispose_of_person(first["subject"]["id"], DPO)
    assert sorted(answer["disposed"]) == sorted([first["reference"], second["reference"]])
    assert db.rows("referrals") == [] and db.rows("subjects") == []
    assert [e["grounds"] for e in disposed(db)] == ["person", "person"]
    assert disposed(db)[-1]["subject_disposed"] is True


def test_a_person_with_an_open_referral_is_not_disposed_of(service, db):
    about_person(service, db)
    service.submit_referral(referral_payload(ward="dalston", subject=PERSON), YOT)
    subject_id = db.rows("subjects")[0]["id"]
    with pytest.raises(Conflict):
        service.dispose_of_person(subject_id, DPO)
    assert len(db.rows("referrals")) == 2 and disposed(db) == []


def test_only_the_data_protection_officer_disposes_of_a_person(service, db):
    referral = about_person(service, db)
    with pytest.raises(Forbidden):
        service.dispose_of_person(referral["subject"]["id"], COORDINATOR)
