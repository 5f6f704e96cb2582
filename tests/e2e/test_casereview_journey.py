"""Journey 3 over HTTP, with every service as its own process: partners refer a young
man, the partnership acts, and after a serious incident a reviewer opens a case review,
sees one chronology across agencies (also as a picture), decides what the rules flagged,
records findings and lessons, and publishes them to the partner agencies. The chronology
is then rebuilt from the event log by the command line, unchanged.

The module's services read a copy of the rules in which a redirect must be taken up within
seconds rather than 7 days, so that the redirect rule can be seen firing (and not) here."""
import json
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from kombu import Connection, Queue

from services.casereview.rules import DEFAULT_RULES_FILE
from shared.bus import events_exchange
from wardline.demo import DEMO_PASSWORD
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

PERSON = {"given_name": "Jamal", "family_name": "Okafor-Reid", "date_of_birth": "2008-04-17"}
REDIRECT_WINDOW = timedelta(seconds=15)  # far above the second between triage and acknowledgement


@pytest.fixture(scope="module")
def wardline_env(wardline_env, tmp_path_factory):
    """The shipped rules, but a redirect must be taken up within REDIRECT_WINDOW."""
    rules = yaml.safe_load(DEFAULT_RULES_FILE.read_text())
    rules["rules"]["redirect_not_acknowledged"]["within_days"] = \
        REDIRECT_WINDOW.total_seconds() / 86400
    path = tmp_path_factory.mktemp("casereview-rules") / "rules.yaml"
    path.write_text(yaml.safe_dump(rules))
    return {**wardline_env, "WARDLINE_CASEREVIEW_RULES": str(path)}


@pytest.fixture(scope="module")
def story(stack):
    """Two agencies refer the same person; the council's referral is passed to housing;
    the tasking service raises an action on the YOT's high-risk referral."""
    council = stack.post("/api/referrals", "council.partner", json=referral_payload(
        category="asb", risk_level="medium", ward="dalston", subject=PERSON)).json()
    stack.post(f"/api/referrals/{council['id']}/triage", "coordinator", json={
        "decision": "redirect", "reason": "Tenancy enforcement lead",
        "reason_for_referrer": "Housing lead on this", "redirect_to_agency":
        "housing"}).raise_for_status()
    yot = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward="dalston", subject=PERSON)).json()
    # Each agency keeps its own record; the two are recognised as one person at once.
    person = stack.get(f"/api/subjects/{yot['subject_id']}", "coordinator").json()
    assert {r["id"] for r in person["records"]} == {yot["subject_id"], council["subject_id"]}
    return {"subject_id": yot["subject_id"], "referrals": [council["id"], yot["id"]]}


@pytest.fixture(scope="module")
def review(stack, story):
    response = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": story["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Stabbed near the estate garages; in hospital",
        "incident_date": "2026-11-20"})
    assert response.status_code == 201, response.text
    return response.json()


def timeline(stack, review_id):
    return stack.get(f"/api/case-reviews/{review_id}/timeline", "reviewer").json()["items"]


def test_the_chronology_has_every_agency_s_contact_in_time_order(stack, story, review):
    def complete():
        entries = timeline(stack, review["id"])
        types = [e["event_type"] for e in entries]
        return entries if types.count("tasking_item.raised") >= 2 else None

    entries = wait_for(complete)
    assert entries, timeline(stack, review["id"])
    assert [e["event_type"] for e in entries][:3] == [
        "referral.submitted", "tasking_item.raised", "referral.triaged"]
    assert {e["referral_id"] for e in entries} == set(story["referrals"])
    assert [e["when"] for e in entries] == sorted(e["when"] for e in entries)
    assert {"la-community-safety", "yot", "partnership"} <= {e["agency"] for e in entries}
    assert all(PERSON["family_name"] not in e["summary"] for e in entries)


def test_the_timeline_picture_is_svg_with_a_lane_per_agency(stack, review):
    wait_for(lambda: len(timeline(stack, review["id"])) >= 4)
    response = stack.get(f"/api/case-reviews/{review['id']}/timeline.svg", "reviewer")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    texts = {"".join(t.itertext()) for t in ET.fromstring(response.content).iter(
        "{http://www.w3.org/2000/svg}text")}
    # Lanes by the agencies' names (shared/vocabulary.py); the partnership's own lane as is.
    assert {"Local authority community safety", "Youth Offending Team", "partnership"} <= texts
    marks = {g.get("data-agency") for g in ET.fromstring(response.content).iter(
        "{http://www.w3.org/2000/svg}g") if "mark" in (g.get("class") or "").split()}
    assert {"la-community-safety", "yot", "partnership"} <= marks


def test_case_data_is_for_reviewers_only(stack, review):
    for user in ("admin", "yot.partner", "coordinator"):
        assert stack.get(f"/api/case-reviews/{review['id']}/timeline", user).status_code == 403
    assert stack.get("/api/case-reviews", "admin").status_code == 403


def test_an_illegal_move_is_a_conflict(stack, review):
    response = stack.post(f"/api/case-reviews/{review['id']}/stage", "reviewer",
                          json={"stage": "panel"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_rebuilding_from_the_event_log_gives_the_same_chronology(stack, review):
    before = wait_for(lambda: (lambda e: e if len(e) >= 4 else None)(
        timeline(stack, review["id"])))
    result = stack.wardline("casereview-rebuild")
    assert "chronology rebuilt" in result.stdout
    assert timeline(stack, review["id"]) == before


def candidates_of(stack, review_id, rule):
    return [c for c in stack.get(f"/api/case-reviews/{review_id}/missed-opportunities",
                                 "reviewer").json()["items"] if c["rule"] == rule]


def wait_past_the_redirect_window(entries):
    [triaged] = [e for e in entries if e["event_type"] == "referral.triaged"]
    ends = datetime.fromisoformat(triaged["when"]) + REDIRECT_WINDOW
    time.sleep(max(0.0, (ends - datetime.now(timezone.utc)).total_seconds()) + 1)


def test_tasking_moving_a_redirect_s_action_is_not_the_receiving_agency_taking_it_up(
        stack, story, review):
    """The council's referral went to housing; tasking moved its action to housing at once
    (filed in housing's lane); nobody at housing did anything: the rule must fire."""
    council = story["referrals"][0]
    entries = wait_for(lambda: (lambda e: e if any(
        x["event_type"] == "tasking_item.assigned" and x["referral_id"] == council
        for x in e) else None)(timeline(stack, review["id"])))
    assert entries, "tasking did not move the redirected referral's action to housing"
    [moved] = [e for e in entries if e["event_type"] == "tasking_item.assigned"]
    assert moved["agency"] == "housing"
    wait_past_the_redirect_window(entries)
    assert wait_for(lambda: candidates_of(stack, review["id"], "redirect_not_acknowledged"))


def test_a_redirect_the_receiving_agency_acknowledged_is_no_candidate(stack):
    """The YOT's referral goes to council community safety, whose partner acknowledges it."""
    person = {"given_name": "Kai", "family_name": "Brennan-Lowe", "date_of_birth": "2009-02-03"}
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk", risk_level="medium", ward="dalston", subject=person)).json()
    stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "redirect", "reason": "Community safety lead on this estate",
        "reason_for_referrer": "The council will lead",
        "redirect_to_agency": "la-community-safety"}).raise_for_status()
    acknowledged = stack.post(f"/api/referrals/{referral['id']}/acknowledge",
                              "council.partner")
    assert acknowledged.status_code == 200, acknowledged.text
    opened = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Assaulted on the estate", "incident_date": "2026-11-21"})
    assert opened.status_code == 201, opened.text
    review_id = opened.json()["id"]
    entries = wait_for(lambda: (lambda e: e if {"referral.acknowledged",
                                                "tasking_item.assigned"} <= {
        x["event_type"] for x in e} else None)(timeline(stack, review_id)))
    assert entries, timeline(stack, review_id)
    wait_past_the_redirect_window(entries)
    assert candidates_of(stack, review_id, "redirect_not_acknowledged") == []


@pytest.fixture(scope="module")
def agency_readers(stack):
    """Someone of each partner agency that lessons go to: the demo's own accounts where it
    has one (the coordinator is police), a partner account added for each other agency."""
    readers = {"police": "coordinator", "la-community-safety": "council.partner",
               "yot": "yot.partner"}
    for agency in ("probation", "health", "education", "fire", "youth-services", "housing"):
        username = f"{agency}.reader"
        added = stack.post("/api/users", "admin", json={
            "username": username, "password": DEMO_PASSWORD, "role": "partner",
            "agency": agency, "display_name": f"Reader ({agency})"})
        assert added.status_code == 201, added.text
        readers[agency] = username
    return readers


def test_a_published_review_s_lessons_go_to_every_partner_agency(stack, story, review,
                                                                 agency_readers):
    base = f"/api/case-reviews/{review['id']}"
    found = wait_for(lambda: [c for c in stack.get(base + "/missed-opportunities",
                                                   "reviewer").json()["items"]
                              if c["rule"] == "multi_agency_referrals_without_completed_action"])
    assert found, "two agencies referred and nothing was completed: the rule should fire"
    assert stack.post(base + "/stage", "reviewer", json={"stage": "gathering"}).ok
    for candidate in stack.get(base + "/missed-opportunities", "reviewer").json()["items"]:
        stack.post(f"{base}/missed-opportunities/{candidate['id']}/confirm", "reviewer",
                   json={"reason": "Agreed at panel"}).raise_for_status()
    finding = stack.post(base + "/findings", "reviewer", json={
        "missed_opportunity_id": found[0]["id"], "agency": "housing",
        "finding": "Two agencies' concerns were not brought together before the incident.",
        "lesson": {"recommendation": "Hold a joint discussion when a second agency refers "
                                     "the same young person.",
                   "owner": "Partnership tasking chair", "due_date": "2027-03-31"}})
    assert finding.status_code == 201, finding.text
    assert stack.post(base + "/stage", "reviewer", json={"stage": "panel"}).ok

    with Connection(stack.env["WARDLINE_AMQP_URI"]) as conn:
        listener = Queue(f"test-published-{uuid.uuid4()}", exchange=events_exchange(
            "casereview"), routing_key="case_review.published", exclusive=True)
        listener(conn.default_channel).declare()
        published = stack.post(base + "/publish", "reviewer")
        assert published.status_code == 200, published.text
        assert published.json()["stage"] == "published"
        message = wait_for(lambda: listener(conn.default_channel).get(no_ack=True))
    event = json.loads(message.body) if isinstance(message.body, (str, bytes)) else message.body
    assert event["type"] == "case_review.published"
    assert event["payload"]["lessons"][0]["owner"] == "Partnership tasking chair"
    assert {"police", "la-community-safety", "yot", "probation", "health", "education",
            "fire", "youth-services", "housing"} == set(event["payload"]["agencies"])
    body = message.body.decode() if isinstance(message.body, bytes) else str(message.body)
    assert "Stabbed" not in body  # the incident stays in casereview
    again = stack.post(base + "/publish", "reviewer")
    assert again.status_code == 409

    # Every partner agency's inbox, each read by someone of that agency.
    readers = agency_readers
    assert set(readers) == set(event["payload"]["agencies"])
    for agency, reader in readers.items():
        lessons = wait_for(lambda: [
            n for n in stack.get("/api/notifications?limit=200", reader).json()["items"]
            if n["kind"] == "case_review.lessons" and n["source_id"] == review["id"]])
        assert lessons and "Hold a joint discussion" in lessons[0]["body"], agency
        assert lessons[0]["recipient"] == f"agency:{agency}"
        assert "Okafor-Reid" not in lessons[0]["body"] and "Stabbed" not in lessons[0]["body"]


def test_reading_a_chronology_is_in_the_audit_trail(stack, review):
    stack.get(f"/api/case-reviews/{review['id']}/timeline", "reviewer").raise_for_status()
    trail = stack.get(f"/api/audit?record_type=case_review&record_id={review['id']}",
                      "admin").json()["items"]
    assert {(row["username"], row["action"]) for row in trail} >= {("reviewer",
                                                                    "consultation")}
