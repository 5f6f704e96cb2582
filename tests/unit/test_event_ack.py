"""An event entrypoint whose ack cannot reach the broker (it is restarting) logs it and
lets the broker redeliver; it never raises, which would kill the whole container and
every worker in flight (seen in the RabbitMQ-restart fault test)."""
import pytest
from structlog.testing import capture_logs

from shared.consumers import EventEntrypoint


class LostConnection:
    def __init__(self, error):
        self.error = error

    def ack_message(self, message):
        raise self.error


class Message:
    headers = {}
    delivery_info = {"routing_key": "referral.submitted"}


class Queue:
    name = "evt-referrals-referral.submitted--tasking.raise_item_for_referral"


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"),
                                   BrokenPipeError(32, "Broken pipe")])
def test_an_ack_the_broker_cannot_take_is_logged_not_raised(error):
    entrypoint = EventEntrypoint("referrals", "referral.submitted")
    entrypoint.queue_consumer, entrypoint.queue = LostConnection(error), Queue()
    with capture_logs() as logs:
        entrypoint.handle_message_processed(Message(), result=None, exc_info=None)
    assert [(e["event"], e["queue"]) for e in logs] == [("event.ack_lost", Queue.name)]


def test_any_other_error_from_the_ack_still_raises():
    entrypoint = EventEntrypoint("referrals", "referral.submitted")
    entrypoint.queue_consumer, entrypoint.queue = LostConnection(ValueError("a bug")), Queue()
    with pytest.raises(ValueError):
        entrypoint.handle_message_processed(Message(), result=None, exc_info=None)
