"""The referrals service: the front door for partners' referrals and the ward register."""
from nameko.rpc import rpc

from services.referrals import handlers, repository
from services.referrals.orm import metadata
from services.referrals.schemas import ReferralView
from shared.dependencies import Database, LoggingContext
from shared.errors import EXPECTED


class ReferralsService:
    name = "referrals"

    uow = Database(metadata)
    logging_context = LoggingContext()

    @rpc(expected_exceptions=EXPECTED)
    def submit_referral(self, payload, actor):
        referral_id = handlers.submit_referral(payload, actor, self.uow)
        return ReferralView().dump(handlers.get_referral(referral_id, actor, self.uow))

    @rpc(expected_exceptions=EXPECTED)
    def get_referral(self, referral_id, actor):
        return ReferralView().dump(handlers.get_referral(referral_id, actor, self.uow))

    @rpc
    def list_wards(self):
        with self.uow:
            return repository.list_wards(self.uow.session)

    @rpc
    def health(self):
        self.uow.ping()
        return {"service": self.name, "status": "ok"}
