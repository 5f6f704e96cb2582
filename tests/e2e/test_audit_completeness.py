"""Audit completeness: every route that reads a person's data leaves a row on the audit
trail naming who read it (username, role), what (the record type and id), when, and why
(the route's own purpose, with the one the caller stated beside it), as the Data Protection Act 2018 Part 3 s.62 asks.

Which routes carry a person's data is declared here, route by route, against the
OpenAPI document: a GET route that is in neither list fails
`test_every_read_route_is_declared_personal_or_not`, so a new route cannot reach the API
without someone deciding whether its reads must be audited.

A person's data, here, is what the partnership holds about the people it works with:
referrals (the subject's name, birth date, the concern), subject records and the links
between them, tasking items (their title and notes are about a person or a place, and
those raised from a referral name it), tasking meetings (an agenda lists new referrals and
overdue items; a printed one too), PCSO tasks and the intelligence filed on them, and
case reviews (a review, its chronology, its picture, its reports and its missed
opportunities are all about one person). Not a person's data in that sense: the ward register and ward
priorities (places and problems), dashboards (counts by ward and week), the list of
tasking meetings (dates, wards and status; it leaves out agendas and actions), notifications
(their templates name the concern's category, the ward and a reference, never a person),
and the staff's own accounts, directory entries, failed e-mails and the audit trail
itself, which only admins and the staff themselves see."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

# "METHOD path" of the OpenAPI document: (reader, record type named on the trail, key of
# the `world` fixture whose record must be named, query string)
PERSONAL_READS = {
    "GET /api/referrals": ("coordinator", "referral", "referral_id", "?limit=200"),
    "GET /api/referrals/{referral_id}": ("coordinator", "referral", "referral_id", ""),
    "GET /api/subjects/{subject_id}": ("coordinator", "subject", "subject_id", ""),
    "GET /api/subject-links": ("coordinator", "subject", "linked_subject_id",
                               "?status=pending&limit=200"),
    "GET /api/tasking/items": ("coordinator", "tasking_item", "item_id",
                               "?source_id={referral_id}"),
    "GET /api/tasking/items/{item_id}": ("coordinator", "tasking_item", "item_id", ""),
    "GET /api/tasking/meetings/{meeting_id}": ("coordinator", "referral", "referral_id", ""),
    "GET /api/tasking/meetings/{meeting_id}/print": ("coordinator", "referral",
                                                     "referral_id", ""),
    "GET /api/pcso-tasks": ("sgt.dalston", "pcso_task", "task_id", "?limit=200"),
    "GET /api/pcso-tasks/{task_id}": ("pcso.dalston", "pcso_task", "task_id", ""),
    "GET /api/intelligence": ("biu.analyst", "intelligence_report", "report_id",
                              "?limit=200"),
    "GET /api/intelligence/{report_id}": ("sgt.dalston", "intelligence_report",
                                          "report_id", ""),
    "GET /api/case-reviews": ("reviewer", "subject", "subject_id", "?limit=200"),
    "GET /api/case-reviews/{review_id}": ("reviewer", "subject", "subject_id", ""),
    "GET /api/case-reviews/{review_id}/timeline": ("reviewer", "subject", "subject_id", ""),
    "GET /api/case-reviews/{review_id}/timeline.svg": ("reviewer", "subject", "subject_id",
                                                       ""),
    "GET /api/case-reviews/{review_id}/missed-opportunities": ("reviewer", "subject",
                                                               "subject_id", ""),
    "GET /api/case-reviews/{review_id}/report.docx": ("reviewer", "subject", "subject_id",
                                                      ""),
    "GET /api/case-reviews/{review_id}/report.pdf": ("reviewer", "subject", "subject_id",
                                                     "?anonymised=true"),
}
NOT_PERSONAL = {
    "GET /api/wards": "the ward register: places",
    "GET /api/ward-priorities": "a ward's problems and places, not people",
    "GET /api/ward-priorities/{priority_id}": "a ward's problem and place, not people",
    "GET /api/dashboards/tasking": "counts and durations by ward and week",
    "GET /api/tasking/meetings": "dates, wards and status: agenda and actions left out",
    "GET /api/notifications": "templates name a category, a ward and a reference only",
    "GET /api/me": "the caller's own account",
    "GET /api/me/second-factor": "whether the caller has a second factor",
    "GET /api/users": "staff accounts (admins)",
    "GET /api/users/{username}": "a staff account (admins)",
    "GET /api/directory": "staff contact details",
    "GET /api/notifications/failed-emails": "staff e-mail addresses (admins)",
    "GET /api/audit": "the trail itself (admins, the DPO)",
    "GET /api/sharing-agreements": "agreements between agencies, no person",
    "GET /api/sharing-agreements/{agreement_id}": "an agreement between agencies, no person",
    "GET /api/docs": "describes the API",
    "GET /api/openapi.json": "describes the API",
    "GET /api/vocabulary": "codes and their labels, about nobody",
    "GET /api/retention-schedule": "periods by record kind, about nobody",
    "GET /api/retention/due": "references, outcomes and dates: no person's details",
    "GET /api/auth/oidc": "whether single sign-on is on, about nobody",
    "GET /api/auth/oidc/start": "a redirect to the identity provider, no data",
    "GET /api/auth/oidc/callback": "signs the caller in: a redirect, no one's data",
    "GET /health": "operations", "GET /readyz": "operations", "GET /livez": "operations",
    "GET /metrics": "operations",
}


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def world(stack):
    """One of every kind of record a personal-data route can show, all about people."""
    person = {"given_name": "Tariq", "family_name": "Osei-Bonsu", "date_of_birth": "2007-03-14"}
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", risk_level="high", subject=person)).json()
    # The same name with no birth date: a match the coordinator must decide.
    stack.post("/api/referrals", "council.partner", json=referral_payload(
        ward="dalston", subject={**person, "date_of_birth": None})).raise_for_status()
    items = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral['id']}",
                                       "coordinator").json()["items"])
    assert items, "tasking never raised an item for the referral"
    links = wait_for(lambda: [link for link in stack.get(
        "/api/subject-links?status=pending&limit=200", "coordinator").json()["items"]
        if referral["subject_id"] in link["subject_ids"]])
    assert links, "the near match was not queued for a decision"
    meeting = stack.post("/api/tasking/meetings", "coordinator", json={
        "held_on": date.today().isoformat(), "wards": ["dalston"]})
    assert meeting.status_code == 201, meeting.text
    assert referral["id"] in [r["referral_id"] for r in
                              meeting.json()["agenda"]["new_referrals"]]
    task = stack.post("/api/pcso-tasks", "sgt.dalston", json={
        "ward": "dalston", "assignee": "pcso.dalston", "brief": "Who Tariq is seen with",
        "look_for": "Times and places", "source_type": "referral",
        "source_id": referral["id"], "due_by": in_days(7)})
    assert task.status_code == 201, task.text
    report = stack.post(f"/api/pcso-tasks/{task.json()['id']}/reports", "pcso.dalston", json={
        "observed_at": in_days(-0.1), "location": "Garages behind the estate",
        "text": "Seen with two older males at 21:10"})
    assert report.status_code == 201, report.text
    review = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Assaulted near the garages", "incident_date": "2026-11-20"})
    assert review.status_code == 201, review.text
    return {"referral_id": referral["id"], "subject_id": referral["subject_id"],
            "linked_subject_id": links[0]["subject_ids"][0], "item_id": items[0]["id"],
            "meeting_id": meeting.json()["id"], "task_id": task.json()["id"],
            "report_id": report.json()["id"], "review_id": review.json()["id"]}


# Every route that changes data, and how a change to a person's data reaches the trail:
# ("event", type) when the audit row is derived from the owner's own event, which left its
# outbox in the same transaction as the change; ("route", action) when the gateway writes
# it (a collection the answer names, or a change the owner announces no event for).
PERSONAL_CHANGES = {
    "POST /api/referrals": ("event", "referral.submitted"),
    "POST /api/referrals/{referral_id}/triage": ("event", "referral.triaged"),
    "POST /api/referrals/{referral_id}/close": ("event", "referral.closed"),
    "POST /api/referrals/{referral_id}/acknowledge": ("event", "referral.acknowledged"),
    "POST /api/referrals/{referral_id}/disclosures": ("event", "referral.disclosed"),
    "POST /api/subject-links/{link_id}/{decision}": ("event", "subject.linked"),
    "POST /api/tasking/items": ("event", "tasking_item.raised"),
    "POST /api/tasking/items/{item_id}/assign": ("event", "tasking_item.assigned"),
    "POST /api/tasking/items/{item_id}/updates": ("event", "tasking_item.updated"),
    "POST /api/tasking/items/{item_id}/complete": ("event", "tasking_item.completed"),
    "POST /api/tasking/meetings/{meeting_id}/actions": ("event", "tasking_item.raised"),
    "POST /api/pcso-tasks": ("event", "pcso_task.assigned"),
    "POST /api/pcso-tasks/{task_id}/reports": ("event", "intelligence.submitted"),
    "POST /api/pcso-tasks/{task_id}/assignee": ("event", "pcso_task.assigned"),
    "POST /api/intelligence": ("event", "intelligence.submitted"),
    "POST /api/intelligence/{report_id}/note": ("event", "intelligence.noted"),
    "POST /api/intelligence/{report_id}/grade": ("event", "intelligence.graded"),
    "POST /api/intelligence/{report_id}/feedback": ("event", "intelligence.feedback_given"),
    "POST /api/case-reviews": ("event", "case_review.opened"),
    "POST /api/case-reviews/{review_id}/accept": ("event", "case_review.opened"),
    "POST /api/case-reviews/{review_id}/stage": ("event", "case_review.stage_moved"),
    "POST /api/case-reviews/{review_id}/missed-opportunities/{candidate_id}/{decision}": (
        "event", "case_review.missed_opportunity_decided"),
    "POST /api/case-reviews/{review_id}/findings": ("event", "case_review.finding_recorded"),
    "POST /api/case-reviews/{review_id}/lessons": ("event", "case_review.lesson_recorded"),
    "POST /api/case-reviews/{review_id}/publish": ("event", "case_review.published"),
    "POST /api/retention/referrals/{referral_id}/decision": ("event",
                                                             "referral.retention_decided"),
    "POST /api/retention/subjects/{subject_id}/disposal": ("event", "referral.disposed"),
    "POST /api/users": ("route", "collection"),
    "PATCH /api/users/{username}": ("route", "alteration"),
    "POST /api/users/{username}/handover": ("event", "work.handed_over"),
    "POST /api/me/second-factor/confirm": ("route", "alteration"),
    "POST /api/me/second-factor/remove": ("route", "alteration"),
    "POST /api/users/{username}/second-factor/reset": ("route", "alteration"),
    "POST /api/users/{username}/password-reset": ("route", "alteration"),
    "POST /api/auth/password": ("route", "alteration"),
}
NOT_PERSONAL_CHANGES = {
    "POST /api/auth/token": "signing in (the sign-in throttle keeps its own record)",
    "POST /api/auth/logout": "ending the caller's own session",
    "POST /api/auth/refresh": "renewing the caller's own session",
    "POST /api/me/second-factor": "starting the caller's own set-up (audited once "
                                  "confirmed)",
    "POST /api/tasking/meetings": "a meeting's date and wards",
    "POST /api/tasking/meetings/{meeting_id}/close": "the meeting's minutes: actions and "
                                                     "decisions, kept to the meeting",
    "POST /api/ward-priorities": "a ward's problem and place, not people",
    "POST /api/ward-priorities/{priority_id}/review": "a ward's problem and place",
    "POST /api/sharing-agreements": "an agreement between agencies",
    "PATCH /api/sharing-agreements/{agreement_id}": "an agreement between agencies",
    "POST /api/notifications/{notification_id}/read": "the reader's own inbox",
    "POST /api/notifications/preferences": "the reader's own email choice",
    "POST /api/directory": "staff contact details",
    "POST /api/directory/{contact_id}/confirm": "staff contact details",
}


def test_every_change_route_is_declared_personal_or_not(stack):
    document = requests.get(stack.base_url + "/api/openapi.json", timeout=10).json()
    changes = {f"{method.upper()} {path}" for path, methods in document["paths"].items()
               for method in methods if method in ("post", "put", "patch", "delete")}
    assert not set(PERSONAL_CHANGES) & set(NOT_PERSONAL_CHANGES)
    assert changes - set(PERSONAL_CHANGES) - set(NOT_PERSONAL_CHANGES) == set(), \
        "a new change route: add it to PERSONAL_CHANGES (and audit it) or NOT_PERSONAL_CHANGES"
    assert set(PERSONAL_CHANGES) | set(NOT_PERSONAL_CHANGES) <= changes, "a declared route is gone"


def test_every_event_a_personal_change_is_audited_from_has_an_audit_handler():
    from services.gateway.service import GatewayService
    handled = {entrypoint.event_type for name in dir(GatewayService)
               for entrypoint in getattr(getattr(GatewayService, name), "nameko_entrypoints",
                                         ())
               if hasattr(entrypoint, "event_type")}
    wanted = {detail for how, detail in PERSONAL_CHANGES.values() if how == "event"}
    assert wanted - handled == set(), "these events change a person's data but are not audited"


def test_every_read_route_is_declared_personal_or_not(stack):
    document = requests.get(stack.base_url + "/api/openapi.json", timeout=10).json()
    reads = {f"GET {path}" for path, methods in document["paths"].items() if "get" in methods}
    assert not set(PERSONAL_READS) & set(NOT_PERSONAL)
    assert reads - set(PERSONAL_READS) - set(NOT_PERSONAL) == set(), \
        "a new read route: add it to PERSONAL_READS (and audit it) or to NOT_PERSONAL"
    assert set(PERSONAL_READS) | set(NOT_PERSONAL) <= reads, "a declared route is gone"


@pytest.mark.parametrize("route", sorted(PERSONAL_READS))
def test_every_read_of_a_persons_data_is_on_the_trail_with_who_what_when_and_why(
        stack, world, route):
    reader, record_type, key, query = PERSONAL_READS[route]
    path = route.split(" ", 1)[1].format(**world) + query.format(**world)
    purpose = f"Audit completeness check {uuid.uuid4()}"
    before = datetime.now(timezone.utc) - timedelta(seconds=2)  # the clocks are one
    answer = stack.get(path, reader, headers={"X-Purpose": purpose})
    assert answer.status_code == 200, (route, answer.text[:300])
    after = datetime.now(timezone.utc) + timedelta(seconds=2)

    record_id = world[key]
    trail = stack.get(f"/api/audit?limit=200&username={reader}&record_id={record_id}",
                      "admin").json()["items"]
    found = [e for e in trail if e["stated_purpose"] == purpose]
    assert found, f"{route}: reading {record_type} {record_id} left no row on the trail"
    # The route's own purpose is always recorded; the caller's is kept beside it.
    assert all(e["purpose"] and e["purpose"] != purpose for e in found), found
    entry = next((e for e in found if e["record_type"] == record_type), None)
    assert entry is not None, f"{route}: rows name {[e['record_type'] for e in found]}"
    expected_role = {"coordinator": "coordinator", "sgt.dalston": "sergeant",
                     "pcso.dalston": "pcso", "biu.analyst": "analyst",
                     "reviewer": "reviewer"}[reader]
    assert (entry["username"], entry["role"], entry["action"]) == \
        (reader, expected_role, "consultation")
    assert record_id in entry["record_ids"]
    assert before <= datetime.fromisoformat(entry["at"]) <= after


def test_each_kind_of_change_to_a_persons_data_reaches_the_trail_from_its_owner(stack, world):
    """Changes are recorded from the owners' own events: a referral's intake (naming the
    referral and the person), triage, an action's progress and completion, and a PCSO's
    filing and the BIU's noting, grading and feedback each leave a row naming who."""
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", category="youth_at_risk")).json()
    [item] = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral['id']}",
                                        "coordinator").json()["items"])
    assert stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "accept", "reason": "Meets the threshold"}).status_code == 200
    assert stack.post(f"/api/tasking/items/{item['id']}/updates", "yot.partner",
                      json={"note": "Home visit booked"}).status_code == 200
    assert stack.post(f"/api/tasking/items/{item['id']}/complete", "yot.partner",
                      json={"outcome": "Family engaged with early help"}).status_code == 200
    report = world["report_id"]
    for step, body in (("note", None), ("grade", {"source_evaluation": 2,
                                                  "intelligence_assessment": "B",
                                                  "handling_code": "P"}),
                       ("feedback", {"usage": "informed_tasking", "note": "Used at tasking"})):
        answer = stack.post(f"/api/intelligence/{report}/{step}", "biu.analyst", json=body)
        assert answer.status_code == 200, (step, answer.text)

    def rows(record_id, wanted):
        found = stack.get(f"/api/audit?limit=200&record_id={record_id}", "admin").json()[
            "items"]
        seen = [(e["username"], e["action"], e["purpose"]) for e in found if e["event_id"]]
        return seen if len(seen) >= wanted else None
    on_referral = wait_for(lambda: rows(referral["id"], 2))
    assert {("yot.partner", "collection", "Referral intake"),
            ("coordinator", "alteration", "Triage: accept")} <= set(on_referral or [])
    assert ("yot.partner", "collection", "Referral intake") in (
        rows(referral["subject_id"], 1) or [])
    on_item = wait_for(lambda: rows(item["id"], 3))
    assert on_item, rows(item["id"], 0)
    assert {("yot.partner", "alteration", "Recording progress on an action"),
            ("yot.partner", "alteration", "Completing an action")} <= set(on_item)
    assert any(action == "collection" for _, action, _ in on_item)  # raised by routing
    on_report = wait_for(lambda: rows(report, 4))
    assert on_report and {("biu.analyst", "alteration", purpose) for purpose in (
        "Noting intelligence formally", "Grading intelligence (3x5x2)",
        "Feedback on how intelligence was used")} <= set(on_report)
    assert ("pcso.dalston", "collection", "Filing intelligence for a PCSO task") in on_report


def test_each_change_to_a_case_review_reaches_the_trail_from_its_event_naming_the_subject(
        stack, world):
    """A review suggested by a pattern (re-referred after no further action), taken up,
    gathered, decided, found, taught and published: each step leaves one row, written
    from casereview's own event, naming who, the route's purpose, the review and the
    person it is about, so the person's own trail shows the review's whole life."""
    person = {"given_name": "Kofi", "family_name": "Asante-Obeng",
              "date_of_birth": "2009-07-21"}
    first = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", category="youth_at_risk", risk_level="medium", subject=person)).json()
    assert stack.post(f"/api/referrals/{first['id']}/triage", "coordinator", json={
        "decision": "no_further_action", "reason": "Known to early help",
        "reason_for_referrer": "Early help are working with the family"}).status_code == 200
    again = stack.post("/api/referrals", "council.partner", json=referral_payload(
        ward="dalston", category="asb", risk_level="medium", subject=person)).json()
    subjects = {first["subject_id"], again["subject_id"]}
    suggested = wait_for(lambda: [r for r in stack.get(
        "/api/case-reviews?stage=suggested&limit=200", "reviewer").json()["items"]
        if r["subject_id"] in subjects])
    assert suggested, "no review was suggested for the re-referral"
    review_id, subject_id = suggested[0]["id"], suggested[0]["subject_id"]
    base = f"/api/case-reviews/{review_id}"

    def post(path, body=None, status=200):
        answer = stack.post(base + path, "reviewer", json=body)
        assert answer.status_code == status, (path, answer.text[:300])
        return answer.json()
    post("/accept", {"incident_summary": "Robbed at knifepoint", "incident_date": "2026-11-28"})
    post("/stage", {"stage": "gathering"})
    candidates = stack.get(base + "/missed-opportunities", "reviewer").json()["items"]
    assert candidates, "the rules found nothing to decide"
    post(f"/missed-opportunities/{candidates[0]['id']}/confirm",
         {"reason": "The earlier decision lacked the council's concern"})
    for other in candidates[1:]:
        post(f"/missed-opportunities/{other['id']}/dismiss", {"reason": "Covered above"})
    post("/findings", {"missed_opportunity_id": candidates[0]["id"], "agency": "yot",
                       "finding": "The first referral was closed without asking the council."},
         status=201)
    post("/lessons", {"agency": "la-community-safety", "recommendation": "Check other "
                      "agencies' referrals before no further action.", "owner": "Triage lead",
                      "due_date": "2027-06-30"}, status=201)
    post("/stage", {"stage": "panel"})
    post("/publish")

    expected = {
        ("alteration", "Opening a review the chronology suggested", None),
        ("alteration", "Moving a case review on (open to gathering)", None),
        ("alteration", "Deciding a missed opportunity (confirmed)", None),
        ("alteration", "Recording a finding", None),
        ("alteration", "Recording a lesson", None),
        ("alteration", "Moving a case review on (gathering to panel)", None),
        ("disclosure", "Publishing a case review's lessons", "partner agencies"),
    } | ({("alteration", "Deciding a missed opportunity (dismissed)", None)}
         if candidates[1:] else set())
    changes = 6 + len(candidates)

    def changes_on_trail(record_id):
        """Every change to the review, or to the person, the trail holds under `record_id`."""
        return [e for e in stack.get(f"/api/audit?limit=200&record_id={record_id}",
                                     "admin").json()["items"]
                if e["record_type"] in ("case_review", "subject")
                and e["action"] != "consultation"]

    def all_arrived(record_id):
        found = changes_on_trail(record_id)
        on_review = [e for e in found if e["record_type"] == "case_review"]
        seen = {(e["action"], e["purpose"], e["recipient"]) for e in on_review}
        return found if expected <= seen and len(on_review) >= changes else None
    on_subject = wait_for(lambda: all_arrived(subject_id))
    assert on_subject, [(e["action"], e["purpose"]) for e in changes_on_trail(subject_id)]
    # No change is written by a route after its call: each row is from the owner's event.
    assert all(e["event_id"] for e in on_subject), [e for e in on_subject
                                                   if not e["event_id"]]
    on_review = [e for e in on_subject if e["record_type"] == "case_review"]
    assert len(on_review) == changes, [e["purpose"] for e in on_review]  # one per change
    for entry in on_review:
        assert (entry["username"], entry["role"]) == ("reviewer", "reviewer"), entry
        assert {review_id, subject_id} <= set(entry["record_ids"]), entry
    assert wait_for(lambda: all_arrived(review_id)) == on_review

    # Opening a review outright collects the subject's records into it.
    opened = wait_for(lambda: [e for e in stack.get(
        f"/api/audit?limit=200&record_id={world['review_id']}&action=collection",
        "admin").json()["items"] if e["event_id"]])
    assert opened and (opened[0]["username"], opened[0]["purpose"]) == (
        "reviewer", "Opening a case review after a serious incident")
    assert world["subject_id"] in opened[0]["record_ids"]
