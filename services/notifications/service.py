"""The notifications service: feedback to the teams who submitted things."""
from nameko.rpc import rpc

from services.notifications import handlers
from services.notifications.orm import metadata
from services.notifications.schemas import NotificationView
from shared.consumers import domain_event_handler
from shared.dependencies import Database, LoggingContext


class NotificationsService:
    name = "notifications"

    uow = Database(metadata)
    logging_context = LoggingContext()

    @domain_event_handler("referrals", "referral.submitted")
    def acknowledge_referral(self, event):
        handlers.acknowledge_referral(event, self.uow)

    @rpc
    def feedback_for(self, source_type, source_id):
        return NotificationView(many=True).dump(
            handlers.feedback_for(self.uow, source_type, source_id))

    @rpc
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
