"""Who needs to know: every rule in one place. A rule turns an event's payload into the
recipients of one notification each: a person (`user:<username>`) or an agency's team
(`agency:<code>`), with the template that speaks to them. Rules that name people by role
(the coordinator, a ward's sergeant or panel, the BIU) ask the directory."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    address: str
    template: str
    kind: str

    @property
    def username(self):
        return self.address.partition(":")[2] if self.address.startswith("user:") else None


def person(username, template, kind):
    return Recipient(f"user:{username}", template, kind)


def team(agency, template, kind):
    return Recipient(f"agency:{agency}", template, kind)


def agency_team(agency, ward, template, kind, people):
    """An agency's team for a ward. For the police that is the ward's Safer
    Neighbourhoods sergeant(s), never the whole force: every police officer shares the
    agency code `police`, and need-to-know stops at the ward."""
    if agency == "police":
        return [person(name, template, kind) for name in people.with_role("sergeant", ward)]
    return [team(agency, template, kind)]


def _referring_side(payload, template, kind, people):
    """The referring person and their agency's team."""
    return [person(payload["referred_by"], template, kind),
            *agency_team(payload["referring_agency"], payload["ward"], template, kind, people)]


def referral_submitted(payload, people):
    return _referring_side(payload, "referral.submitted", "referral.acknowledged", people)


def referral_triaged(payload, people):
    told = _referring_side(payload, "referral.triaged", "referral.triaged", people)
    if payload["decision"] == "redirect":
        told += agency_team(payload["redirect_to_agency"], payload["ward"],
                            "referral.triaged.receiving", "referral.redirected_to_you", people)
    return told


def referral_closed(payload, people):
    return _referring_side(payload, "referral.closed", "referral.closed", people)


def tasking_item_raised(payload, people):
    """The owning agency (and the named person, if any) hears it has a new action, however
    it was raised: by the routing rules from a referral or a ward priority, or by hand."""
    told = agency_team(payload["owner_agency"], payload["ward"], "tasking_item.raised",
                       "tasking_item.raised", people)
    if payload.get("owner_user"):
        told.append(person(payload["owner_user"], "tasking_item.raised",
                           "tasking_item.raised"))
    return told


def tasking_item_assigned(payload, people):
    """The owning agency (and the named person, if any) hears it is theirs. When the item
    stays with the agency that already owned it (and was told when it was raised), the
    template says what changed instead: who now holds it, and its due date. An action
    moved to another agency is also no longer the previous agency's: they hear that."""
    told = agency_team(payload["owner_agency"], payload["ward"], "tasking_item.assigned",
                       "tasking_item.assigned", people)
    if payload.get("owner_user"):
        told.append(person(payload["owner_user"], "tasking_item.assigned",
                           "tasking_item.assigned"))
    return told + tasking_item_moved_away(payload, people)


def tasking_item_moved_away(payload, people):
    """An action given to another agency (reassigned, or its referral redirected at
    triage): the agency that owned it hears it is no longer theirs, and the new owner
    hears it is (tasking_item_assigned)."""
    previous = payload.get("previous_owner_agency")
    if not previous or previous == payload["owner_agency"]:
        return []
    return agency_team(previous, payload["ward"], "tasking_item.moved_away",
                       "tasking_item.moved_away", people)


def tasking_item_completed(payload, people):
    """Who hears an action's outcome: the ward's panel for an action raised from its
    priority, the referring side for an action raised for a referral."""
    if payload.get("source_type") == "ward_priority":
        return priority_action_completed(payload, people)
    return referral_action_completed(payload, people)


def referral_action_completed(payload, people):
    """The referring person and their agency's team hear the outcome of an action raised
    for their referral (the referral's facts were added by repository.with_referring_side). Not news: an
    action tasking completed itself because triage decided no further action (the
    referral.triaged notification told them that, and such an outcome holds the
    coordinator's reason, which partners do not read), an action with no referral, or,
    for the person who completed it, their own outcome."""
    if payload.get("source_type") != "referral" or payload.get("cause") == "triage":
        return []
    return [recipient for recipient in _referring_side(payload, "tasking_item.completed",
                                                       "tasking_item.outcome", people)
            if recipient.username != payload["completed_by"]]


def ward_panel(ward, template, kind, people):
    """The ward panel: the members (residents, role `panel`) serving the ward."""
    return [person(name, template, kind) for name in people.with_role("panel", ward)]


def priority_action_completed(payload, people):
    """A ward panel hears what came of the priority it set (the study's panels felt "not
    part of the loop"): an action raised from it was completed. Told the public outcome
    only (content.py keeps the internal one out). Not news: the actions tasking completes
    itself because the panel closed the priority."""
    if payload.get("cause") == "ward_priority_closed":
        return []
    return ward_panel(payload["ward"], "ward_priority.action_completed",
                      "ward_priority.action_completed", people)


def ward_priority_set(payload, people):
    """A ward priority whose review date has come (the referrals service's timer marks it
    `due_for_review`): the ward's panel hears it is theirs to review. Setting, revising or
    closing one is the panel's or sergeant's own doing, not news to them."""
    if payload["status"] != "due_for_review":
        return []
    return ward_panel(payload["ward"], "ward_priority.due_for_review",
                      "ward_priority.due_for_review", people)


def referral_acknowledged(payload, people):
    """The agency a referral was redirected to has taken it up: the referring side hears."""
    return _referring_side(payload, "referral.acknowledged", "referral.taken_up", people)


def referral_disclosure_refused(payload, people):
    """An agency owns an action on a referral no agreement lets it read: the coordinator
    hears what is missing, so that nothing falls between agencies."""
    return [person(name, "referral.disclosure_refused", "referral.disclosure_refused")
            for name in people.with_role("coordinator")]


def tasking_item_overdue(payload, people):
    """The owner is chased and the coordinator told: nothing falls between agencies."""
    told = agency_team(payload["owner_agency"], payload["ward"], "tasking_item.overdue",
                       "tasking_item.overdue", people)
    if payload.get("owner_user"):
        told.append(person(payload["owner_user"], "tasking_item.overdue",
                           "tasking_item.overdue"))
    told += [person(name, "tasking_item.overdue.coordinator", "tasking_item.escalated")
             for name in people.with_role("coordinator")]
    return told


def pcso_task_assigned(payload, people):
    return [person(payload["assignee"], "pcso_task.assigned", "pcso_task.assigned")]


def _pcso_and_sergeants(payload, template, kind):
    def rule(people):
        return [person(payload["submitted_by"], template, kind)] + [
            person(name, template, kind)
            for name in people.with_role("sergeant", ward=payload["ward"])]
    return rule


def intelligence_noted(payload, people):
    return _pcso_and_sergeants(payload, "intelligence.noted", "intelligence.noted")(people)


def intelligence_feedback_given(payload, people):
    return _pcso_and_sergeants(payload, "intelligence.feedback_given",
                               "intelligence.feedback_given")(people)


def intelligence_service_level_missed(payload, people):
    """A reminder to the Borough Intelligence Unit when noting or feedback is late."""
    return [person(name, "intelligence.service_level_missed", "intelligence.reminder")
            for name in people.with_role("analyst")]


def case_review_published(payload, people):
    """Every partner agency's team hears the lessons: learning is shared, not targeted."""
    return [team(agency, "case_review.published", "case_review.lessons")
            for agency in payload["agencies"]]


def work_handed_over(payload, people):
    """Both people hear of a handover: the leaver that their open work has gone, the
    successor what they now hold. Handed back to the team, the sergeants of the PCSO
    tasks' wards hear the tasks wait for them (each action's owning agency hears from
    its own tasking_item.assigned)."""
    told = [person(payload["leaver"], "work.handed_over.leaver", "work.handed_over")]
    if payload.get("successor"):
        return told + [person(payload["successor"], "work.handed_over.successor",
                              "work.taken_over")]
    wards = sorted({task["ward"] for task in payload["pcso_tasks"]})
    return told + [person(name, "work.handed_over.team", "work.returned_to_team")
                   for ward in wards for name in people.with_role("sergeant", ward)]


def user_case_reading_role_given(payload, people):
    """A case-reading role opens the partnership's case data to a person: every other
    administrator hears of it, so that no admin grants one unseen."""
    return [person(name, "user.case_reading_role_given", "user.case_reading_role_given")
            for name in people.with_role("admin") if name != payload["given_by"]]


RULES = {
    "referral.submitted": referral_submitted,
    "referral.triaged": referral_triaged,
    "referral.closed": referral_closed,
    "tasking_item.raised": tasking_item_raised,
    "referral.acknowledged": referral_acknowledged,
    "referral.disclosure_refused": referral_disclosure_refused,
    "tasking_item.assigned": tasking_item_assigned,
    "tasking_item.completed": tasking_item_completed,
    "tasking_item.overdue": tasking_item_overdue,
    "pcso_task.assigned": pcso_task_assigned,
    "intelligence.noted": intelligence_noted,
    "intelligence.feedback_given": intelligence_feedback_given,
    "intelligence.service_level_missed": intelligence_service_level_missed,
    "case_review.published": case_review_published,
    "ward_priority.set": ward_priority_set,
    "work.handed_over": work_handed_over,
    "user.case_reading_role_given": user_case_reading_role_given,
}
"""Event type -> who is told. Add a rule and a template to notify about a new event."""


def recipients_for(event, people):
    """Each address once: a person named by two rules (the owner who is also the
    coordinator) gets the first, most specific notification."""
    chosen = {}
    for recipient in RULES[event.type](event.payload, people):
        chosen.setdefault(recipient.address, recipient)
    return list(chosen.values())
