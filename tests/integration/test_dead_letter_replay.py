"""A handler that keeps failing: its message is retried up to the queue's delivery limit,
then parked in the dead-letter queue with the reason; `wardline dlq list` shows it without
taking it away; after the fix `wardline dlq replay` puts it back and it is handled."""
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
from shared.consumers import domain_event_handler
from shared.deadletters import list_dead_letters, replay
from shared.events import Event, serialize


class FlakyService:
    """Fails every delivery while `broken` is set, like a handler with a bug."""

    name = "flaky"
    broken = True
    handled = []

    @domain_event_handler("referrals", "referral.submitted")
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


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    return None


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

    shown = subprocess.run([sys.executable, "-m", "shared.cli", "dlq", "list"],
                           capture_output=True, text=True, timeout=60, check=True)
    assert poison["event_id"] in shown.stdout and "delivery_limit" in shown.stdout

    FlakyService.broken = False  # the fix is deployed
    with entrypoint_waiter(flaky, "handle", timeout=10):
        assert replay(amqp_uri, {poison["event_id"]}) == [poison["event_id"]]
    assert FlakyService.handled == [poison["event_id"]]
    assert list_dead_letters(amqp_uri) == []
