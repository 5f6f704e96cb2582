"""The tasking service: actions with owners and due dates (tasking items), tasking
meetings, PCSO tasks and intelligence reports, and the overdue check."""
from nameko.dependency_providers import Config
from shared.rpc import rpc

from services.tasking import (dashboards, disposal, handlers, handover, intelligence,
                              meetings)
from services.tasking.orm import metadata
from services.tasking.printing import meeting_page
from services.tasking.routing import RoutingRules
from shared.contracts.tasking import (IntelligenceReportView, MeetingView, PcsoTaskView,
                                      TaskingDashboardView, TaskingItemView)
from shared.consumers import on_event
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED
from shared.extensions import BuiltFromConfig
from shared.health import HealthEndpoint
from shared.retention import retention_schedule
from shared.need_to_know import shape
from shared.timers import configured_timer

ITEM = TaskingItemView()
LISTED_ITEM = TaskingItemView(exclude=("history",))
TASKS = PcsoTaskView(many=True, exclude=("reports",))
REPORT = IntelligenceReportView()
MEETINGS_ONE = MeetingView(exclude=("agenda", "actions"))


def item_answer(shown, view=ITEM):
    """A tasking item as its reader's audience may read it (shared/need_to_know.py)."""
    item, audience = shown
    return shape("tasking_item", audience, view.dump(item))


def meeting_answer(meeting, view=MeetingView()):
    """A meeting (already filtered to its reader: meetings.as_read_by) with each action and
    overdue item shaped for the audience its reader reads it as."""
    audiences = meeting["audiences"]
    answer = view.dump(meeting)
    if "actions" in answer:
        answer["actions"] = [shape("tasking_item", audiences[item["id"]], item)
                             for item in answer["actions"]]
    if "agenda" in answer:
        answer["agenda"]["overdue_items"] = [
            shape("tasking_item", audiences[item["id"]], item)
            for item in answer["agenda"].get("overdue_items") or []]
    return shape("meeting", meeting["audience"], answer)


def report_answer(report, actor):
    return shape("intelligence_report", intelligence.audience(actor), REPORT.dump(report))


def service_levels(config):
    return {"note_days": config["INTELLIGENCE_NOTE_DAYS"],
            "feedback_days": config["INTELLIGENCE_FEEDBACK_DAYS"]}


class TaskingService(HealthEndpoint):
    name = "tasking"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    retention = retention_schedule()  # checked at start: a wrong file stops the service
    rules = BuiltFromConfig(lambda config: RoutingRules.load(config.get("TASKING_RULES")))
    sla = BuiltFromConfig(service_levels)

    # --- events in ---------------------------------------------------------------------

    @on_event("referrals", "referral.submitted")
    def raise_item_for_referral(self, event):
        handlers.raise_item_for_referral(event, self.rules, self.uow)

    @on_event("referrals", "referral.triaged")
    def apply_triage(self, event):
        handlers.apply_triage(event, self.rules, self.uow)

    @on_event("referrals", "referral.closed")
    def record_referral_closed(self, event):
        handlers.record_referral_closed(event, self.uow)

    @on_event("referrals", "referral.disposed")
    def dispose_referral(self, event):
        disposal.dispose_referral(event, self.uow)

    @on_event("referrals", "ward_priority.set")
    def apply_ward_priority(self, event):
        handlers.apply_ward_priority(event, self.rules, self.uow)

    # --- the due-date check --------------------------------------------------------------

    @configured_timer("OVERDUE_CHECK_SECONDS")
    def check_due_dates(self):
        handlers.mark_overdue(self.uow)
        intelligence.expire_pcso_tasks(self.uow)
        intelligence.remind_missed_service_levels(self.uow)

    # --- tasking items -------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def actions_for_referral(self, referral_id, actor):
        return [item_answer(shown, LISTED_ITEM)
                for shown in handlers.actions_for_referral(referral_id, actor, self.uow)]

    @rpc(expected_exceptions=EXPECTED)
    def query_tasking_items(self, query, actor):
        result = handlers.list_items(query, actor, self.uow)
        return {**result, "items": [item_answer(shown, LISTED_ITEM)
                                    for shown in result["items"]]}

    @rpc(expected_exceptions=EXPECTED)
    def get_tasking_item(self, item_id, actor):
        return self._item(item_id, actor)

    @rpc(expected_exceptions=EXPECTED)
    def resolve_reference(self, reference, actor):
        return handlers.resolve_reference(reference, self.uow)

    @rpc(expected_exceptions=EXPECTED)
    def raise_tasking_item(self, payload, actor):
        return self._item(handlers.raise_item(payload, actor, self.uow), actor)

    @rpc(expected_exceptions=EXPECTED)
    def assign_tasking_item(self, item_id, payload, actor):
        return self._item(handlers.assign_item(item_id, payload, actor, self.uow), actor)

    @rpc(expected_exceptions=EXPECTED)
    def update_tasking_item(self, item_id, payload, actor):
        return self._item(handlers.add_update(item_id, payload, actor, self.uow), actor)

    @rpc(expected_exceptions=EXPECTED)
    def complete_tasking_item(self, item_id, payload, actor):
        return self._item(handlers.complete_item(item_id, payload, actor, self.uow), actor)

    def _item(self, item_id, actor):
        return item_answer(handlers.get_item(item_id, actor, self.uow))

    # --- tasking meetings ----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def open_meeting(self, payload, actor):
        return meeting_answer(meetings.open_meeting(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_meeting(self, meeting_id, actor):
        return meeting_answer(meetings.get_meeting(meeting_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_meetings(self, actor, limit=50, cursor=None):
        result = meetings.list_meetings(actor, limit, cursor, self.uow)
        return {**result, "items": [meeting_answer(meeting, MEETINGS_ONE)
                                    for meeting in result["items"]]}

    @rpc(expected_exceptions=EXPECTED)
    def add_meeting_action(self, meeting_id, payload, actor):
        return self._item(meetings.add_action(meeting_id, payload, actor, self.uow), actor)

    @rpc(expected_exceptions=EXPECTED)
    def close_meeting(self, meeting_id, payload, actor):
        return meeting_answer(meetings.close_meeting(meeting_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def print_meeting(self, meeting_id, actor):
        # The page is printed from the answer as this reader may read it, nothing more.
        return meeting_page(meeting_answer(meetings.get_meeting(meeting_id, actor, self.uow)))

    # --- PCSO tasks and intelligence reports ---------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def assign_pcso_task(self, payload, assignee_account, actor):
        return PcsoTaskView().dump(intelligence.assign_pcso_task(payload, assignee_account,
                                                                 actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def give_pcso_task(self, task_id, payload, assignee_account, actor):
        return PcsoTaskView().dump(intelligence.give_pcso_task(
            task_id, payload, assignee_account, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_pcso_tasks(self, query, actor):
        result = intelligence.list_pcso_tasks(query, actor, self.uow)
        return {**result, "items": TASKS.dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def get_pcso_task(self, task_id, actor):
        return PcsoTaskView().dump(intelligence.get_pcso_task(task_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def file_report(self, task_id, payload, actor):
        return IntelligenceReportView().dump(intelligence.file_report(
            task_id, payload, actor, self.uow, self.sla))

    @rpc(expected_exceptions=EXPECTED)
    def file_ad_hoc_report(self, payload, actor):
        return IntelligenceReportView().dump(intelligence.file_ad_hoc_report(
            payload, actor, self.uow, self.sla))

    @rpc(expected_exceptions=EXPECTED)
    def list_intelligence(self, query, actor):
        result = intelligence.list_reports(query, actor, self.uow)
        return {**result, "items": [report_answer(report, actor)
                                    for report in result["items"]]}

    @rpc(expected_exceptions=EXPECTED)
    def get_intelligence(self, report_id, actor):
        return report_answer(intelligence.get_report(report_id, actor, self.uow), actor)

    @rpc(expected_exceptions=EXPECTED)
    def note_intelligence(self, report_id, actor):
        return IntelligenceReportView().dump(intelligence.note_report(report_id, actor,
                                                                      self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def grade_intelligence(self, report_id, payload, actor):
        return IntelligenceReportView().dump(intelligence.grade_report(report_id, payload,
                                                                       actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def give_intelligence_feedback(self, report_id, payload, actor):
        return IntelligenceReportView().dump(intelligence.give_feedback(report_id, payload,
                                                                        actor, self.uow))

    # --- a leaver's open work ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def hand_over_work(self, leaver, successor_account, actor):
        return handover.hand_over_work(leaver, successor_account, actor, self.uow)

    # --- dashboards and operators' figures (aggregates only) ---------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_tasking_dashboard(self, query, actor):
        return TaskingDashboardView().dump(dashboards.tasking_dashboard(query, actor,
                                                                        self.uow))

    @rpc(needs_caller=False)  # aggregates for /metrics, which needs no token
    def get_figures(self):
        return dashboards.figures(self.uow)

    @rpc(needs_caller=False)
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
