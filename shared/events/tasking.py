"""Events the tasking service publishes. No names, addresses or report texts travel on
the bus: consumers get ids, wards and agencies, and ask tasking for more when entitled."""
from marshmallow import Schema, fields, validate

from shared.events.registry import contract, reference_field, upcast_without_reference
from shared.vocabulary import FEEDBACK_USAGES


class TaskingItemRaisedV1(Schema):
    tasking_item_id = fields.String(required=True)
    title = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)
    due_by = fields.AwareDateTime(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)


TASKING_ITEM_RAISED = contract(
    source="tasking", type="tasking_item.raised", version=1, schema=TaskingItemRaisedV1,
    description="An action was raised with an owning agency and a due date.",
    example={
        "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001",
        "title": "Act on high-risk youth at risk referral in Dalston",
        "ward": "dalston", "owner_agency": "yot", "due_by": "2026-11-25T10:00:00+00:00",
        "source_type": "referral", "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
    },
    upcast=upcast_without_reference,
)


class TaskingItemRaisedV2(TaskingItemRaisedV1):
    reference = reference_field("WL-A-2026-000123")


TASKING_ITEM_RAISED_V2 = contract(
    source="tasking", type="tasking_item.raised", version=2, schema=TaskingItemRaisedV2,
    description="An action was raised with an owning agency and a due date, and its "
                "reference.",
    example={**TASKING_ITEM_RAISED.example, "reference": "WL-A-2026-000123"},
)


class TaskingItemAssignedV1(Schema):
    tasking_item_id = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)
    owner_user = fields.String(allow_none=True, load_default=None)
    previous_owner_agency = fields.String(allow_none=True, load_default=None)
    due_by = fields.AwareDateTime(required=True)
    assigned_by = fields.String(required=True)


def upcast_assigned_v1_v2(payload):
    """v1 did not say what the action was raised from: consumers that need it (referrals,
    to let the new owner read the referral) look it up from the action's raising."""
    return {**payload, "source_type": None, "source_id": None}


ASSIGNED_EXAMPLE = {
    "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001", "ward": "dalston",
    "owner_agency": "housing", "owner_user": None, "previous_owner_agency": "yot",
    "due_by": "2026-11-25T10:00:00+00:00", "assigned_by": "coordinator",
}

TASKING_ITEM_ASSIGNED_V1 = contract(
    source="tasking", type="tasking_item.assigned", version=1, schema=TaskingItemAssignedV1,
    description="An action was given (or moved) to an agency, optionally a named person, "
                "with a due date.",
    example=ASSIGNED_EXAMPLE, upcast=upcast_assigned_v1_v2,
)


class TaskingItemAssignedV2(TaskingItemAssignedV1):
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "what the action was raised from (a referral's new owner may read it)"})


TASKING_ITEM_ASSIGNED = contract(
    source="tasking", type="tasking_item.assigned", version=2, schema=TaskingItemAssignedV2,
    description="An action was given (or moved) to an agency, optionally a named person, "
                "with a due date, naming what it was raised from.",
    example={**ASSIGNED_EXAMPLE, "source_type": "referral",
             "source_id": "4f1c2d8e-0000-4000-8000-000000000001"},
    upcast=upcast_without_reference,
)


class TaskingItemAssignedV3(TaskingItemAssignedV2):
    reference = reference_field("WL-A-2026-000123")


TASKING_ITEM_ASSIGNED_V3 = contract(
    source="tasking", type="tasking_item.assigned", version=3, schema=TaskingItemAssignedV3,
    description="An action was given (or moved) to an agency, optionally a named person, "
                "with a due date, naming what it was raised from and its reference.",
    example={**TASKING_ITEM_ASSIGNED.example, "reference": "WL-A-2026-000123"},
)


class TaskingItemUpdatedV1(Schema):
    tasking_item_id = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)
    updated_by = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)


TASKING_ITEM_UPDATED = contract(
    source="tasking", type="tasking_item.updated", version=1, schema=TaskingItemUpdatedV1,
    description="Progress was recorded on an open action by its owning agency or the "
                "coordinator. The note itself stays in tasking (it is the agency's own "
                "working note): ask tasking when entitled.",
    example={
        "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001", "ward": "dalston",
        "owner_agency": "housing", "source_type": "referral",
        "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "updated_by": "housing.officer", "updated_at": "2026-11-25T08:30:00+00:00",
    },
)


class TaskingItemCompletedV1(Schema):
    tasking_item_id = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)
    outcome = fields.String(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)
    completed_by = fields.String(required=True)
    completed_at = fields.AwareDateTime(required=True)


COMPLETION_CAUSES = ("outcome", "triage", "ward_priority_closed")
# Outcomes tasking writes itself (and, before v2 said why, the only way to tell them).
TRIAGE_OUTCOME_PREFIX = "No further action at triage:"
PRIORITY_CLOSED_OUTCOME = "The ward panel closed this priority."


def upcast_completed_v1_v2(payload):
    """v1 did not say why an action was completed; tasking's own outcomes tell: triage's
    "no further action", or the ward panel closing the priority. Anything else was an
    outcome someone recorded."""
    outcome = payload.get("outcome") or ""
    if outcome.startswith(TRIAGE_OUTCOME_PREFIX):
        cause = "triage"
    elif outcome == PRIORITY_CLOSED_OUTCOME:
        cause = "ward_priority_closed"
    else:
        cause = "outcome"
    return {**payload, "cause": cause}


COMPLETED_EXAMPLE = {
    "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001", "ward": "dalston",
    "owner_agency": "yot", "outcome": "Home visit done; early-intervention panel booked",
    "source_type": "referral", "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
    "completed_by": "yot.partner", "completed_at": "2026-11-25T09:00:00+00:00",
}

TASKING_ITEM_COMPLETED_V1 = contract(
    source="tasking", type="tasking_item.completed", version=1, schema=TaskingItemCompletedV1,
    description="An action was completed with its outcome (the referring team is told it).",
    example=COMPLETED_EXAMPLE, upcast=upcast_completed_v1_v2,
)


class TaskingItemCompletedV2(TaskingItemCompletedV1):
    cause = fields.String(required=True, validate=validate.OneOf(COMPLETION_CAUSES), metadata={
        "description": "why it was completed: `outcome` (someone recorded what was done), "
                       "`triage` (triage decided no further action on its referral) or "
                       "`ward_priority_closed` (the ward panel closed its priority)"})


def upcast_completed_v2_v3(payload):
    """v2 carried neither the action's reference nor its public outcome: consumers show
    none, and must not say that none was given (`public_outcome_known` is false)."""
    return {**payload, "reference": None, "public_outcome": None,
            "public_outcome_known": False}


TASKING_ITEM_COMPLETED = contract(
    source="tasking", type="tasking_item.completed", version=2, schema=TaskingItemCompletedV2,
    description="An action was completed with its outcome, and why (the referring team is "
                "told an outcome someone recorded; triage's own completions are not news).",
    example={**COMPLETED_EXAMPLE, "cause": "outcome"},
    upcast=upcast_completed_v2_v3,
)


class TaskingItemCompletedV3(TaskingItemCompletedV2):
    reference = reference_field("WL-A-2026-000123")
    public_outcome = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the line the ward panel reads of what came of the action (public "
                       "by definition: residents read it); none when none was given"})
    public_outcome_known = fields.Boolean(load_default=True, metadata={
        "description": "false on an event upcast from v2, which could not say"})


TASKING_ITEM_COMPLETED_V3 = contract(
    source="tasking", type="tasking_item.completed", version=3, schema=TaskingItemCompletedV3,
    description="An action was completed with its outcome, why, its reference and the "
                "public outcome its ward panel reads (a panel is told of its priority's "
                "actions in that line).",
    example={**TASKING_ITEM_COMPLETED.example, "reference": "WL-A-2026-000123",
             "public_outcome": None, "public_outcome_known": True},
)


class TaskingItemOverdueV1(Schema):
    tasking_item_id = fields.String(required=True)
    title = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)
    owner_user = fields.String(allow_none=True, load_default=None)
    due_by = fields.AwareDateTime(required=True)
    escalated_to = fields.String(required=True, metadata={
        "description": "the role the overdue action is escalated to"})
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)


TASKING_ITEM_OVERDUE = contract(
    source="tasking", type="tasking_item.overdue", version=1, schema=TaskingItemOverdueV1,
    description="An action passed its due date without being completed; it is escalated to "
                "the tasking coordinator (published once per action).",
    example={
        "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001",
        "title": "Act on high-risk referral: young person at risk (dalston)",
        "ward": "dalston", "owner_agency": "yot", "owner_user": None,
        "due_by": "2026-11-25T10:00:00+00:00", "escalated_to": "coordinator",
        "source_type": "referral", "source_id": "4f1c2d8e-0000-4000-8000-000000000001",
    },
    upcast=upcast_without_reference,
)


class TaskingItemOverdueV2(TaskingItemOverdueV1):
    reference = reference_field("WL-A-2026-000123")


TASKING_ITEM_OVERDUE_V2 = contract(
    source="tasking", type="tasking_item.overdue", version=2, schema=TaskingItemOverdueV2,
    description="An action passed its due date without being completed; it is escalated to "
                "the tasking coordinator (published once per action), with its reference.",
    example={**TASKING_ITEM_OVERDUE.example, "reference": "WL-A-2026-000123"},
)


class PcsoTaskAssignedV1(Schema):
    pcso_task_id = fields.String(required=True)
    ward = fields.String(required=True)
    assignee = fields.String(required=True)
    assigned_by = fields.String(required=True)
    due_by = fields.AwareDateTime(required=True)
    source_type = fields.String(allow_none=True, load_default=None)
    source_id = fields.String(allow_none=True, load_default=None)


PCSO_TASK_ASSIGNED = contract(
    source="tasking", type="pcso_task.assigned", version=1, schema=PcsoTaskAssignedV1,
    description="A sergeant tasked a PCSO of their ward to gather intelligence (the brief "
                "stays in tasking: ask it when entitled).",
    example={
        "pcso_task_id": "8b000000-0000-4000-8000-000000000001", "ward": "dalston",
        "assignee": "pcso.dalston", "assigned_by": "sgt.dalston",
        "due_by": "2026-12-08T18:00:00+00:00", "source_type": "ward_priority",
        "source_id": "6b000000-0000-4000-8000-000000000001",
    },
    upcast=upcast_without_reference,
)


class PcsoTaskAssignedV2(PcsoTaskAssignedV1):
    reference = reference_field("WL-T-2026-000123")


PCSO_TASK_ASSIGNED_V2 = contract(
    source="tasking", type="pcso_task.assigned", version=2, schema=PcsoTaskAssignedV2,
    description=PCSO_TASK_ASSIGNED.description + " It carries the record's reference.",
    example={**PCSO_TASK_ASSIGNED.example, "reference": "WL-T-2026-000123"},
)


class PcsoTaskClosedV1(Schema):
    pcso_task_id = fields.String(required=True)
    ward = fields.String(required=True)
    assignee = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(("reports_in", "expired")))
    reports = fields.Integer(required=True)


def upcast_closed_v1_v2(payload):
    """v1 always named a PCSO: it reads the same at v2, which may name none."""
    return dict(payload)


PCSO_TASK_CLOSED = contract(
    source="tasking", type="pcso_task.closed", version=1, schema=PcsoTaskClosedV1,
    description="A PCSO task closed: its reports are in, or its due date passed.",
    example={
        "pcso_task_id": "8b000000-0000-4000-8000-000000000001", "ward": "dalston",
        "assignee": "pcso.dalston", "reason": "reports_in", "reports": 1,
    },
    upcast=upcast_closed_v1_v2,
)


class PcsoTaskClosedV2(PcsoTaskClosedV1):
    assignee = fields.String(required=True, allow_none=True, metadata={
        "description": "the PCSO who held it; none: it was back with the ward team "
                       "(handed over from a leaver) when it closed"})


PCSO_TASK_CLOSED_V2 = contract(
    source="tasking", type="pcso_task.closed", version=2, schema=PcsoTaskClosedV2,
    description=PCSO_TASK_CLOSED.description + " A task back with its ward team (no PCSO) "
                "names no assignee.",
    example={**PCSO_TASK_CLOSED.example, "assignee": None, "reason": "expired",
             "reports": 0},
)

INTELLIGENCE_EXAMPLE_ID = "9c000000-0000-4000-8000-000000000001"


class IntelligenceSubmittedV1(Schema):
    intelligence_report_id = fields.String(required=True)
    ward = fields.String(required=True)
    submitted_by = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    pcso_task_id = fields.String(allow_none=True, load_default=None)


INTELLIGENCE_SUBMITTED = contract(
    source="tasking", type="intelligence.submitted", version=1,
    schema=IntelligenceSubmittedV1,
    description="A PCSO filed an intelligence report (against a task, or ad hoc); the BIU "
                "must note it. The report's text never travels on the bus.",
    example={
        "intelligence_report_id": INTELLIGENCE_EXAMPLE_ID, "ward": "dalston",
        "submitted_by": "pcso.dalston", "submitted_at": "2026-11-26T21:10:00+00:00",
        "pcso_task_id": "8b000000-0000-4000-8000-000000000001",
    },
)


class IntelligenceNotedV1(Schema):
    intelligence_report_id = fields.String(required=True)
    ward = fields.String(required=True)
    submitted_by = fields.String(required=True)
    noted_by = fields.String(required=True)
    noted_at = fields.AwareDateTime(required=True)


INTELLIGENCE_NOTED = contract(
    source="tasking", type="intelligence.noted", version=1, schema=IntelligenceNotedV1,
    description="The BIU formally noted an intelligence report (time stamped).",
    example={
        "intelligence_report_id": INTELLIGENCE_EXAMPLE_ID, "ward": "dalston",
        "submitted_by": "pcso.dalston", "noted_by": "biu.analyst",
        "noted_at": "2026-11-27T09:00:00+00:00",
    },
    upcast=upcast_without_reference,
)


class IntelligenceNotedV2(IntelligenceNotedV1):
    reference = reference_field("WL-I-2026-000123")


INTELLIGENCE_NOTED_V2 = contract(
    source="tasking", type="intelligence.noted", version=2, schema=IntelligenceNotedV2,
    description=INTELLIGENCE_NOTED.description + " It carries the record's reference.",
    example={**INTELLIGENCE_NOTED.example, "reference": "WL-I-2026-000123"},
)


class IntelligenceGradedV1(Schema):
    intelligence_report_id = fields.String(required=True)
    ward = fields.String(required=True)
    submitted_by = fields.String(required=True)
    source_evaluation = fields.Integer(required=True, validate=validate.OneOf((1, 2, 3)))
    intelligence_assessment = fields.String(required=True,
                                            validate=validate.OneOf(tuple("ABCDE")))
    handling_code = fields.String(required=True, validate=validate.OneOf(("P", "C")))
    graded_by = fields.String(required=True)
    graded_at = fields.AwareDateTime(required=True)


INTELLIGENCE_GRADED = contract(
    source="tasking", type="intelligence.graded", version=1, schema=IntelligenceGradedV1,
    description="The BIU graded an intelligence report with the 3x5x2 standard (the "
                "handling conditions of code C stay in tasking).",
    example={
        "intelligence_report_id": INTELLIGENCE_EXAMPLE_ID, "ward": "dalston",
        "submitted_by": "pcso.dalston", "source_evaluation": 2,
        "intelligence_assessment": "B", "handling_code": "P", "graded_by": "biu.analyst",
        "graded_at": "2026-11-27T09:30:00+00:00",
    },
)

# FEEDBACK_USAGES: shared/vocabulary.py


class IntelligenceFeedbackGivenV1(Schema):
    intelligence_report_id = fields.String(required=True)
    ward = fields.String(required=True)
    submitted_by = fields.String(required=True)
    pcso_task_id = fields.String(allow_none=True, load_default=None)
    usage = fields.String(required=True, validate=validate.OneOf(FEEDBACK_USAGES))
    note = fields.String(required=True)
    given_by = fields.String(required=True)
    given_at = fields.AwareDateTime(required=True)


INTELLIGENCE_FEEDBACK_GIVEN = contract(
    source="tasking", type="intelligence.feedback_given", version=1,
    schema=IntelligenceFeedbackGivenV1,
    description="The BIU told the submitting team how an intelligence report was used; the "
                "report is closed.",
    example={
        "intelligence_report_id": INTELLIGENCE_EXAMPLE_ID, "ward": "dalston",
        "submitted_by": "pcso.dalston", "pcso_task_id": None,
        "usage": "supported_warrant_application",
        "note": "Vehicle and times corroborated other reporting; used to support a warrant.",
        "given_by": "biu.analyst", "given_at": "2026-12-03T15:00:00+00:00",
    },
    upcast=upcast_without_reference,
)


class IntelligenceFeedbackGivenV2(IntelligenceFeedbackGivenV1):
    reference = reference_field("WL-I-2026-000123")


INTELLIGENCE_FEEDBACK_GIVEN_V2 = contract(
    source="tasking", type="intelligence.feedback_given", version=2, schema=IntelligenceFeedbackGivenV2,
    description=INTELLIGENCE_FEEDBACK_GIVEN.description + " It carries the record's reference.",
    example={**INTELLIGENCE_FEEDBACK_GIVEN.example, "reference": "WL-I-2026-000123"},
)


class IntelligenceServiceLevelMissedV1(Schema):
    intelligence_report_id = fields.String(required=True)
    ward = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(("note", "feedback")))
    due_by = fields.AwareDateTime(required=True)
    remind = fields.String(required=True, metadata={"description": "the role reminded"})


INTELLIGENCE_SERVICE_LEVEL_MISSED = contract(
    source="tasking", type="intelligence.service_level_missed", version=1,
    schema=IntelligenceServiceLevelMissedV1,
    description="An intelligence report was not noted (or given feedback) within its service "
                "level; the BIU is reminded, once per stage.",
    example={
        "intelligence_report_id": INTELLIGENCE_EXAMPLE_ID, "ward": "dalston",
        "stage": "note", "due_by": "2026-11-29T21:10:00+00:00", "remind": "analyst",
    },
    upcast=upcast_without_reference,
)


class IntelligenceServiceLevelMissedV2(IntelligenceServiceLevelMissedV1):
    reference = reference_field("WL-I-2026-000123")


INTELLIGENCE_SERVICE_LEVEL_MISSED_V2 = contract(
    source="tasking", type="intelligence.service_level_missed", version=2, schema=IntelligenceServiceLevelMissedV2,
    description=INTELLIGENCE_SERVICE_LEVEL_MISSED.description + " It carries the record's reference.",
    example={**INTELLIGENCE_SERVICE_LEVEL_MISSED.example, "reference": "WL-I-2026-000123"},
)


class HandedOverPcsoTask(Schema):
    pcso_task_id = fields.String(required=True)
    reference = fields.String(required=True)
    ward = fields.String(required=True)


class HandedOverAction(Schema):
    tasking_item_id = fields.String(required=True)
    reference = fields.String(required=True)
    ward = fields.String(required=True)
    owner_agency = fields.String(required=True)


class WorkHandedOverV1(Schema):
    leaver = fields.String(required=True)
    successor = fields.String(allow_none=True, required=True, metadata={
        "description": "who took the work on; none: it went back to the team (the ward's "
                       "sergeant for PCSO tasks, the owning agency for actions)"})
    pcso_tasks = fields.List(fields.Nested(HandedOverPcsoTask), required=True)
    tasking_items = fields.List(fields.Nested(HandedOverAction), required=True)
    handed_over_by = fields.String(required=True)
    handed_over_at = fields.AwareDateTime(required=True)


WORK_HANDED_OVER = contract(
    source="tasking", type="work.handed_over", version=1, schema=WorkHandedOverV1,
    description="An administrator handed a leaver's open PCSO tasks and the open actions "
                "named to them to a successor, or back to the team, in one transaction "
                "(each action's move is also its own tasking_item.assigned).",
    example={
        "leaver": "pcso.leaving", "successor": "pcso.dalston",
        "pcso_tasks": [{"pcso_task_id": "8b000000-0000-4000-8000-000000000001",
                        "reference": "WL-T-2026-000123", "ward": "dalston"}],
        "tasking_items": [{"tasking_item_id": "7a0c0000-0000-4000-8000-000000000001",
                           "reference": "WL-A-2026-000123", "ward": "dalston",
                           "owner_agency": "police"}],
        "handed_over_by": "admin", "handed_over_at": "2026-12-07T14:30:00+00:00",
    },
)
