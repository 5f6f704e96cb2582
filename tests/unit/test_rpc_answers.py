"""An answer the broker cannot take (it is restarting) must not kill the service: the
work is committed, the request is acknowledged so it is not done twice, the loss logged."""
from unittest.mock import Mock

import pytest
from kombu.exceptions import OperationalError

from shared.rpc import QuorumRpcConsumer


@pytest.fixture
def consumer():
    consumer = QuorumRpcConsumer()
    consumer.container = Mock(config={"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/"})
    consumer.queue_consumer = Mock()
    return consumer


def test_an_answer_lost_to_the_broker_is_logged_and_the_request_acknowledged(
        consumer, monkeypatch):
    def broker_gone(self, result, exc_info):
        raise OperationalError("[Errno 111] ECONNREFUSED")
    monkeypatch.setattr("nameko.rpc.Responder.send_response", broker_gone)
    message = Mock(delivery_info={"routing_key": "referrals.submit_referral"})

    assert consumer.handle_result(message, {"id": "r-1"}, None) == ({"id": "r-1"}, None)
    consumer.queue_consumer.ack_message.assert_called_once_with(message)


def test_when_even_the_acknowledgement_fails_nothing_is_raised(consumer, monkeypatch):
    def broker_gone(self, result, exc_info):
        raise ConnectionResetError(104, "Connection reset by peer")
    monkeypatch.setattr("nameko.rpc.Responder.send_response", broker_gone)
    consumer.queue_consumer.ack_message.side_effect = OperationalError("channel closed")

    assert consumer.handle_result(Mock(delivery_info={}), "answer", None) == ("answer", None)


def test_an_answer_the_broker_takes_is_sent_then_acknowledged(consumer, monkeypatch):
    sent = []
    monkeypatch.setattr("nameko.rpc.Responder.send_response",
                        lambda self, result, exc_info: sent.append(result) or (result, exc_info))
    message = Mock(delivery_info={})
    assert consumer.handle_result(message, 42, None) == (42, None)
    assert sent == [42]
    consumer.queue_consumer.ack_message.assert_called_once_with(message)
