"""`wardline run all`, as `make run` starts it: every service as a child process, a referral
taken through them over HTTP, and Ctrl-C stopping them all; on PostgreSQL and on the
default SQLite files; and a service killed under it started again while the others run.

No module-wide `stack` here: its services would share this module's vhost and answer
these stacks' RPC calls from another database."""
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
import requests
import sqlalchemy as sa

from wardline.services import SERVICES
from shared.testing.factories import referral_payload
from shared.testing.stack import ServiceStack, free_port
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


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

def test_make_run_plays_the_demo_story_once_into_the_stack_it_started(amqp_uri, tmp_path):
    """`make run` on a laptop's SQLite files: `wardline run all --story` starts every
    service and, once they answer, plays the demo story into them over HTTP (a process
    of its own, not restarted); Ctrl-C stops everything."""
    var = tmp_path / "var"
    stack = ServiceStack({"WARDLINE_AMQP_URI": amqp_uri, "WARDLINE_VAR_DIR": str(var),
                          "WARDLINE_HTTP_PORT": str(free_port()),
                          "WARDLINE_OUTBOX_POLL_SECONDS": "1"}, tmp_path)
    for inherited in ("WARDLINE_DATABASE_URL", "WARDLINE_SECRET_KEY"):
        stack.env.pop(inherited, None)
    stack.wardline("migrate")
    stack.wardline("demo", "seed", "--if-empty")
    with _run_all(stack, "--story"):
        told = wait_for(lambda: "wardline: demo story told" in stack.log("all")
                        or "demo story stopped" in stack.log("all"), timeout=150)
        assert told and "demo story told" in stack.log("all"), stack.log("all")[-3000:]
        assert wait_for(lambda: "runner.companion_finished" in stack.log("all"), timeout=10)
        referrals = requests.get(stack.base_url + "/api/referrals?limit=200", timeout=10,
                                 headers=_user(stack, "coordinator")).json()["items"]
        assert len({r["referring_agency"] for r in referrals}) == 9


def test_run_all_restarts_a_killed_service_and_leaves_the_others_running(wardline_env,
                                                                        tmp_path):
    """`kill -9` of tasking under `wardline run all`: the gateway and referrals go on
    answering, a referral submitted while tasking is down is taken, and tasking is started
    again (logged) and raises the referral's tasking item within 30 s: its event waited in
    tasking's queue, nothing was lost."""
    env = {**wardline_env, "WARDLINE_HTTP_PORT": str(free_port())}
    stack = ServiceStack(env, tmp_path)
    stack.wardline("migrate")
    stack.wardline("demo", "seed", "--if-empty")
    with _run_all(stack) as parent:
        assert stack.wait_healthy(timeout=90)["status"] == "ok"
        headers = _partner(stack)
        before = _service_pids(parent.pid)
        assert sorted(before) == sorted(SERVICES), before
        os.kill(before["tasking"], signal.SIGKILL)
        killed_at = time.monotonic()
        assert wait_for(lambda: "runner.service_exited" in stack.log("all"), timeout=10)

        submitted = requests.post(stack.base_url + "/api/referrals", headers=headers,
                                  timeout=10, json=referral_payload(
                                      category="youth_at_risk", risk_level="high",
                                      ward="dalston"))
        submitted_at = datetime.now(timezone.utc)
        assert submitted.status_code == 201, submitted.text  # gateway and referrals answer
        referral_id = submitted.json()["id"]

        def tasking_item():  # waits, through the gateway, for tasking to answer again
            response = requests.get(f"{stack.base_url}/api/referrals/{referral_id}",
                                    headers=headers, timeout=40)
            assert response.status_code == 200, response.text
            return response.json()["tasking_items"]
        [item] = wait_for(tasking_item, timeout=30 - (time.monotonic() - killed_at))
        assert time.monotonic() - killed_at < 30
        assert item["owner_agency"] == "yot"

        after = _service_pids(parent.pid)
        assert after["tasking"] != before["tasking"]
        assert {name: pid for name, pid in after.items() if name != "tasking"} == {
            name: pid for name, pid in before.items() if name != "tasking"}, "others kept"
        lines = [json.loads(line) for line in stack.log("all").splitlines()
                 if line.startswith("{")]
        exited = [line for line in lines if line["event"] == "runner.service_exited"]
        assert [(line["service_name"], line["reason"]) for line in exited] == [
            ("tasking", "killed by SIGKILL")]
        restarted = [i for i, line in enumerate(lines)
                     if line["event"] == "runner.service_restarted"]
        assert [lines[i]["service_name"] for i in restarted] == ["tasking"]
        # The new tasking process logged nothing before the referral was in: it was
        # submitted while tasking was down, and handled once it was back.
        first_line = next(line for line in lines[restarted[0] + 1:]
                          if line.get("service") == "tasking")
        assert datetime.fromisoformat(first_line["timestamp"]) > submitted_at


def _service_pids(parent_pid):
    """{service: pid} of `wardline run all`'s children."""
    listing = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(parent_pid)],
                             capture_output=True, text=True).stdout
    return {line.split()[-1]: int(line.split()[0]) for line in listing.splitlines()
            if "wardline.cli run" in line}


def _partner(stack):
    return _user(stack, "yot.partner")


def _user(stack, username):
    token = requests.post(stack.base_url + "/api/auth/token", timeout=10, json={
        "username": username, "password": "wardline-demo-2026"})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@contextmanager
def _run_all(stack, *flags):
    """`wardline run all` (with `flags`) for the block; then Ctrl-C, which must stop every
    service, with no error logged."""
    log = open(stack.workdir / "all.log", "ab")
    parent = subprocess.Popen([sys.executable, "-m", "wardline.cli", "run", "all", *flags],
                              env=stack.env, start_new_session=True,
                              stdout=log, stderr=subprocess.STDOUT)
    stack.processes["all"] = parent
    try:
        yield parent
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


def _run_all_and_refer(stack):
    """`wardline run all`; a partner refers over HTTP and sees the tasking item and the
    acknowledgement; then Ctrl-C stops every service."""
    with _run_all(stack):
        assert stack.wait_healthy(timeout=90)["status"] == "ok"
        headers = _partner(stack)
        submitted = requests.post(stack.base_url + "/api/referrals", headers=headers,
                                  timeout=10, json=referral_payload(
                                      category="youth_at_risk", risk_level="high",
                                      ward="dalston"))
        assert submitted.status_code == 201, submitted.text
        referral_id = submitted.json()["id"]
        deadline = time.monotonic() + 20
        while True:
            response = requests.get(f"{stack.base_url}/api/referrals/{referral_id}",
                                    headers=headers, timeout=10)
            assert response.status_code == 200, (response.text, stack.log("all")[-3000:])
            referral = response.json()
            if referral["tasking_items"] and referral["feedback"]:
                break
            assert time.monotonic() < deadline, (referral, stack.log("all")[-3000:])
            time.sleep(0.2)
        [item] = referral["tasking_items"]
        assert (item["owner_agency"], item["status"]) == ("yot", "open")
        [acknowledgement] = referral["feedback"]
        assert acknowledgement["recipient"] == "agency:yot"
        # The notice names the referral by the reference people can say, never its id.
        assert f"Reference: {referral['reference']}" in acknowledgement["body"]
        assert referral_id not in acknowledgement["body"]
    return referral_id
