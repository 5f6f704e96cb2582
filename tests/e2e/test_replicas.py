"""Three processes each of tasking and notifications compete for the same quorum queues:
every referral gets one tasking item and one acknowledgement, none twice, and every
replica does its share; an overdue item is escalated once, by the one replica holding the
overdue check's lease although every replica's timer fires, and the lease moves on when
that replica dies."""
import json
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.stack import ServiceStack, free_port
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

REPLICAS = {service: (service, f"{service}#2", f"{service}#3")
            for service in ("tasking", "notifications")}
OVERDUE_CHECK = "tasking.check_due_dates"


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


def logged(stack, name, event, key):
    """The `key` values of every `event` line in replica `name`'s JSON log."""
    found = []
    for line in stack.log(name).splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == event and key in entry:
            found.append(entry[key])
    return found


def work_per_replica(stack, service, event, key, ids):
    """How many of `ids` each replica of `service` logged `event` for; each id once."""
    per_replica = {name: [value for value in logged(stack, name, event, key) if value in ids]
                   for name in REPLICAS[service]}
    everything = [value for values in per_replica.values() for value in values]
    assert sorted(everything) == sorted(ids), "some work was logged twice or not at all"
    return {name: len(values) for name, values in per_replica.items()}


def lease_holders(stack, timer):
    """Replicas of tasking that took the lease of `timer`, in the order of their logs."""
    return [name for name in stack.processes if name in REPLICAS["tasking"]
            and timer in logged(stack, name, "timer.lease_taken", "timer")]


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

    # Every replica of each service did some of the work, and each piece was done by one
    # replica: the queues really are shared, not copied to each consumer.
    item_ids = [row[0] for row in rows(
        replicated, "SELECT id FROM tasking.tasking_items WHERE source_id = ANY(:ids)",
        ids=ids)]
    acknowledgement_ids = [row[0] for row in rows(
        replicated, "SELECT id FROM notifications.notifications "
        "WHERE kind = 'referral.acknowledged' AND recipient = :team "
        "AND source_id = ANY(:ids)", team="agency:la-community-safety", ids=ids)]
    tasking = work_per_replica(replicated, "tasking", "tasking_item.raised",
                               "tasking_item_id", item_ids)
    notifications = work_per_replica(replicated, "notifications", "notification.recorded",
                                     "notification_id", acknowledgement_ids)
    assert all(tasking.values()), f"a tasking replica handled nothing: {tasking}"
    assert all(notifications.values()), \
        f"a notifications replica handled nothing: {notifications}"


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

    # Once per tick, not once per replica: only the lease holder ran the check.
    holders = lease_holders(replicated, OVERDUE_CHECK)
    assert len(holders) == 1, f"the overdue check's lease was taken by {holders}"
    escalated_by = {name for name in REPLICAS["tasking"]
                    if {first, later} & set(logged(replicated, name, "tasking_item.overdue",
                                                   "tasking_item_id"))}
    assert escalated_by == set(holders)


def test_the_overdue_check_moves_to_another_replica_when_its_holder_dies(replicated):
    """Last in the module: it kills a replica."""
    holder, = lease_holders(replicated, OVERDUE_CHECK)
    replicated.kill(holder)  # SIGKILL: its database session ends, and the lock with it

    due = datetime.now(timezone.utc) + timedelta(seconds=2)
    made = replicated.post("/api/tasking/items", "coordinator", json={
        "title": "Check the stairwell lighting", "ward": "dalston",
        "owner_agency": "housing", "due_by": due.isoformat()})
    assert made.status_code == 201, made.text
    item = made.json()["id"]

    def escalated_by():
        return [name for name in REPLICAS["tasking"] if name in replicated.processes
                and item in logged(replicated, name, "tasking_item.overdue", "tasking_item_id")]

    assert wait_for(escalated_by, 30)
    assert lease_holders(replicated, OVERDUE_CHECK) == escalated_by()
    assert rows(replicated, "SELECT count(*) FROM tasking.outbox "
                "WHERE type = 'tasking_item.overdue' "
                "AND message->'payload'->>'tasking_item_id' = :id", id=item) == [(1,)]
