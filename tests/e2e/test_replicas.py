"""Three processes each of tasking and notifications compete for the same quorum queues:
every referral gets one tasking item and one acknowledgement, none twice; an overdue item
is escalated once although every replica's timer fires."""
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.stack import ServiceStack, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replicated(wardline_env, tmp_path_factory):
    env = {**wardline_env, "WARDLINE_HTTP_PORT": str(free_port()),
           "WARDLINE_OVERDUE_CHECK_SECONDS": "0.5"}
    stack = ServiceStack(env, tmp_path_factory.mktemp("replicas"))
    stack.wardline("migrate")
    stack.wardline("demo", "seed")
    stack.start("gateway", "referrals", "casereview")
    stack.start("tasking", "notifications", replicas=3)
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()


def rows(stack, sql, **params):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return found


def wait_for(check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.25)
    return None


def test_300_referrals_give_300_tasking_items_and_300_acknowledgements_none_twice(replicated):
    rng = random.Random(300)

    def submit(_):
        response = replicated.post("/api/referrals", "council.partner",
                                   json=referral_payload(rng))
        assert response.status_code == 201, response.text
        return response.json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(submit, range(300)))

    def items():
        found = rows(replicated, "SELECT source_id, count(*) FROM tasking.tasking_items "
                     "WHERE source_id = ANY(:ids) GROUP BY source_id", ids=ids)
        return found if len(found) == 300 else None

    def acknowledgements():
        found = rows(replicated, "SELECT source_id, count(*) FROM notifications.notifications "
                     "WHERE kind = 'referral.acknowledged' AND recipient = :team "
                     "AND source_id = ANY(:ids) GROUP BY source_id",
                     team="agency:la-community-safety", ids=ids)
        return found if len(found) == 300 else None

    raised, acknowledged = wait_for(items, 60), wait_for(acknowledgements, 60)
    assert raised and all(count == 1 for _, count in raised)
    assert acknowledged and all(count == 1 for _, count in acknowledged)
    # every replica did some of the work: the queues really are shared
    for name in ("tasking", "tasking#2", "tasking#3"):
        assert "tasking_item.raised" in replicated.log(name), f"{name} handled nothing"


def test_an_overdue_item_is_escalated_once_by_three_replicas(replicated):
    escalations = "SELECT count(*) FROM tasking.outbox WHERE type = 'tasking_item.overdue' " \
                  "AND message->'payload'->>'tasking_item_id' = :id"

    def raise_item(seconds):
        due = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        made = replicated.post("/api/tasking/items", "coordinator", json={
            "title": "Visit the Smith family", "ward": "dalston", "owner_agency": "housing",
            "due_by": due.isoformat()})
        assert made.status_code == 201, made.text
        return made.json()["id"]

    first = raise_item(2)
    assert wait_for(lambda: rows(replicated, escalations, id=first)[0][0], 20)
    # A later item escalated proves every replica's timer has run again since the first.
    later = raise_item(2)
    assert wait_for(lambda: rows(replicated, escalations, id=later)[0][0], 20)
    assert rows(replicated, escalations, id=first) == [(1,)]
    assert rows(replicated, escalations, id=later) == [(1,)]
