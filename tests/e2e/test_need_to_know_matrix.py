"""The need-to-know matrix, asked of the running stack: every reader (a role, an agency and
a relationship to each record) reads each record kind over HTTP, and every field of it is
checked against `shared.need_to_know`, the table `docs/need-to-know.md` shows. A cell is
one (reader, record, field): allowed and present, or not allowed and absent. Any other
outcome is an unexpected allow or an unexpected refusal, and both must be none."""
import pytest

from wardline.demo import DEMO_PASSWORD
from shared.need_to_know import FIELDS, NESTED, audience_of, fields_for
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

# username: (role, agency, wards) for readers the demo borough does not have
EXTRA_READERS = {"probation.partner": ("partner", "probation", []),
                 "sgt.homerton": ("sergeant", None, ["homerton"])}

# Every reader, with their role and how they stand to each record of the world below.
READERS = {
    "council.partner": ("partner", {"referral": "referrer", "action": "referrer",
                                    "priority_action": "none"}),
    "yot.partner": ("partner", {"referral": "owner_of_action", "action": "owner_of_action",
                                "priority_action": "none"}),
    "probation.partner": ("partner", {"referral": "none", "action": "none",
                                      "priority_action": "none"}),
    "coordinator": ("coordinator", {}),
    "sgt.dalston": ("sergeant", {"referral": "same_ward", "action": "same_ward",
                                 "priority_action": "same_ward", "report": "same_ward",
                                 "meeting": "same_ward"}),
    "sgt.homerton": ("sergeant", {"referral": "other_ward", "action": "other_ward",
                                  "priority_action": "other_ward", "report": "other_ward",
                                  "meeting": "other_ward"}),
    "biu.analyst": ("analyst", {}),
    "reviewer": ("reviewer", {}),
    "dpo": ("dpo", {}),  # reads no casework: every record refused
    "panel.dalston": ("panel", {"referral": "none", "action": "none",
                                "priority_action": "same_ward"}),
    "pcso.dalston": ("pcso", {"referral": "none", "action": "none",
                              "priority_action": "none", "report": "referrer"}),
}

# record key: (kind, path template); the relationship is READERS' entry for the key
RECORDS = {
    "referral": ("referral", "/api/referrals/{referral_id}"),
    "person": ("person", "/api/subjects/{subject_id}"),
    "action": ("tasking_item", "/api/tasking/items/{action_id}"),
    "priority_action": ("tasking_item", "/api/tasking/items/{priority_action_id}"),
    "report": ("intelligence_report", "/api/intelligence/{report_id}"),
    "meeting": ("meeting", "/api/tasking/meetings/{meeting_id}"),
    "case_review": ("case_review", "/api/case-reviews/{review_id}"),
}
RELATIONSHIP_OF = {"person": "referral"}  # a person stands as the referral they came with


@pytest.fixture(scope="module")
def world(stack):
    """A council referral about a young person, whose action routing gives to the YOT; a
    ward priority's action in Dalston; a PCSO's report from Dalston, graded P; a tasking
    meeting for Dalston; and a case review of the referred person."""
    for username, (role, agency, wards) in EXTRA_READERS.items():
        args = ["users", "add", username, "--role", role, "--password-stdin"]
        args += ["--agency", agency] if agency else []
        for ward in wards:
            args += ["--ward", ward]
        stack.wardline(*args, input=f"{DEMO_PASSWORD}\n")
    referral = stack.post("/api/referrals", "council.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward="dalston",
        details="Older brother recently released")).json()

    def yot_action():
        items = stack.get(f"/api/referrals/{referral['id']}", "coordinator").json()[
            "tasking_items"]
        owned = [i for i in items if i["owner_agency"] == "yot"]
        read = stack.get(f"/api/referrals/{referral['id']}", "yot.partner").status_code
        return owned[0]["id"] if owned and read == 200 else None
    action_id = wait_for(yot_action)
    assert action_id, "routing did not give the action to the YOT"

    priority = stack.post("/api/ward-priorities", "panel.dalston", json={
        "ward": "dalston", "title": "Drug dealing by the estate garages",
        "description": "Evenings, near the bins"}).json()

    def priority_action():
        items = stack.get(f"/api/tasking/items?source_id={priority['id']}",
                          "coordinator").json()["items"]
        return items[0]["id"] if items else None
    priority_action_id = wait_for(priority_action)
    assert priority_action_id

    report = stack.post("/api/intelligence", "pcso.dalston", json={
        "ward": "dalston", "observed_at": "2026-11-30T21:00:00+00:00",
        "location": "Garages behind Pembury Road", "text": "Two cars, engines running"}).json()
    graded = stack.post(f"/api/intelligence/{report['id']}/grade", "biu.analyst", json={
        "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "P"})
    assert graded.status_code == 200, graded.text
    meeting = stack.post("/api/tasking/meetings", "coordinator", json={
        "held_on": "2026-12-08", "wards": ["dalston"]})
    assert meeting.status_code == 201, meeting.text
    review = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Stabbed near the estate garages", "incident_date": "2026-11-20"})
    assert review.status_code == 201, review.text
    return {"referral_id": referral["id"], "subject_id": referral["subject_id"],
            "action_id": action_id, "priority_action_id": priority_action_id,
            "report_id": report["id"], "meeting_id": meeting.json()["id"],
            "review_id": review.json()["id"]}


def relationship(reader, record):
    relationships = READERS[reader][1]
    return relationships.get(RELATIONSHIP_OF.get(record, record), "none")


def cells_of(kind, audience, answer):
    """(field, expected, seen) for every field of `kind`, nested records included."""
    allowed = set(fields_for(kind, audience)) if audience else set()
    body = answer.json() if answer.status_code == 200 else {}
    cells = [(f"{kind}.{field}", field in allowed, field in body) for field in FIELDS[kind]]
    for (outer, field), nested_kind in NESTED.items():
        if outer != kind:
            continue
        steps = body.get(field) or [{}]  # no steps: every nested field is absent
        nested_allowed = set(fields_for(nested_kind, audience)) if audience else set()
        for nested_field in FIELDS[nested_kind]:
            expected = field in allowed and nested_field in nested_allowed
            cells.append((f"{nested_kind}.{nested_field}", expected,
                          all(nested_field in step for step in steps) and bool(body.get(field))))
    return cells


def test_every_reader_reads_each_record_exactly_as_the_table_says(stack, world):
    unexpected_allows, unexpected_refusals, cells = [], [], 0
    for reader, (role, _) in READERS.items():
        for record, (kind, path) in RECORDS.items():
            audience = audience_of(kind, role, relationship(reader, record))
            answer = stack.get(path.format(**world), reader)
            if audience is None:
                assert answer.status_code in (403, 404), (reader, record, answer.text[:200])
            else:
                assert answer.status_code == 200, (reader, record, answer.text[:200])
            for cell, expected, seen in cells_of(kind, audience, answer):
                cells += 1
                if seen and not expected:
                    unexpected_allows.append((reader, record, cell))
                elif expected and not seen:
                    unexpected_refusals.append((reader, record, cell))
    print(f"need-to-know matrix: {cells} cells, {len(unexpected_allows)} unexpected allows, "
          f"{len(unexpected_refusals)} unexpected refusals")
    assert cells >= 150
    assert unexpected_allows == []
    assert unexpected_refusals == []


def test_a_listing_never_shows_more_than_a_reading(stack, world):
    """The same table holds for lists: a reader's list of referrals and of actions holds
    the records they may read, shaped as they would read each one."""
    for reader, (role, _) in READERS.items():
        listed = stack.get("/api/referrals?limit=200", reader)
        if listed.status_code != 200:
            continue
        mine = [r for r in listed.json()["items"] if r["id"] == world["referral_id"]]
        audience = audience_of("referral", role, relationship(reader, "referral"))
        assert bool(mine) == (audience is not None), reader
        if mine:
            assert set(mine[0]) <= set(fields_for("referral", audience)) | {"history"}, reader
