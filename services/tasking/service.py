"""The tasking service: actions with owners and due dates, raised from referrals."""
from nameko.rpc import rpc

from services.tasking import handlers
from services.tasking.orm import metadata
from services.tasking.routing import RoutingRules
from services.tasking.schemas import TaskingItemView
from shared.consumers import domain_event_handler
from shared.dependencies import Database, LoggingContext
from shared.extensions import BuiltFromConfig


class TaskingService:
    name = "tasking"

    uow = Database(metadata)
    logging_context = LoggingContext()
    rules = BuiltFromConfig(lambda config: RoutingRules.load(config.get("TASKING_RULES")))

    @domain_event_handler("referrals", "referral.submitted")
    def raise_item_for_referral(self, event):
        handlers.raise_item_for_referral(event, self.rules, self.uow)

    @rpc
    def list_tasking_items(self, source_type=None, source_id=None, limit=50):
        items = handlers.list_items(self.uow, source_type, source_id, limit)
        return TaskingItemView(many=True).dump(items)

    @rpc
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
