"""The `wardline` command as an operator uses it."""
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.stack import ServiceStack, free_port

pytestmark = pytest.mark.e2e




def test_users_add_reads_the_password_from_stdin_and_the_user_can_sign_in(stack):
    stack.wardline("users", "add", "hw.officer", "--role", "partner", "--agency", "housing",
                   "--email", "hw@example.org", "--password-stdin",
                   input="correct horse battery staple\n")
    token = stack.token("hw.officer", "correct horse battery staple")
    me = requests.get(stack.base_url + "/api/me", timeout=5,
                      headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["agency"], me["email"]) == ("partner", "housing", "hw@example.org")


def test_users_add_refuses_a_bad_account_with_a_clear_line(stack):
    with pytest.raises(subprocess.CalledProcessError) as refused:
        stack.wardline("users", "add", "pc.nowhere", "--role", "pcso", "--ward", "atlantis",
                       "--password-stdin", input="long enough password\n")
    assert "Unknown ward codes: atlantis" in refused.value.stderr


def test_run_stops_with_one_clear_line_when_the_broker_cannot_be_reached(tmp_path):
    env = {"WARDLINE_AMQP_URI": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
           "WARDLINE_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "wardline.cli", "run", "all"],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "cannot reach RabbitMQ" in line and "rabbitmq-server -detached" in line


@pytest.mark.parametrize("service, setting", [
    # The sample key in deploy/k8s/config.yaml once signed real tokens: anyone who read
    # the repository could forge an admin's.
    ("gateway", "WARDLINE_SECRET_KEY"),
    # A known caller key would let anyone on the bus sign themselves the coordinator.
    ("referrals", "WARDLINE_CALLER_KEY"),
])
def test_a_process_refuses_to_start_with_the_k8s_placeholder_or_a_short_key(
        tmp_path, service, setting):
    for key, why in (("change-me-to-64-random-hex-characters", "placeholder"),
                     ("short-key", "at least 32")):
        result = subprocess.run([sys.executable, "-m", "wardline.cli", "run", service],
                                env={**os.environ, setting: key,
                                     "WARDLINE_VAR_DIR": str(tmp_path)},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr[-2000:]
        [line] = result.stderr.strip().splitlines()
        assert setting in line and why in line


def test_demo_seed_refuses_a_database_with_other_accounts_unless_forced(stack):
    stack.wardline("users", "add", "real.person", "--role", "partner", "--agency", "housing",
                   "--password-stdin", input="a real person's password\n")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        stack.wardline("demo", "seed")
    assert refused.value.returncode == 2
    assert "real.person" in refused.value.stderr and "--force" in refused.value.stderr
    assert "seeded" in stack.wardline("demo", "seed", "--force").stdout


def test_log_lines_are_json_carrying_service_entrypoint_correlation_and_event_ids(stack):
    correlation_id = f"corr-{uuid.uuid4().hex}"
    submitted = stack.post("/api/referrals", "yot.partner", json=referral_payload(),
                           headers={"X-Correlation-ID": correlation_id})
    assert submitted.status_code == 201, submitted.text
    referral_id = submitted.json()["id"]
    deadline = time.monotonic() + 20
    while not stack.get(f"/api/referrals/{referral_id}", "yot.partner").json()["feedback"]:
        assert time.monotonic() < deadline, "no acknowledgement"
        time.sleep(0.2)
    event_id = _submitted_event_id(stack, referral_id)

    def lines(service):
        """Every line of the service's log about this request, parsed."""
        return [json.loads(line) for line in stack.log(service).splitlines()
                if correlation_id in line]

    submitted = [line for line in lines("referrals") if line["event"] == "referral.submitted"]
    assert [(line["service"], line["entrypoint"], line["correlation_id"])
            for line in submitted] == [("referrals", "submit_referral", correlation_id)]
    assert "event_id" not in submitted[0]  # an RPC, not an event
    for service, event, entrypoint in (
            ("tasking", "tasking_item.raised", "raise_item_for_referral"),
            ("notifications", "notification.recorded", "acknowledge_referral")):
        parsed = lines(service)
        for line in parsed:  # every line the request caused, whichever event it handled
            assert line["service"] == service and line["entrypoint"], line
            assert line["correlation_id"] == correlation_id and line["event_id"], line
            assert {"level", "timestamp"} <= set(line), line
        handled = [line for line in parsed if line["entrypoint"] == entrypoint]
        assert event in {line["event"] for line in handled}, (service, parsed)
        assert {line["event_id"] for line in handled} == {event_id}, handled

def _submitted_event_id(stack, referral_id):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        [event_id] = conn.execute(sa.text(
            "SELECT event_id FROM referrals.outbox WHERE type = 'referral.submitted' "
            "AND CAST(message AS jsonb) -> 'payload' ->> 'referral_id' = :id"),
            {"id": referral_id}).scalars().all()
    engine.dispose()
    return event_id


def test_every_service_process_answers_its_own_health_probe(wardline_env, tmp_path):
    port = free_port()
    env = {**wardline_env, "WARDLINE_HTTP_PORT": str(free_port()),
           "WARDLINE_HEALTH_PORT": str(port)}
    stack = ServiceStack(env, tmp_path)
    stack.wardline("migrate", "referrals")
    stack.start("referrals")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, stack.log("referrals")[-2000:]
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"service": "referrals", "status": "ok",
                                   "checks": {"database": "ok", "broker": "ok"}}
        alive = requests.get(f"http://127.0.0.1:{port}/livez", timeout=2)
        assert alive.status_code == 200 and alive.json() == {"status": "alive"}
    finally:
        stack.stop()
