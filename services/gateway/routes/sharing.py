"""The register of information sharing agreements (referrals service): kept by admins and
the coordinator, read by the partnership's staff (a partner, those its agency is a party
to). A referral reaches another agency only under one in force."""
from services.gateway.schemas import page_of
from services.gateway.http import actor, api, json_body
from shared.contracts.referrals import (SharingAgreementChangesSchema,
                                        SharingAgreementQuerySchema, SharingAgreementSchema,
                                        SharingAgreementView)
from shared.vocabulary import ROLES

KEEPERS = ("admin", "coordinator")
READERS = tuple(role for role in ROLES if role != "panel")


class SharingAgreementRoutes:
    @api("GET", "/api/sharing-agreements", roles=READERS, query=SharingAgreementQuerySchema,
         response=page_of(SharingAgreementView))
    def list_sharing_agreements(self, request):
        return self.referrals.list_sharing_agreements(request.args.to_dict(),
                                                      actor(request.principal))

    @api("POST", "/api/sharing-agreements", roles=KEEPERS, request=SharingAgreementSchema,
         response=SharingAgreementView, status=201)
    def record_sharing_agreement(self, request):
        return 201, self.referrals.record_sharing_agreement(json_body(request),
                                                            actor(request.principal))

    @api("GET", "/api/sharing-agreements/<string:agreement_id>", roles=READERS,
         response=SharingAgreementView)
    def get_sharing_agreement(self, request, agreement_id):
        return self.referrals.get_sharing_agreement(agreement_id, actor(request.principal))

    @api("PATCH", "/api/sharing-agreements/<string:agreement_id>", roles=KEEPERS,
         request=SharingAgreementChangesSchema(partial=True), response=SharingAgreementView)
    def revise_sharing_agreement(self, request, agreement_id):
        """Change any fields (a new review date after the parties' review, an end date);
        the agreement is checked again as a whole."""
        return self.referrals.revise_sharing_agreement(agreement_id, json_body(request),
                                                       actor(request.principal))
