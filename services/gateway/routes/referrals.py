"""Referrals, subjects, subject links, ward priorities and the ward register (referrals
service), with what other services hold about a referral."""
from marshmallow import fields, validate

from services.gateway.http import actor, api, json_body, page_limit
from services.gateway.schemas import ReferralDetailView, WardsView, page_of
from shared.contracts.referrals import (CloseSchema, DisclosureSchema, LinkDecisionSchema,
                                        PersonView, ReferralQuerySchema, ReferralView,
                                        SubjectLinkView, SubmitReferralSchema, TriageSchema,
                                        WardPriorityReviewSchema, WardPrioritySchema,
                                        WardPriorityView)
from shared.errors import InvalidContent
from shared.vocabulary import ROLES

CASE_ROLES = ("partner", "coordinator", "sergeant", "pcso", "analyst", "reviewer")
REFERRING_ROLES = ("partner", "coordinator", "sergeant", "pcso")
# the data protection officer reads no casework, a ward's priorities included
PRIORITY_READERS = tuple(role for role in ROLES if role not in ("admin", "dpo"))
LINK_STATUSES = ("pending", "automatic", "confirmed", "rejected", "unlinked")


class ReferralRoutes:
    @api("GET", "/api/wards", roles=ROLES, response=WardsView)
    def wards(self, request):
        return {"items": self.referrals.list_wards()}

    @api("POST", "/api/referrals", roles=REFERRING_ROLES, request=SubmitReferralSchema,
         response=ReferralView, status=201)
    def submit_referral(self, request):
        payload = json_body(request)
        # Audited from referral.submitted, which commits with the referral (audit.py).
        return 201, self.referrals.submit_referral(payload, actor(request.principal))

    @api("GET", "/api/referrals", roles=CASE_ROLES, query=ReferralQuerySchema,
         response=page_of(ReferralView))
    def list_referrals(self, request):
        found = self.referrals.list_referrals(request.args.to_dict(), actor(request.principal))
        self.record_access(request, "consultation", "referral",
                           [r["id"] for r in found["items"]], "Listing referrals")
        return found

    @api("GET", "/api/referrals/<string:referral_id>", roles=CASE_ROLES,
         response=ReferralDetailView)
    def get_referral(self, request, referral_id):
        """The referral, with the actions on it the caller may see, each as tasking shapes
        it for the caller (the referring team reads every one in the referrer's view)."""
        caller = actor(request.principal)
        referral = self.referrals.get_referral(referral_id, caller)
        referral["tasking_items"] = self.tasking.actions_for_referral(referral_id, caller)
        # Notifications decides who reads what the referring team was told.
        referral["feedback"] = self.notifications.feedback_for(
            "referral", referral_id, f"agency:{referral['referring_agency']}", caller)
        self.record_access(request, "consultation", "referral", [referral_id],
                           "Reading a referral")
        self.record_access(request, "consultation", "tasking_item",
                           [item["id"] for item in referral["tasking_items"]],
                           "Reading a referral's actions")
        return referral

    @api("POST", "/api/referrals/<string:referral_id>/triage", roles=("coordinator",),
         request=TriageSchema, response=ReferralView)
    def triage_referral(self, request, referral_id):
        # The change and its disclosure reach the audit trail from referrals' own events.
        return self.referrals.triage_referral(referral_id, json_body(request),
                                              actor(request.principal))

    @api("POST", "/api/referrals/<string:referral_id>/close", roles=("coordinator",),
         request=CloseSchema, response=ReferralView)
    def close_referral(self, request, referral_id):
        return self.referrals.close_referral(referral_id, json_body(request),
                                             actor(request.principal))

    @api("POST", "/api/referrals/<string:referral_id>/disclosures", roles=("coordinator",),
         request=DisclosureSchema, response=ReferralView)
    def disclose_referral(self, request, referral_id):
        """Let an agency that owns an action on a code C referral read it, acknowledging
        the referral's conditions for that agency (on the audit trail, from the event)."""
        return self.referrals.disclose_referral(referral_id, json_body(request),
                                                actor(request.principal))

    @api("POST", "/api/referrals/<string:referral_id>/acknowledge", roles=("partner",),
         response=ReferralView)
    def acknowledge_referral(self, request, referral_id):
        """The receiving agency takes up a referral redirected to it."""
        return self.referrals.acknowledge_referral(referral_id, actor(request.principal))

    @api("GET", "/api/subjects/<string:subject_id>", roles=CASE_ROLES, response=PersonView)
    def get_subject(self, request, subject_id):
        person = self.referrals.get_subject(subject_id, actor(request.principal))
        self.record_access(request, "consultation", "subject",
                           [record["id"] for record in person["records"]],
                           "Reading a person's record")
        return person

    @api("GET", "/api/subject-links", roles=("coordinator",), response=page_of(SubjectLinkView),
         query={"status": fields.String(validate=validate.OneOf(LINK_STATUSES))})
    def list_subject_links(self, request):
        status = request.args.get("status", "pending")
        if status not in LINK_STATUSES:
            raise InvalidContent("Unknown link status.",
                                 {"status": [f"One of: {', '.join(LINK_STATUSES)}."]})
        links = self.referrals.list_subject_links(status, page_limit(request),
                                                  request.args.get("cursor"),
                                                  actor(request.principal))
        self.record_access(request, "consultation", "subject",
                           [s for link in links["items"] for s in link["subject_ids"]],
                           "Deciding whether records are one person")
        return links

    @api("POST", "/api/subject-links/<string:link_id>/<any(confirm,reject,unlink):decision>",
         roles=("coordinator",), request=LinkDecisionSchema, response=SubjectLinkView)
    def decide_subject_link(self, request, link_id, decision):
        reason = json_body(request).get("reason") if request.get_data() else None
        return self.referrals.decide_subject_link(link_id, decision, reason,
                                                  actor(request.principal))

    @api("POST", "/api/ward-priorities", roles=("panel", "sergeant"),
         request=WardPrioritySchema, response=WardPriorityView, status=201)
    def set_ward_priority(self, request):
        return 201, self.referrals.set_ward_priority(json_body(request),
                                                     actor(request.principal))

    @api("GET", "/api/ward-priorities/<string:priority_id>", roles=PRIORITY_READERS,
         response=WardPriorityView)
    def get_ward_priority(self, request, priority_id):
        return self.referrals.get_ward_priority(priority_id)

    @api("POST", "/api/ward-priorities/<string:priority_id>/review", roles=("panel", "sergeant"),
         request=WardPriorityReviewSchema, response=WardPriorityView)
    def review_ward_priority(self, request, priority_id):
        """The ward's panel keeps a priority for another period or closes it (saying why);
        closing it closes its open actions in tasking."""
        return self.referrals.review_ward_priority(priority_id, json_body(request),
                                                   actor(request.principal))

    @api("GET", "/api/ward-priorities", roles=PRIORITY_READERS,
         response=page_of(WardPriorityView), query={"ward": fields.String(), "status": fields.String()})
    def list_ward_priorities(self, request):
        return self.referrals.list_ward_priorities(
            request.args.get("ward"), request.args.get("status"), page_limit(request),
            request.args.get("cursor"))
