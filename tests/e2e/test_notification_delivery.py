"""Feedback reaches people by inbox and by mail from real processes, a real broker and a
real SMTP server (aiosmtpd): once, even when the event is delivered three times; late but
not lost when the mail server is down; never with police-only detail; in one daily digest
for those who chose it, sent by the running timer; never to those who chose none."""
import json
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from kombu import Connection

from shared.bus import events_exchange
from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.mailserver import MailServer
from shared.testing.stack import ServiceStack, free_port
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
REFERRER = "yot.partner@example.org"
DIGEST_TIME = time(6, 30)  # WARDLINE_DIGEST_TIME, London time
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    server = MailServer(tmp_path_factory.mktemp("maildir") / "mail", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(wardline_env, mail, tmp_path_factory):
    port = free_port()
    env = {**wardline_env, "WARDLINE_SMTP_URL": mail.url, "WARDLINE_SMTP_INSECURE": "1",
           "WARDLINE_EMAIL_CHECK_SECONDS": "0.3",
           "WARDLINE_DIGEST_TIME": DIGEST_TIME.strftime("%H:%M"),
           "WARDLINE_HTTP_PORT": str(port), "WARDLINE_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    services = ServiceStack(env, tmp_path_factory.mktemp("stack"))
    with services.running():
        wait_for(lambda: services.get("/api/directory?ward=dalston", "admin").json()["items"],
                 timeout=15)  # accounts have reached the directory
        yield services


def mails_about(mail, referral_id):
    return [m for m in mail.messages(REFERRER) if referral_id in MailServer.text(m)]


def test_acknowledgement_reaches_inbox_and_mailbox_once_when_delivered_three_times(stack, mail):
    referral_id = stack.post("/api/referrals", "yot.partner",
                             json=referral_payload()).json()["id"]
    message = wait_for(lambda: _outbox_message(stack, referral_id), timeout=30)
    assert message and message["payload"]["referral_id"] == referral_id
    with Connection(stack.env["WARDLINE_AMQP_URI"]) as conn:
        for _ in range(2):
            conn.Producer().publish(json.dumps(message), exchange=events_exchange("referrals"),
                                    routing_key="referral.submitted",
                                    content_type="application/json", delivery_mode=2)
    # Both extra copies consumed and recognised, and every email they could have queued
    # sent: only then is the count final.
    assert wait_for(lambda: copies_recognised(stack, "notifications",
                                              message["event_id"]) == 2, timeout=30), \
        "notifications did not see both extra copies"
    assert wait_for(lambda: _emails(stack, referral_id) == [("yot.partner", "sent")],
                    timeout=30), _emails(stack, referral_id)
    [sent] = mails_about(mail, referral_id)
    # The email ends with the referral's page, at the address the gateway serves.
    link = f"#/referrals/{referral_id}"
    assert MailServer.text(sent).rstrip().endswith(
        f"Open it in Wardline: {stack.env['WARDLINE_PUBLIC_URL']}/{link}")
    assert stack.env["WARDLINE_PUBLIC_URL"] == stack.base_url.rstrip("/")
    # One notice for the partner: their own. The team's copy (agency:yot) is the same news,
    # kept for the rest of the team, not shown to them a second time.
    inbox = stack.get("/api/notifications?limit=200", "yot.partner").json()["items"]
    [mine] = [n for n in inbox if n["source_id"] == referral_id]
    assert (mine["recipient"], mine["link"]) == ("user:yot.partner", link)
    assert _recipients(stack, referral_id) == ["agency:yot", "user:yot.partner"]


def test_a_mail_server_outage_delays_mail_and_loses_none(stack, mail):
    mail.stop()
    try:
        referral_id = stack.post("/api/referrals", "yot.partner",
                                 json=referral_payload()).json()["id"]
        # Positive evidence of the outage: an attempt was made, failed, and is to be retried.
        assert wait_for(lambda: [row for row in _attempts(stack, referral_id)
                                 if row[0] == "pending" and row[1] >= 1 and row[2]],
                        timeout=30), _attempts(stack, referral_id)
    finally:
        mail.start()
    assert wait_for(lambda: mails_about(mail, referral_id), timeout=40)
    # Sent (so never sent again), after at least one failed attempt, and received once.
    [(status, attempts, _)] = wait_for(lambda: (lambda rows: rows if rows and rows[0][0] ==
                                                "sent" else None)(_attempts(stack, referral_id)),
                                       timeout=30)
    assert status == "sent" and attempts >= 2
    assert len(mails_about(mail, referral_id)) == 1


def test_a_partners_email_holds_no_police_only_or_personal_detail(stack, mail):
    payload = referral_payload(
        handling_code="C", handling_conditions="Not to be shared with the school",
        details="Intelligence suggests links to a county lines group",
        subject={"given_name": "Tobiah", "family_name": "Okonjo",
                 "date_of_birth": "2010-01-31"})
    referral_id = stack.post("/api/referrals", "yot.partner", json=payload).json()["id"]
    stack.post(f"/api/referrals/{referral_id}/triage", "coordinator", json={
        "decision": "accept", "reason": "Linked to an open CAIT investigation"})
    stack.post(f"/api/referrals/{referral_id}/close", "coordinator", json={
        "outcome": "Early-help plan agreed with the family"})
    messages = wait_for(lambda: (lambda found: found if len(found) == 3 else None)(
        mails_about(mail, referral_id)), timeout=40)
    assert messages, "acknowledgement, triage and closing mails did not all arrive"
    text = "\n".join(MailServer.text(m) for m in messages)
    assert "Early-help plan agreed" in text  # the outcome is theirs to know
    for secret in ("Not to be shared", "county lines", "Tobiah", "Okonjo", "2010-01-31",
                   "handling", "CAIT"):
        assert secret not in text


def test_an_action_raised_for_another_agency_tells_that_agency_when_raised(stack, mail):
    """The YOT refers anti-social behaviour: tasking's routing rules raise the action for
    council community safety, whose team hears at once. Given later to one of its officers,
    the team reads what changed (who holds it), not that it is theirs a second time."""
    referral_id = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="asb", risk_level="medium")).json()["id"]

    [item] = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral_id}",
                                        "coordinator").json()["items"], timeout=30)
    assert item["owner_agency"] == "la-community-safety"

    stack.add_user("council.colleague", "partner", agency="la-community-safety")

    def told(kind, user="council.partner"):
        return [n for n in stack.get("/api/notifications?limit=200", user)
                .json()["items"] if n["kind"] == kind and n["source_id"] == item["id"]]

    [new] = wait_for(lambda: told("tasking_item.raised"), timeout=30)
    assert new["recipient"] == "agency:la-community-safety"
    assert new["title"].startswith("New action for council community safety")
    assert "A referral in" in new["body"] and "due by" in new["body"]
    assert [m for m in mail.messages("asb@example.org")
            if item["id"] in MailServer.text(m)] == []  # a team's news stays in its inbox

    stack.post(f"/api/tasking/items/{item['id']}/assign", "coordinator", json={
        "owner_agency": "la-community-safety", "owner_user": "council.partner"}
    ).raise_for_status()
    # The officer now holding it reads their own notice; the rest of the team reads the
    # team's, which says what changed. Neither sees the same news twice.
    [own] = wait_for(lambda: told("tasking_item.assigned"), timeout=30)
    assert own["recipient"] == "user:council.partner"
    [team] = wait_for(lambda: told("tasking_item.assigned", "council.colleague"), timeout=30)
    assert team["recipient"] == "agency:la-community-safety"
    assert team["title"] == "Action updated for council community safety"
    assert "is now held by council.partner" in team["body"]
    assert told("tasking_item.assigned") == [own]
    assert len(told("tasking_item.raised")) == 1

    def mails_about_item():
        return [m for m in mail.messages("asb@example.org") if item["id"] in MailServer.text(m)]
    assert wait_for(mails_about_item, timeout=30)  # the named person's copy of the update
    # Emails are queued with their notifications, in one transaction, and every notice
    # about the item is in (above): the queue is final. One email, to the person, sent.
    assert _emails(stack, item["id"]) == [("council.partner", "sent")]
    assert len(mails_about_item()) == 1


def test_a_digest_reader_gets_one_digest_from_the_running_timer_and_an_off_reader_none(
        stack, mail):
    digest_reader, no_mail = "digest.reader@example.org", "no.mail@example.org"
    stack.add_user("probation.digest", "partner", agency="probation", email=digest_reader)
    stack.add_user("health.off", "partner", agency="health", email=no_mail)
    for user, mode in (("probation.digest", "digest"), ("health.off", "off")):
        # 404 until the account's user.saved has reached the directory
        assert wait_for(lambda: stack.post("/api/notifications/preferences", user, json={
            "email": mode}).status_code == 200, timeout=30), f"{user} never in the directory"
    digested = [submit(stack, "probation.digest") for _ in range(2)]
    unmailed = submit(stack, "health.off")
    for user, referral_ids in (("probation.digest", digested), ("health.off", [unmailed])):
        assert wait_for(lambda: {n["source_id"] for n in stack.get(
            "/api/notifications?limit=200", user).json()["items"]} >= set(referral_ids),
            timeout=30), f"{user}'s acknowledgements never reached their inbox"
    # Queued with the acknowledgements, for the next digest moment, not now.
    assert _queued(stack, "probation.digest") == [
        ("pending", "digest", next_digest(datetime.now(timezone.utc)), 0)] * 2

    # An immediate email queued after them arrives: the running timer has been round
    # since, and sent neither the digest early nor anything to the reader who chose none.
    later = submit(stack, "yot.partner")
    assert wait_for(lambda: mails_about(mail, later), timeout=30)
    assert mail.messages(digest_reader) == []

    # The digest moment comes (the clock cannot be moved): every waiting email is due.
    _query(stack, "UPDATE notifications.emails SET next_attempt_at = now() "
                  "WHERE status = 'pending' RETURNING id")
    sent = wait_for(lambda: mail.messages(digest_reader), timeout=30)
    assert sent, "the running timer never sent the digest"
    [digest] = sent
    assert digest["Subject"] == "Wardline daily digest: 2 update(s)"
    text = MailServer.text(digest)
    assert text.count("Referral received") == 2
    assert all(f"/#/referrals/{referral_id}" in text for referral_id in digested)
    references = [stack.get(f"/api/referrals/{referral_id}", "probation.digest").json()[
        "reference"] for referral_id in digested]
    assert all(f"Reference: {reference}" in text for reference in references), text
    assert wait_for(lambda: {row[0] for row in _queued(stack, "probation.digest")} == {"sent"},
                    timeout=30)
    # Both kinds of run have gone by since the off reader's acknowledgement: no email was
    # queued for them, and none reached their mailbox.
    assert _queued(stack, "health.off") == []
    assert mail.messages(no_mail) == []
    assert len(mail.messages(digest_reader)) == 1


def submit(stack, user):
    made = stack.post("/api/referrals", user, json=referral_payload())
    assert made.status_code == 201, made.text
    return made.json()["id"]


def next_digest(after):
    """The first digest moment (DIGEST_TIME, London) after `after`."""
    local = after.astimezone(LONDON)
    moment = datetime.combine(local.date(), DIGEST_TIME, tzinfo=LONDON)
    return moment if moment > local else moment + timedelta(days=1)


def _queued(stack, username):
    return _query(stack, "SELECT status, mode, next_attempt_at, attempts "
                  "FROM notifications.emails WHERE username = :name ORDER BY id", name=username)


def test_the_directory_lists_a_wards_sergeant_and_pcsos(stack):
    team = stack.get("/api/directory?ward=dalston", "yot.partner").json()["items"]
    assert {(c["username"], c["role"]) for c in team} >= {("sgt.dalston", "sergeant"),
                                                          ("pcso.dalston", "pcso")}


def copies_recognised(stack, service, event_id):
    return sum(1 for line in stack.log(service).splitlines()
               if "event.already_applied" in line and event_id in line)


def _query(stack, sql, **params):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.begin() as conn:  # committed, for a change
        rows = [tuple(row) for row in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def _emails(stack, source_id):
    """(username, status) of every email queued for a notification about `source_id`."""
    return sorted(_query(stack, "SELECT e.username, e.status FROM notifications.emails e "
                         "JOIN notifications.notifications n ON n.id = e.notification_id "
                         "WHERE n.source_id = :id", id=source_id))


def _recipients(stack, source_id):
    """Who the notifications about `source_id` were addressed to, as stored."""
    return sorted(row[0] for row in _query(
        stack, "SELECT recipient FROM notifications.notifications WHERE source_id = :id",
        id=source_id))


def _attempts(stack, source_id):
    return _query(stack, "SELECT e.status, e.attempts, e.last_error "
                  "FROM notifications.emails e JOIN notifications.notifications n "
                  "ON n.id = e.notification_id WHERE n.source_id = :id", id=source_id)


def _outbox_message(stack, referral_id):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT message FROM referrals.outbox WHERE published_at IS NOT NULL "
            "AND message->'payload'->>'referral_id' = :id"), {"id": referral_id}).first()
    engine.dispose()
    return row[0] if row else None
