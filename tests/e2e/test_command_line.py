"""The `wardline` command as an operator uses it."""
import os
import subprocess
import sys
import time

import pytest
import requests

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
    parent = subprocess.Popen([sys.executable, "-m", "shared.cli", "run", "all"],
                              env=stack.env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.processes["all"] = parent
    try:
        assert stack.wait_healthy()["status"] == "ok"
    finally:
        stack.processes.clear()
        # Ctrl-C at a terminal signals the whole process group.
        subprocess.run(["kill", "-INT", "--", f"-{parent.pid}"], check=True)
        assert parent.wait(timeout=30) == 0
    deadline = time.monotonic() + 20  # children finish draining and are reaped
    while (leftover := subprocess.run(["pgrep", "-g", str(parent.pid)],
                                      capture_output=True).stdout) and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftover == b"", "a service outlived Ctrl-C"


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
