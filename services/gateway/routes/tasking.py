"""Tasking items, tasking meetings, PCSO tasks and intelligence reports (tasking service).
The gateway checks roles and the names only it can check (wards from the ward register,
agencies, users' accounts); tasking scopes every answer to the caller."""
from werkzeug.wrappers import Response

from services.gateway import accounts
from services.gateway.http import actor, api, json_body, page_limit
from services.gateway.schemas import page_of
from shared.contracts.tasking import (AdHocReportSchema, AssignSchema, CloseMeetingSchema,
                                      CompleteSchema, FeedbackSchema, GradeSchema,
                                      IntelligenceQuerySchema, IntelligenceReportView,
                                      ItemQuerySchema, MeetingActionSchema, MeetingView,
                                      OpenMeetingSchema, PcsoTaskAssigneeSchema,
                                      PcsoTaskQuerySchema, PcsoTaskSchema,
                                      PcsoTaskView, RaiseItemSchema, ReportSchema,
                                      TaskingItemView, UpdateSchema)
from shared.errors import InvalidContent
from shared.vocabulary import AGENCIES

ITEM_READERS = ("partner", "panel", "coordinator", "sergeant", "pcso", "analyst", "reviewer")
ITEM_ASSIGNERS = ("coordinator", "partner", "sergeant")
ITEM_WORKERS = ("coordinator", "partner", "sergeant", "pcso")
MEETING_READERS = ("coordinator", "sergeant", "analyst", "reviewer")
TASK_READERS = ("coordinator", "sergeant", "pcso", "analyst")
INTELLIGENCE_READERS = ("analyst", "coordinator", "sergeant", "pcso")


class TaskingRoutes:
    # --- tasking items -------------------------------------------------------------------

    @api("GET", "/api/tasking/items", roles=ITEM_READERS, query=ItemQuerySchema,
         response=page_of(TaskingItemView))
    def list_tasking_items_page(self, request):
        return self.audited(request, "consultation", "tasking_item",
                            self.tasking.query_tasking_items(request.args.to_dict(),
                                                             actor(request.principal)),
                            "Listing tasking items")

    @api("POST", "/api/tasking/items", roles=("coordinator",), request=RaiseItemSchema,
         response=TaskingItemView, status=201)
    def raise_tasking_item(self, request):
        payload = json_body(request)
        self._check_names(payload, wards=("ward",), agencies=("owner_agency",))
        return 201, self.tasking.raise_tasking_item(payload, actor(request.principal))

    @api("GET", "/api/tasking/items/<string:item_id>", roles=ITEM_READERS,
         response=TaskingItemView)
    def get_tasking_item(self, request, item_id):
        return self.audited(request, "consultation", "tasking_item",
                            self.tasking.get_tasking_item(item_id, actor(request.principal)),
                            "Reading a tasking item")

    @api("POST", "/api/tasking/items/<string:item_id>/assign", roles=ITEM_ASSIGNERS,
         request=AssignSchema, response=TaskingItemView)
    def assign_tasking_item(self, request, item_id):
        payload = json_body(request)
        self._check_names(payload, agencies=("owner_agency",))
        return self.tasking.assign_tasking_item(item_id, payload, actor(request.principal))

    @api("POST", "/api/tasking/items/<string:item_id>/updates", roles=ITEM_WORKERS,
         request=UpdateSchema, response=TaskingItemView)
    def update_tasking_item(self, request, item_id):
        return self.tasking.update_tasking_item(item_id, json_body(request),
                                                actor(request.principal))

    @api("POST", "/api/tasking/items/<string:item_id>/complete", roles=ITEM_WORKERS,
         request=CompleteSchema, response=TaskingItemView)
    def complete_tasking_item(self, request, item_id):
        return self.tasking.complete_tasking_item(item_id, json_body(request),
                                                  actor(request.principal))

    # --- tasking meetings ----------------------------------------------------------------

    @api("POST", "/api/tasking/meetings", roles=("coordinator",), request=OpenMeetingSchema,
         response=MeetingView, status=201)
    def open_meeting(self, request):
        payload = json_body(request)
        self._check_names(payload, ward_lists=("wards",))
        return 201, self.tasking.open_meeting(payload, actor(request.principal))

    @api("GET", "/api/tasking/meetings", roles=MEETING_READERS, response=page_of(MeetingView))
    def list_meetings(self, request):
        # Not a consultation: the list leaves out every meeting's agenda and actions.
        return self.tasking.list_meetings(actor(request.principal), page_limit(request),
                                          request.args.get("cursor"))

    @api("GET", "/api/tasking/meetings/<string:meeting_id>", roles=MEETING_READERS,
         response=MeetingView)
    def get_meeting(self, request, meeting_id):
        meeting = self.tasking.get_meeting(meeting_id, actor(request.principal))
        self._record_meeting_access(request, meeting, "Reading a tasking meeting")
        return meeting

    @api("GET", "/api/tasking/meetings/<string:meeting_id>/print", roles=MEETING_READERS,
         response="text/html")
    def print_meeting(self, request, meeting_id):
        page = self.tasking.print_meeting(meeting_id, actor(request.principal))
        self._record_meeting_access(
            request, self.tasking.get_meeting(meeting_id, actor(request.principal)),
            "Printing a tasking meeting's agenda")
        return Response(page, status=200, mimetype="text/html")

    def _record_meeting_access(self, request, meeting, purpose):
        """A meeting's agenda lists new referrals and overdue items, and its actions are
        tasking items: reading it consults each of them."""
        agenda = meeting.get("agenda") or {}
        referral_ids = [r["referral_id"] for r in agenda.get("new_referrals") or []]
        item_ids = [item["id"] for item in [*(agenda.get("overdue_items") or []),
                                            *(meeting.get("actions") or [])]]
        self.record_access(request, "consultation", "referral", referral_ids, purpose)
        self.record_access(request, "consultation", "tasking_item", item_ids, purpose)

    @api("POST", "/api/tasking/meetings/<string:meeting_id>/actions", roles=("coordinator",),
         request=MeetingActionSchema, response=TaskingItemView, status=201)
    def add_meeting_action(self, request, meeting_id):
        payload = json_body(request)
        self._check_names(payload, agencies=("owner_agency",))
        return 201, self.tasking.add_meeting_action(meeting_id, payload,
                                                    actor(request.principal))

    @api("POST", "/api/tasking/meetings/<string:meeting_id>/close", roles=("coordinator",),
         request=CloseMeetingSchema, response=MeetingView)
    def close_meeting(self, request, meeting_id):
        return self.tasking.close_meeting(meeting_id, json_body(request),
                                          actor(request.principal))

    # --- PCSO tasks ----------------------------------------------------------------------

    @api("POST", "/api/pcso-tasks", roles=("sergeant",), request=PcsoTaskSchema,
         response=PcsoTaskView, status=201)
    def assign_pcso_task(self, request):
        payload = json_body(request)
        return 201, self.tasking.assign_pcso_task(
            payload, self._pcso_account(payload.get("assignee")), actor(request.principal))

    @api("POST", "/api/pcso-tasks/<string:task_id>/assignee", roles=("sergeant",),
         request=PcsoTaskAssigneeSchema, response=PcsoTaskView)
    def give_pcso_task(self, request, task_id):
        # Audited from pcso_task.assigned, which commits with the change (audit.py).
        payload = json_body(request)
        return self.tasking.give_pcso_task(task_id, payload,
                                           self._pcso_account(payload.get("assignee")),
                                           actor(request.principal))

    def _pcso_account(self, username):
        """The role and wards of the account named to hold a PCSO task, as only the
        gateway (which owns accounts) knows them; None if there is no such account."""
        with self.uow:
            account = (accounts.find_user(self.uow.session, username)
                       if isinstance(username, str) else None)
        return {key: account[key] for key in ("role", "wards")} if account else None

    @api("GET", "/api/pcso-tasks", roles=TASK_READERS, query=PcsoTaskQuerySchema,
         response=page_of(PcsoTaskView))
    def list_pcso_tasks(self, request):
        return self.audited(request, "consultation", "pcso_task", self.tasking.list_pcso_tasks(
            request.args.to_dict(), actor(request.principal)), "Listing PCSO tasks")

    @api("GET", "/api/pcso-tasks/<string:task_id>", roles=TASK_READERS, response=PcsoTaskView)
    def get_pcso_task(self, request, task_id):
        return self.audited(request, "consultation", "pcso_task",
                            self.tasking.get_pcso_task(task_id, actor(request.principal)),
                            "Reading a PCSO task")

    @api("POST", "/api/pcso-tasks/<string:task_id>/reports", roles=("pcso",),
         request=ReportSchema, response=IntelligenceReportView, status=201)
    def file_intelligence_report(self, request, task_id):
        # Audited from intelligence.submitted, which commits with the report (audit.py).
        return 201, self.tasking.file_report(task_id, json_body(request),
                                             actor(request.principal))

    # --- intelligence reports ------------------------------------------------------------

    @api("POST", "/api/intelligence", roles=("pcso",), request=AdHocReportSchema,
         response=IntelligenceReportView, status=201)
    def file_ad_hoc_intelligence(self, request):
        return 201, self.tasking.file_ad_hoc_report(json_body(request),
                                                    actor(request.principal))

    @api("GET", "/api/intelligence", roles=INTELLIGENCE_READERS, query=IntelligenceQuerySchema,
         response=page_of(IntelligenceReportView))
    def list_intelligence(self, request):
        return self.audited(request, "consultation", "intelligence_report",
                            self.tasking.list_intelligence(request.args.to_dict(),
                                                           actor(request.principal)),
                            "Listing intelligence reports")

    @api("GET", "/api/intelligence/<string:report_id>", roles=INTELLIGENCE_READERS,
         response=IntelligenceReportView)
    def get_intelligence(self, request, report_id):
        return self.audited(request, "consultation", "intelligence_report",
                            self.tasking.get_intelligence(report_id, actor(request.principal)),
                            "Reading an intelligence report")

    @api("POST", "/api/intelligence/<string:report_id>/note", roles=("analyst",),
         response=IntelligenceReportView)
    def note_intelligence(self, request, report_id):
        return self.tasking.note_intelligence(report_id, actor(request.principal))

    @api("POST", "/api/intelligence/<string:report_id>/grade", roles=("analyst",),
         request=GradeSchema, response=IntelligenceReportView)
    def grade_intelligence(self, request, report_id):
        return self.tasking.grade_intelligence(report_id, json_body(request),
                                               actor(request.principal))

    @api("POST", "/api/intelligence/<string:report_id>/feedback", roles=("analyst",),
         request=FeedbackSchema, response=IntelligenceReportView)
    def give_intelligence_feedback(self, request, report_id):
        return self.tasking.give_intelligence_feedback(report_id, json_body(request),
                                                       actor(request.principal))

    # --- names only the gateway can check ------------------------------------------------

    def _check_names(self, payload, wards=(), ward_lists=(), agencies=()):
        """422 naming each ward not in the register and each agency not in the list."""
        errors = {}
        for field in agencies:
            value = payload.get(field)
            if isinstance(value, str) and value not in AGENCIES:
                errors[field] = [f"Unknown agency: one of {', '.join(AGENCIES)}."]
        given = {field: [payload.get(field)] for field in wards}
        given.update({field: payload.get(field) for field in ward_lists})
        if any(isinstance(v, list) and v for v in given.values()):
            known = {ward["code"] for ward in self.referrals.list_wards()}
            for field, values in given.items():
                unknown = sorted(v for v in values if isinstance(v, str) and v not in known)
                if isinstance(values, list) and unknown:
                    errors[field] = [f"Unknown ward codes: {', '.join(unknown)}; use codes "
                                     "from GET /api/wards."]
        if errors:
            raise InvalidContent("Some fields are invalid; nothing was stored.", errors)
