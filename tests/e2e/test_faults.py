"""Short fault-injection runs (the long ones: `make reliability`). While referrals flow,
a service is killed, RabbitMQ's application restarts, PostgreSQL stops for a few seconds:
afterwards every accepted referral has exactly one tasking item and one acknowledgement,
and every service found its way back by itself. A service that stops answering (frozen
with SIGSTOP) is a 504 from the gateway, which frees the worker and serves on."""
import signal
import subprocess
import time

import pytest
import requests

from wardline.services import SERVICES
from tests.support.faults import (kill_and_restart, restart_rabbitmq, run_scenario,
                                   stop_postgresql)
from shared.testing.stack import ServiceStack, free_port
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
REFERRALS = 45
TIMEOUT = 5  # seconds the one-worker gateway below waits for a service's answer


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


@pytest.fixture
def one_worker_gateway(stack, tmp_path):
    """A second gateway on the stack's broker and database, with one worker and a
    TIMEOUT s wait for answers (WARDLINE_REQUEST_TIMEOUT_SECONDS, 30 by default): a
    request it answers after a timeout proves the timed-out worker's slot was freed."""
    gateway = ServiceStack({**stack.env, "WARDLINE_HTTP_PORT": str(free_port()),
                            "WARDLINE_MAX_WORKERS": "1",
                            "WARDLINE_REQUEST_TIMEOUT_SECONDS": str(TIMEOUT)},
                           tmp_path)
    gateway.start("gateway")
    try:
        gateway.wait_healthy()
        yield gateway
    finally:
        gateway.stop()


def test_a_service_that_never_answers_is_a_504_and_the_gateway_serves_on(
        stack, one_worker_gateway):
    gateway = one_worker_gateway

    def ask(path, user):
        return requests.get(gateway.base_url + path, timeout=20, headers={
            "Authorization": f"Bearer {stack.token(user)}"})

    assert wait_for(lambda: ask("/api/case-reviews", "reviewer").status_code == 200,
                    timeout=30), "the one-worker gateway never reached casereview"
    casereview = stack.processes["casereview"]
    casereview.send_signal(signal.SIGSTOP)  # running, connected, and answering nothing
    try:
        started = time.monotonic()
        lost = ask("/api/case-reviews", "reviewer")
        waited = time.monotonic() - started
        assert lost.status_code == 504, lost.text
        assert lost.json()["error"]["code"] == "timeout"
        assert "look for it before sending it again" in lost.json()["error"]["message"]
        assert TIMEOUT <= waited < TIMEOUT + 15, waited
        # The one worker was stopped and its slot freed: were it still waiting for the
        # frozen service, this request would wait with it until casereview wakes.
        assert ask("/api/referrals?limit=1", "coordinator").status_code == 200
        assert "http.service_timed_out" in gateway.log("gateway")
    finally:
        casereview.send_signal(signal.SIGCONT)
    # Awake, casereview answers the lost request late; the gateway drops that answer and
    # gives each new request its own.
    missing = ask("/api/case-reviews/00000000-0000-4000-8000-000000000000", "reviewer")
    assert missing.status_code == 404, missing.text
    assert wait_for(lambda: ask("/api/case-reviews", "reviewer").status_code == 200,
                    timeout=30)
    assert requests.get(gateway.base_url + "/health", timeout=20).status_code == 200


@pytest.mark.parametrize("service", ["notifications", "gateway"])
def test_a_service_told_to_stop_while_it_is_starting_stops(stack, service):
    """SIGTERM in the half second between "starting services" and every consumer being
    ready (an orchestrator scaling down a replica it just started, a Ctrl-C at once)
    once left nameko's queue consumer half stopped: the process hung for good, holding
    its connections. It stops now, as from any other moment."""
    log = stack.workdir / f"{service}-stopped-while-starting.log"
    env = {**stack.env, "WARDLINE_HEALTH_PORT": str(free_port()),
           "WARDLINE_HTTP_PORT": str(free_port())}
    with open(log, "ab") as out:
        process = subprocess.Popen([stack.python, "-m", "wardline.cli", "run", service],
                                   env=env, cwd=stack.cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: "starting services" in log.read_text(errors="replace"),
                        timeout=60, interval=0.005), "the service never began starting"
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{service} still running 40 s after SIGTERM:\n"
                    + log.read_text(errors="replace")[-3000:])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    written = log.read_text(errors="replace")
    assert "stopping services" in written, written[-3000:]  # a stop, not a crash
    assert "already-triggered" not in written, written[-3000:]
    assert returncode == 0, written[-3000:]
