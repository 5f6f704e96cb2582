"""Feedback reaches people by inbox and by mail from real processes, a real broker and a
real SMTP server (aiosmtpd): once, even when the event is delivered three times; late but
not lost when the mail server is down; never with police-only detail."""
import json
import time

import pytest
from kombu import Connection

from shared.bus import events_exchange
from shared.testing.factories import referral_payload
from shared.testing.mailserver import MailServer
from shared.testing.stack import ServiceStack, free_port
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
REFERRER = "yot.partner@example.org"


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    server = MailServer(tmp_path_factory.mktemp("maildir") / "mail", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(wardline_env, mail, tmp_path_factory):
    env = {**wardline_env, "WARDLINE_SMTP_URL": mail.url, "WARDLINE_SMTP_INSECURE": "1",
           "WARDLINE_EMAIL_CHECK_SECONDS": "0.3",
           "WARDLINE_HTTP_PORT": str(free_port())}
    services = ServiceStack(env, tmp_path_factory.mktemp("stack"))
    services.wardline("migrate")
    services.wardline("demo", "seed")
    services.start()
    try:
        services.wait_healthy()
        wait_for(lambda: services.get("/api/directory?ward=dalston", "admin").json()["items"],
                 timeout=15)  # accounts have reached the directory
        yield services
    finally:
        services.stop()


def mails_about(mail, referral_id):
    return [m for m in mail.messages(REFERRER) if referral_id in MailServer.text(m)]


def test_acknowledgement_reaches_inbox_and_mailbox_once_when_delivered_three_times(stack, mail):
    referral_id = stack.post("/api/referrals", "yot.partner",
                             json=referral_payload()).json()["id"]
    message = wait_for(lambda: _outbox_message(stack, referral_id), timeout=30)
    with Connection(stack.env["WARDLINE_AMQP_URI"]) as conn:
        for _ in range(2):
            conn.Producer().publish(json.dumps(message), exchange=events_exchange("referrals"),
                                    routing_key="referral.submitted",
                                    content_type="application/json", delivery_mode=2)
    assert wait_for(lambda: mails_about(mail, referral_id), timeout=30)
    time.sleep(1.5)  # several send cycles: room for a duplicate to show itself
    assert len(mails_about(mail, referral_id)) == 1
    inbox = stack.get("/api/notifications?limit=200", "yot.partner").json()["items"]
    mine = [n for n in inbox if n["source_id"] == referral_id]
    assert sorted(n["recipient"] for n in mine) == ["agency:yot", "user:yot.partner"]


def test_a_mail_server_outage_delays_mail_and_loses_none(stack, mail):
    mail.stop()
    try:
        referral_id = stack.post("/api/referrals", "yot.partner",
                                 json=referral_payload()).json()["id"]
        time.sleep(2)  # several attempts fail meanwhile
        assert mails_about(mail, referral_id) == []
    finally:
        mail.start()
    assert wait_for(lambda: mails_about(mail, referral_id), timeout=40)
    time.sleep(1)
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

    def told(kind):
        return [n for n in stack.get("/api/notifications?limit=200", "council.partner")
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
    updates = wait_for(lambda: (lambda found: found if len(found) == 2 else None)(
        told("tasking_item.assigned")), timeout=30)
    assert updates, told("tasking_item.assigned")
    by_recipient = {n["recipient"]: n for n in updates}
    assert set(by_recipient) == {"agency:la-community-safety", "user:council.partner"}
    team = by_recipient["agency:la-community-safety"]
    assert team["title"] == "Action updated for council community safety"
    assert "is now held by council.partner" in team["body"]
    assert len(told("tasking_item.raised")) == 1

    def mails_about_item():
        return [m for m in mail.messages("asb@example.org") if item["id"] in MailServer.text(m)]
    assert wait_for(mails_about_item, timeout=30)  # the named person's copy of the update
    time.sleep(1.5)  # an email wrongly sent for a team notice would be here by now too
    assert len(mails_about_item()) == 1


def test_the_directory_lists_a_wards_sergeant_and_pcsos(stack):
    team = stack.get("/api/directory?ward=dalston", "yot.partner").json()["items"]
    assert {(c["username"], c["role"]) for c in team} >= {("sgt.dalston", "sergeant"),
                                                          ("pcso.dalston", "pcso")}


def _outbox_message(stack, referral_id):
    import sqlalchemy as sa

    from shared.db import driver_url

    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT message FROM referrals.outbox WHERE published_at IS NOT NULL "
            "AND message->'payload'->>'referral_id' = :id"), {"id": referral_id}).first()
    engine.dispose()
    return row[0] if row else None
