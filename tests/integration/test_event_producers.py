"""A real notifications container on the real broker with the producer check on
(`BUS_PRODUCERS`): a `user.saved` published by the gateway's login is applied; the same
event published by any other login is parked with the reason before any worker sees it,
and the consumer goes on; with the check off (development on guest) it is applied. A
replayed event goes back as its producer's login, but only on the word of the consumer
that parked it."""
import secrets
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_waiter

from services.notifications.service import NotificationsService
from wardline.broker_access import OPERATOR, password_hash
from shared.bus import ConfirmingPublisher, broker_user, dead_letter_exchange, events_exchange
from shared.db import driver_url
from shared.deadletters import list_dead_letters, replay
from wardline.services import consumed_queues
from shared.events import Event, serialize
from wardline.migrations import upgrade
from wardline.services import declare_queues
from shared.testing import infra
from shared.testing.waiting import wait_for


@pytest.fixture(scope="module")
def logins(amqp_uri):
    """Broker users standing for the gateway, notifications and the operator (tagged
    `impersonator`, as deploy/'s), each with every right on this module's vhost."""
    pattern = f"wltest-{secrets.token_hex(4)}-{{service}}"
    passwords = {name: secrets.token_hex(16) for name in ("gateway", "notifications",
                                                          OPERATOR)}
    infra.import_definitions({"users": [
        {"name": broker_user(pattern, name), "hashing_algorithm":
         "rabbit_password_hashing_sha256", "password_hash": password_hash(password),
         "tags": "impersonator" if name == OPERATOR else ""}
        for name, password in passwords.items()]})
    for name in passwords:
        infra.set_permissions(amqp_uri, broker_user(pattern, name), ".*", ".*", ".*")
    yield SimpleNamespace(pattern=pattern, uri={
        name: infra.with_login(amqp_uri, broker_user(pattern, name), password)
        for name, password in passwords.items()})
    for name in passwords:
        infra.delete_user(broker_user(pattern, name))


@pytest.fixture
def notifications(container_factory, service_config):
    def start(producers, login=None):
        config = {**service_config("notifications"), "BUS_PRODUCERS": producers}
        config["AMQP_URI"] = login or config["AMQP_URI"]
        upgrade("notifications", config["DATABASE_URL"])
        declare_queues("notifications", config)
        container = container_factory(NotificationsService, config)
        container.start()
        return container
    return start


def user_saved(username, email):
    return serialize(Event("user.saved", 1, {
        "username": username, "display_name": username, "role": "partner", "agency": "yot",
        "wards": [], "email": email, "active": True}, correlation_id="producers"))


def publish_as(amqp_uri, message):
    publisher = ConfirmingPublisher(amqp_uri)  # user_id: its own login
    try:
        publisher.publish(events_exchange("gateway"), "user.saved", message)
    finally:
        publisher.close()


def contact_email(database_url, username):
    engine = sa.create_engine(driver_url(database_url))
    with engine.connect() as conn:
        email = conn.execute(sa.text("SELECT email FROM notifications.contacts "
                                     "WHERE username = :u"), {"u": username}).scalar()
    engine.dispose()
    return email


def test_only_the_gateways_login_can_save_a_contact(notifications, logins, amqp_uri,
                                                      database_url):
    pattern, gateway_uri = logins.pattern, logins.uri["gateway"]
    container = notifications(pattern)
    forged = user_saved("ali.khan", "attacker@example.org")
    genuine = user_saved("ali.khan", "ali.khan@example.org")
    seen = []

    def handled(worker_ctx, result, exc_info):
        seen.append(worker_ctx.args[0].event_id)
        return worker_ctx.args[0].event_id == genuine["event_id"]

    with entrypoint_waiter(container, "keep_contact", callback=handled, timeout=20):
        publish_as(amqp_uri, forged)  # guest: a login other than the gateway's
        publish_as(gateway_uri, genuine)

    assert seen == [genuine["event_id"]]  # the forged one never reached a worker
    assert contact_email(database_url, "ali.khan") == "ali.khan@example.org"
    [parked] = [p for p in list_dead_letters(amqp_uri) if p["id"] == forged["event_id"]]
    assert parked["reason"] == (f"producer refused: user.saved comes from gateway "
                                f"({broker_user(pattern, 'gateway')}), published by guest")
    assert parked["queue"] == "evt-gateway-user.saved--notifications.keep_contact"


def test_with_the_check_off_any_login_is_applied(notifications, amqp_uri, database_url):
    container = notifications("")
    event = user_saved("dev.partner", "dev.partner@example.org")
    with entrypoint_waiter(container, "keep_contact", timeout=20):
        publish_as(amqp_uri, event)
    assert contact_email(database_url, "dev.partner") == "dev.partner@example.org"


def parked(amqp_uri, event_id, reason_part):
    return wait_for(lambda: [p for p in list_dead_letters(amqp_uri)
                             if p["id"] == event_id and reason_part in p["reason"]],
                    timeout=20)


def test_an_event_refused_under_a_wrong_setting_is_applied_once_replayed_as_its_producer(
        notifications, logins, amqp_uri, database_url):
    """The consumer named the wrong users and refused a genuine event; fixed, and the
    event replayed by the operator, it is applied: replay gave it back the gateway's
    login, which the consumer that parked it had recorded."""
    wrong = notifications("nobody-{service}", login=logins.uri["notifications"])
    genuine = user_saved("sam.okafor", "sam.okafor@example.org")
    publish_as(logins.uri["gateway"], genuine)
    assert parked(amqp_uri, genuine["event_id"], "producer refused")
    wrong.stop()

    fixed = notifications(logins.pattern, login=logins.uri["notifications"])
    with entrypoint_waiter(fixed, "keep_contact", timeout=20, callback=lambda ctx, r, e:
                           ctx.args[0].event_id == genuine["event_id"]):
        assert replay(logins.uri[OPERATOR], {genuine["event_id"]},
                      queues=consumed_queues(), producers=logins.pattern) == [genuine["event_id"]]
    assert contact_email(database_url, "sam.okafor") == "sam.okafor@example.org"


def test_a_parked_message_claiming_a_producer_it_was_not_parked_by_is_replayed_as_nobody(
        notifications, logins, amqp_uri, database_url):
    """Anyone who may write to the dead-letter exchange (every service) can park a message
    there whose headers name the gateway as its producer; replay believes that only from
    the consumer of the queue it names, so this one goes back as the operator, and is
    refused again."""
    notifications(logins.pattern, login=logins.uri["notifications"])
    forged = user_saved("lee.chen", "attacker@example.org")
    queue = "evt-gateway-user.saved--notifications.keep_contact"
    publisher = ConfirmingPublisher(amqp_uri)  # guest, not notifications
    try:
        publisher.publish(dead_letter_exchange(), queue, forged, headers={
            "x-wardline-reason": "producer refused", "x-wardline-queue": queue,
            "x-wardline-user-id": broker_user(logins.pattern, "gateway")})
    finally:
        publisher.close()
    assert replay(logins.uri[OPERATOR], {forged["event_id"]},
                  queues=consumed_queues(), producers=logins.pattern) == [forged["event_id"]]

    operator = broker_user(logins.pattern, OPERATOR)
    assert parked(amqp_uri, forged["event_id"], f"published by {operator}")
    assert contact_email(database_url, "lee.chen") is None
