"""The one way a service answers RPC: `@rpc` is nameko's, except that the request queue
`rpc-<service>` is a quorum queue with the event queues' delivery limit and dead-letter
exchange (shared/bus.py `rpc_queue`). A request then survives the loss of a broker node
(production runs three: deploy/docker-compose.prod.yml), and one whose worker keeps
dying is parked in the dead-letter queue instead of going round the replicas for ever.

Callers' reply queues (`rpc.reply-…`, declared by nameko's `RpcProxy` and the standalone
proxies) stay classic on purpose: each belongs to one client process, is created at its
start and expires after it (`x-expires`), and carries answers only that process is waiting
for. A quorum queue may not be exclusive or auto-delete and costs a replicated log per
queue; and if the node holding a reply queue is lost, the caller's own timeout already
says what happened, which replication could not improve on.

Every request must also say who it is for: a caller assertion (shared/caller.py) in its
context data, verified before a worker runs. A method with an `actor` parameter receives
the actor the assertion vouches for, never the one the caller sent; a call without a valid
assertion, or whose `actor` argument claims someone else, is refused and logged
(`rpc.caller_refused`). Only methods declared `@rpc(needs_caller=False)` answer anyone on
the bus: health and aggregate figures, nothing personal.
"""
import inspect

import structlog
from amqp.exceptions import PreconditionFailed
from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.exceptions import MalformedRequest
from nameko.rpc import ReplyListener, Rpc, RpcConsumer, RpcProxy, get_rpc_exchange

from shared.bus import declare, rpc_queue
from shared.caller import CALLER_HEADER, CallerRefused, as_actor, verify_caller
from shared.consumers import PromptQueueConsumer
from shared.errors import Forbidden, as_unavailable

log = structlog.get_logger(__name__)


def service_rpc_queue(service_name, config):
    return rpc_queue(service_name, get_rpc_exchange(config), config.get("DELIVERY_LIMIT", 5))


class QuorumRpcConsumer(RpcConsumer):
    """Nameko's RPC consumer on the quorum `rpc-<service>` queue; one per container."""
    queue_consumer = PromptQueueConsumer()

    def setup(self):
        if self.queue is None:
            config = self.container.config
            self.queue = service_rpc_queue(self.container.service_name, config)
            # The dead-letter exchange must exist before the first request is parked:
            # RabbitMQ drops a message whose dead-letter exchange is missing.
            declare(config["AMQP_URI"], [self.queue])
            self.queue_consumer.register_provider(self)
            self._registered = True

    def handle_message(self, body, message):
        """A request with nowhere to send the answer (one replayed from the dead-letter
        queue, or published by hand) is logged and dropped: nameko would fail to answer
        it, which kills the container, and the request would go round the replicas."""
        if not message.properties.get("reply_to"):
            log.warning("rpc.request_without_reply_to",
                        routing_key=message.delivery_info.get("routing_key", ""))
            self.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def handle_result(self, message, result, exc_info):
        """Answer the caller; if the broker cannot take the answer (it is restarting), the
        work is already committed, so the answer is given up and logged rather than
        raised: raised, it would kill the whole container and every worker in flight,
        and a redelivered request would do the work a second time. The caller's own
        timeout tells it the answer was lost."""
        try:
            return super().handle_result(message, result, exc_info)
        except (OperationalError, ConnectionError, OSError) as exc:
            log.warning("rpc.answer_lost", error=str(exc),
                        routing_key=message.delivery_info.get("routing_key", ""))
            try:
                self.queue_consumer.ack_message(message)
            except (OperationalError, ConnectionError, OSError):
                pass  # the request's channel is gone with the connection: nothing to ack
            return result, exc_info


class PromptReplyListener(ReplyListener):
    queue_consumer = PromptQueueConsumer()


class ServiceRpc(RpcProxy):
    """Nameko's RPC proxy onto another service, whose answers come through the same
    prompt queue consumer as the service's own requests (one consumer, one connection)."""
    rpc_reply_listener = PromptReplyListener()


class QuorumRpc(Rpc):
    rpc_consumer = QuorumRpcConsumer()

    def __init__(self, needs_caller=True, **kwargs):
        """`needs_caller=False`: answer without a signed caller (nothing personal)."""
        self.needs_caller = needs_caller
        super().__init__(**kwargs)

    def setup(self):
        config = self.container.config
        self.accepted_keys = config.get("CALLER_KEYS_ACCEPTED") or [config.get("CALLER_KEY")]
        if self.needs_caller and not all(self.accepted_keys):
            raise RuntimeError(f"{self.container.service_name}.{self.method_name} needs "
                               "CALLER_KEY in its config to verify callers (load_config)")
        self.signature = inspect.signature(getattr(self.container.service_cls,
                                                   self.method_name))
        super().setup()

    def handle_message(self, body, message):
        """Before nameko checks the signature and starts a worker: the caller verified
        and the `actor` argument replaced by the one its assertion vouches for."""
        if self.needs_caller and isinstance(body, dict):
            context = self.unpack_message_headers(message)
            try:
                actor = verify_caller(context.get(CALLER_HEADER), self.accepted_keys)
                body = {**body, **self._with_actor(body.get("args"), body.get("kwargs"),
                                                   actor)}
            except CallerRefused as refused:
                log.warning("rpc.caller_refused", reason=refused.reason,
                            service=self.container.service_name,
                            entrypoint=self.method_name,
                            correlation_id=context.get("correlation_id"))
                raise refused.error from None
        super().handle_message(body, message)

    def _with_actor(self, args, kwargs, actor):
        """`args` and `kwargs` with the method's `actor` parameter (positional or
        keyword, sent or not) set to `actor`; refused if the caller sent another."""
        if "actor" not in self.signature.parameters:
            return {}
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise MalformedRequest("`args` must be a list and `kwargs` an object")
        try:
            bound = self.signature.bind_partial(None, *args, **kwargs)
        except TypeError:
            return {}  # nameko's signature check says what is wrong with the call
        claimed = bound.arguments.get("actor")
        if claimed is not None and (not isinstance(claimed, dict)
                                    or as_actor(claimed) != actor):
            raise CallerRefused("actor_mismatch", Forbidden(
                "The actor sent differs from the signed caller of this call."))
        bound.arguments["actor"] = actor
        return {"args": list(bound.args[1:]), "kwargs": bound.kwargs}

    def handle_result(self, message, worker_ctx, result, exc_info):
        """A database that refused the connection or has none free reaches the caller as
        `Unavailable` (the gateway's 503), not as a RemoteError it would take for a bug."""
        if exc_info is not None:
            unavailable = as_unavailable(exc_info[1])
            if unavailable is not None:
                exc_info = (type(unavailable), unavailable, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = QuorumRpc.decorator


class RpcQueueInUse(Exception):
    """An `rpc-<service>` queue declared otherwise (classic, by an older release, or with
    another delivery limit) still has consumers or requests waiting."""


def declare_rpc_queue(service_name, config):
    """Declare the service's quorum RPC queue (`wardline migrate` does, before services
    start). Releases before quorum RPC queues left a classic `rpc-<service>`, and a changed
    `WARDLINE_DELIVERY_LIMIT` differs too; RabbitMQ refuses to redeclare a queue with other
    arguments (PRECONDITION_FAILED), so such a queue is replaced, but only when no process
    consumes it and no request waits in it, so nothing is lost."""
    queue = service_rpc_queue(service_name, config)
    declare(config["AMQP_URI"], [])  # the dead-letter exchange and queue
    with Connection(config["AMQP_URI"], connect_timeout=5) as conn:
        try:
            queue(conn.channel()).declare()
            return
        except PreconditionFailed:  # declared otherwise; the channel is closed
            pass
        try:
            conn.channel().queue_delete(queue.name, if_unused=True, if_empty=True)
        except PreconditionFailed:
            raise RpcQueueInUse(
                f"{queue.name} was declared with other arguments (classic, or another "
                f"delivery limit) and still has consumers or requests: stop the gateway "
                f"and every {service_name} process, purge it if requests remain "
                f"(`rabbitmqctl purge_queue {queue.name}`), then run "
                f"`wardline migrate {service_name}` again") from None
        queue(conn.channel()).declare()
