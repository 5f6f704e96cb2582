"""The tasking service: actions with owners and due dates (tasking items), tasking
meetings, PCSO tasks and intelligence reports, and the overdue check."""
from nameko.dependency_providers import Config
from shared.rpc import rpc

from services.tasking import dashboards, handlers, intake, intelligence, meetings
from services.tasking.orm import metadata
from services.tasking.printing import meeting_page
from services.tasking.routing import RoutingRules
from services.tasking.schemas import (IntelligenceReportView, MeetingView, PcsoTaskView,
                                      TaskingDashboardView, TaskingItemView)
from shared.consumers import domain_event_handler
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED
from shared.extensions import BuiltFromConfig
from shared.health import HealthEndpoint
from shared.timers import configured_timer

ITEMS = TaskingItemView(many=True, exclude=("history",))
TASKS = PcsoTaskView(many=True, exclude=("reports",))
REPORTS = IntelligenceReportView(many=True)


def service_levels(config):
    return {"note_days": config["INTELLIGENCE_NOTE_DAYS"],
            "feedback_days": config["INTELLIGENCE_FEEDBACK_DAYS"]}


class TaskingService(HealthEndpoint):
    name = "tasking"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    rules = BuiltFromConfig(lambda config: RoutingRules.load(config.get("TASKING_RULES")))
    sla = BuiltFromConfig(service_levels)

    # --- events in ---------------------------------------------------------------------

    @domain_event_handler("referrals", "referral.submitted")
    def raise_item_for_referral(self, event):
        intake.raise_item_for_referral(event, self.rules, self.uow)

    @domain_event_handler("referrals", "referral.triaged")
    def apply_triage(self, event):
        intake.apply_triage(event, self.rules, self.uow)

    @domain_event_handler("referrals", "referral.closed")
    def record_referral_closed(self, event):
        intake.record_referral_closed(event, self.uow)

    @domain_event_handler("referrals", "ward_priority.set")
    def apply_ward_priority(self, event):
        intake.apply_ward_priority(event, self.rules, self.uow)

    # --- the due-date check --------------------------------------------------------------

    @configured_timer("OVERDUE_CHECK_SECONDS")
    def check_due_dates(self):
        handlers.mark_overdue(self.uow)
        intelligence.expire_pcso_tasks(self.uow)
        intelligence.remind_missed_service_levels(self.uow)

    # --- tasking items -------------------------------------------------------------------

    @rpc
    def list_tasking_items(self, source_type=None, source_id=None, limit=50):
        return ITEMS.dump(handlers.items_for_source(source_type, source_id, limit, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def query_tasking_items(self, query, actor):
        result = handlers.list_items(query, actor, self.uow)
        return {**result, "items": ITEMS.dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def get_tasking_item(self, item_id, actor):
        return TaskingItemView().dump(handlers.get_item(item_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def raise_tasking_item(self, payload, actor):
        return TaskingItemView().dump(handlers.raise_item(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def assign_tasking_item(self, item_id, payload, actor):
        return TaskingItemView().dump(handlers.assign_item(item_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def update_tasking_item(self, item_id, payload, actor):
        return TaskingItemView().dump(handlers.add_update(item_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def complete_tasking_item(self, item_id, payload, actor):
        return TaskingItemView().dump(handlers.complete_item(item_id, payload, actor,
                                                             self.uow))

    # --- tasking meetings ----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def open_meeting(self, payload, actor):
        return MeetingView().dump(meetings.open_meeting(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_meeting(self, meeting_id, actor):
        return MeetingView().dump(meetings.get_meeting(meeting_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_meetings(self, actor, limit=50, cursor=None):
        result = meetings.list_meetings(actor, limit, cursor, self.uow)
        return {**result, "items": MeetingView(many=True, exclude=("agenda", "actions"))
                .dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def add_meeting_action(self, meeting_id, payload, actor):
        item_id = meetings.add_action(meeting_id, payload, actor, self.uow)
        return TaskingItemView().dump(handlers.get_item(item_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def close_meeting(self, meeting_id, payload, actor):
        return MeetingView().dump(meetings.close_meeting(meeting_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def print_meeting(self, meeting_id, actor):
        return meeting_page(meetings.get_meeting(meeting_id, actor, self.uow))

    # --- PCSO tasks and intelligence reports ---------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def assign_pcso_task(self, payload, assignee_account, actor):
        return PcsoTaskView().dump(intelligence.assign_pcso_task(payload, assignee_account,
                                                                 actor, self.uow))

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
            task_id, payload, actor, self.sla, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def file_ad_hoc_report(self, payload, actor):
        return IntelligenceReportView().dump(intelligence.file_ad_hoc_report(
            payload, actor, self.sla, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_intelligence(self, query, actor):
        result = intelligence.list_reports(query, actor, self.uow)
        return {**result, "items": REPORTS.dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def get_intelligence(self, report_id, actor):
        return IntelligenceReportView().dump(intelligence.get_report(report_id, actor,
                                                                     self.uow))

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

    # --- dashboards and operators' figures (aggregates only) ---------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_tasking_dashboard(self, query, actor):
        return TaskingDashboardView().dump(dashboards.tasking_dashboard(query, actor,
                                                                        self.uow))

    @rpc
    def get_figures(self):
        return dashboards.figures(self.uow)

    @rpc
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
