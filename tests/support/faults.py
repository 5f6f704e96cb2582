"""Fault injection on this machine only: kill a service, restart RabbitMQ's application,
stop PostgreSQL for a few seconds, while a stream of referrals flows; then prove that
nothing was lost or done twice and time how long the pipeline took to recover.

Used by the short suite (tests/e2e/test_faults.py, in `make test`) and the long run
(`make reliability`, bench/reliability.py)."""
import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.factories import referral_payload


@dataclass
class Outcome:
    scenario: str
    sent: int
    accepted: int = 0
    lost: int = 0
    duplicated: int = 0
    recovery_seconds: float = None
    details: dict = field(default_factory=dict)


class ReferralStream:
    """Partners submitting referrals at a steady rate, retrying when the system is down
    (as a person would press send again), until `count` have been accepted."""

    def __init__(self, stack, count, rate=25.0, user="council.partner"):
        self.stack, self.count, self.rate, self.user = stack, count, rate, user
        self.accepted = []
        self.failures = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def wait(self, timeout=300):
        self._thread.join(timeout)
        return self.accepted

    def wait_until(self, n, timeout=120):
        deadline = time.monotonic() + timeout
        while len(self.accepted) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    def _run(self):
        rng = random.Random(len(self.stack.processes))
        for _ in range(self.count):
            payload = referral_payload(rng)
            started = time.monotonic()
            while time.monotonic() - started < 120:
                try:
                    response = self.stack.post("/api/referrals", self.user, json=payload)
                    if response.status_code == 201:
                        self.accepted.append(response.json()["id"])
                        break
                except requests.RequestException:
                    pass
                self.failures += 1
                time.sleep(0.25)
            time.sleep(1 / self.rate)


def complete(stack, referral_ids):
    """(referrals with exactly one tasking item and exactly one acknowledgement to each
        of its recipients, the referring person's (`user:`) and their team's (`agency:`),
        referrals with more than one tasking item, or any recipient acknowledged twice).

    The stream's partners belong to agencies other than the police, whose team is told
    as a team: a police referral's team is its ward's sergeants, by name."""
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        items = dict(conn.execute(sa.text(
            "SELECT source_id, count(*) FROM tasking.tasking_items WHERE source_id = ANY(:ids) "
            "AND source_type = 'referral' GROUP BY source_id"), {"ids": referral_ids}).all())
        acks = {}
        for source_id, recipient, count in conn.execute(sa.text(
                "SELECT source_id, recipient, count(*) FROM notifications.notifications "
                "WHERE source_id = ANY(:ids) AND kind = 'referral.acknowledged' "
                "GROUP BY source_id, recipient"), {"ids": referral_ids}):
            acks.setdefault(source_id, {})[recipient] = count
    engine.dispose()

    def acknowledged_once(referral_id):
        told = acks.get(referral_id, {})
        kinds = {recipient.partition(":")[0] for recipient in told}
        return kinds == {"user", "agency"} and set(told.values()) == {1}

    once = [i for i in referral_ids if items.get(i) == 1 and acknowledged_once(i)]
    twice = [i for i in referral_ids
             if items.get(i, 0) > 1 or any(n > 1 for n in acks.get(i, {}).values())]
    return once, twice


def settle(stack, referral_ids, timeout=120):
    """Wait until every accepted referral is complete, or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        once, twice = complete(stack, referral_ids)
        if len(once) + len(twice) == len(referral_ids) or time.monotonic() > deadline:
            return once, twice
        time.sleep(0.5)


def time_to_recover(stack, timeout=120):
    """Seconds until the whole pipeline works again: a new referral gets its tasking item
    and acknowledgement."""
    started = time.monotonic()
    probe = ReferralStream(stack, 1, user="yot.partner").start()
    probe.wait(timeout)
    while time.monotonic() - started < timeout:
        once, _ = complete(stack, probe.accepted)
        if probe.accepted and once:
            return round(time.monotonic() - started, 2)
        time.sleep(0.2)
    return None


def run_scenario(stack, name, fault, count):
    """Stream `count` referrals, inject `fault` a third of the way in, then account for
    every accepted referral."""
    stream = ReferralStream(stack, count).start()
    stream.wait_until(count // 3)
    details = fault(stack) or {}
    recovery = time_to_recover(stack)
    accepted = stream.wait()
    once, twice = settle(stack, accepted)
    return Outcome(name, count, len(accepted), len(accepted) - len(once) - len(twice),
                   len(twice), recovery, {**details, "client_retries": stream.failures})


def kill_and_restart(service):
    def fault(stack):
        stack.kill(service, signal.SIGKILL)
        time.sleep(1)
        stack.start(service)
        return {"killed": service}
    return fault


def restart_rabbitmq(stack):
    """The broker's application stops (every connection dropped) and starts again."""
    _run("rabbitmqctl", "-q", "close_all_connections", "fault injection")
    _run("rabbitmqctl", "-q", "stop_app")
    time.sleep(2)
    _run("rabbitmqctl", "-q", "start_app")
    _run("rabbitmqctl", "-q", "await_startup")
    return {}


def stop_postgresql(seconds=5):
    def fault(stack):
        version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
        _run("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast")
        try:
            time.sleep(seconds)
        finally:
            _run("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start")
        return {"database_down_seconds": seconds}
    return fault


def _run(*command):
    subprocess.run(command, check=True, capture_output=True, timeout=120)
