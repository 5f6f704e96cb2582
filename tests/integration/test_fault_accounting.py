"""The fault checks' accounting (tests/support/faults.py) on PostgreSQL: a referral is
complete with one tasking item and one acknowledgement to each recipient, the referring
person and their team; a second acknowledgement to either is a duplicate, not only a
second one to the team."""
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from shared.db import driver_url, utcnow
from wardline.migrations import upgrade
from tests.support.faults import complete


@pytest.fixture(scope="module")
def stack(service_config, database_url):
    for service_name in ("tasking", "notifications"):
        upgrade(service_name, service_config(service_name)["DATABASE_URL"])
    return SimpleNamespace(env={"WARDLINE_DATABASE_URL": database_url})


def record(stack, referral_id, items=1, acknowledgements=("user:yot.partner", "agency:yot")):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.begin() as conn:
        for _ in range(items):
            conn.execute(sa.text(
                "INSERT INTO tasking.tasking_items (id, reference, title, ward, owner_agency, "
                "status, due_by, source_type, source_id, raised_by, raised_at) VALUES (:id, "
                ":reference, 'Visit', 'dalston', 'yot', 'open', :now, 'referral', :ref, "
                "'system', :now)"),
                {"id": str(uuid.uuid4()), "reference": f"TEST-A-{uuid.uuid4().hex[:12]}",
                 "now": utcnow(), "ref": referral_id})
        for recipient in acknowledgements:
            conn.execute(sa.text(
                "INSERT INTO notifications.notifications (id, event_id, recipient, kind, "
                "channel, title, body, source_type, source_id, created_at) VALUES (:id, :event, "
                ":recipient, 'referral.acknowledged', 'inbox', 'Referral received', '-', "
                "'referral', :ref, :now)"),
                {"id": str(uuid.uuid4()), "event": str(uuid.uuid4()), "recipient": recipient,
                 "ref": referral_id, "now": utcnow()})
    engine.dispose()
    return referral_id


def test_each_recipient_acknowledged_once_is_complete_and_a_second_to_either_is_a_duplicate(
        stack):
    fine = record(stack, str(uuid.uuid4()))
    person_twice = record(stack, str(uuid.uuid4()), acknowledgements=(
        "user:yot.partner", "user:yot.partner", "agency:yot"))
    team_twice = record(stack, str(uuid.uuid4()), acknowledgements=(
        "user:yot.partner", "agency:yot", "agency:yot"))
    item_twice = record(stack, str(uuid.uuid4()), items=2)
    no_personal = record(stack, str(uuid.uuid4()), acknowledgements=("agency:yot",))
    nothing = str(uuid.uuid4())

    once, twice = complete(stack, [fine, person_twice, team_twice, item_twice, no_personal,
                                   nothing])
    assert once == [fine]
    assert twice == [person_twice, team_twice, item_twice]
    # Neither complete nor duplicated: still missing its referrer's acknowledgement.
    assert no_personal not in once + twice and nothing not in once + twice
