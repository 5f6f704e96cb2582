"""Who is told what, by which channel: rules, templates, email retries and digests, the
directory. Real SQL on an in-memory database; a fake mail server that can be down."""
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from services.notifications import emailing, repository
from services.notifications.mailer import MailNotSent
from services.notifications.orm import metadata
from services.notifications.service import NotificationsService
from shared.errors import Forbidden, NotFound
from shared.events import Event
from shared.testing.memory import InMemoryDatabase

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
DIGEST = time(7, 0)
PUBLIC_URL = "https://wardline.hackney.example"
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
    return with_accounts(InMemoryDatabase(metadata))


def with_accounts(db):
    """The partnership's accounts in `db`'s directory, as `user.saved` would keep them."""
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
             "agency": "police", "wards": [], "email": None, "active": True},
            {"username": "admin", "display_name": "Ada Admin", "role": "admin",
             "agency": None, "wards": [], "email": "ada@example.org", "active": True},
            {"username": "admin.deputy", "display_name": "Dee Deputy", "role": "admin",
             "agency": None, "wards": [], "email": "dee@example.org", "active": True}]:
            repository.save_account(uow.session, account)
    return db


@pytest.fixture
def service(db):
    return worker_factory(NotificationsService, uow=db.unit_of_work(), digest_time=DIGEST)


def send_due(db, mailer, max_attempts, now=None):
    """The email timer's one round, mail written for the site at PUBLIC_URL."""
    return emailing.send_due(db.unit_of_work(), mailer, max_attempts, PUBLIC_URL, now)


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
    assert send_due(db, mail, max_attempts=3) == 1
    assert send_due(db, mail, max_attempts=3) == 0
    [(to, subject, body)] = mail.sent
    assert (to, subject) == ("yemi@example.org", "Wardline: Referral received")
    # The delivery log: one event for the two inbox notices, one for the email sent.
    sent = [e.payload for e in db.committed_events if e.type == "notification.sent"]
    assert [(p["channel"], sorted(d["recipient"] for d in p["deliveries"])) for p in sent] == [
        ("inbox", ["agency:yot", "user:yot.partner"]), ("email", ["user:yot.partner"])]


def test_a_disabled_account_is_emailed_no_more_and_leaves_the_directory(service, db):
    with db.unit_of_work() as uow:  # user.saved with active false (the account disabled)
        repository.save_account(uow.session, {
            "username": "yot.partner", "display_name": "Yemi Okafor", "role": "partner",
            "agency": "yot", "wards": [], "email": "yemi@example.org", "active": False})
    service.acknowledge_referral(event("referral.submitted"))
    assert send_due(db, FakeMailServer(), max_attempts=3) == 0
    assert db.rows("emails") == []
    assert "user:yot.partner" in {row["recipient"] for row in db.rows("notifications")}
    with db.unit_of_work() as uow:
        listed = repository.list_directory(uow.session, None, None, 200, None)["items"]
    assert "yot.partner" not in {entry["username"] for entry in listed}
    with db.unit_of_work() as uow:
        everyone = repository.list_directory(uow.session, None, None, 200, None,
                                             inactive=True)["items"]
    shown = {entry["username"]: entry["active"] for entry in everyone}
    assert shown["yot.partner"] is False and shown["coordinator"] is True


def test_a_notice_links_to_its_record_s_page_and_its_email_to_the_page_s_address(service,
                                                                                   db):
    service.acknowledge_referral(event("referral.submitted"))
    link = f"#/referrals/{REFERRAL['referral_id']}"
    [mine] = service.inbox({"username": "yot.partner", "agency": "yot"})["items"]
    assert mine["link"] == link
    mail = FakeMailServer()
    send_due(db, mail, max_attempts=3)
    [(_, _, body)] = mail.sent
    assert body.endswith(f"\n\nOpen it in Wardline: {PUBLIC_URL}/{link}")


def test_each_record_s_news_links_to_that_record_s_page():
    from services.notifications.links import link_for

    assert [link_for(type_, payload) for type_, payload in [
        ("referral.triaged", {"referral_id": "r1", "tasking_item_id": "t9"}),
        ("tasking_item.completed", {"tasking_item_id": "t1", "source_id": "r1"}),
        ("pcso_task.assigned", {"pcso_task_id": "p1", "source_id": "t1"}),
        ("intelligence.noted", {"intelligence_report_id": "i1", "pcso_task_id": "p1"}),
        ("case_review.published", {"case_review_id": "c1"}),
        ("ward_priority.set", {"ward_priority_id": "w1"}),
    ]] == ["#/referrals/r1", "#/actions/t1", "#/pcso-tasks/p1", "#/intelligence/i1",
           "#/reviews/c1", "#/priorities/w1"]
    assert link_for("user.saved", {"username": "u"}) is None  # no page to go to
    assert link_for("pcso_task.assigned", {"pcso_task_id": None}) is None


@pytest.mark.parametrize("type_", sorted(__import__(
    "services.notifications.recipients", fromlist=["RULES"]).RULES))
def test_every_notice_the_rules_send_has_a_link(type_):
    from services.notifications.links import link_for

    assert link_for(type_, example_event(type_).payload).startswith("#/")


def test_a_mail_outage_delays_email_with_backoff_and_then_marks_it_failed(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    mail = FakeMailServer()
    mail.down = True
    moment = datetime.now(timezone.utc)
    for attempt in range(1, 4):
        send_due(db, mail, max_attempts=3, now=moment)
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
    send_due(db, mail, max_attempts=5)
    mail.down = False
    later = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert send_due(db, mail, max_attempts=5, now=later) == 1
    assert len(mail.sent) == 1


def test_a_digest_collects_a_days_notifications_into_one_email(service, db):
    service.set_email_preference({"username": "yot.partner"}, "digest")
    for _ in range(3):
        service.acknowledge_referral(Event("referral.submitted", 1,
                                           {**REFERRAL, "referral_id": str(uuid.uuid4())}))
    mail = FakeMailServer()
    assert send_due(db, mail, max_attempts=3) == 0  # not 7am yet
    tomorrow_morning = datetime.now(timezone.utc) + timedelta(days=1, hours=1)
    assert send_due(db, mail, max_attempts=3,
                             now=tomorrow_morning) == 3
    [(_, subject, body)] = mail.sent
    assert subject == "Wardline daily digest: 3 update(s)" and body.count("Referral received") == 3
    assert body.count(f"Open it in Wardline: {PUBLIC_URL}/#/referrals/") == 3


def test_every_notice_about_a_referral_names_it_by_the_reference_people_can_say(service, db):
    """referral.submitted (v3) carries the reference; later events about the referral
    name it by id only, and notifications says the reference it kept, never the id."""
    service.acknowledge_referral(Event("referral.submitted", 3,
                                       {**REFERRAL, "reference": "WL-R-2026-000123"}))
    service.tell_referral_triaged(event(
        "referral.triaged", decision="accept", status="accepted", reason="Known to YOT",
        triaged_by="coordinator", triaged_at=NOW))
    told = [r for r in db.rows("notifications") if r["recipient"] == "user:yot.partner"]
    assert [r["kind"] for r in told] == ["referral.acknowledged", "referral.triaged"]
    for row in told:
        assert "Reference: WL-R-2026-000123" in row["body"], row["body"]
        assert REFERRAL["referral_id"] not in row["body"]


def test_a_notice_for_a_referral_known_before_references_shows_no_id(service, db):
    service.acknowledge_referral(Event("referral.submitted", 1, REFERRAL))
    [row, *_] = db.rows("notifications")
    assert "Reference:" not in row["body"] and REFERRAL["referral_id"] not in row["body"]


def test_the_next_digest_is_7am_london_time():
    evening = datetime(2026, 7, 1, 20, 0, tzinfo=timezone.utc)
    assert emailing.next_digest_at(evening, DIGEST) == datetime(2026, 7, 2, 6, 0,
                                                                tzinfo=timezone.utc)


def test_read_state_is_per_person_and_only_ones_own_notifications(service):
    service.acknowledge_referral(event("referral.submitted"))
    service.acknowledge_referral(event("referral.submitted", referral_id=str(uuid.uuid4()),
                                       referred_by="yot.manager"))
    me = {"username": "yot.partner", "agency": "yot"}
    colleague = {"username": "yot.manager", "agency": "yot"}
    # My colleague's referral reaches me through our team's copy only.
    team_copy = next(n for n in service.inbox(me)["items"] if n["recipient"] == "agency:yot")
    service.mark_read(team_copy["id"], me)
    assert len(service.inbox(me, unread_only=True)["items"]) == 1
    assert len(service.inbox(colleague, unread_only=True)["items"]) == 2
    with pytest.raises(NotFound):
        service.mark_read(team_copy["id"], {"username": "h", "agency": "housing"})


def test_a_person_told_in_their_own_name_is_not_shown_their_team_s_copy_too(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    me = {"username": "yot.partner", "agency": "yot"}
    colleague = {"username": "yot.manager", "agency": "yot"}
    [mine] = service.inbox(me)["items"]
    assert mine["recipient"] == "user:yot.partner"
    [theirs] = service.inbox(colleague)["items"]
    assert theirs["recipient"] == "agency:yot"  # the team's row is kept for the team
    assert {row["recipient"] for row in db.rows("notifications")} == {
        "user:yot.partner", "agency:yot"}


def test_pages_of_an_inbox_hold_each_event_once_and_are_full(service):
    """Five referrals of mine and three of a colleague: eight events, each once, in pages of
    three (the team's copies of my own are left out by the query, not after it)."""
    for n in range(8):
        service.acknowledge_referral(event(
            "referral.submitted", referral_id=str(uuid.uuid4()),
            referred_by="yot.partner" if n < 5 else "yot.manager"))
    me = {"username": "yot.partner", "agency": "yot"}
    pages, cursor = [], None
    while True:
        page = service.inbox(me, limit=3, cursor=cursor)
        pages.append(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert [len(items) for items in pages] == [3, 3, 2]
    seen = [n["source_id"] for items in pages for n in items]
    assert len(seen) == len(set(seen)) == 8
    recipients = [n["recipient"] for items in pages for n in items]
    assert sorted(recipients) == ["agency:yot"] * 3 + ["user:yot.partner"] * 5


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
    assert service.confirm_directory_entry(entry["id"], {"username": "admin", "role": "admin"}
                                           )["stale"] is False


def test_a_person_confirms_their_own_directory_entry_and_nobody_elses(service):
    team = service.directory(ward="dalston")["items"]
    sergeant = next(c for c in team if c["role"] == "sergeant")
    pcso = next(c for c in team if c["role"] == "pcso")
    me = {"username": sergeant["username"], "role": "sergeant", "agency": "police"}
    assert service.confirm_directory_entry(sergeant["id"], me)["stale"] is False
    with pytest.raises(Forbidden, match="only your own"):
        service.confirm_directory_entry(pcso["id"], me)


def test_inbox_addresses_are_the_person_and_their_agency():
    assert repository.addresses({"username": "u", "agency": "yot"}) == ["user:u", "agency:yot"]


def example_event(type_):
    from shared.events import contract_for
    from shared.events.registry import latest_version

    contract = contract_for(type_, latest_version(type_))
    return Event(type_, contract.version, contract.schema().load(contract.example))


NEWS_IN_EXAMPLE = {"ward_priority.set": {"status": "due_for_review"}}
"""What makes a contract's example news to someone (a priority set is not, until due)."""


@pytest.mark.parametrize("type_", sorted(__import__(
    "services.notifications.recipients", fromlist=["RULES"]).RULES))
def test_every_rule_renders_a_titled_message_for_each_recipient(db, service, panels, type_):
    from services.notifications import handlers

    # News about a referral (an action's outcome, a redirect taken up) reaches whoever
    # referred it: the examples name the referral of referral.submitted's example.
    if type_ != "referral.submitted":
        handlers.notify(example_event("referral.submitted"), db.unit_of_work(), DIGEST)
    before = len(db.rows("notifications"))
    example = example_event(type_)
    example.payload.update(NEWS_IN_EXAMPLE.get(type_, {}))
    created = handlers.notify(example, db.unit_of_work(), DIGEST)
    rows = db.rows("notifications")[before:]
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


# --- a new action tells its owning agency ---------------------------------------------

ITEM_ID = "7a0c0000-0000-4000-8000-0000000000f1"


def raised(**payload):
    return Event("tasking_item.raised", 2, {
        "tasking_item_id": ITEM_ID, "reference": "WL-A-2026-000042", "title": "Act on medium-risk ASB referral in Dalston",
        "ward": "dalston", "owner_agency": "la-community-safety",
        "due_by": NOW + timedelta(days=7), "source_type": "referral",
        "source_id": REFERRAL["referral_id"]} | payload)


def assigned(**payload):
    return Event("tasking_item.assigned", 1, {
        "tasking_item_id": ITEM_ID, "ward": "dalston", "owner_agency": "la-community-safety",
        "owner_user": None, "previous_owner_agency": "la-community-safety",
        "due_by": NOW + timedelta(days=7), "assigned_by": "coordinator"} | payload)


def test_an_action_raised_for_another_agency_tells_that_agency_s_team_once(service, db):
    """An ASB referral from the YOT raises an action for council community safety: they
    hear of it when it is raised, not when it is later moved or goes overdue."""
    event = raised()
    for _ in range(3):  # however often it is delivered
        service.tell_owner_of_new_item(event)
    [row] = db.rows("notifications")
    assert (row["recipient"], row["kind"]) == ("agency:la-community-safety",
                                              "tasking_item.raised")
    assert (row["source_type"], row["source_id"]) == ("tasking_item", ITEM_ID)
    assert row["title"] == ("New action for council community safety: "
                            "Act on medium-risk ASB referral in Dalston")
    assert "A referral in Dalston has raised an action" in row["body"]
    assert "due by 1 December 2026, 12:00." in row["body"]  # the web pages' one format
    assert "Reference: WL-A-2026-000042" in row["body"] and ITEM_ID not in row["body"]
    assert "Chris Coordinator" in row["body"]  # who to contact
    assert db.rows("emails") == []  # a team's notification stays in its inbox
    inbox = service.inbox({"username": "asb.officer", "agency": "la-community-safety"})
    assert [n["kind"] for n in inbox["items"]] == ["tasking_item.raised"]


def test_an_action_raised_for_the_police_tells_the_ward_s_sergeant_by_their_email_choice(
        service, db):
    with db.unit_of_work() as uow:
        repository.save_account(uow.session, {
            "username": "sgt.dalston", "display_name": "Sgt Sam Patel", "role": "sergeant",
            "agency": "police", "wards": ["dalston"], "email": "sam@example.org",
            "active": True})
    service.set_email_preference({"username": "sgt.dalston"}, "digest")
    service.tell_owner_of_new_item(raised(owner_agency="police", source_type="ward_priority",
                                          title="Drug dealing around the garages"))
    [row] = db.rows("notifications")
    assert row["recipient"] == "user:sgt.dalston"  # the ward's sergeant, not the force
    assert "A ward priority in Dalston has raised an action for the police" in row["body"]
    mail = FakeMailServer()
    assert send_due(db, mail, max_attempts=3) == 0  # the digest
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1, hours=1)
    assert send_due(db, mail, max_attempts=3, now=tomorrow) == 1
    [(to, _, body)] = mail.sent
    assert to == "sam@example.org" and "New action for the police" in body


def test_an_action_raised_by_hand_says_the_tasking_group_raised_it(service, db):
    service.tell_owner_of_new_item(raised(owner_agency="yot", source_type=None,
                                          source_id=None, title="Joint home visit"))
    [row] = db.rows("notifications")
    assert row["recipient"] == "agency:yot"
    assert "The partnership tasking group has raised an action in Dalston" in row["body"]


def test_a_later_assignment_within_the_owning_agency_says_what_changed(service, db):
    """Raised for community safety, then given to a named officer there: the team is not
    told again that the action is theirs, but who holds it now; the officer hears too."""
    service.tell_owner_of_new_item(raised())
    service.tell_owner_of_assignment(assigned(owner_user="asb.officer",
                                              due_by=NOW + timedelta(days=3)))
    team = [r for r in db.rows("notifications") if r["recipient"] == "agency:la-community-safety"]
    assert [r["kind"] for r in team] == ["tasking_item.raised", "tasking_item.assigned"]
    new, update = team
    assert update["title"] == "Action updated for council community safety"
    assert update["title"] != new["title"] and "New action" not in update["body"]
    assert "already owned by council community safety, is now held by asb.officer" in \
        update["body"]
    assert "27 November 2026" in update["body"]  # the new due date
    assert "user:asb.officer" in {r["recipient"] for r in db.rows("notifications")}


def test_an_action_moved_to_another_agency_is_assigned_to_it(service, db):
    """The real redirect: raised for community safety, moved to housing at triage."""
    service.tell_owner_of_new_item(raised())
    service.tell_owner_of_assignment(assigned(owner_agency="housing"))
    told = {(r["recipient"], r["kind"]): r for r in db.rows("notifications")}
    assert set(told) == {("agency:la-community-safety", "tasking_item.raised"),
                         ("agency:housing", "tasking_item.assigned"),
                         ("agency:la-community-safety", "tasking_item.moved_away")}
    assert told["agency:housing", "tasking_item.assigned"]["title"] == \
        "Action assigned to housing"
    assert "is now owned by housing" in told["agency:housing", "tasking_item.assigned"]["body"]
    moved = told["agency:la-community-safety", "tasking_item.moved_away"]
    assert moved["title"] == "Action passed from council community safety to housing"
    assert "no longer needs anything from council community safety" in moved["body"]


# --- when an action completes, the referring side hears the outcome --------------------


def completed(**payload):
    return Event("tasking_item.completed", 2, {
        "tasking_item_id": ITEM_ID, "ward": "dalston", "owner_agency": "la-community-safety",
        "outcome": "Joint visit with housing; family agreed to early help",
        "source_type": "referral", "source_id": REFERRAL["referral_id"],
        "completed_by": "asb.officer", "completed_at": NOW + timedelta(days=2),
        "cause": "outcome"} | payload)


def test_a_completed_action_tells_the_referrer_and_their_team_the_outcome_once(service, db):
    """The YOT's referral raised an action for community safety; when they complete it,
    the YOT worker and the YOT's team hear the outcome, who did it and who to ask, once
    however often the event arrives; the completing agency is not told its own news."""
    service.acknowledge_referral(event("referral.submitted"))
    outcome = completed()
    for _ in range(3):  # the same event, delivered three times
        service.tell_referrer_the_outcome(outcome)
    told = [r for r in db.rows("notifications") if r["kind"] == "tasking_item.outcome"]
    assert sorted(r["recipient"] for r in told) == ["agency:yot", "user:yot.partner"]
    mine = next(r for r in told if r["recipient"] == "user:yot.partner")
    assert mine["title"] == "Outcome of an action on your referral"
    assert (mine["source_type"], mine["source_id"]) == ("referral", REFERRAL["referral_id"])
    assert "young person at risk in Dalston was completed by council community safety" in \
        mine["body"]
    assert "Outcome: Joint visit with housing; family agreed to early help" in mine["body"]
    assert "ask council community safety" in mine["body"] and "Chris Coordinator" in mine["body"]
    for police_only in ("handling", "Handling", "subject", REFERRAL["subject_id"],
                        "asb.officer"):  # no person's name either
        assert police_only not in mine["body"]
    # It shows on the referral's page, among what the referring team was told.
    assert [n["kind"] for n in service.feedback_for(
        "referral", REFERRAL["referral_id"], "agency:yot", YOT_READER)] == [
        "referral.acknowledged", "tasking_item.outcome"]
    # Another agency that may read the referral is not shown what the YOT was told.
    housing = {"username": "h", "role": "partner", "agency": "housing"}
    assert service.feedback_for("referral", REFERRAL["referral_id"], "agency:yot",
                                housing) == []


YOT_READER = {"username": "yot.partner", "role": "partner", "agency": "yot"}


def test_the_referrer_who_completes_the_action_is_not_told_their_own_outcome(service, db):
    service.acknowledge_referral(event("referral.submitted"))
    service.tell_referrer_the_outcome(completed(owner_agency="yot", completed_by="yot.partner"))
    told = [r["recipient"] for r in db.rows("notifications")
            if r["kind"] == "tasking_item.outcome"]
    assert told == ["agency:yot"]


def test_a_police_referral_s_outcome_reaches_the_referring_pcso_and_ward_sergeant(service,
                                                                                  db):
    service.acknowledge_referral(event("referral.submitted", referring_agency="police",
                                       referred_by="pcso.dalston"))
    service.tell_referrer_the_outcome(completed())
    told = {r["recipient"] for r in db.rows("notifications")
            if r["kind"] == "tasking_item.outcome"}
    assert told == {"user:pcso.dalston", "user:sgt.dalston"}  # not the whole force


def test_no_further_action_at_triage_is_told_once_by_the_triage_not_again_as_an_outcome(
        service, db):
    """Triage decides no further action: tasking completes the referral's action itself.
    The referring side already heard the decision; the completion (whose outcome holds
    the coordinator's reason, police-only) adds nothing for them."""
    service.acknowledge_referral(event("referral.submitted"))
    service.tell_referral_triaged(event(
        "referral.triaged", decision="no_further_action", status="no_further_action",
        reason="Known to CAIT", triaged_by="coordinator", triaged_at=NOW))
    service.tell_referrer_the_outcome(completed(
        outcome="No further action at triage: Known to CAIT", completed_by="coordinator",
        cause="triage"))
    kinds = [r["kind"] for r in db.rows("notifications") if r["recipient"] == "user:yot.partner"]
    assert kinds == ["referral.acknowledged", "referral.triaged"]
    assert all("CAIT" not in r["body"] for r in db.rows("notifications"))


def test_actions_without_a_referral_tell_no_referrer(service, db):
    service.tell_referrer_the_outcome(completed(source_type="ward_priority",
                                                source_id=str(uuid.uuid4())))
    service.tell_referrer_the_outcome(completed(source_type=None, source_id=None))
    assert db.rows("notifications") == []


def test_an_outcome_for_a_referral_not_yet_known_waits_for_redelivery(service, db):
    """Each event type has its own queue: an outcome can arrive before the referral's own
    events. The handler fails (nothing recorded, the event not marked done), so the broker
    redelivers it; once the referral is known it is told."""
    from services.notifications.repository import ReferralNotYetKnown

    with pytest.raises(ReferralNotYetKnown):
        service.tell_referrer_the_outcome(completed())
    assert db.rows("notifications") == []
    service.acknowledge_referral(event("referral.submitted"))
    service.tell_referrer_the_outcome(completed())
    assert len([r for r in db.rows("notifications")
                if r["kind"] == "tasking_item.outcome"]) == 2


def test_a_redirected_referral_taken_up_tells_the_referring_side(service, db):
    service.tell_referral_triaged(event(
        "referral.triaged", decision="redirect", status="redirected", reason="Tenancy issue",
        redirect_to_agency="housing", triaged_by="coordinator", triaged_at=NOW))
    service.tell_referral_taken_up(Event("referral.acknowledged", 1, {
        "referral_id": REFERRAL["referral_id"], "subject_id": REFERRAL["subject_id"],
        "agency": "housing", "acknowledged_by": "housing.officer",
        "acknowledged_at": NOW + timedelta(hours=3)}))
    told = {r["recipient"]: r for r in db.rows("notifications")
            if r["kind"] == "referral.taken_up"}
    assert set(told) == {"user:yot.partner", "agency:yot"}
    assert told["user:yot.partner"]["title"] == "Referral taken up by housing"
    assert "24 November 2026, 15:00" in told["user:yot.partner"]["body"]
    assert "housing.officer" not in told["user:yot.partner"]["body"]


CONDITIONS = "Not to be shared with the school until the strategy meeting"


def test_every_notice_to_another_agency_about_a_code_c_referral_states_its_conditions(
        service, db):
    service.acknowledge_referral(event("referral.submitted", handling_conditions=CONDITIONS))
    service.tell_referral_triaged(event(
        "referral.triaged", decision="redirect", status="redirected", reason="Tenancy issue",
        reason_for_referrer="Housing will act", redirect_to_agency="housing",
        triaged_by="coordinator", triaged_at=NOW, handling_code="C",
        handling_conditions=CONDITIONS))
    service.tell_owner_of_new_item(raised())
    told = {row["recipient"]: row["body"] for row in db.rows("notifications")}
    assert CONDITIONS in told["agency:housing"]  # the redirect to housing
    assert CONDITIONS in told["agency:la-community-safety"]  # the action raised for them
    # The referring team wrote them, and is not told them again in its acknowledgement.
    assert CONDITIONS not in told["user:yot.partner"]


@pytest.fixture
def real_mail(tmp_path):
    from shared.testing.mailserver import MailServer
    from shared.testing.stack import free_port

    server = MailServer(tmp_path / "mail", free_port()).start()
    yield server
    server.stop()


@pytest.mark.parametrize("bad", ["Referral\r\nBcc: everyone@example.org", "Line\u2028break"])
def test_an_email_that_cannot_be_built_fails_alone_and_the_rest_are_sent(service, db,
                                                                          real_mail, bad):
    """Over real SMTP (aiosmtpd): building a message whose title holds \\r or \\u2028
    raises ValueError; it once escaped send_due, so that email stayed first in line and
    every email behind it waited for ever."""
    import sqlalchemy as sa

    from services.notifications.mailer import SmtpMailer
    from services.notifications.orm import notifications

    first = {**REFERRAL, "referral_id": str(uuid.uuid4())}
    service.acknowledge_referral(Event("referral.submitted", 1, first))
    with db.unit_of_work() as uow:
        uow.session.execute(notifications.update().values(title=bad))
    service.acknowledge_referral(Event("referral.submitted", 1,
                                       {**REFERRAL, "referral_id": str(uuid.uuid4())}))
    mailer = SmtpMailer(real_mail.url, "Wardline <wardline@localhost>", insecure=True)
    later = datetime.now(timezone.utc) + timedelta(seconds=1)
    assert send_due(db, mailer, max_attempts=3, now=later) == 1
    [sent] = real_mail.messages("yemi@example.org")
    assert sent["Subject"] == "Wardline: Referral received" and sent["Bcc"] is None
    statuses = sorted((row["status"], row["last_error"] or "") for row in db.rows("emails"))
    assert statuses[0][0] == "failed" and "cannot be built" in statuses[0][1]
    assert statuses[1] == ("sent", "")


def test_plain_smtp_needs_starttls_unless_declared_insecure(real_mail):
    from services.notifications.mailer import SmtpMailer

    with pytest.raises(MailNotSent, match="STARTTLS"):
        SmtpMailer(real_mail.url, "w@localhost").send("a@example.org", "Hello", "Body")
    assert not real_mail.messages()
    SmtpMailer(real_mail.url, "w@localhost", insecure=True).send("a@example.org", "Hi", "B")
    assert len(real_mail.messages()) == 1


def test_smtps_verifies_the_servers_certificate(monkeypatch):
    import smtplib
    import ssl

    from services.notifications.mailer import SmtpMailer
    seen = {}

    class Refusing:
        def __init__(self, host, port, timeout, context=None):
            seen["context"] = context
            raise ssl.SSLCertVerificationError("certificate verify failed")

    monkeypatch.setattr(smtplib, "SMTP_SSL", Refusing)
    with pytest.raises(MailNotSent, match="verify"):
        SmtpMailer("smtps://mail.example.org", "w@localhost").send("a@b.org", "S", "B")
    assert seen["context"].verify_mode == ssl.CERT_REQUIRED and seen["context"].check_hostname


# --- ward panels hear what came of their priorities -----------------------------------

PRIORITY_ID = str(uuid.uuid4())
PRIORITY = {"ward_priority_id": PRIORITY_ID, "ward": "dalston",
            "title": "Drug dealing around the estate garages",
            "description": "Residents report dealing most evenings after 8pm.",
            "review_by": NOW.date(), "status": "due_for_review", "set_by": "panel.dalston",
            "set_by_role": "panel"}
INTERNAL_OUTCOME = "Two arrests at 14 Pembury Road; intelligence graded B2"


@pytest.fixture
def panels(db):
    """Two members of Dalston's ward panel, and Homerton's."""
    with db.unit_of_work() as uow:
        for username, ward in (("panel.dalston", "dalston"), ("panel.dalston2", "dalston"),
                               ("panel.homerton", "homerton")):
            repository.save_account(uow.session, {
                "username": username, "display_name": username, "role": "panel",
                "agency": None, "wards": [ward], "email": f"{username}@example.org",
                "active": True})


def priority_action_completed(**payload):
    return completed(**{"source_type": "ward_priority", "source_id": PRIORITY_ID,
                        "outcome": INTERNAL_OUTCOME, "completed_by": "pc.patel"} | payload)


def panel_notices(db):
    return {row["recipient"]: row for row in db.rows("notifications")}


def test_the_panel_knows_its_members_by_ward(db, panels):
    with db.unit_of_work() as uow:
        assert repository.People(uow.session).with_role("panel", "dalston") == [
            "panel.dalston", "panel.dalston2"]


def test_a_priority_due_for_review_tells_each_member_of_that_ward_s_panel(service, db,
                                                                          panels):
    service.tell_panel_priority_due_for_review(Event("ward_priority.set", 1, PRIORITY))
    told = panel_notices(db)
    assert set(told) == {"user:panel.dalston", "user:panel.dalston2"}  # not Homerton's
    notice = told["user:panel.dalston"]
    assert notice["title"] == "Ward priority due for review: Drug dealing around the estate garages"
    assert "reached its review date on 24 November 2026" in notice["body"]
    assert (notice["kind"], notice["link"]) == ("ward_priority.due_for_review",
                                                f"#/priorities/{PRIORITY_ID}")


@pytest.mark.parametrize("status", ["active", "closed"])
def test_setting_or_closing_a_priority_is_not_news_to_the_panel(service, db, panels, status):
    service.tell_panel_priority_due_for_review(Event("ward_priority.set", 1,
                                                     {**PRIORITY, "status": status}))
    assert db.rows("notifications") == []


def test_a_completed_priority_action_tells_the_panel_its_public_outcome_only(service, db,
                                                                            panels):
    service.tell_referrer_the_outcome(priority_action_completed(
        public_outcome="Extra patrols on weekday evenings; the garages are locked at night"))
    told = panel_notices(db)
    assert set(told) == {"user:panel.dalston", "user:panel.dalston2"}
    notice = told["user:panel.dalston"]
    assert notice["title"] == "An action on your ward priority was completed"
    assert "What was done: Extra patrols on weekday evenings" in notice["body"]
    assert "completed by council community safety" in notice["body"]
    for internal in ("Pembury", "arrests", "B2", "pc.patel"):
        assert internal not in notice["body"]
    assert notice["link"] == f"#/actions/{ITEM_ID}"


def test_a_priority_action_completed_with_no_public_outcome_says_none_was_given(service, db,
                                                                               panels):
    service.tell_referrer_the_outcome(priority_action_completed(public_outcome=None))
    notice = panel_notices(db)["user:panel.dalston"]
    assert "No public outcome was given." in notice["body"]
    assert "Pembury" not in notice["body"]


def test_a_completion_that_does_not_carry_the_public_outcome_points_to_the_action(
        service, db, panels):
    """tasking_item.completed v2 has no public_outcome field: the notice cannot say
    none was given, and says where the public outcome is read instead."""
    service.tell_referrer_the_outcome(priority_action_completed())
    body = panel_notices(db)["user:panel.dalston"]["body"]
    assert "No public outcome" not in body and "Pembury" not in body
    assert "on the action's page in Wardline" in body


def test_closing_a_priority_completes_its_actions_without_telling_the_panel(service, db,
                                                                            panels):
    service.tell_referrer_the_outcome(priority_action_completed(
        outcome="The ward panel closed this priority.", cause="ward_priority_closed"))
    assert db.rows("notifications") == []
