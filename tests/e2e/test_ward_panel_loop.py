"""Ward panels are part of the loop, over real processes, broker and database: a Dalston
panel member sets a priority; when the action raised from it is completed, each member of
Dalston's panel (not Homerton's) is told, and reads no internal outcome; when the
priority's review date comes, the referrals service's timer marks it due for review and
each member of the ward's panel is told."""
import pytest
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
INTERNAL_OUTCOME = "Two arrests at 14 Pembury Road; intelligence graded B2"
PUBLIC_OUTCOME = "Extra patrols by the garages every evening; the gates are now locked"


@pytest.fixture(scope="module")
def stack_settings():
    return {"WARDLINE_PRIORITY_REVIEW_CHECK_SECONDS": "0.5"}


@pytest.fixture(scope="module")
def panels(stack):
    """A second Dalston panel member, and Homerton's, in the directory before any news."""
    stack.add_user("panel.dalston2", "panel", wards=["dalston"])
    stack.add_user("panel.homerton", "panel", wards=["homerton"])
    assert wait_for(lambda: {"panel.dalston", "panel.dalston2", "panel.homerton"} <= {
        c["username"] for c in stack.get("/api/directory?limit=200", "admin").json()["items"]},
        timeout=30), "the panel accounts never reached the directory"


def told(stack, user, kind, source_id):
    return [n for n in stack.get("/api/notifications?limit=200", user).json()["items"]
            if n["kind"] == kind and n["source_id"] == source_id]


def test_the_panel_hears_what_came_of_its_priority_and_when_it_is_due_for_review(stack,
                                                                                 panels):
    made = stack.post("/api/ward-priorities", "panel.dalston", json={
        "ward": "dalston", "title": "Drug dealing around the estate garages",
        "description": "Residents report dealing most evenings after 8pm."})
    assert made.status_code == 201, made.text
    priority = made.json()
    [action] = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={priority['id']}",
                                          "coordinator").json()["items"], timeout=30)

    done = stack.post(f"/api/tasking/items/{action['id']}/complete", "coordinator", json={
        "outcome": INTERNAL_OUTCOME, "public_outcome": PUBLIC_OUTCOME})
    assert done.status_code == 200, done.text
    for member in ("panel.dalston", "panel.dalston2"):
        [notice] = wait_for(lambda: told(stack, member, "ward_priority.action_completed",
                                         action["id"]), timeout=30)
        assert notice["title"] == "An action on your ward priority was completed"
        assert notice["link"] == f"#/actions/{action['id']}"
        # tasking_item.completed v3 carries the public outcome: the panel reads it here.
        assert f"What was done: {PUBLIC_OUTCOME}" in notice["body"], notice["body"]
        assert f"Reference: {action['reference']}" in notice["body"]
        for internal in ("Pembury", "arrests", "B2", "coordinator"):
            assert internal not in notice["body"]
    # The page the notice leads to shows the panel the public outcome.
    page = stack.get(f"/api/tasking/items/{action['id']}", "panel.dalston").json()
    assert page["public_outcome"] == PUBLIC_OUTCOME

    # The review date comes (the clock cannot be moved): the running timer marks it.
    _query(stack, "UPDATE referrals.ward_priorities SET review_by = current_date "
                  "WHERE id = :id RETURNING id", id=priority["id"])
    for member in ("panel.dalston", "panel.dalston2"):
        [due] = wait_for(lambda: told(stack, member, "ward_priority.due_for_review",
                                      priority["id"]), timeout=30)
        assert due["title"] == ("Ward priority due for review: Drug dealing around the "
                                "estate garages")
        assert due["link"] == f"#/priorities/{priority['id']}"
    assert stack.get(f"/api/ward-priorities/{priority['id']}", "panel.dalston").json()[
        "status"] == "due_for_review"
    # Homerton's panel heard neither: the news is Dalston's.
    homerton = stack.get("/api/notifications?limit=200", "panel.homerton").json()["items"]
    assert [n for n in homerton if n["source_id"] in (priority["id"], action["id"])] == []


def _query(stack, sql, **params):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.begin() as conn:
        rows = [tuple(row) for row in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows
