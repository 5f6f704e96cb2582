"""The gateway: the HTTP API people and programs use. It authenticates, checks roles,
and composes answers from the services that own the data (over RPC, never their tables).
Routes live in `routes/`, one module per area."""
import structlog
from nameko.dependency_providers import Config

from services.gateway import sessions
from services.gateway.orm import metadata
from services.gateway.routes.accounts import AccountRoutes
from services.gateway.routes.audit import AuditRoutes
from services.gateway.routes.casereview import CaseReviewRoutes
from services.gateway.routes.dashboards import DashboardRoutes
from services.gateway.routes.docs import DocsRoutes
from services.gateway.routes.handover import HandoverRoutes
from services.gateway.routes.metrics import MetricsRoutes
from services.gateway.routes.notifications import NotificationRoutes
from services.gateway.routes.operations import OperationsRoutes
from services.gateway.routes.referrals import ReferralRoutes
from services.gateway.routes.retention import RetentionRoutes
from services.gateway.routes.second_factor import SecondFactorRoutes
from services.gateway.routes.sharing import SharingAgreementRoutes
from services.gateway.routes.single_sign_on import SingleSignOnRoutes
from services.gateway.routes.tasking import TaskingRoutes
from services.gateway.routes.vocabulary import VocabularyRoutes
from services.gateway.routes.web import WebPages
from shared.dependencies import Database, LoggingContext
from shared.retention import retention_schedule
from shared.rpc import ServiceRpc
from shared.timers import configured_timer

log = structlog.get_logger(__name__)


class GatewayService(AccountRoutes, SingleSignOnRoutes, HandoverRoutes, SecondFactorRoutes, ReferralRoutes,
                     SharingAgreementRoutes, NotificationRoutes,
                     AuditRoutes, RetentionRoutes,
                     TaskingRoutes, CaseReviewRoutes, DashboardRoutes, OperationsRoutes,
                     MetricsRoutes, DocsRoutes, VocabularyRoutes, WebPages):
    name = "gateway"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    retention = retention_schedule()
    referrals = ServiceRpc("referrals")
    tasking = ServiceRpc("tasking")
    notifications = ServiceRpc("notifications")
    casereview = ServiceRpc("casereview")

    @configured_timer("SESSION_PRUNE_SECONDS")
    def prune_sessions(self):
        """Ended sessions are deleted once `WARDLINE_SESSION_KEEP_DAYS` have passed: every
        piece of data has a retention period, sign-ins' included."""
        with self.uow:
            deleted = sessions.prune(self.uow.session, self.config["SESSION_KEEP_DAYS"])
        if deleted:
            log.info("sessions.pruned", deleted=deleted)
