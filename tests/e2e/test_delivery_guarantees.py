"""Nothing lost, nothing twice: redelivered events and a consumer killed mid-stream."""
import json
import random
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from kombu import Connection

from shared.bus import events_exchange
from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


def test_same_referral_submitted_delivered_three_times_has_one_item_and_one_acknowledgement(
        stack):
    referral_id = stack.post("/api/referrals", "yot.partner",
                             json=referral_payload()).json()["id"]
    message = _wait_for_rows(stack, "SELECT message FROM referrals.outbox "
                             "WHERE message->'payload'->>'referral_id' = :id "
                             "AND published_at IS NOT NULL", id=referral_id)[0][0]

    with Connection(stack.env["WARDLINE_AMQP_URI"]) as conn:  # two more deliveries
        producer = conn.Producer()
        for _ in range(2):
            producer.publish(json.dumps(message), exchange=events_exchange("referrals"),
                             routing_key="referral.submitted",
                             content_type="application/json", delivery_mode=2)

    # Both extra copies have been consumed and recognised by both consumers...
    for service in ("tasking", "notifications"):
        assert wait_for(lambda: copies_recognised(stack, service, message["event_id"]) == 2,
                        timeout=30), f"{service} did not see both copies"
    # ...and changed nothing.
    referral = stack.get(f"/api/referrals/{referral_id}", "coordinator").json()
    assert len(referral["tasking_items"]) == 1
    assert len(referral["feedback"]) == 1


def copies_recognised(stack, service, event_id):
    return sum(1 for line in stack.log(service).splitlines()
               if "event.already_applied" in line and event_id in line)


def test_tasking_killed_mid_stream_loses_nothing_and_raises_nothing_twice(stack):
    rng = random.Random(7)
    payloads = [referral_payload(rng) for _ in range(200)]
    submitted = []

    def submit(payload):
        response = stack.post("/api/referrals", "council.partner", json=payload)
        assert response.status_code == 201, response.text
        submitted.append(response.json()["id"])
        return submitted[-1]

    def kill_then_restart_tasking_while_referrals_flow():
        wait_for(lambda: len(submitted) >= 50, timeout=60)
        stack.kill("tasking", signal.SIGKILL)
        wait_for(lambda: len(submitted) >= 120, timeout=60)
        stack.start("tasking")

    with ThreadPoolExecutor(max_workers=9) as pool:
        chaos = pool.submit(kill_then_restart_tasking_while_referrals_flow)
        referral_ids = list(pool.map(submit, payloads))
        chaos.result()
    stack.wait_healthy()

    def items_raised():
        rows = _rows(stack, "SELECT source_id, count(*) FROM tasking.tasking_items "
                     "WHERE source_id = ANY(:ids) GROUP BY source_id", ids=referral_ids)
        return rows if len(rows) == len(referral_ids) else None

    rows = wait_for(items_raised, timeout=30)
    assert rows is not None, "not every referral got its tasking item"
    assert {source_id for source_id, _ in rows} == set(referral_ids)
    assert all(count == 1 for _, count in rows), "a referral raised two tasking items"


def _rows(stack, sql, **params):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def _wait_for_rows(stack, sql, **params):
    return wait_for(lambda: _rows(stack, sql, **params), timeout=30)


def test_an_event_a_crash_left_unpublished_goes_out_by_the_backstop_poll_alone(stack):
    """referrals commits a referral and its event, its relay cannot publish it (the broker
    refuses it the exchange), and the process is killed before any confirm. Restarted, with
    nothing else submitted (no commit to wake the relay), the poll alone must publish it."""
    vhost = _vhost(stack)
    deny = "^(?!referrals\\.events$).*"  # every resource but referrals' events exchange
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", deny, deny, ".*")
        # Permission checks are cached per channel: a fresh process gets fresh channels.
        stack.kill("referrals")
        stack.start("referrals")
        stack.wait_healthy()
        referral_id = stack.post("/api/referrals", "yot.partner",
                                 json=referral_payload()).json()["id"]
        outbox_row = ("SELECT published_at FROM referrals.outbox "
                      "WHERE message->'payload'->>'referral_id' = :id")
        assert _rows(stack, outbox_row, id=referral_id) == [(None,)]  # committed, unsent
        assert wait_for(lambda: "outbox.relay_failed" in stack.log("referrals"), timeout=30)
        stack.kill("referrals")  # the crash: committed, never confirmed
    finally:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    assert _rows(stack, outbox_row, id=referral_id) == [(None,)]
    assert _rows(stack, "SELECT count(*) FROM tasking.tasking_items WHERE source_id = :id",
                 id=referral_id) == [(0,)]

    stack.start("referrals")
    stack.wait_healthy()
    poll = float(stack.env["WARDLINE_OUTBOX_POLL_SECONDS"])
    # Nothing else is sent: only the poll can find the row. Within a few polls of start:
    assert wait_for(lambda: _rows(stack, outbox_row, id=referral_id)[0][0], timeout=poll * 5), \
        "the relay's poll never published the event the crash left behind"
    assert wait_for(lambda: _rows(stack, "SELECT count(*) FROM tasking.tasking_items "
                                  "WHERE source_id = :id", id=referral_id) == [(1,)],
                    timeout=30), "the event was published but tasking never raised its item"


def _vhost(stack):
    from urllib.parse import unquote, urlparse
    return unquote(urlparse(stack.env["WARDLINE_AMQP_URI"]).path[1:])


def _rabbitmqctl(*args):
    import subprocess
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)
