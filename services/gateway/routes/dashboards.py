"""Dashboards (tasking service): the figures behind the charts people would rather look
at than read, as aggregates only (counts and durations by ward, risk level and week).
The gateway checks the role; tasking narrows a sergeant's figures to their own wards.
Not audited like a consultation: no record and no person is disclosed."""
from services.gateway.http import actor, api
from shared.contracts.tasking import DashboardQuerySchema, TaskingDashboardView

DASHBOARD_READERS = ("coordinator", "sergeant", "analyst")


class DashboardRoutes:
    @api("GET", "/api/dashboards/tasking", roles=DASHBOARD_READERS,
         query=DashboardQuerySchema, response=TaskingDashboardView)
    def tasking_dashboard(self, request):
        """Overdue items by ward, referral-to-action time, intelligence feedback turnaround.

        Over the last `weeks` weeks (default 12), by week (Monday to Sunday, UTC); a
        sergeant sees only their wards, `ward` narrows further. Referral-to-action runs
        from submission to the first step a person took on one of the referral's tasking
        items (raised at a meeting or by hand, assigned, progress, completed); feedback
        turnaround from a report's filing to the BIU's feedback. Times in hours: median
        and 90th percentile."""
        return self.tasking.get_tasking_dashboard(request.args.to_dict(),
                                                  actor(request.principal))
