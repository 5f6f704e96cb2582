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
    result = subprocess.run([sys.executable, "-m", "shared.cli", "run", "all"],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "cannot reach RabbitMQ" in line and "rabbitmq-server -detached" in line


def test_run_all_serves_every_service_and_ctrl_c_stops_them_all(wardline_env, tmp_path):
    env = {**wardline_env, "WARDLINE_HTTP_PORT": str(free_port())}
    stack = ServiceStack(env, tmp_path)
    stack.wardline("migrate")
    stack.wardline("demo", "seed")
    _run_all_and_refer(stack)


def test_make_run_default_sqlite_setup_takes_a_referral_through_every_service(amqp_uri,
                                                                             tmp_path):
    """What `make run` does on a laptop: no WARDLINE_DATABASE_URL, so one SQLite file per
    service under WARDLINE_VAR_DIR, every service its own process (`wardline run all`)."""
    var = tmp_path / "var"
    stack = ServiceStack({"WARDLINE_AMQP_URI": amqp_uri, "WARDLINE_VAR_DIR": str(var),
                          "WARDLINE_HTTP_PORT": str(free_port()),
                          "WARDLINE_OUTBOX_POLL_SECONDS": "1"}, tmp_path)
    for inherited in ("WARDLINE_DATABASE_URL", "WARDLINE_SECRET_KEY"):
        stack.env.pop(inherited, None)  # other modules' fixtures export theirs
    stack.wardline("migrate")
    stack.wardline("demo", "seed", "--if-empty")
    assert sorted(path.name for path in var.glob("*.sqlite")) == [
        "casereview.sqlite", "gateway.sqlite", "notifications.sqlite", "referrals.sqlite",
        "tasking.sqlite"]
    referral_id = _run_all_and_refer(stack)
    stored = {}  # the referral reached each service's own SQLite file
    for service, query in (
            ("referrals", "SELECT count(*) FROM referrals WHERE id = :id"),
            ("tasking", "SELECT count(*) FROM tasking_items WHERE source_id = :id"),
            ("notifications", "SELECT count(*) FROM notifications WHERE source_id = :id "
                              "AND recipient = 'agency:yot'")):
        engine = sa.create_engine(f"sqlite:///{var / f'{service}.sqlite'}")
        with engine.connect() as conn:
            stored[service] = conn.execute(sa.text(query), {"id": referral_id}).scalar()
        engine.dispose()
    assert stored == {"referrals": 1, "tasking": 1, "notifications": 1}

def _run_all_and_refer(stack):
    """`wardline run all`; a partner refers over HTTP and sees the tasking item and the
    acknowledgement; then Ctrl-C stops every service."""
    log = open(stack.workdir / "all.log", "ab")
    parent = subprocess.Popen([sys.executable, "-m", "shared.cli", "run", "all"],
                              env=stack.env, start_new_session=True,
                              stdout=log, stderr=subprocess.STDOUT)
    stack.processes["all"] = parent
    try:
        assert stack.wait_healthy(timeout=90)["status"] == "ok"
        token = requests.post(stack.base_url + "/api/auth/token", timeout=10, json={
            "username": "yot.partner", "password": "wardline-demo-2026"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        submitted = requests.post(stack.base_url + "/api/referrals", headers=headers,
                                  timeout=10, json=referral_payload(
                                      category="youth_at_risk", risk_level="high",
                                      ward="dalston"))
        assert submitted.status_code == 201, submitted.text
        referral_id = submitted.json()["id"]
        deadline = time.monotonic() + 20
        while True:
            referral = requests.get(f"{stack.base_url}/api/referrals/{referral_id}",
                                    headers=headers, timeout=10).json()
            if referral["tasking_items"] and referral["feedback"]:
                break
            assert time.monotonic() < deadline, (referral, stack.log("all")[-3000:])
            time.sleep(0.2)
        [item] = referral["tasking_items"]
        assert (item["owner_agency"], item["status"]) == ("yot", "open")
        [acknowledgement] = referral["feedback"]
        assert acknowledgement["recipient"] == "agency:yot"
        assert referral_id in acknowledgement["body"]
    finally:
        stack.processes.clear()
        # Ctrl-C at a terminal signals the whole process group.
        subprocess.run(["kill", "-INT", "--", f"-{parent.pid}"], check=True)
        assert parent.wait(timeout=30) == 0, stack.log("all")[-3000:]
        log.close()
    deadline = time.monotonic() + 20  # children finish draining and are reaped
    while (leftover := subprocess.run(["pgrep", "-g", str(parent.pid)],
                                      capture_output=True).stdout) and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftover == b"", "a service outlived Ctrl-C"
    errors = [line for line in stack.log("all").splitlines() if '"level": "error"' in line]
    assert not errors, errors[:5]
    return referral_id


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

    def lines(service, event):
        """Every line of the service's log about this request, parsed; `event` among them."""
        parsed = [json.loads(line) for line in stack.log(service).splitlines()
                  if correlation_id in line]
        assert any(line["event"] == event for line in parsed), (service, parsed)
        return parsed

    for line in lines("referrals", "referral.submitted"):
        assert line["service"] == "referrals" and line["correlation_id"] == correlation_id
        assert line["entrypoint"] == "submit_referral" and "event_id" not in line
    for service, event, entrypoint in (
            ("tasking", "tasking_item.raised", "raise_item_for_referral"),
            ("notifications", "notification.recorded", "acknowledge_referral")):
        for line in lines(service, event):
            assert (line["service"], line["entrypoint"]) == (service, entrypoint), line
            assert line["correlation_id"] == correlation_id, line
            assert line["event_id"] == event_id, line
            assert {"level", "timestamp"} <= set(line), line


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
