"""What each domain event contributes to a person's chronology: one entry (when, agency,
kind, a short factual summary, the source record) and what that record is about (its
parent: a referral's subject, an action's referral, an intelligence report's PCSO task).

No nameko, no SQLAlchemy. Adding an event type to the chronology is one entry in
`PROJECTIONS` (and one `@on_event` line in service.py to subscribe to it).
Summaries state what happened, never who is to blame, and carry no names: events carry ids.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from shared.dates import day_text

# Where the triage and closing decisions of the partnership tasking meeting appear.
PARTNERSHIP = "partnership"
POLICE = "police"

KINDS = ("referral", "triage", "tasking_item", "update", "overdue", "pcso_task",
         "intelligence_report", "feedback")

LINKS = {
    "referral": "/api/referrals/{}",
    "tasking_item": "/api/tasking/items/{}",
    "pcso_task": "/api/pcso-tasks/{}",
    "intelligence_report": "/api/intelligence/{}",
}

CONCERNS = {
    "youth_at_risk": "young person at risk", "asb": "anti-social behaviour",
    "vulnerable_adult": "vulnerable adult", "offender_management": "offender management",
    "domestic_abuse": "domestic abuse", "exploitation": "exploitation", "other": "other concern",
}
USAGES = {
    "supported_enforcement": "supported enforcement",
    "supported_warrant_application": "supported a warrant application",
    "informed_tasking": "informed tasking", "shared_with_partner": "shared with a partner",
    "corroborated_other_intelligence": "corroborated other intelligence",
    "filed_for_reference": "filed for reference", "not_used": "not used",
}


@dataclass(frozen=True)
class Projection:
    """How one event type becomes a chronology entry.

    `record` and `parent` name payload fields: ("referral", "referral_id") means the record
    is the referral whose id is in `payload["referral_id"]`. A parent type of `None` with
    a field names the type in another field (`source_type`/`source_id`)."""

    kind: str
    record: tuple
    summary: Callable[[dict], str]
    agency: Callable[[dict], str]
    when: str | None = None  # payload field; None: the event's occurred_at
    parent: tuple | None = None


@dataclass(frozen=True)
class Entry:
    """One line of a chronology."""

    id: str
    seq: int
    when: datetime
    agency: str
    kind: str
    event_type: str
    summary: str
    record_type: str
    record_id: str
    facts: dict = field(default_factory=dict)
    referral_id: str | None = None
    # From the envelope: who took the step (username, role, agency; tasking's own
    # automatic steps carry no agency) and the event it was a consequence of, if any.
    # The rules need both to tell an agency's own step from one the system took for it.
    actor: dict = field(default_factory=dict)
    causation_id: str | None = None

    @property
    def link(self):
        template = LINKS.get(self.record_type)
        return template.format(self.record_id) if template else None


def _as_datetime(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _words(code):
    return (code or "").replace("_", " ").replace("-", " ")


def _reference(payload):
    """The referral's reference and a space, for reviewers to quote to its agency; nothing
    for a referral announced before references (referral.submitted v2 and older)."""
    reference = payload.get("reference")
    return f"{reference} " if reference else ""


def _triage(p):
    if p["decision"] == "redirect":
        said = f"passed to {p['redirect_to_agency']}"
    elif p["decision"] == "no_further_action":
        said = "no further action"
    else:
        said = "accepted for partnership action"
    return f"Triage: {said}. Reason given: {p['reason']}"


def _pcso_task_closed(p):
    if p["reason"] == "reports_in":
        return f"PCSO task closed with {p['reports']} report(s) in."
    return f"PCSO task reached its due date with {p['reports']} report(s) in."


def _service_level(p):
    stage = "noted" if p["stage"] == "note" else "given feedback"
    return f"Intelligence report not yet {stage} by {day_text(p['due_by'])}; {p['remind']} reminded."


def _assigned(p):
    moved = f" (from {p['previous_owner_agency']})" if p.get("previous_owner_agency") else ""
    return f"Action assigned to {p['owner_agency']}{moved}; due {day_text(p['due_by'])}."


SOURCE = (None, "source_type", "source_id")

PROJECTIONS = {
    "referral.submitted": Projection(
        "referral", ("referral", "referral_id"), when="submitted_at",
        parent=("subject", "subject_id"), agency=lambda p: p["referring_agency"],
        summary=lambda p: (f"Referral {_reference(p)}from {p['referring_agency']}: "
                           f"{CONCERNS.get(p['category'], _words(p['category']))}, "
                           f"{p['risk_level']} risk, ward {p['ward']}.")),
    "referral.triaged": Projection(
        "triage", ("referral", "referral_id"), when="triaged_at",
        parent=("subject", "subject_id"), agency=lambda p: PARTNERSHIP, summary=_triage),
    "referral.closed": Projection(
        "referral", ("referral", "referral_id"), when="closed_at",
        parent=("subject", "subject_id"), agency=lambda p: PARTNERSHIP,
        summary=lambda p: f"Referral closed. Outcome: {p['outcome']}"),
    "referral.acknowledged": Projection(
        "update", ("referral", "referral_id"), when="acknowledged_at",
        parent=("subject", "subject_id"), agency=lambda p: p["agency"],
        summary=lambda p: f"Redirected referral acknowledged by {p['agency']}."),
    "tasking_item.raised": Projection(
        "tasking_item", ("tasking_item", "tasking_item_id"), parent=SOURCE,
        agency=lambda p: p["owner_agency"],
        summary=lambda p: (f"Action raised for {p['owner_agency']}: {p['title']}; "
                           f"due {day_text(p['due_by'])}.")),
    "tasking_item.assigned": Projection(
        "update", ("tasking_item", "tasking_item_id"), agency=lambda p: p["owner_agency"],
        summary=_assigned),
    "tasking_item.updated": Projection(
        # The note stays in tasking (the owning agency's working note): the entry says
        # that progress was recorded, and links to the action for those entitled.
        "update", ("tasking_item", "tasking_item_id"), when="updated_at", parent=SOURCE,
        agency=lambda p: p["owner_agency"],
        summary=lambda p: f"Progress recorded on the action owned by {p['owner_agency']}."),
    "tasking_item.completed": Projection(
        "update", ("tasking_item", "tasking_item_id"), when="completed_at", parent=SOURCE,
        agency=lambda p: p["owner_agency"],
        summary=lambda p: f"Action completed. Outcome: {p['outcome']}"),
    "tasking_item.overdue": Projection(
        # When it went overdue is its due time, not when the check noticed.
        "overdue", ("tasking_item", "tasking_item_id"), when="due_by", parent=SOURCE,
        agency=lambda p: p["owner_agency"],
        summary=lambda p: (f"Action passed its due date ({day_text(p['due_by'])}) before it was "
                           f"completed; raised with the {p['escalated_to']}.")),
    "pcso_task.assigned": Projection(
        "pcso_task", ("pcso_task", "pcso_task_id"), parent=SOURCE, agency=lambda p: POLICE,
        summary=lambda p: (f"PCSO tasked to gather intelligence in ward {p['ward']}; "
                           f"due {day_text(p['due_by'])}.")),
    "pcso_task.closed": Projection(
        "pcso_task", ("pcso_task", "pcso_task_id"), agency=lambda p: POLICE,
        summary=_pcso_task_closed),
    "intelligence.submitted": Projection(
        "intelligence_report", ("intelligence_report", "intelligence_report_id"),
        when="submitted_at", parent=("pcso_task", "pcso_task_id"), agency=lambda p: POLICE,
        summary=lambda p: f"Intelligence report filed from ward {p['ward']}."),
    "intelligence.noted": Projection(
        "intelligence_report", ("intelligence_report", "intelligence_report_id"),
        when="noted_at", agency=lambda p: POLICE,
        summary=lambda p: "Intelligence report formally noted by the BIU."),
    "intelligence.graded": Projection(
        "intelligence_report", ("intelligence_report", "intelligence_report_id"),
        when="graded_at", agency=lambda p: POLICE,
        summary=lambda p: (f"Intelligence report graded {p['source_evaluation']}"
                           f"{p['intelligence_assessment']}{p['handling_code']}.")),
    "intelligence.feedback_given": Projection(
        "feedback", ("intelligence_report", "intelligence_report_id"), when="given_at",
        parent=("pcso_task", "pcso_task_id"), agency=lambda p: POLICE,
        summary=lambda p: (f"Feedback to the submitting team: "
                           f"{USAGES.get(p['usage'], _words(p['usage']))}. {p['note']}")),
    "intelligence.service_level_missed": Projection(
        "overdue", ("intelligence_report", "intelligence_report_id"), when="due_by",
        agency=lambda p: POLICE, summary=_service_level),
}
"""Event type -> how it enters the chronology. `subject.linked` is not here: it joins
chronologies rather than adding to one (see projection.py)."""


def project(event_type, payload, occurred_at):
    """(entry fields, (record_type, record_id), parent or None) for one event, or None
    when the event is not part of anyone's chronology (or lacks the record it is about)."""
    spec = PROJECTIONS.get(event_type)
    if spec is None:
        return None
    record_type, record_field = spec.record
    parent = _parent(spec.parent, payload)
    fields = {
        "occurred_at": _as_datetime(payload[spec.when]) if spec.when else occurred_at,
        "agency": spec.agency(payload) or PARTNERSHIP,
        "kind": spec.kind,
        "event_type": event_type,
        "summary": spec.summary(payload),
    }
    return fields, (record_type, payload[record_field]), parent


def _parent(declared, payload):
    if declared is None:
        return None
    if declared[0] is None:  # the type is named by the payload itself
        _, type_field, id_field = declared
        parent = (payload.get(type_field), payload.get(id_field))
    else:
        parent = (declared[0], payload.get(declared[1]))
    return parent if all(parent) else None
