"""The casereview service: one chronology per person across agencies, kept from the
domain events; missed-opportunity case reviews over it, with rule-flagged candidates,
findings and lessons published to partners for learning, not blame."""
from nameko.dependency_providers import Config

from services.casereview import handlers
from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from services.casereview.workflow import check_may_review
from shared.contracts.casereview import (AcceptSuggestionSchema, DecisionSchema, EntryView,
                                         FindingSchema, LessonSchema, MissedOpportunityView,
                                         OpenReviewSchema, ReviewView)
from shared.errors import load_or_refuse
from shared.consumers import domain_event_handler
from shared.db import utcnow
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED
from shared.extensions import BuiltFromConfig
from shared.health import HealthEndpoint
from shared.need_to_know import shape
from shared.rpc import rpc


class CaseReviewService(HealthEndpoint):
    name = "casereview"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    rulebook = BuiltFromConfig(lambda config: RuleBook.load(config.get("CASEREVIEW_RULES")))

    # The chronology: every event of a person's story, each kept once (see chronology.py).

    @domain_event_handler("referrals", "referral.submitted")
    def chronicle_referral_submitted(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("referrals", "referral.triaged")
    def chronicle_referral_triaged(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("referrals", "referral.acknowledged")
    def chronicle_referral_acknowledged(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("referrals", "referral.closed")
    def chronicle_referral_closed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("referrals", "subject.linked")
    def follow_subject_link(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "tasking_item.raised")
    def chronicle_tasking_item_raised(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "tasking_item.assigned")
    def chronicle_tasking_item_assigned(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "tasking_item.updated")
    def chronicle_tasking_item_updated(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "tasking_item.completed")
    def chronicle_tasking_item_completed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "tasking_item.overdue")
    def chronicle_tasking_item_overdue(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "pcso_task.assigned")
    def chronicle_pcso_task_assigned(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "pcso_task.closed")
    def chronicle_pcso_task_closed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "intelligence.submitted")
    def chronicle_intelligence_submitted(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "intelligence.noted")
    def chronicle_intelligence_noted(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "intelligence.graded")
    def chronicle_intelligence_graded(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "intelligence.feedback_given")
    def chronicle_intelligence_feedback(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @domain_event_handler("tasking", "intelligence.service_level_missed")
    def chronicle_intelligence_service_level_missed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @rpc
    def rebuild_chronology(self):
        return {"replayed": handlers.rebuild_chronology(self.uow)}

    # Reviews.

    @rpc(expected_exceptions=EXPECTED)
    def open_review(self, payload, actor):
        check_may_review(actor)
        cmd = load_or_refuse(OpenReviewSchema, payload, "Some fields need attention.")
        return ReviewView().dump(handlers.open_review(cmd, actor, self.uow, utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def accept_suggested_review(self, review_id, payload, actor):
        check_may_review(actor)
        cmd = load_or_refuse(AcceptSuggestionSchema, payload, "Some fields need attention.")
        return ReviewView().dump(handlers.accept_suggestion(review_id, cmd, actor, self.uow,
                                                            utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def move_review(self, review_id, stage, actor):
        check_may_review(actor)
        return ReviewView().dump(handlers.move_review(review_id, stage, actor, self.uow,
                                                      utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def get_review(self, review_id, actor):
        check_may_review(actor)
        return shape("case_review", "reviewer",
                     ReviewView().dump(handlers.get_review(self.uow, review_id)))

    @rpc(expected_exceptions=EXPECTED)
    def list_reviews(self, actor, stage=None, limit=50, cursor=None):
        check_may_review(actor)
        result = handlers.list_reviews(self.uow, stage, limit, cursor)
        return {**result, "items": ReviewView(many=True, exclude=(
            "history", "findings", "lessons")).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def timeline(self, review_id, actor, limit=200, cursor=None):
        check_may_review(actor)
        result = handlers.timeline(self.uow, review_id, limit, cursor)
        return {**result, "items": EntryView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def timeline_svg(self, review_id, actor, key=True):
        check_may_review(actor)
        return handlers.timeline_svg(self.uow, review_id, key=bool(key))

    @rpc(expected_exceptions=EXPECTED)
    def missed_opportunities(self, review_id, actor):
        check_may_review(actor)
        return MissedOpportunityView(many=True).dump(
            handlers.missed_opportunities(self.uow, review_id, self.rulebook, utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def decide_missed_opportunity(self, review_id, candidate_id, decision, payload, actor):
        check_may_review(actor)
        reason = load_or_refuse(DecisionSchema, payload, "Some fields need attention.")["reason"]
        return MissedOpportunityView().dump(handlers.decide_missed_opportunity(
            self.uow, review_id, candidate_id, decision, reason, actor, utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def add_finding(self, review_id, payload, actor):
        check_may_review(actor)
        cmd = load_or_refuse(FindingSchema, payload, "Some fields need attention.")
        return ReviewView().dump(handlers.add_finding(self.uow, review_id, cmd, actor,
                                                      utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def add_lesson(self, review_id, payload, actor):
        check_may_review(actor)
        cmd = load_or_refuse(LessonSchema, payload, "Some fields need attention.")
        return ReviewView().dump(handlers.add_lesson(self.uow, review_id, cmd, actor,
                                                     utcnow()))

    @rpc(expected_exceptions=EXPECTED)
    def publish_review(self, review_id, actor):
        check_may_review(actor)
        return ReviewView().dump(handlers.publish(self.uow, review_id, self.rulebook, actor,
                                                  utcnow()))

    @rpc(needs_caller=False)
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
