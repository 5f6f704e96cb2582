"""Handing over a leaver's open work to a successor or back to the team (admins)."""
from services.gateway import handover
from services.gateway.http import actor, api, json_body
from shared.contracts.tasking import HandoverView


class HandoverRoutes:
    @api("POST", "/api/users/<string:username>/handover", roles=("admin",),
         request=handover.HandoverSchema, response=HandoverView)
    def hand_over_work(self, request, username):
        """Hand a leaver's open PCSO tasks and the open actions named to them over.

        To `to`, or, with `to` omitted or null (or no body), back to the team
        (unassigned: the ward's sergeant or the owning agency picks them up). An unknown
        leaver is a 404 naming `username`. A PCSO task goes only to a PCSO serving its
        ward, an action only to someone of its owning agency; one piece the successor
        cannot hold refuses the lot (422 naming `to`) and nothing moves. Both people are
        told (inbox and email); the move is audited from tasking's `work.handed_over`
        and each action's `tasking_item.assigned`. Answers the counts of what moved."""
        payload = json_body(request) if request.get_data(cache=True) else {}
        with self.uow:
            successor = handover.successor_account(self.uow.session, username, payload)
        return self.tasking.hand_over_work(username, successor, actor(request.principal))
