"""Realistic multi-agency histories for the casereview tests: a `Story` writes the domain
events the other services would publish, each valid against its contract, carrying the
actor who would take that step, and timed on the story's own clock, so that rules are
judged against the times they would see. `RealTasking` adds what tasking itself publishes
in answer (its routing rules, the moves a triage decision makes), from tasking's own code."""
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from shared.events import Event, deserialize, serialize

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# The coordinator's account carries the agency `police` (gateway accounts), but acts for
# the partnership; the BIU, sergeants and PCSOs are police.
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police"}
SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police"}
PCSO = {"username": "pcso.dalston", "role": "pcso", "agency": "police"}
ANALYST = {"username": "biu.analyst", "role": "analyst", "agency": "police"}
TASKING = {"username": "tasking", "role": "system", "agency": None}


def new_id():
    return str(uuid.uuid4())


def partner(agency):
    """Someone of `agency` working in Wardline."""
    return {"username": f"{agency}.worker", "role": "partner", "agency": agency}


class Story:
    """Events about one person, in the order they happen. `at(days)` moves the clock."""

    def __init__(self, subject_id=None, start=DAY0):
        self.subject_id = subject_id or new_id()
        self.now = start
        self.events = []

    def at(self, days):
        self.now = DAY0 + timedelta(days=days)
        return self

    def _emit(self, type_, payload, actor):
        event = Event(type_, 1, payload, occurred_at=self.now, actor=actor)
        # Through the wire format, exactly as a consumer would receive it.
        event = deserialize(serialize(event))
        self.events.append(event)
        return event

    def refer(self, agency, risk="medium", category="youth_at_risk", subject_id=None):
        referral_id = new_id()
        self._emit("referral.submitted", {
            "referral_id": referral_id, "subject_id": subject_id or self.subject_id,
            "category": category, "risk_level": risk, "ward": "dalston",
            "referring_agency": agency, "referred_by": f"{agency}.worker",
            "submitted_at": self.now, "handling_code": "P"}, partner(agency))
        self._referrals = getattr(self, "_referrals", {})
        self._referrals[referral_id] = {"agency": agency, "risk": risk, "category": category,
                                        "subject_id": subject_id or self.subject_id}
        return referral_id

    def triage(self, referral_id, decision, reason="Discussed at tasking", to=None):
        referral = self._referrals[referral_id]
        status = {"accept": "accepted", "redirect": "redirected",
                  "no_further_action": "no_further_action"}[decision]
        return self._emit("referral.triaged", {
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "decision": decision, "status": status, "reason": reason,
            "redirect_to_agency": to, "category": referral["category"],
            "risk_level": referral["risk"], "ward": "dalston",
            "referring_agency": referral["agency"],
            "referred_by": f"{referral['agency']}.worker", "triaged_by": "coordinator",
            "triaged_at": self.now}, COORDINATOR)

    def acknowledge(self, referral_id, agency):
        referral = self._referrals[referral_id]
        return self._emit("referral.acknowledged", {
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "agency": agency, "acknowledged_by": f"{agency}.worker",
            "acknowledged_at": self.now}, partner(agency))

    def close(self, referral_id, outcome="Closed", previous_status="accepted"):
        referral = self._referrals[referral_id]
        return self._emit("referral.closed", {
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "outcome": outcome, "previous_status": previous_status,
            "category": referral["category"], "ward": "dalston",
            "referring_agency": referral["agency"],
            "referred_by": f"{referral['agency']}.worker", "closed_by": "coordinator",
            "closed_at": self.now}, COORDINATOR)

    def raise_action(self, referral_id, owner, due_in_hours=24, title="Home visit"):
        """The coordinator raises an action at a tasking meeting."""
        item_id = new_id()
        self._emit("tasking_item.raised", {
            "tasking_item_id": item_id, "title": title, "ward": "dalston",
            "owner_agency": owner, "due_by": self.now + timedelta(hours=due_in_hours),
            "source_type": "referral", "source_id": referral_id}, COORDINATOR)
        self._items = getattr(self, "_items", {})
        self._items[item_id] = {"owner": owner, "referral_id": referral_id,
                                "due_by": self.now + timedelta(hours=due_in_hours)}
        return item_id

    def assign(self, item_id, owner, due_in_hours=72, owner_user=None, by=None):
        """The coordinator (or, `by` an agency, someone of that agency) moves an action."""
        item = self._items[item_id]
        previous, item["owner"] = item["owner"], owner
        item["due_by"] = self.now + timedelta(hours=due_in_hours)
        actor = partner(by) if by else COORDINATOR
        return self._emit("tasking_item.assigned", {
            "tasking_item_id": item_id, "ward": "dalston", "owner_agency": owner,
            "owner_user": owner_user, "previous_owner_agency": previous,
            "due_by": item["due_by"], "assigned_by": actor["username"]}, actor)

    def update(self, item_id, by=None):
        """Someone of the owning agency (or `by` the coordinator) records progress."""
        item = self._items[item_id]
        actor = COORDINATOR if by == "coordinator" else partner(item["owner"])
        return self._emit("tasking_item.updated", {
            "tasking_item_id": item_id, "ward": "dalston", "owner_agency": item["owner"],
            "source_type": "referral", "source_id": item["referral_id"],
            "updated_by": actor["username"], "updated_at": self.now}, actor)

    def complete(self, item_id, outcome="Visit done; support agreed"):
        """Someone of the owning agency completes the action."""
        item = self._items[item_id]
        actor = partner(item["owner"])
        return self._emit("tasking_item.completed", {
            "tasking_item_id": item_id, "ward": "dalston", "owner_agency": item["owner"],
            "outcome": outcome, "source_type": "referral", "source_id": item["referral_id"],
            "completed_by": actor["username"], "completed_at": self.now}, actor)

    def overdue(self, item_id):
        item = self._items[item_id]
        return self._emit("tasking_item.overdue", {
            "tasking_item_id": item_id, "title": "Home visit", "ward": "dalston",
            "owner_agency": item["owner"], "owner_user": None, "due_by": item["due_by"],
            "escalated_to": "coordinator", "source_type": "referral",
            "source_id": item["referral_id"]}, TASKING)

    def task_pcso(self, source_type, source_id, due_in_days=7):
        task_id = new_id()
        self._emit("pcso_task.assigned", {
            "pcso_task_id": task_id, "ward": "dalston", "assignee": "pcso.dalston",
            "assigned_by": "sgt.dalston", "due_by": self.now + timedelta(days=due_in_days),
            "source_type": source_type, "source_id": source_id}, SERGEANT)
        return task_id

    def intelligence(self, pcso_task_id):
        report_id = new_id()
        self._emit("intelligence.submitted", {
            "intelligence_report_id": report_id, "ward": "dalston",
            "submitted_by": "pcso.dalston", "submitted_at": self.now,
            "pcso_task_id": pcso_task_id}, PCSO)
        return report_id

    def grade(self, report_id):
        return self._emit("intelligence.graded", {
            "intelligence_report_id": report_id, "ward": "dalston",
            "submitted_by": "pcso.dalston", "source_evaluation": 2,
            "intelligence_assessment": "B", "handling_code": "P", "graded_by": "biu.analyst",
            "graded_at": self.now}, ANALYST)

    def feedback(self, report_id, pcso_task_id=None):
        return self._emit("intelligence.feedback_given", {
            "intelligence_report_id": report_id, "ward": "dalston",
            "submitted_by": "pcso.dalston", "pcso_task_id": pcso_task_id,
            "usage": "informed_tasking", "note": "Used to plan a joint visit",
            "given_by": "biu.analyst", "given_at": self.now}, ANALYST)

    def link(self, other_subject_id, action="linked", link_id=None):
        link_id = link_id or new_id()
        self._emit("subject.linked", {
            "link_id": link_id, "subject_id": self.subject_id,
            "linked_subject_id": other_subject_id, "action": action,
            "method": "confirmed", "score": 0.93, "decided_by": "coordinator"}, COORDINATOR)
        return link_id


class RealTasking:
    """Tasking's own intake (services/tasking/handlers.py) on an in-memory database of its
    own: told a story's referral events, it publishes what tasking would (the action its
    routing rules raise, the action a redirect moves or "no further action" closes), with
    tasking's actors and causation, and those events join the story on the story's clock."""

    HEARS = {"referral.submitted": "raise_item_for_referral",
             "referral.triaged": "apply_triage"}

    def __init__(self, story):
        from services.tasking.orm import metadata
        from services.tasking.routing import RoutingRules
        from shared.testing.memory import InMemoryDatabase

        self.story = story
        self.db = InMemoryDatabase(metadata)
        self.rules = RoutingRules.load()

    def hear(self, event):
        """Tasking consumes `event` (as its consumer would); returns what it published."""
        from services.tasking import handlers as intake

        uow = self.db.unit_of_work(consumer=f"tasking.{self.HEARS[event.type]}",
                                   correlation_id=event.correlation_id)
        uow.causation_id = event.event_id  # as the consumer's unit of work records it
        already = len(self.db.committed_events)
        getattr(intake, self.HEARS[event.type])(event, self.rules, uow)
        published = []
        for answer in self.db.committed_events[already:]:
            # Tasking stamps its own clock; the story's is the one the rules are judged on.
            payload = {**answer.payload, **{key: self.story.now for key in ("completed_at",)
                                            if key in answer.payload}}
            answer = deserialize(serialize(replace(answer, payload=payload,
                                                   occurred_at=self.story.now)))
            self.story.events.append(answer)
            self._follow(answer)
            published.append(answer)
        return published

    def hear_last(self):
        return self.hear(self.story.events[-1])

    def _follow(self, event):
        """Keep the story's record of actions, so that it can go on to move or complete them."""
        items = self.story.__dict__.setdefault("_items", {})
        payload = event.payload
        if event.type == "tasking_item.raised":
            items[payload["tasking_item_id"]] = {"owner": payload["owner_agency"],
                                                 "referral_id": payload["source_id"],
                                                 "due_by": payload["due_by"]}
        elif event.type == "tasking_item.assigned":
            items[payload["tasking_item_id"]].update(owner=payload["owner_agency"],
                                                     due_by=payload["due_by"])
