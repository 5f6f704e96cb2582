"""A handler that keeps failing: its message is retried up to the queue's delivery limit,
then parked in the dead-letter queue with the reason; `wardline dlq list` shows it without
taking it away; after the fix `wardline dlq replay [ID...]`, run as the command an
operator types, puts back the messages named (or all) and each is handled once."""
import json
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_waiter

from shared.bus import events_exchange
from shared.consumers import on_event
from shared.deadletters import list_dead_letters, replay
from wardline.services import consumed_queues
from shared.events import Event, serialize
from shared.testing.waiting import wait_for


class FlakyService:
    """Fails every delivery while `broken` is set, like a handler with a bug."""

    name = "flaky"
    broken = True
    handled = []

    @on_event("referrals", "referral.submitted")
    def handle(self, event):
        if FlakyService.broken:
            raise RuntimeError("bug: cannot handle this referral yet")
        FlakyService.handled.append(event.event_id)


@pytest.fixture
def flaky(container_factory, service_config):
    config = {**service_config("flaky"), "DELIVERY_LIMIT": 3}
    container = container_factory(FlakyService, config)
    container.start()
    return container


def message():
    return serialize(Event("referral.submitted", 1, {
        "referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
        "category": "asb", "risk_level": "high", "ward": "dalston",
        "referring_agency": "housing", "referred_by": "h.officer",
        "submitted_at": datetime.now(timezone.utc), "handling_code": "P"}))


def test_a_failing_handler_is_bounded_parked_listed_and_replayed_after_the_fix(
        flaky, amqp_uri, wardline_env):
    poison = message()
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(json.dumps(poison), exchange=events_exchange("referrals"),
                                routing_key="referral.submitted",
                                content_type="application/json", delivery_mode=2)

    parked = wait_for(lambda: [m for m in list_dead_letters(amqp_uri)
                               if m["id"] == poison["event_id"]])
    assert parked, "the failing message never reached the dead-letter queue"
    [entry] = parked
    assert entry["reason"] == "delivery_limit"
    assert entry["queue"] == "evt-referrals-referral.submitted--flaky.handle"
    assert entry["type"] == "referral.submitted" and poison["event_id"] in entry["body"]
    assert len(list_dead_letters(amqp_uri)) == 1  # listing left it where it was

    shown = subprocess.run([sys.executable, "-m", "wardline.cli", "dlq", "list"],
                           capture_output=True, text=True, timeout=60, check=True)
    assert poison["event_id"] in shown.stdout and "delivery_limit" in shown.stdout

    FlakyService.broken = False  # the fix is deployed
    with entrypoint_waiter(flaky, "handle", timeout=10):
        assert replay(amqp_uri, {poison["event_id"]}, queues={entry["queue"]}) == \
            [poison["event_id"]]
    assert FlakyService.handled == [poison["event_id"]]
    assert list_dead_letters(amqp_uri) == []


class MendedService:
    """Fails while `broken` is set; counts every event it handles, to show none twice.
    Named like tasking's handler, so that its queue is one of Wardline's own (the only
    queues `wardline dlq replay` puts messages back on)."""

    name = "tasking"
    broken = True
    handled = []

    @on_event("referrals", "referral.submitted")
    def raise_item_for_referral(self, event):
        if MendedService.broken:
            raise RuntimeError("bug: cannot handle this referral yet")
        MendedService.handled.append(event.event_id)


def wardline(*args):
    """The `wardline` command, as an operator runs it (this module's broker vhost is in
    the environment: see the wardline_env fixture)."""
    return subprocess.run([sys.executable, "-m", "wardline.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_the_operator_lists_and_replays_parked_messages_with_the_wardline_command(
        container_factory, service_config, amqp_uri, wardline_env):
    container = container_factory(MendedService, {**service_config("tasking"),
                                                  "DELIVERY_LIMIT": 1})
    container.start()
    first, second = message(), message()
    ids = {first["event_id"], second["event_id"]}
    with Connection(amqp_uri) as conn:
        for poison in (first, second):
            conn.Producer().publish(json.dumps(poison), exchange=events_exchange("referrals"),
                                    routing_key="referral.submitted",
                                    content_type="application/json", delivery_mode=2)
    assert wait_for(lambda: ids <= {m["id"] for m in list_dead_letters(amqp_uri)}, 30), \
        "the failing messages never reached the dead-letter queue"

    shown = wardline("dlq", "list")
    assert shown.returncode == 0, shown.stderr
    for poison in (first, second):
        # One entry each: id, type, tries and reason, then its queue and first bytes.
        [line] = [line for line in shown.stdout.splitlines()
                  if line.startswith(poison["event_id"])]
        assert "referral.submitted" in line and "delivery_limit" in line
    assert "evt-referrals-referral.submitted--tasking.raise_item_for_referral" in shown.stdout
    assert wardline("dlq", "list").stdout == shown.stdout  # listing took nothing away

    MendedService.broken = False  # the fix is deployed
    handled = lambda ctx, result, exc: ctx.args[0].event_id == first["event_id"]  # noqa: E731
    with entrypoint_waiter(container, "raise_item_for_referral", callback=handled,
                           timeout=60):
        replayed = wardline("dlq", "replay", first["event_id"])
        assert replayed.returncode == 0, replayed.stderr
        assert "replayed 1 message(s)" in replayed.stdout
    left = wardline("dlq", "list").stdout
    assert second["event_id"] in left and first["event_id"] not in left  # only the one named

    unknown = wardline("dlq", "replay", first["event_id"])  # already replayed: not there
    assert unknown.returncode == 1
    assert f"not in the dead-letter queue: {first['event_id']}" in unknown.stderr

    handled = lambda ctx, result, exc: ctx.args[0].event_id == second["event_id"]  # noqa: E731
    refused = wardline("dlq", "replay")
    assert refused.returncode == 1 and "--all --count N" in refused.stderr
    refused = wardline("dlq", "replay", "--all", "--count", "2")  # one is left, not two
    assert refused.returncode == 1 and "1 message(s) can be replayed, not 2" in refused.stderr
    assert second["event_id"] in wardline("dlq", "list").stdout  # nothing moved
    with entrypoint_waiter(container, "raise_item_for_referral", callback=handled,
                           timeout=60):
        everything = wardline("dlq", "replay", "--all", "--count", "1")
        assert everything.returncode == 0 and "replayed 1 message(s)" in everything.stdout
    assert "the dead-letter queue is empty" in wardline("dlq", "list").stdout
    time.sleep(1)  # time enough for a stray second delivery to show
    assert MendedService.handled == [first["event_id"], second["event_id"]]  # once each


def test_replay_goes_only_to_wardline_queues_and_list_prints_headers_escaped(
        amqp_uri, wardline_env):
    """Anyone who may publish can park a message whose headers name any queue and hold
    terminal escape sequences: replay leaves it parked; list shows the escapes as text."""
    from shared.bus import dead_letter_exchange

    poison = message()
    list_dead_letters(amqp_uri)  # declares the dead-letter exchange and queue
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(
            json.dumps(poison), exchange=dead_letter_exchange(), routing_key="",
            content_type="application/json", delivery_mode=2,
            headers={"x-wardline-queue": "someone-elses-queue",
                     "x-wardline-reason": "bad\x1b]0;owned\x07\x1b[2J"})
    assert wait_for(lambda: any(m["id"] == poison["event_id"]
                                for m in list_dead_letters(amqp_uri)))
    assert replay(amqp_uri, {poison["event_id"]}, queues=consumed_queues()) == []
    assert replay(amqp_uri, expected_count=0, queues=consumed_queues()) == []
    shown = wardline("dlq", "list")
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "bad\\x1b]0;owned\\x07\\x1b[2J" in shown.stdout
    assert poison["event_id"] in shown.stdout  # still parked
