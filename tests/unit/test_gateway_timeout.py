"""The gateway never waits for ever: an answer that does not come (lost in a broker
restart, say) becomes a 504 that says what to do, and the stuck worker is stopped so its
slot is free for the next request."""
import eventlet
import requests

from services.gateway.http import api


class SlowService:
    name = "slow_gateway"

    @api("GET", "/api/slow")
    def slow(self, request):
        eventlet.sleep(30)  # as a worker waiting for an answer that was lost
        return {"late": True}

    @api("GET", "/api/quick")
    def quick(self, request):
        return {"quick": True}


def test_a_service_that_does_not_answer_in_time_is_a_504_and_frees_the_worker(
        container_factory, web_config, web_config_port):
    container = container_factory(SlowService, {**web_config, "max_workers": 1,
                                                "REQUEST_TIMEOUT_SECONDS": 0.5})
    container.start()
    base = f"http://127.0.0.1:{web_config_port}"

    answer = requests.get(f"{base}/api/slow", timeout=10)
    assert answer.status_code == 504
    assert answer.json()["error"]["code"] == "timeout"
    assert "look for it before sending it again" in answer.json()["error"]["message"]
    assert container._worker_threads == {}
    # the only worker slot was freed: the next request is served at once
    assert requests.get(f"{base}/api/quick", timeout=5).json() == {"quick": True}
