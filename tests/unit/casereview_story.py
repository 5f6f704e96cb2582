"""Realistic multi-agency histories for the casereview tests: a `Story` writes the domain
events the other services would publish, each valid against its contract and timed on
the story's own clock, so that rules are judged against the times they would see."""
import uuid
from datetime import datetime, timedelta, timezone

from shared.events import Event, deserialize, serialize

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def new_id():
    return str(uuid.uuid4())


class Story:
    """Events about one person, in the order they happen. `at(days)` moves the clock."""

    def __init__(self, subject_id=None, start=DAY0):
        self.subject_id = subject_id or new_id()
        self.now = start
        self.events = []

    def at(self, days):
        self.now = DAY0 + timedelta(days=days)
        return self

    def _emit(self, type_, payload, actor=None):
        event = Event(type_, 1, payload, occurred_at=self.now,
                      actor=actor or {"username": "someone", "role": "partner",
                                      "agency": None})
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
            "submitted_at": self.now, "handling_code": "P"})
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
            "triaged_at": self.now})

    def acknowledge(self, referral_id, agency):
        referral = self._referrals[referral_id]
        return self._emit("referral.acknowledged", {
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "agency": agency, "acknowledged_by": f"{agency}.worker",
            "acknowledged_at": self.now})

    def close(self, referral_id, outcome="Closed", previous_status="accepted"):
        referral = self._referrals[referral_id]
        return self._emit("referral.closed", {
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "outcome": outcome, "previous_status": previous_status,
            "category": referral["category"], "ward": "dalston",
            "referring_agency": referral["agency"],
            "referred_by": f"{referral['agency']}.worker", "closed_by": "coordinator",
            "closed_at": self.now})

    def raise_action(self, referral_id, owner, due_in_hours=24, title="Home visit"):
        item_id = new_id()
        self._emit("tasking_item.raised", {
            "tasking_item_id": item_id, "title": title, "ward": "dalston",
            "owner_agency": owner, "due_by": self.now + timedelta(hours=due_in_hours),
            "source_type": "referral", "source_id": referral_id})
        self._items = getattr(self, "_items", {})
        self._items[item_id] = {"owner": owner, "referral_id": referral_id,
                                "due_by": self.now + timedelta(hours=due_in_hours)}
        return item_id

    def assign(self, item_id, owner, due_in_hours=72):
        item = self._items[item_id]
        previous, item["owner"] = item["owner"], owner
        item["due_by"] = self.now + timedelta(hours=due_in_hours)
        return self._emit("tasking_item.assigned", {
            "tasking_item_id": item_id, "ward": "dalston", "owner_agency": owner,
            "owner_user": None, "previous_owner_agency": previous,
            "due_by": item["due_by"], "assigned_by": "coordinator"})

    def complete(self, item_id, outcome="Visit done; support agreed"):
        item = self._items[item_id]
        return self._emit("tasking_item.completed", {
            "tasking_item_id": item_id, "ward": "dalston", "owner_agency": item["owner"],
            "outcome": outcome, "source_type": "referral", "source_id": item["referral_id"],
            "completed_by": f"{item['owner']}.worker", "completed_at": self.now})

    def overdue(self, item_id):
        item = self._items[item_id]
        return self._emit("tasking_item.overdue", {
            "tasking_item_id": item_id, "title": "Home visit", "ward": "dalston",
            "owner_agency": item["owner"], "owner_user": None, "due_by": item["due_by"],
            "escalated_to": "coordinator", "source_type": "referral",
            "source_id": item["referral_id"]})

    def task_pcso(self, source_type, source_id, due_in_days=7):
        task_id = new_id()
        self._emit("pcso_task.assigned", {
            "pcso_task_id": task_id, "ward": "dalston", "assignee": "pcso.dalston",
            "assigned_by": "sgt.dalston", "due_by": self.now + timedelta(days=due_in_days),
            "source_type": source_type, "source_id": source_id})
        return task_id

    def intelligence(self, pcso_task_id):
        report_id = new_id()
        self._emit("intelligence.submitted", {
            "intelligence_report_id": report_id, "ward": "dalston",
            "submitted_by": "pcso.dalston", "submitted_at": self.now,
            "pcso_task_id": pcso_task_id})
        return report_id

    def grade(self, report_id):
        return self._emit("intelligence.graded", {
            "intelligence_report_id": report_id, "ward": "dalston",
            "submitted_by": "pcso.dalston", "source_evaluation": 2,
            "intelligence_assessment": "B", "handling_code": "P", "graded_by": "biu.analyst",
            "graded_at": self.now})

    def feedback(self, report_id, pcso_task_id=None):
        return self._emit("intelligence.feedback_given", {
            "intelligence_report_id": report_id, "ward": "dalston",
            "submitted_by": "pcso.dalston", "pcso_task_id": pcso_task_id,
            "usage": "informed_tasking", "note": "Used to plan a joint visit",
            "given_by": "biu.analyst", "given_at": self.now})

    def link(self, other_subject_id, action="linked", link_id=None):
        link_id = link_id or new_id()
        self._emit("subject.linked", {
            "link_id": link_id, "subject_id": self.subject_id,
            "linked_subject_id": other_subject_id, "action": action,
            "method": "confirmed", "score": 0.93, "decided_by": "coordinator"})
        return link_id
