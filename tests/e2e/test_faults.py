"""Short fault-injection runs (the long ones: `make reliability`). While referrals flow,
a service is killed, RabbitMQ's application restarts, PostgreSQL stops for a few seconds:
afterwards every accepted referral has exactly one tasking item and one acknowledgement,
and every service found its way back by itself."""
import pytest
import requests

from shared.config import SERVICES
from shared.testing.faults import (kill_and_restart, restart_rabbitmq, run_scenario,
                                   stop_postgresql)

pytestmark = pytest.mark.e2e
REFERRALS = 45


def check(outcome):
    assert outcome.accepted == outcome.sent, outcome
    assert outcome.lost == 0 and outcome.duplicated == 0, outcome
    assert outcome.recovery_seconds is not None, f"{outcome.scenario}: never recovered"


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "gateway"])
def test_a_service_killed_mid_stream_loses_nothing_and_does_nothing_twice(stack, service):
    check(run_scenario(stack, f"kill -9 {service}", kill_and_restart(service), REFERRALS))


def test_the_gateway_killed_mid_stream_loses_no_accepted_referral(stack):
    check(run_scenario(stack, "kill -9 gateway", kill_and_restart("gateway"), REFERRALS))


def test_rabbitmq_restarting_loses_nothing_and_every_service_reconnects(stack):
    check(run_scenario(stack, "restart RabbitMQ", restart_rabbitmq, REFERRALS))
    assert stack.wait_healthy()["status"] == "ok"


def test_postgresql_stopping_for_seconds_loses_nothing(stack):
    check(run_scenario(stack, "stop PostgreSQL 5 s", stop_postgresql(5), REFERRALS))
    assert stack.wait_healthy()["status"] == "ok"


def test_health_names_the_one_service_that_does_not_answer(stack):
    """Every service is asked at once; the one that is down is named, the rest are ok."""
    stack.kill("casereview")
    try:
        answer = requests.get(stack.base_url + "/health", timeout=30)
        assert answer.status_code == 503
        assert answer.json()["status"] == "degraded"
        assert answer.json()["checks"] == {"database": "ok", "referrals": "ok", "tasking": "ok",
                                           "notifications": "ok", "casereview": "timeout"}
    finally:
        stack.start("casereview")
        stack.wait_healthy()
