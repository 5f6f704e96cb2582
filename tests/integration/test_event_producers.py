"""A real notifications container on the real broker with the producer check on
(`BUS_PRODUCERS`): a `user.saved` published by the gateway's login is applied; the same
event published by any other login is parked with the reason before any worker sees it,
and the consumer goes on; with the check off (development on guest) it is applied."""
import secrets

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_waiter

from services.notifications.service import NotificationsService
from shared.broker_access import password_hash
from shared.bus import ConfirmingPublisher, broker_user, events_exchange
from shared.db import driver_url
from shared.deadletters import list_dead_letters
from shared.events import Event, serialize
from shared.migrations import upgrade
from shared.runner import declare_queues
from shared.testing import infra


@pytest.fixture(scope="module")
def gateway_login(amqp_uri):
    """A broker user standing for the gateway, for this module only."""
    pattern = f"wltest-{secrets.token_hex(4)}-{{service}}"
    user, password = broker_user(pattern, "gateway"), secrets.token_hex(16)
    infra.import_definitions({"users": [{
        "name": user, "tags": "", "hashing_algorithm": "rabbit_password_hashing_sha256",
        "password_hash": password_hash(password)}]})
    infra.set_permissions(amqp_uri, user, ".*", ".*", ".*")
    yield pattern, infra.with_login(amqp_uri, user, password)
    infra.delete_user(user)


@pytest.fixture
def notifications(container_factory, service_config):
    def start(producers):
        config = {**service_config("notifications"), "BUS_PRODUCERS": producers}
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


def test_only_the_gateways_login_can_save_a_contact(notifications, gateway_login, amqp_uri,
                                                      database_url):
    pattern, gateway_uri = gateway_login
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
