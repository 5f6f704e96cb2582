"""The notifications service: feedback to the teams who submitted things, in the inbox
and by email, exactly once per event and recipient; and the contact directory."""
from nameko.dependency_providers import Config

from services.notifications import disposal, emailing, handlers
from services.notifications.mailer import SmtpMailer
from services.notifications.orm import metadata
from shared.contracts.notifications import ContactView, FailedEmailView, NotificationView
from shared.consumers import on_event
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED
from shared.extensions import BuiltFromConfig
from shared.health import HealthEndpoint
from shared.rpc import rpc
from shared.timers import configured_timer


def _mailer(config):
    url = config.get("SMTP_URL")
    return SmtpMailer(url, config["MAIL_FROM"],
                      insecure=config.get("SMTP_INSECURE", False)) if url else None


class NotificationsService(HealthEndpoint):
    name = "notifications"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    mailer = BuiltFromConfig(_mailer)
    digest_time = BuiltFromConfig(lambda config: emailing.parse_digest_time(
        config["DIGEST_TIME"]))

    @on_event("referrals", "referral.submitted")
    def acknowledge_referral(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("referrals", "referral.triaged")
    def tell_referral_triaged(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("referrals", "referral.closed")
    def tell_referral_closed(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("referrals", "referral.disclosure_refused")
    def tell_coordinator_disclosure_refused(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("referrals", "referral.disposed")
    def dispose_referral(self, event):
        disposal.dispose_referral(event, self.uow)

    @on_event("referrals", "referral.acknowledged")
    def tell_referral_taken_up(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "tasking_item.raised")
    def tell_owner_of_new_item(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "tasking_item.assigned")
    def tell_owner_of_assignment(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "tasking_item.completed")
    def tell_referrer_the_outcome(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "tasking_item.overdue")
    def chase_overdue_item(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "pcso_task.assigned")
    def tell_pcso_of_task(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "intelligence.noted")
    def tell_intelligence_noted(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "intelligence.feedback_given")
    def tell_intelligence_feedback(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "intelligence.service_level_missed")
    def remind_intelligence_unit(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("referrals", "ward_priority.set")
    def tell_panel_priority_due_for_review(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("casereview", "case_review.published")
    def share_case_review_lessons(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("tasking", "work.handed_over")
    def tell_both_of_handover(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("gateway", "user.case_reading_role_given")
    def tell_other_admins_of_case_reading_role(self, event):
        handlers.notify(event, self.uow, self.digest_time)

    @on_event("gateway", "user.saved")
    def keep_contact(self, event):
        handlers.keep_contact(event, self.uow)

    @configured_timer("EMAIL_CHECK_SECONDS")
    def send_due_emails(self):
        if self.mailer is not None:
            emailing.send_due(self.uow, self.mailer, self.config["EMAIL_MAX_ATTEMPTS"],
                              self.config["PUBLIC_URL"])

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, actor, unread_only=False, limit=50, cursor=None):
        result = handlers.list_inbox(actor, unread_only, limit, cursor, self.uow)
        return {**result, "items": NotificationView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, notification_id, actor):
        return NotificationView(only=("id", "read_at")).dump(
            handlers.mark_read(notification_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def set_email_preference(self, actor, mode):
        return handlers.set_email_preference(actor, mode, self.uow)

    @rpc(expected_exceptions=EXPECTED)
    def feedback_for(self, source_type, source_id, recipient, actor):
        return NotificationView(many=True).dump(
            handlers.feedback_for(source_type, source_id, recipient, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def directory(self, ward=None, agency=None, limit=50, cursor=None, inactive=False):
        result = handlers.list_directory(ward, agency, limit, cursor, self.uow, inactive)
        return {**result, "items": ContactView(many=True).dump(result["items"])}

    @rpc(expected_exceptions=EXPECTED)
    def add_directory_entry(self, payload, actor):
        return ContactView().dump(handlers.add_directory_entry(payload, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def confirm_directory_entry(self, contact_id, actor):
        return ContactView().dump(handlers.confirm_directory_entry(contact_id, actor,
                                                                   self.uow))

    @rpc
    def failed_emails(self, limit=50):
        return FailedEmailView(many=True).dump(handlers.failed_emails(limit, self.uow))

    @rpc(needs_caller=False)
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
