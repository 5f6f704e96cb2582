"""The referrals service: the front door for partners' referrals, one subject per person,
triage, ward priorities and the ward register."""
from nameko.dependency_providers import Config

from services.referrals import agreements, handlers, linking, priorities, repository
from services.referrals.orm import metadata
from shared.contracts.referrals import (LinkDecisionSchema, PersonView, ReferralView,
                                        SharingAgreementView, SubjectLinkView,
                                        WardPriorityView)
from shared.errors import load_or_refuse
from shared.consumers import domain_event_handler
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED, schema_for
from shared.health import HealthEndpoint
from shared.rpc import rpc
from shared.timers import configured_timer


class ReferralsService(HealthEndpoint):
    name = "referrals"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()

    @rpc(expected_exceptions=EXPECTED)
    def submit_referral(self, payload, actor):
        return schema_for(ReferralView).dump(handlers.submit_referral(payload, actor, self.uow))

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
        with self.uow:
            return PersonView().dump(linking.person_view(self.uow.session, subject_id, actor))

    @rpc(expected_exceptions=EXPECTED)
    def list_subject_links(self, status, limit, cursor, actor):
        linking.check_may_link(actor)
        with self.uow:
            return linking.list_links_page(self.uow.session, status, limit, cursor,
                                           SubjectLinkView(many=True).dump)

    @rpc(expected_exceptions=EXPECTED)
    def decide_subject_link(self, link_id, decision, reason, actor):
        linking.check_may_link(actor)
        reason = load_or_refuse(LinkDecisionSchema, {"reason": reason} if reason else {}
                                ).get("reason")
        with self.uow:
            return SubjectLinkView().dump(linking.decide(self.uow, link_id, decision, reason,
                                                         actor))

    @rpc(expected_exceptions=EXPECTED)
    def set_ward_priority(self, payload, actor):
        return schema_for(WardPriorityView).dump(
            priorities.set_ward_priority(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_ward_priority(self, priority_id):
        with self.uow:
            return schema_for(WardPriorityView).dump(
                priorities.get_ward_priority(self.uow.session, priority_id))

    @rpc(expected_exceptions=EXPECTED)
    def review_ward_priority(self, priority_id, payload, actor):
        return schema_for(WardPriorityView).dump(
            priorities.review_ward_priority(priority_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def list_ward_priorities(self, ward=None, status=None, limit=50, cursor=None):
        with self.uow:
            result = priorities.list_ward_priorities(self.uow.session, ward, status, limit,
                                                     cursor)
        return {**result, "items": WardPriorityView(many=True).dump(result["items"])}

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

    @domain_event_handler("tasking", "tasking_item.raised")
    def record_action_raised(self, event):
        handlers.record_action(event, self.uow)

    @domain_event_handler("tasking", "tasking_item.assigned")
    def record_action_assigned(self, event):
        handlers.record_action(event, self.uow)

    @configured_timer("PRIORITY_REVIEW_CHECK_SECONDS")
    def mark_priorities_due_for_review(self):
        priorities.mark_due_for_review(self.uow)

    @rpc
    def list_wards(self):
        with self.uow:
            return repository.list_wards(self.uow.session)

    @rpc(needs_caller=False)
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
