"""The referrals service: the front door for partners' referrals, one subject per person,
triage, ward priorities and the ward register."""
from nameko.dependency_providers import Config

from services.referrals import (agreements, disposal, handlers, priorities,
                                retention_reviews)
from services.referrals.orm import metadata
from shared.contracts.referrals import (PersonView, RecordDueView, ReferralView,
                                        SharingAgreementView, SubjectLinkView,
                                        WardPriorityView)
from shared.consumers import on_event
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED, schema_for
from shared.health import HealthEndpoint
from shared.retention import retention_schedule
from shared.rpc import rpc
from shared.timers import configured_timer


class ReferralsService(HealthEndpoint):
    name = "referrals"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    retention = retention_schedule()  # checked at start: a wrong file stops the service

    @rpc(expected_exceptions=EXPECTED)
    def submit_referral(self, payload, actor):
        return schema_for(ReferralView).dump(handlers.submit_referral(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def resolve_reference(self, reference, actor):
        return handlers.resolve_reference(reference, self.uow)

    @rpc(expected_exceptions=EXPECTED)
    def get_referral(self, referral_id, actor):
        return ReferralView().dump(handlers.get_referral(referral_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_referrals(self, query, actor):
        result = handlers.list_referrals(query, actor, self.uow)
        return {**result, "items": ReferralView(many=True, exclude=("history",))
                .dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def triage_referral(self, referral_id, payload, actor):
        return ReferralView().dump(handlers.triage_referral(referral_id, payload, actor,
                                                            self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def close_referral(self, referral_id, payload, actor):
        return ReferralView().dump(handlers.close_referral(referral_id, payload, actor,
                                                           self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def disclose_referral(self, referral_id, payload, actor):
        return ReferralView().dump(handlers.disclose_referral(referral_id, payload, actor,
                                                              self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def acknowledge_referral(self, referral_id, actor):
        return ReferralView().dump(handlers.acknowledge_referral(referral_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_subject(self, subject_id, actor):
        return PersonView().dump(handlers.get_person(subject_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_subject_links(self, status, limit, cursor, actor):
        return handlers.list_subject_links(status, limit, cursor, actor, self.uow,
                                           SubjectLinkView(many=True).dump)

    @rpc(expected_exceptions=EXPECTED)
    def decide_subject_link(self, link_id, decision, reason, actor):
        return SubjectLinkView().dump(handlers.decide_subject_link(link_id, decision, reason,
                                                                   actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def set_ward_priority(self, payload, actor):
        return schema_for(WardPriorityView).dump(
            priorities.set_ward_priority(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_ward_priority(self, priority_id):
        return schema_for(WardPriorityView).dump(
            handlers.get_ward_priority(priority_id, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def review_ward_priority(self, priority_id, payload, actor):
        return schema_for(WardPriorityView).dump(
            priorities.review_ward_priority(priority_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_ward_priorities(self, ward=None, status=None, limit=50, cursor=None):
        result = handlers.list_ward_priorities(ward, status, limit, cursor, self.uow)
        return {**result, "items": WardPriorityView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def list_records_due(self, actor):
        result = retention_reviews.records_due(actor, self.uow, self.retention)
        return {**result, "items": RecordDueView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def decide_retention(self, referral_id, payload, actor):
        return RecordDueView().dump(retention_reviews.decide_retention(
            referral_id, payload, actor, self.uow, self.retention))

    @rpc(expected_exceptions=EXPECTED)
    def dispose_of_person(self, subject_id, actor):
        return disposal.dispose_of_person(subject_id, actor, self.uow)

    @configured_timer("RETENTION_CHECK_SECONDS")
    def dispose_due_automatically(self):
        retention_reviews.dispose_due_automatically(self.uow, self.retention)

    @rpc(expected_exceptions=EXPECTED)
    def list_sharing_agreements(self, query, actor):
        result = agreements.list_agreements(query, actor, self.uow)
        return {**result, "items": SharingAgreementView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def get_sharing_agreement(self, agreement_id, actor):
        return SharingAgreementView().dump(agreements.get_agreement(agreement_id, actor,
                                                                    self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def record_sharing_agreement(self, payload, actor):
        return SharingAgreementView().dump(agreements.record_agreement(payload, actor,
                                                                       self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def revise_sharing_agreement(self, agreement_id, payload, actor):
        return SharingAgreementView().dump(agreements.revise_agreement(agreement_id, payload,
                                                                       actor, self.uow))

    @on_event("tasking", "tasking_item.raised")
    def record_action_raised(self, event):
        handlers.record_action(event, self.uow)

    @on_event("tasking", "tasking_item.assigned")
    def record_action_assigned(self, event):
        handlers.record_action(event, self.uow)

    @configured_timer("PRIORITY_REVIEW_CHECK_SECONDS")
    def mark_priorities_due_for_review(self):
        priorities.mark_due_for_review(self.uow)

    @rpc
    def list_wards(self):
        return handlers.list_wards(self.uow)

    @rpc(needs_caller=False)
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
