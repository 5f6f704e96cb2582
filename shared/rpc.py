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
"""
from amqp.exceptions import PreconditionFailed
from kombu import Connection
from nameko.rpc import Rpc, RpcConsumer, get_rpc_exchange

from shared.bus import declare, rpc_queue


def service_rpc_queue(service_name, config):
    return rpc_queue(service_name, get_rpc_exchange(config), config.get("DELIVERY_LIMIT", 5))


class QuorumRpcConsumer(RpcConsumer):
    """Nameko's RPC consumer on the quorum `rpc-<service>` queue; one per container."""

    def setup(self):
        if self.queue is None:
            config = self.container.config
            self.queue = service_rpc_queue(self.container.service_name, config)
            # The dead-letter exchange must exist before the first request is parked:
            # RabbitMQ drops a message whose dead-letter exchange is missing.
            declare(config["AMQP_URI"], [self.queue])
            self.queue_consumer.register_provider(self)
            self._registered = True


class QuorumRpc(Rpc):
    rpc_consumer = QuorumRpcConsumer()


rpc = QuorumRpc.decorator


class ClassicQueueInUse(Exception):
    """The old classic `rpc-<service>` queue still has consumers or requests waiting."""


def declare_rpc_queue(service_name, config):
    """Declare the service's quorum RPC queue (`wardline migrate` does, before services
    start). Releases before quorum RPC queues left a classic `rpc-<service>`, which cannot
    be redeclared with other arguments (PRECONDITION_FAILED): it is replaced, but only
    when no process consumes it and no request waits in it, so nothing is lost."""
    queue = service_rpc_queue(service_name, config)
    declare(config["AMQP_URI"], [])  # the dead-letter exchange and queue
    with Connection(config["AMQP_URI"], connect_timeout=5) as conn:
        try:
            queue(conn.channel()).declare()
            return
        except PreconditionFailed:  # a classic queue of that name; the channel is closed
            pass
        try:
            conn.channel().queue_delete(queue.name, if_unused=True, if_empty=True)
        except PreconditionFailed:
            raise ClassicQueueInUse(
                f"{queue.name} is a classic queue from an older release and still has "
                f"consumers or requests: stop every {service_name} process (and the "
                f"gateway), purge it if requests remain (`rabbitmqctl purge_queue "
                f"{queue.name}`), then run `wardline migrate {service_name}` again") from None
        queue(conn.channel()).declare()
