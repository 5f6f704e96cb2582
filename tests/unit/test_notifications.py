"""Who is told what, by which channel: rules, templates, email retries and digests, the
directory. Real SQL on an in-memory database; a fake mail server that can be down."""
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from services.notifications import directory, emailing, inbox
from services.notifications.mailer import MailNotSent
from services.notifications.orm import metadata
from services.notifications.service import NotificationsService
from shared.errors import NotFound
from shared.events import Event
from shared.testing.memory import InMemoryDatabase

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
DIGEST = time(7, 0)
REFERRAL = {"referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
            "category": "youth_at_risk", "risk_level": "high", "ward": "dalston",
            "referring_agency": "yot", "referred_by": "yot.partner",
            "submitted_at": NOW, "handling_code": "C"}


class FakeMailServer:
    """Records what it is sent; `down` makes every send fail like a refused connection."""

    def __init__(self):
        self.sent, self.down = [], False

    def send(self, to, subject, body):
        if self.down:
            raise MailNotSent("ConnectionRefusedError: [Errno 111] Connection refused")
        self.sent.append((to, subject, body))


@pytest.fixture
def db():
    db = InMemoryDatabase(metadata)
    with db.unit_of_work() as uow:
        for account in [
            {"username": "yot.partner", "display_name": "Yemi Okafor", "role": "partner",
             "agency": "yot", "wards": [], "email": "yemi@example.org", "active": True},
            {"username": "coordinator", "display_name": "Chris Coordinator",
             "role": "coordinator", "agency": "police", "wards": [],
             "email": "chris@example.org", "active": True},
            {"username": "sgt.dalston", "display_name": "Sgt Sam Patel", "role": "sergeant",
             "agency": "police", "wards": ["dalston"], "email": None, "active": True},
            {"username": "pcso.dalston", "display_name": "PCSO Jo Murphy", "role": "pcso",
             "agency": "police", "wards": ["dalston"], "email": None, "active": True},
            {"username": "sgt.homerton", "display_name": "Sgt Lee Ward", "role": "sergeant",
             "agency": "police", "wards": ["homerton"], "email": None, "active": True},
            {"username": "biu.analyst", "display_name": "Ana Silva", "role": "analyst",
             "agency": "police", "wards": [], "email": None, "active": True}]:
            directory.save_account(uow.session, account)
    return db


@pytest.fixture
def service(db):
    return worker_factory(NotificationsService, uow=db.unit_of_work(), digest_time=DIGEST)


def event(type_, **payload):
    return Event(type_, 1, {**REFERRAL, **payload})


def test_an_acknowledgement_names_who_to_contact_and_no_person_or_handling_detail(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    [mine] = service.inbox({"username": "yot.partner", "agency": "yot"})["items"][:1]
    assert mine["title"] == "Referral received"
    assert "Chris Coordinator (chris@example.org)" in mine["body"]
    assert "within 24 hours" in mine["body"]
    for police_only in ("handling", "Handling", " C ", "subject", REFERRAL["subject_id"]):
        assert police_only not in mine["body"]


def test_a_redirect_tells_the_referrer_and_the_agency_that_receives_it(service, db):
    service.tell_referral_triaged(event(
        "referral.triaged", decision="redirect", status="redirected", reason="Tenancy issue",
        redirect_to_agency="housing", triaged_by="coordinator", triaged_at=NOW))
    recipients = {row["recipient"]: row for row in db.rows("notifications")}
    assert set(recipients) == {"user:yot.partner", "agency:yot", "agency:housing"}
    assert recipients["agency:yot"]["title"] == "Referral passed to housing"
    assert recipients["agency:housing"]["title"] == "Referral passed to your agency"


def test_the_referrer_is_emailed_once_at_once_and_the_team_only_in_the_inbox(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    mail = FakeMailServer()
    assert emailing.send_due(db.unit_of_work(), mail, max_attempts=3) == 1
    assert emailing.send_due(db.unit_of_work(), mail, max_attempts=3) == 0
    [(to, subject, body)] = mail.sent
    assert (to, subject) == ("yemi@example.org", "Wardline: Referral received")
    assert db.event_types.count("notification.sent") == 3  # two inboxes, one email


def test_a_mail_outage_delays_email_with_backoff_and_then_marks_it_failed(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    mail = FakeMailServer()
    mail.down = True
    moment = datetime.now(timezone.utc)
    for attempt in range(1, 4):
        emailing.send_due(db.unit_of_work(), mail, max_attempts=3, now=moment)
        [row] = db.rows("emails")
        assert row["attempts"] == attempt
        moment = row["next_attempt_at"]
    assert row["status"] == "failed" and "Connection refused" in row["last_error"]
    [failed] = service.failed_emails()
    assert failed["address"] == "yemi@example.org" and "body" not in failed


def test_mail_sent_after_an_outage_ends_is_not_lost(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    mail = FakeMailServer()
    mail.down = True
    emailing.send_due(db.unit_of_work(), mail, max_attempts=5)
    mail.down = False
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert emailing.send_due(db.unit_of_work(), mail, max_attempts=5, now=later) == 1
    assert len(mail.sent) == 1


def test_a_digest_collects_a_days_notifications_into_one_email(service, db):
    service.set_email_preference({"username": "yot.partner"}, "digest")
    for _ in range(3):
        service.acknowledge_referral(Event("referral.submitted", 1,
                                           {**REFERRAL, "referral_id": str(uuid.uuid4())}))
    mail = FakeMailServer()
    assert emailing.send_due(db.unit_of_work(), mail, max_attempts=3) == 0  # not 7am yet
    tomorrow_morning = datetime.now(timezone.utc) + timedelta(days=1, hours=1)
    assert emailing.send_due(db.unit_of_work(), mail, max_attempts=3,
                             now=tomorrow_morning) == 3
    [(_, subject, body)] = mail.sent
    assert subject == "Wardline daily digest: 3 update(s)" and body.count("Referral received") == 3


def test_the_next_digest_is_7am_london_time():
    evening = datetime(2026, 7, 1, 20, 0, tzinfo=timezone.utc)
    assert emailing.next_digest_at(evening, DIGEST) == datetime(2026, 7, 2, 6, 0,
                                                                tzinfo=timezone.utc)


def test_read_state_is_per_person_and_only_ones_own_notifications(service):
    service.acknowledge_referral(event("referral.submitted"))
    me = {"username": "yot.partner", "agency": "yot"}
    colleague = {"username": "yot.manager", "agency": "yot"}
    team_copy = next(n for n in service.inbox(me)["items"] if n["recipient"] == "agency:yot")
    service.mark_read(team_copy["id"], me)
    assert len(service.inbox(me, unread_only=True)["items"]) == 1
    assert len(service.inbox(colleague, unread_only=True)["items"]) == 1
    with pytest.raises(NotFound):
        service.mark_read(team_copy["id"], {"username": "h", "agency": "housing"})


def test_the_directory_lists_a_wards_sergeant_and_pcsos_and_flags_stale_entries(service, db):
    team = service.directory(ward="dalston")["items"]
    assert {(c["role"], c["display_name"]) for c in team} == {  # not Homerton's sergeant
        ("sergeant", "Sgt Sam Patel"), ("pcso", "PCSO Jo Murphy")}
    entry = service.add_directory_entry({"display_name": "Ana ASB", "role": "ASB caseworker",
                                         "agency": "la-community-safety",
                                         "wards": ["dalston"], "phone": "020 7946 0000"},
                                        {"username": "admin"})
    assert entry["stale"] is False
    with db.engine.begin() as conn:
        conn.execute(metadata.tables["contacts"].update()
                     .where(metadata.tables["contacts"].c.id == entry["id"])
                     .values(confirmed_at=datetime.now(timezone.utc) - timedelta(days=91)))
    stale = next(c for c in service.directory(ward="dalston")["items"] if c["id"] == entry["id"])
    assert stale["stale"] is True
    assert service.confirm_directory_entry(entry["id"], {"username": "admin"})["stale"] is False


def test_inbox_addresses_are_the_person_and_their_agency():
    assert inbox.addresses({"username": "u", "agency": "yot"}) == ["user:u", "agency:yot"]


def example_event(type_):
    from shared.events import contract_for
    from shared.events.registry import latest_version

    contract = contract_for(type_, latest_version(type_))
    return Event(type_, contract.version, contract.schema().load(contract.example))


@pytest.mark.parametrize("type_", sorted(__import__(
    "services.notifications.recipients", fromlist=["RULES"]).RULES))
def test_every_rule_renders_a_titled_message_for_each_recipient(db, service, type_):
    from services.notifications import handlers

    created = handlers.notify(example_event(type_), db.unit_of_work(), DIGEST)
    rows = db.rows("notifications")
    assert len(rows) == len(created) >= 1
    assert all(row["title"] and row["body"] and "{{" not in row["body"] for row in rows)


def test_an_overdue_item_chases_its_owner_and_tells_the_coordinator(db, service):
    service.chase_overdue_item(example_event("tasking_item.overdue"))
    kinds = {row["recipient"]: row["kind"] for row in db.rows("notifications")}
    assert kinds["user:coordinator"] == "tasking_item.escalated"
    owner = example_event("tasking_item.overdue").payload["owner_agency"]
    assert kinds[f"agency:{owner}"] == "tasking_item.overdue"


def test_intelligence_feedback_reaches_the_pcso_and_their_wards_sergeant_only(db, service):
    event = example_event("intelligence.feedback_given")
    event.payload.update(ward="dalston", submitted_by="pcso.dalston")
    service.tell_intelligence_feedback(event)
    recipients = {row["recipient"] for row in db.rows("notifications")}
    assert recipients == {"user:pcso.dalston", "user:sgt.dalston"}
    [body] = {row["body"] for row in db.rows("notifications")}
    assert "Borough Intelligence Unit" in body


def test_a_pcso_hears_of_their_own_task(db, service):
    event = example_event("pcso_task.assigned")
    service.tell_pcso_of_task(event)
    [row] = db.rows("notifications")
    assert row["recipient"] == f"user:{event.payload['assignee']}"
    assert row["source_type"] == "pcso_task"


def test_published_lessons_reach_every_partner_agency_as_learning(db, service):
    event = example_event("case_review.published")
    service.share_case_review_lessons(event)
    rows = db.rows("notifications")
    assert {row["recipient"] for row in rows} == {f"agency:{a}" for a in event.payload["agencies"]}
    assert all("learning, not" in row["body"] and "blame" in row["body"] for row in rows)


def test_a_person_named_twice_by_the_rules_gets_one_notification(db, service):
    event = example_event("tasking_item.overdue")
    event.payload.update(owner_user="coordinator")  # the owner is also the coordinator
    service.chase_overdue_item(event)
    recipients = [row["recipient"] for row in db.rows("notifications")]
    assert recipients.count("user:coordinator") == 1


def test_a_police_referral_is_acknowledged_to_the_wards_sergeant_not_the_whole_force(db,
                                                                                    service):
    service.acknowledge_referral(event("referral.submitted", referring_agency="police",
                                       referred_by="pcso.dalston", ward="dalston"))
    assert {row["recipient"] for row in db.rows("notifications")} == {
        "user:pcso.dalston", "user:sgt.dalston"}


def test_the_coordinators_reason_reaches_police_but_not_partners(db, service):
    reason = "Known to CAIT; police enquiry under way"
    service.tell_referral_triaged(event(
        "referral.triaged", decision="no_further_action", status="no_further_action",
        reason=reason, triaged_by="coordinator", triaged_at=NOW))
    partner_copies = db.rows("notifications")
    assert partner_copies and all(reason not in row["body"] for row in partner_copies)
    service.tell_referral_triaged(event(
        "referral.triaged", decision="accept", status="accepted", reason=reason,
        referring_agency="police", referred_by="pcso.dalston", triaged_by="coordinator",
        triaged_at=NOW))
    police_copies = [r for r in db.rows("notifications") if r["recipient"] == "user:sgt.dalston"]
    assert police_copies and reason in police_copies[0]["body"]
