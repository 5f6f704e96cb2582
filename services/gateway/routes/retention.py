"""Retention, for the data protection officer: the schedule every service checked at
start (`GET /api/retention-schedule`), the records it says are due (`GET
/api/retention/due`, from each owner; referrals so far) and the DPO's decision on one
(`POST /api/retention/referrals/{id}/decision`, audited from the owner's event), and
disposing of a person (`POST /api/retention/subjects/{id}/disposal`: every referral about
them, each disposal audited as an erasure from `referral.disposed`)."""
from services.gateway.http import actor, api, json_body
from services.gateway.schemas import RetentionScheduleView, page_of
from shared.contracts.referrals import (PersonDisposalView, RecordDueView,
                                        RetentionDecisionSchema)
from shared.retention import rows

GOVERNANCE = ("dpo",)


class RetentionRoutes:
    @api("GET", "/api/retention-schedule", roles=GOVERNANCE, response=RetentionScheduleView)
    def retention_schedule(self, request):
        """Every entry with its period, action and cited source."""
        return {"entries": rows(self.retention), "sources": self.retention.sources}

    @api("GET", "/api/retention/due", roles=GOVERNANCE, response=page_of(RecordDueView))
    def records_due(self, request):
        """The DPO's queue: records whose time under the schedule is up, soonest first."""
        return self.referrals.list_records_due(actor(request.principal))

    @api("POST", "/api/retention/referrals/<string:referral_id>/decision", roles=GOVERNANCE,
         request=RetentionDecisionSchema, response=RecordDueView)
    def decide_retention(self, request, referral_id):
        # The decision reaches the audit trail from referrals' own event.
        return self.referrals.decide_retention(referral_id, json_body(request),
                                               actor(request.principal))

    @api("POST", "/api/retention/subjects/<string:subject_id>/disposal", roles=GOVERNANCE,
         response=PersonDisposalView)
    def dispose_of_person(self, request, subject_id):
        # Each referral's disposal reaches the audit trail (a tombstone) from its event.
        return self.referrals.dispose_of_person(subject_id, actor(request.principal))
