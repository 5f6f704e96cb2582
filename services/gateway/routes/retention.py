"""`GET /api/retention-schedule`: how long Wardline keeps each kind of record, for the
data protection officer, read from the schedule every service checked at start."""
from services.gateway.http import api
from services.gateway.schemas import RetentionScheduleView
from shared.retention import rows

GOVERNANCE = ("dpo",)


class RetentionRoutes:
    @api("GET", "/api/retention-schedule", roles=GOVERNANCE, response=RetentionScheduleView)
    def retention_schedule(self, request):
        """Every entry with its period, action and cited source."""
        return {"entries": rows(self.retention), "sources": self.retention.sources}
