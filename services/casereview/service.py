"""The casereview service: one chronology per person across agencies, kept from the
domain events; missed-opportunity case reviews over it, with rule-flagged candidates,
findings and lessons published to partners for learning, not blame."""
import base64

from nameko.dependency_providers import Config

from services.casereview import disposal, handlers
from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from shared.contracts.casereview import EntryView, MissedOpportunityView, ReviewView
from shared.consumers import on_event
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED
from shared.extensions import BuiltFromConfig
from shared.health import HealthEndpoint
from shared.retention import retention_schedule
from shared.need_to_know import shape
from shared.rpc import rpc


class CaseReviewService(HealthEndpoint):
    name = "casereview"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    retention = retention_schedule()  # checked at start: a wrong file stops the service
    rulebook = BuiltFromConfig(lambda config: RuleBook.load(config.get("CASEREVIEW_RULES")))

    # The chronology: every event of a person's story, each kept once (see chronology.py).

    @on_event("referrals", "referral.submitted")
    def chronicle_referral_submitted(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("referrals", "referral.triaged")
    def chronicle_referral_triaged(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("referrals", "referral.acknowledged")
    def chronicle_referral_acknowledged(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("referrals", "referral.closed")
    def chronicle_referral_closed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("referrals", "referral.disposed")
    def dispose_referral(self, event):
        disposal.dispose_referral(event, self.uow)

    @on_event("referrals", "subject.linked")
    def follow_subject_link(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "tasking_item.raised")
    def chronicle_tasking_item_raised(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "tasking_item.assigned")
    def chronicle_tasking_item_assigned(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "tasking_item.updated")
    def chronicle_tasking_item_updated(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "tasking_item.completed")
    def chronicle_tasking_item_completed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "tasking_item.overdue")
    def chronicle_tasking_item_overdue(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "pcso_task.assigned")
    def chronicle_pcso_task_assigned(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "pcso_task.closed")
    def chronicle_pcso_task_closed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "intelligence.submitted")
    def chronicle_intelligence_submitted(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "intelligence.noted")
    def chronicle_intelligence_noted(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "intelligence.graded")
    def chronicle_intelligence_graded(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "intelligence.feedback_given")
    def chronicle_intelligence_feedback(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @on_event("tasking", "intelligence.service_level_missed")
    def chronicle_intelligence_service_level_missed(self, event):
        handlers.record_event(event, self.uow, self.rulebook)

    @rpc
    def rebuild_chronology(self):
        return {"replayed": handlers.rebuild_chronology(self.uow)}

    # Reviews: each use case checks the reviewer and loads its command (handlers.py).

    @rpc(expected_exceptions=EXPECTED)
    def resolve_reference(self, reference, actor):
        return handlers.resolve_reference(reference, self.uow)

    @rpc(expected_exceptions=EXPECTED)
    def open_review(self, payload, actor):
        return ReviewView().dump(handlers.open_review(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def accept_suggested_review(self, review_id, payload, actor):
        return ReviewView().dump(handlers.accept_suggestion(review_id, payload, actor,
                                                            self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def move_review(self, review_id, stage, actor):
        return ReviewView().dump(handlers.move_review(review_id, stage, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_review(self, review_id, actor):
        return shape("case_review", "reviewer",
                     ReviewView().dump(handlers.get_review(review_id, actor, self.uow)))

    @rpc(expected_exceptions=EXPECTED)
    def list_reviews(self, actor, stage=None, limit=50, cursor=None):
        result = handlers.list_reviews(stage, limit, cursor, actor, self.uow)
        return {**result, "items": ReviewView(many=True, exclude=(
            "history", "findings", "lessons")).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def timeline(self, review_id, actor, limit=200, cursor=None):
        result = handlers.timeline(review_id, limit, cursor, actor, self.uow)
        return {**result, "items": EntryView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def timeline_svg(self, review_id, actor, key=True):
        return handlers.timeline_svg(review_id, actor, self.uow, key=bool(key))

    @rpc(expected_exceptions=EXPECTED)
    def review_report(self, review_id, actor, format="pdf", anonymised=False, person=None,
                      staff=None):
        """The review as a Word or PDF file; the bytes travel base64-encoded (RPC is JSON)."""
        content, media_type, filename = handlers.report(review_id, format, actor, self.uow,
                                                        anonymised, person, staff)
        return {"filename": filename, "media_type": media_type,
                "content_base64": base64.b64encode(content).decode("ascii")}

    @rpc(expected_exceptions=EXPECTED)
    def missed_opportunities(self, review_id, actor):
        return MissedOpportunityView(many=True).dump(
            handlers.missed_opportunities(review_id, actor, self.uow, self.rulebook))

    @rpc(expected_exceptions=EXPECTED)
    def decide_missed_opportunity(self, review_id, candidate_id, decision, payload, actor):
        return MissedOpportunityView().dump(handlers.decide_missed_opportunity(
            review_id, candidate_id, decision, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def add_finding(self, review_id, payload, actor):
        return ReviewView().dump(handlers.add_finding(review_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def add_lesson(self, review_id, payload, actor):
        return ReviewView().dump(handlers.add_lesson(review_id, payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def publish_review(self, review_id, actor):
        return ReviewView().dump(handlers.publish(review_id, actor, self.uow, self.rulebook))

    @rpc(needs_caller=False)
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
