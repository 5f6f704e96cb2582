"""Recording every collection, alteration, consultation, disclosure and combination of a
person's data made through the API, and the admins' view of that trail."""
from services.gateway import audit
from services.gateway.schemas import AuditEntryView, page_of
from services.gateway.http import api, page_limit
from shared.consumers import on_event

SYSTEM = {"username": "wardline", "role": "system", "agency": None}


def audits_change(source, event_type, action, record_type, id_field, purpose,
                  recipient=None):
    """An event entrypoint that records the change `event_type` announces: one row naming
    the record in `id_field` (or each of a tuple of fields: a case review and the person
    it is about), with the route's purpose, which may name payload fields ("{stage}").
    Declared once per event below."""
    id_fields = (id_field,) if isinstance(id_field, str) else id_field

    @on_event(source, event_type)
    def audit(self, event):
        self._record_change(event, action, record_type,
                            [event.payload[field] for field in id_fields],
                            purpose.format_map(event.payload), recipient=recipient)
    audit.__doc__ = f"{purpose}: an {action} of a {record_type}, from {event_type}."
    return audit


def handover_purpose(payload):
    """What the trail says of a handover: whose work, to whom, how much of it."""
    to = payload["successor"] or "the team"
    return (f"Handing over {payload['leaver']}'s open work to {to}: "
            f"{len(payload['pcso_tasks'])} PCSO task(s), "
            f"{len(payload['tasking_items'])} action(s)")


class AuditRoutes:
    def record_access(self, request, action, record_type, record_ids, purpose, recipient=None):
        """Write one audit row for what this request read, before the answer leaves: the
        row commits, or the request fails and nothing is shown (fail closed). Changes are
        recorded from the owner's own events instead (below), which commit with them."""
        if not record_ids:
            return
        with self.uow:
            audit.record(self.uow.session, request.principal, action, record_type, record_ids,
                         purpose, correlation_id=request.correlation_id,
                         recipient=recipient, stated=audit.stated_purpose(request))

    def audited(self, request, action, record_type, result, purpose):
        """Record `action` on the record(s) in `result` (one, or a page of `items`), and
        hand `result` back, so a route reads `return self.audited(..., rpc(...), ...)`."""
        records = result["items"] if "items" in result else [result]
        self.record_access(request, action, record_type, [r["id"] for r in records], purpose)
        return result

    @api("GET", "/api/audit", roles=("admin", "dpo"), response=page_of(AuditEntryView),
         query=audit.AuditQuery(exclude=("limit", "cursor")))
    def audit_trail(self, request):
        with self.uow:
            result = audit.search(self.uow.session, request.args.to_dict(), page_limit(request))
        return result

    def _record_change(self, event, action, record_type, ids, purpose, recipient=None):
        """One audit row for a change the owning service announced: the event left its
        outbox in the same transaction as the change, so no change goes unrecorded, and a
        redelivered event is recorded once (the event id is unique on the trail)."""
        with self.uow:
            if not self.uow.first_time(event):
                return
            who = event.actor if event.actor.get("role") != "system" else SYSTEM
            audit.record(self.uow.session, who, action, record_type,
                         [i for i in ids if i], purpose, correlation_id=event.correlation_id,
                         recipient=recipient, event_id=event.event_id)

    @on_event("referrals", "referral.triaged")
    def audit_triage(self, event):
        p = event.payload
        self._record_change(event, "alteration", "referral", [p["referral_id"]],
                            f"Triage: {p['decision']}")

    audit_referral_submitted = audits_change(
        "referrals", "referral.submitted", "collection", "referral",
        ("referral_id", "subject_id"), "Referral intake")
    audit_referral_closed = audits_change("referrals", "referral.closed", "alteration",
                                          "referral", "referral_id", "Closing a referral")
    audit_retention_decided = audits_change(
        "referrals", "referral.retention_decided", "alteration", "referral", "referral_id",
        "Retention review: {decision}")
    audit_referral_disposed = audits_change(
        # The tombstone: what kind, the reference, when (the row's time), by whose decision
        # and under which schedule entry. Ids and the reference only: no one's details.
        "referrals", "referral.disposed", "erasure", "referral", "referral_id",
        "Disposed of under the retention schedule: {reference}, entry {schedule_entry}, "
        "on {grounds} of {decided_by}")
    audit_referral_acknowledged = audits_change(
        "referrals", "referral.acknowledged", "alteration", "referral", "referral_id",
        "Taking up a redirected referral")

    @on_event("referrals", "referral.disclosed")
    def audit_referral_disclosed(self, event):
        """The first time another agency may read a referral: a disclosure, to it."""
        p = event.payload
        why = {"redirect": "Redirected to the agency best placed to act",
               "action": "The agency owns an action on the referral"}[p["via"]] + \
            f" (sharing agreement {p['agreement_id']})" + (
                f"; code C conditions acknowledged by {p['conditions_acknowledged_by']}"
                if p.get("conditions_acknowledged_by") else "")
        self._record_change(event, "disclosure", "referral",
                            [p["referral_id"], p["subject_id"]], why,
                            recipient=f"agency:{p['agency']}")

    audit_action_raised = audits_change("tasking", "tasking_item.raised", "collection",
                                        "tasking_item", "tasking_item_id", "Raising an action")
    audit_action_assigned = audits_change("tasking", "tasking_item.assigned", "alteration",
                                          "tasking_item", "tasking_item_id",
                                          "Assigning an action")
    audit_action_updated = audits_change("tasking", "tasking_item.updated", "alteration",
                                         "tasking_item", "tasking_item_id",
                                         "Recording progress on an action")
    audit_action_completed = audits_change("tasking", "tasking_item.completed", "alteration",
                                           "tasking_item", "tasking_item_id",
                                           "Completing an action")
    audit_pcso_task_assigned = audits_change("tasking", "pcso_task.assigned", "collection",
                                             "pcso_task", "pcso_task_id", "Tasking a PCSO")

    @on_event("tasking", "work.handed_over")
    def audit_work_handed_over(self, event):
        """A leaver's open PCSO tasks change hands (each action moved is also audited
        from its own tasking_item.assigned): one row naming the tasks, saying to whom."""
        p = event.payload
        self._record_change(event, "alteration", "pcso_task",
                            [task["pcso_task_id"] for task in p["pcso_tasks"]],
                            handover_purpose(p))

    @on_event("tasking", "intelligence.submitted")
    def audit_intelligence_filed(self, event):
        """A PCSO's report collects what they saw or heard, about people as often as not."""
        self._record_change(event, "collection", "intelligence_report",
                            [event.payload["intelligence_report_id"]],
                            "Filing intelligence for a PCSO task"
                            if event.payload.get("pcso_task_id") else "Filing intelligence")

    audit_intelligence_noted = audits_change(
        "tasking", "intelligence.noted", "alteration", "intelligence_report",
        "intelligence_report_id", "Noting intelligence formally")
    audit_intelligence_graded = audits_change(
        "tasking", "intelligence.graded", "alteration", "intelligence_report",
        "intelligence_report_id", "Grading intelligence (3x5x2)")
    audit_intelligence_feedback = audits_change(
        "tasking", "intelligence.feedback_given", "alteration", "intelligence_report",
        "intelligence_report_id", "Feedback on how intelligence was used")

    @on_event("referrals", "subject.linked")
    def audit_subject_link(self, event):
        """Joining two people's records is a combination of personal data, whoever did it."""
        p = event.payload
        self._record_change(event, "combination" if p["action"] == "linked" else "alteration",
                            "subject", [p["subject_id"], p["linked_subject_id"]],
                            f"subject records {p['action']} ({p['method']})")

    # Case reviews: each row names the review and its subject, so the subject's trail
    # (`record_id=<subject>`) shows who worked on a review of them.
    @on_event("casereview", "case_review.opened")
    def audit_case_review_opened(self, event):
        """Opening a review gathers what every agency holds about a person; taking up one
        the chronology suggested alters that suggestion."""
        p = event.payload
        self._record_change(event, "alteration" if p["suggested_by_rule"] else "collection",
                            "case_review", [p["case_review_id"], p["subject_id"]],
                            "Opening a review the chronology suggested"
                            if p["suggested_by_rule"] else
                            "Opening a case review after a serious incident")

    audit_case_review_moved = audits_change(
        "casereview", "case_review.stage_moved", "alteration", "case_review",
        ("case_review_id", "subject_id"), "Moving a case review on ({from_stage} to {stage})")
    audit_missed_opportunity_decided = audits_change(
        "casereview", "case_review.missed_opportunity_decided", "alteration", "case_review",
        ("case_review_id", "subject_id"), "Deciding a missed opportunity ({decision})")
    audit_case_review_finding = audits_change(
        "casereview", "case_review.finding_recorded", "alteration", "case_review",
        ("case_review_id", "subject_id"), "Recording a finding")
    audit_case_review_lesson = audits_change(
        "casereview", "case_review.lesson_recorded", "alteration", "case_review",
        ("case_review_id", "subject_id"), "Recording a lesson")
    audit_case_review_published = audits_change(
        "casereview", "case_review.published", "disclosure", "case_review",
        ("case_review_id", "subject_id"), "Publishing a case review's lessons",
        recipient="partner agencies")
