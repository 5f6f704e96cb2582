"""Issue 18 over the running stack: an administrator hands a leaver's open PCSO tasks and
the open actions named to them to a successor, or back to the team; both people hear of
it in their inbox and by email, the move is on the audit trail, and bad input is a 4xx
naming the field with nothing moved. Giving an account a case-reading role tells the
other admins."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from shared.testing.mailserver import MailServer
from shared.testing.stack import ServiceStack, free_port
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    server = MailServer(tmp_path_factory.mktemp("maildir") / "mail", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(wardline_env, mail, tmp_path_factory):
    env = {**wardline_env, "WARDLINE_SMTP_URL": mail.url, "WARDLINE_SMTP_INSECURE": "1",
           "WARDLINE_EMAIL_CHECK_SECONDS": "0.3"}
    services = ServiceStack(env, tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services


def soon(days=7):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def pcso(stack, prefix, wards=("dalston",)):
    """A new PCSO with an email, once the directory (notifications) knows them."""
    username = f"{prefix}.{uuid.uuid4().hex[:6]}"
    stack.add_user(username, "pcso", wards=list(wards), email=f"{username}@example.org")
    assert wait_for(lambda: any(
        entry["username"] == username
        for entry in stack.get("/api/directory?limit=200", "admin").json()["items"]),
        timeout=20), f"{username} never reached the directory"
    return username


def task(stack, assignee, ward="dalston"):
    made = stack.post("/api/pcso-tasks", "sgt.dalston", json={
        "ward": ward, "assignee": assignee, "brief": "Dealing near the garages",
        "look_for": "Vehicles, times, who the caretakers see", "source_type": "ward_priority",
        "source_id": str(uuid.uuid4()), "due_by": soon()})
    assert made.status_code == 201, made.text
    return made.json()


def action_named_to(stack, username, agency="police"):
    raised = stack.post("/api/tasking/items", "coordinator", json={
        "title": "Walk the estate at dusk", "ward": "dalston", "owner_agency": agency,
        "due_by": soon()})
    assert raised.status_code == 201, raised.text
    assigned = stack.post(f"/api/tasking/items/{raised.json()['id']}/assign", "coordinator",
                          json={"owner_agency": agency, "owner_user": username,
                                "due_by": soon(5)})
    assert assigned.status_code == 200, assigned.text
    return assigned.json()


def hand_over(stack, leaver, body, user="admin"):
    return stack.post(f"/api/users/{leaver}/handover", user, json=body)


def notices(stack, username, kind):
    return [n for n in stack.get("/api/notifications?limit=200", username).json()["items"]
            if n["kind"] == kind]


def test_a_handover_moves_the_open_work_and_tells_both_people(stack, mail):
    leaver, successor = pcso(stack, "pcso.leaver"), pcso(stack, "pcso.successor")
    tasks = [task(stack, leaver), task(stack, leaver)]
    action = action_named_to(stack, leaver)

    moved = hand_over(stack, leaver, {"to": successor})

    assert moved.status_code == 200, moved.text
    assert moved.json() == {"pcso_tasks": 2, "tasking_items": 1, "to": successor}
    theirs = stack.get("/api/pcso-tasks?assignee=me&status=open", successor).json()["items"]
    assert {t["id"] for t in theirs} == {t["id"] for t in tasks}
    assert stack.get("/api/pcso-tasks?assignee=me&status=open", leaver).json()["items"] == []
    taken = stack.get(f"/api/tasking/items/{action['id']}", successor)
    assert taken.status_code == 200 and taken.json()["owner_user"] == successor
    assert stack.get(f"/api/tasking/items/{action['id']}", leaver).status_code == 404

    told_leaver = wait_for(lambda: notices(stack, leaver, "work.handed_over"), timeout=30)
    told_successor = wait_for(lambda: notices(stack, successor, "work.taken_over"),
                              timeout=30)
    assert told_leaver and told_successor, "the handover reached neither inbox"
    assert all(t["reference"] in told_successor[0]["body"] for t in tasks)
    assert action["reference"] in told_leaver[0]["body"]
    mailed = wait_for(lambda: [m for m in mail.messages(f"{successor}@example.org")
                               if tasks[0]["reference"] in MailServer.text(m)], timeout=30)
    assert mailed, "the successor was not emailed"
    assert wait_for(lambda: [m for m in mail.messages(f"{leaver}@example.org")
                             if action["reference"] in MailServer.text(m)
                             and "handed over" in (m["Subject"] or "")], timeout=30), \
        "the leaver was not emailed"

    trail = wait_for(lambda: [e for e in stack.get(
        "/api/audit?username=admin&record_type=pcso_task&limit=50", "admin").json()["items"]
        if e["purpose"].startswith(f"Handing over {leaver}'s open work to {successor}")],
        timeout=30)
    assert trail and set(trail[0]["record_ids"]) == {t["id"] for t in tasks}
    assert trail[0]["action"] == "alteration"


def test_a_handover_to_nobody_returns_the_work_to_the_team(stack):
    leaver = pcso(stack, "pcso.leaver")
    handed_back = task(stack, leaver)
    action = action_named_to(stack, leaver)

    moved = stack.post(f"/api/users/{leaver}/handover", "admin")  # no body: to the team

    assert moved.status_code == 200, moved.text
    assert moved.json() == {"pcso_tasks": 1, "tasking_items": 1, "to": None}
    waiting = stack.get(f"/api/pcso-tasks/{handed_back['id']}", "sgt.dalston").json()
    assert waiting["assignee"] is None and waiting["status"] == "open"
    item = stack.get(f"/api/tasking/items/{action['id']}", "coordinator").json()
    assert item["owner_user"] is None and item["owner_agency"] == "police"
    assert wait_for(lambda: [n for n in notices(stack, "sgt.dalston", "work.returned_to_team")
                             if handed_back["reference"] in n["body"]], timeout=30)
    assert wait_for(lambda: notices(stack, leaver, "work.handed_over"), timeout=30)


def test_the_sergeant_gives_a_task_back_with_the_team_to_another_pcso(stack):
    leaver, next_pcso = pcso(stack, "pcso.leaver"), pcso(stack, "pcso.next")
    handed_back = task(stack, leaver)
    assert hand_over(stack, leaver, None).status_code == 200
    address = f"/api/pcso-tasks/{handed_back['reference']}/assignee"  # a reference will do

    refused = stack.post(address, "sgt.dalston", json={"assignee": "sgt.dalston"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"assignee": ["Name a PCSO's username."]}
    assert stack.post(address, "coordinator", json={"assignee": next_pcso}).status_code == 403
    given = stack.post(address, "sgt.dalston", json={"assignee": next_pcso})

    assert given.status_code == 200, given.text
    assert given.json()["assignee"] == next_pcso
    theirs = stack.get("/api/pcso-tasks?assignee=me&status=open", next_pcso).json()["items"]
    assert [t["id"] for t in theirs] == [handed_back["id"]]
    assert wait_for(lambda: [n for n in notices(stack, next_pcso, "pcso_task.assigned")
                             if handed_back["reference"] in n["body"]], timeout=30), \
        "the PCSO given the task was not told"
    assert wait_for(lambda: len([e for e in stack.get(
        f"/api/audit?record_id={handed_back['id']}&username=sgt.dalston&limit=50",
        "admin").json()["items"] if e["purpose"] == "Tasking a PCSO"]) == 2, timeout=30), \
        "giving the task is not on the audit trail beside setting it"


def test_bad_handovers_name_the_field_and_move_nothing(stack):
    leaver = pcso(stack, "pcso.leaver", wards=("dalston", "hackney-central"))
    successor = pcso(stack, "pcso.successor")
    elsewhere = task(stack, leaver, ward="hackney-central")  # the successor serves Dalston
    stack.add_user(f"housing.{leaver}", "partner", agency="housing")

    for leaving, body, status, field in [
            ("nobody.here", {"to": successor}, 404, "username"),
            (leaver, {"to": "nobody.here"}, 422, "to"),
            (leaver, {"to": leaver}, 422, "to"),
            (leaver, {"to": successor}, 422, "to"),  # a task outside the successor's ward
            (leaver, {"to": f"housing.{leaver}"}, 422, "to"),  # not a PCSO
            (leaver, {"to": 42}, 422, "to"),
            (leaver, {"successor": successor}, 422, "successor")]:
        answer = hand_over(stack, leaving, body)
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()["error"]["fields"]) == {field}, (body, answer.text)
    assert "does not serve hackney-central" in \
        hand_over(stack, leaver, {"to": successor}).json()["error"]["fields"]["to"][0]
    assert hand_over(stack, leaver, {"to": successor}, user="coordinator").status_code == 403

    stack.request("PATCH", f"/api/users/{successor}", "admin", json={"active": False})
    disabled = hand_over(stack, leaver, {"to": successor})
    assert disabled.status_code == 422 and "disabled" in disabled.json()["error"]["fields"]["to"][0]
    still = stack.get(f"/api/pcso-tasks/{elsewhere['id']}", "sgt.dalston").json()
    assert still["assignee"] == leaver  # nothing moved


def test_an_action_goes_only_to_someone_of_its_owning_agency(stack):
    leaver = f"housing.leaver.{uuid.uuid4().hex[:6]}"
    stack.add_user(leaver, "partner", agency="housing")
    action = action_named_to(stack, leaver, agency="housing")
    refused = hand_over(stack, leaver, {"to": "pcso.dalston"})
    assert refused.status_code == 422, refused.text
    assert "owned by housing" in refused.json()["error"]["fields"]["to"][0]
    moved = hand_over(stack, leaver, {"to": "housing.officer"})
    assert moved.json() == {"pcso_tasks": 0, "tasking_items": 1, "to": "housing.officer"}
    item = stack.get(f"/api/tasking/items/{action['id']}", "coordinator").json()
    assert item["owner_user"] == "housing.officer"


def test_a_case_reading_role_given_tells_the_other_admins_and_not_the_giver(stack):
    deputy = f"admin.deputy.{uuid.uuid4().hex[:6]}"
    stack.add_user(deputy, "admin", email=f"{deputy}@example.org")
    assert wait_for(lambda: any(e["username"] == deputy for e in stack.get(
        "/api/directory?limit=200", "admin").json()["items"]), timeout=20)
    analyst = f"biu.new.{uuid.uuid4().hex[:6]}"
    stack.add_user(analyst, "analyst")
    promoted = pcso(stack, "pcso.promoted")
    changed = stack.request("PATCH", f"/api/users/{promoted}", "admin",
                            json={"role": "reviewer"})
    assert changed.status_code == 200, changed.text

    def deputy_told():
        bodies = [n["body"] for n in notices(stack, deputy, "user.case_reading_role_given")]
        return bodies if any(analyst in b for b in bodies) and any(
            promoted in b and "(was pcso)" in b for b in bodies) else None
    assert wait_for(deputy_told, timeout=30), "the other admin was not told of both grants"
    assert not [n for n in notices(stack, "admin", "user.case_reading_role_given")
                if analyst in n["body"] or promoted in n["body"]]  # the giver is not told
    trail = stack.get("/api/audit?username=admin&record_type=user_account&limit=20",
                      "admin").json()["items"]
    assert any(e["purpose"] == "Adding an account with the analyst role (reads case data)"
               for e in trail)
    assert any("giving it the reviewer role (was pcso) (reads case data)" in e["purpose"]
               for e in trail)
