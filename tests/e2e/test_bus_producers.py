"""Every service on its own broker login, the users and permissions of
deploy/rabbitmq/definitions.json (printed by the same code, imported into this module's
vhost with `rabbitmqctl import_definitions`), with the producer check on
(`WARDLINE_BUS_PRODUCERS`): the stack works as before; an event published by any other
login is parked by its consumer and never applied; and the broker itself refuses another
service's exchange, a routing key outside a service's own contracts, and a forged
`user_id`."""
import json
import secrets
import uuid
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu import Connection

from wardline.broker_access import OPERATOR, definitions, permissions
from shared.bus import broker_user
from wardline.services import SERVICES
from shared.db import driver_url
from shared.deadletters import list_dead_letters
from shared.events import Event, serialize
from shared.testing import infra
from shared.testing.factories import referral_payload
from shared.testing.stack import ServiceStack
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def logins(amqp_uri):
    """A broker user per service and the operator, made for this module only (users are
    broker-wide: the prefix keeps them apart from anyone else's), removed afterwards."""
    pattern = f"wltest-{secrets.token_hex(4)}-{{service}}"
    passwords = {name: secrets.token_hex(16) for name in (*SERVICES, OPERATOR)}
    infra.import_definitions(definitions(infra.vhost_of(amqp_uri), pattern, passwords))
    try:
        yield SimpleNamespace(pattern=pattern, user=lambda name: broker_user(pattern, name),
                              uri={name: infra.with_login(amqp_uri, broker_user(pattern, name),
                                                          password)
                                   for name, password in passwords.items()})
    finally:
        for name in passwords:
            infra.delete_user(broker_user(pattern, name))


@pytest.fixture(scope="module")
def stack(wardline_env, logins, tmp_path_factory):
    """The stack with each service on its own login; `wardline migrate` and `demo seed`
    as the operator, as a deploy's migrate Job would."""
    env = {**wardline_env, "WARDLINE_AMQP_URI": logins.uri[OPERATOR],
           "WARDLINE_BUS_PRODUCERS": logins.pattern}
    services = ServiceStack(env, tmp_path_factory.mktemp("stack"), service_env={
        name: {"WARDLINE_AMQP_URI": logins.uri[name]} for name in SERVICES})
    with services.running():
        yield services


def test_a_referral_travels_and_an_account_reaches_the_directory_each_on_its_own_login(
        stack, logins):
    referral_id = stack.post("/api/referrals", "yot.partner",
                             json=referral_payload()).json()["id"]
    stack.wardline("users", "add", "new.caseworker", "--role", "partner", "--agency", "yot",
                   "--email", "new.caseworker@example.org", "--password-stdin",
                   input="a-long-enough-password-2026\n")

    assert wait_for(lambda: stack.get(f"/api/referrals/{referral_id}", "coordinator")
                    .json()["tasking_items"], timeout=30), "tasking raised no item"
    assert wait_for(lambda: contact_email(stack, "new.caseworker"),
                    timeout=30) == "new.caseworker@example.org"
    [published_by] = rows(stack, "SELECT message->>'event_id' FROM gateway.outbox "
                          "WHERE message->'payload'->>'username' = 'new.caseworker'")
    assert applied(stack, published_by[0])
    assert not any("event.producer_refused" in stack.log(name) for name in SERVICES)
    # The gateway's own login can still count the dead letters for /metrics.
    metrics = requests.get(stack.base_url + "/metrics", timeout=10).text
    assert 'wardline_figures_up{source="dead_letters"} 1.0' in metrics


def test_a_user_saved_from_another_services_login_is_parked_and_never_applied(
        stack, logins):
    """Even where the broker would let tasking write on the gateway's exchange (a
    misconfigured broker, a shared exchange right), notifications applies a `user.saved`
    only from the gateway's login: this one, with a perfect envelope, redirects nobody's
    email."""
    before = wait_for(lambda: contact_email(stack, "coordinator"), timeout=30)
    forged = serialize(Event("user.saved", 1, {
        "username": "coordinator", "display_name": "Chris Coordinator", "role": "coordinator",
        "agency": "la-community-safety", "wards": [], "email": "attacker@example.org",
        "active": True}, correlation_id="forged"))
    configure, write, read = permissions("tasking")
    wider = write[:-2] + "|gateway\\.events)$"
    infra.set_permissions(stack.env["WARDLINE_AMQP_URI"], logins.user("tasking"),
                          configure, wider, read)
    try:
        publish(logins.uri["tasking"], "gateway.events", "user.saved", forged)
    finally:
        infra.set_permissions(stack.env["WARDLINE_AMQP_URI"], logins.user("tasking"),
                              configure, write, read)

    parked = wait_for(lambda: [p for p in list_dead_letters(logins.uri[OPERATOR])
                               if p["id"] == forged["event_id"]], timeout=30)
    assert parked, "the forged user.saved was not parked"
    assert parked[0]["reason"] == (
        f"producer refused: user.saved comes from gateway ({logins.user('gateway')}), "
        f"published by {logins.user('tasking')}")
    assert parked[0]["queue"] == "evt-gateway-user.saved--notifications.keep_contact"
    assert "event.producer_refused" in stack.log("notifications")
    assert contact_email(stack, "coordinator") == before
    assert not applied(stack, forged["event_id"])


def test_the_broker_refuses_another_services_exchange(stack, logins):
    forged = serialize(Event("user.saved", 1, {
        "username": "coordinator", "display_name": "x", "role": "coordinator",
        "wards": [], "email": "attacker@example.org", "active": True}))
    with pytest.raises(AccessRefused,
                       match="ACCESS_REFUSED - access to exchange 'gateway.events'"):
        publish(logins.uri["tasking"], "gateway.events", "user.saved", forged)


@pytest.mark.parametrize("service, exchange, routing_key", [
    ("tasking", "tasking.events", "user.saved"),
    ("gateway", "gateway.events", "referral.submitted"),
], ids=["tasking-says-user-saved", "gateway-says-referral-submitted"])
def test_the_broker_refuses_a_routing_key_outside_the_services_own_contracts(
        stack, logins, service, exchange, routing_key):
    message = {"event_id": str(uuid.uuid4()), "type": routing_key}
    with pytest.raises(AccessRefused, match=f"ACCESS_REFUSED - .*topic '{routing_key}'"):
        publish(logins.uri[service], exchange, routing_key, message)


def test_the_broker_refuses_a_user_id_other_than_the_login(stack, logins):
    with pytest.raises(PreconditionFailed, match="user_id property set to"):
        publish(logins.uri["tasking"], "tasking.events", "tasking_item.raised",
                {"event_id": str(uuid.uuid4())}, user_id=logins.user("gateway"))


def publish(amqp_uri, exchange, routing_key, body, user_id=None):
    """Publish as `amqp_uri`'s login (its own `user_id` unless told otherwise) and wait for
    the broker's confirm: a refusal raises here."""
    with Connection(amqp_uri, connect_timeout=5,
                    transport_options={"confirm_publish": True}) as conn:
        conn.connect()
        conn.Producer().publish(json.dumps(body), exchange=exchange, routing_key=routing_key,
                                content_type="application/json", delivery_mode=2,
                                user_id=user_id or conn.userid, retry=False)


def contact_email(stack, username):
    found = rows(stack, "SELECT email FROM notifications.contacts WHERE username = :u",
                 u=username)
    return found[0][0] if found else None


def applied(stack, event_id):
    return bool(rows(stack, "SELECT 1 FROM notifications.processed_events "
                     "WHERE event_id = :id", id=event_id))


def rows(stack, sql, **params):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        found = [tuple(row) for row in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return found
