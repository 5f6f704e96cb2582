"""Referrals and the ward register (referrals service), with what other services hold
about a referral."""
from services.gateway.accounts import ROLES
from services.gateway.http import actor, api, json_body

CASE_ROLES = ("partner", "coordinator", "sergeant", "pcso", "analyst", "reviewer")
REFERRING_ROLES = ("partner", "coordinator", "sergeant", "pcso")


class ReferralRoutes:
    @api("GET", "/api/wards", roles=ROLES)
    def wards(self, request):
        return {"items": self.referrals.list_wards()}

    @api("POST", "/api/referrals", roles=REFERRING_ROLES)
    def submit_referral(self, request):
        payload = json_body(request)
        return 201, self.referrals.submit_referral(payload, actor(request.principal))

    @api("GET", "/api/referrals/<string:referral_id>", roles=CASE_ROLES)
    def get_referral(self, request, referral_id):
        referral = self.referrals.get_referral(referral_id, actor(request.principal))
        referral["tasking_items"] = self.tasking.list_tasking_items(
            source_type="referral", source_id=referral_id)
        referral["feedback"] = self.notifications.feedback_for("referral", referral_id)
        return referral
