"""Wardline's benchmark: `make bench`. Starts the stack as real processes on PostgreSQL and
RabbitMQ (a vhost and a database of its own) and measures, in one run:

1. the ideal pipeline (bench/ideal_pipeline.py): the machine's own limit; and the ideal
   pipeline with a referral's hops and messages (bench/shaped_pipeline.py), driven like
   (2): the ceiling of (2)'s ratio, since no code of that shape can beat it;
2. Wardline's full pipeline: referrals over HTTP from concurrent clients until each has
   its tasking item and acknowledgement; referrals/s and the ratio to (1); then, as a
   figure of its own, until every consumer has caught up (no queue or outbox backlog),
   with the CPU milliseconds each service, PostgreSQL and RabbitMQ spent per referral:
   the budget the ratio is made of;
3. latency at a steady 20 referrals/s, started on a settled stack: HTTP request sent ->
   acknowledgement stored;
4. data scale: the tasking board over 1,000,000 items, matching a new referral against
   1,000,000 subjects, a subject's chronology among 100,000 subjects and 5,000,000
   entries; and the tasking dashboard over those items and 100,000 referrals, for each
   role that has one, unfiltered and by ward, p50 and p95 (bench/scale.py);
5. resident memory of each service, idle and under load.

It prints one table and writes it as JSON under bench/results/. Sizes can be cut for a
quick look: BENCH_REFERRALS, BENCH_IDEAL, BENCH_SCALE (rows), BENCH_DASHBOARD_CALLS
(per role and filter), BENCH_LATENCY_SECONDS; BENCH_RESULTS_DIR moves the JSON (the smoke
run in tests/e2e/test_bench_smoke.py does).
"""
import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from kombu import Connection, Exchange  # noqa: E402

# Imported now, not when the data-scale phase starts: a tree edited during a run must
# not mix old modules with new ones.
from bench import scale  # noqa: E402
from shared.bus import DEAD_LETTER_QUEUE  # noqa: E402
from shared.config import setting  # noqa: E402
from wardline.services import SERVICES  # noqa: E402
from shared.db import driver_url  # noqa: E402
from shared.testing import infra  # noqa: E402
from shared.testing.factories import referral_payload  # noqa: E402
from shared.testing.stack import ServiceStack, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REFERRALS = int(os.environ.get("BENCH_REFERRALS", "2000"))
IDEAL = int(os.environ.get("BENCH_IDEAL", "5000"))
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "30"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))


def main():
    amqp_server = setting("WARDLINE_TEST_AMQP_URI")
    pg_server = setting("WARDLINE_TEST_DATABASE_URL")
    vhost, database = infra.unique_name("bench"), infra.unique_name("wardline_bench")
    amqp_uri = infra.create_vhost(amqp_server, vhost)
    database_url = infra.create_database(pg_server, database)
    results = {"machine": machine(), "when": datetime.now(timezone.utc).isoformat()}
    try:
        results["ideal_pipelines_per_s"] = ideal_pipeline(amqp_uri, database_url)
        shaped = shaped_pipeline(amqp_uri, database_url)
        results["shaped_pipeline_referrals_per_s"] = shaped["rate"]
        results["shaped_ratio_to_ideal"] = round(shaped["rate"]
                                                 / results["ideal_pipelines_per_s"], 3)
        results["shaped_cpu_ms_per_referral"] = shaped["cpu_ms_per_referral"]
        stack = start_stack(amqp_uri, database_url)
        try:
            results["memory_idle_mb"] = memory(stack)
            measured = full_pipeline(stack)
            results["full_pipeline_referrals_per_s"] = measured["rate"]
            results["full_pipeline_settled_referrals_per_s"] = measured["settled_rate"]
            results["cpu_ms_per_referral"] = measured["cpu_ms_per_referral"]
            results["dead_letters_after_full_pipeline"] = measured["dead_letters"]
            results["memory_under_load_mb"] = measured["peak_memory"]
            results["ratio_to_ideal"] = round(measured["rate"]
                                              / results["ideal_pipelines_per_s"], 3)
            results["ratio_to_shaped"] = round(measured["rate"]
                                               / results["shaped_pipeline_referrals_per_s"], 3)
            results["latency_at_20_per_s_ms"] = steady_latency(stack)
        finally:
            stack.stop()
        scaled = scale.run(database_url)
        results["data_scale_p95_ms"] = scaled["p95_ms"]
        results["data_scale_dashboards_ms"] = scaled["dashboards_ms"]
    finally:
        infra.delete_vhost(vhost)
        infra.drop_database(pg_server, database)
    report(results)


def machine():
    return {"cores": os.cpu_count(), "python": sys.version.split()[0]}


def harness_env(amqp_uri, database_url):
    """The environment of the baseline harnesses' processes (and of this one, which
    counts their rows): the same broker vhost and database as the stack."""
    parts = urlsplit(database_url)
    env = {**os.environ, "BENCH_AMQP_URI": amqp_uri,
           "BENCH_DSN": f"host={parts.hostname} port={parts.port or 5432} "
                        f"user={parts.username or 'postgres'} dbname={parts.path[1:]}",
           "PYTHONPATH": str(ROOT)}
    os.environ["BENCH_DSN"] = env["BENCH_DSN"]
    return env


def serve_harness(module, names, env):
    """Each of the harness's services as a process of its own, like the stack's."""
    return {name: subprocess.Popen([sys.executable, str(ROOT / "bench" / module), "serve",
                                    name], env=env) for name in names}


def stop_harness(processes):
    for process in processes.values():
        process.terminate()
        process.wait(timeout=30)


def ideal_pipeline(amqp_uri, database_url):
    """The two-service baseline, on the same broker and server, in the same run."""
    env = harness_env(amqp_uri, database_url)
    from bench import ideal_pipeline as ideal
    ideal.DSN = env["BENCH_DSN"]
    ideal.prepare()
    processes = serve_harness("ideal_pipeline.py", ("first", "second"), env)
    try:
        time.sleep(4)  # both consumers' queues declared and bound
        started = time.perf_counter()
        with Connection(amqp_uri) as conn:
            producer = conn.Producer()
            exchange = Exchange("bench_source.events", type="topic", durable=True)
            for n in range(IDEAL):
                producer.publish({"key": str(n)}, exchange=exchange, routing_key="started",
                                 serializer="json", delivery_mode=2, declare=[exchange])
        while ideal.completed() < IDEAL:
            time.sleep(0.05)
        return round(IDEAL / (time.perf_counter() - started), 1)
    finally:
        stop_harness(processes)


def shaped_pipeline(amqp_uri, database_url):
    """The ideal pipeline with a referral's hops and messages (bench/shaped_pipeline.py),
    driven exactly as the full pipeline is: the same referrals over HTTP from the same
    number of clients, timed to the same point (item and acknowledgement written)."""
    env = harness_env(amqp_uri, database_url)
    env["BENCH_HTTP_PORT"] = str(free_port())
    from bench import shaped_pipeline as shaped
    shaped.DSN = env["BENCH_DSN"]
    shaped.prepare()
    processes = serve_harness("shaped_pipeline.py", shaped.SERVICES, env)
    url = f"http://127.0.0.1:{env['BENCH_HTTP_PORT']}/referrals"
    try:
        _wait_for_http(url)
        rng = random.Random(9)
        payloads = [{**referral_payload(rng), "key": str(n)} for n in range(REFERRALS)]
        session, pool = requests.Session(), eventlet.GreenPool(CLIENTS)
        answered, failed = [], []

        def submit(body):
            try:
                response = session.post(url, json=body, timeout=60)
            except requests.RequestException as exc:
                failed.append(f"{body['key']}: {exc}")
                return
            (answered if response.status_code == 201 else failed).append(body["key"])

        counter = shaped.connect()  # one connection, polled as often as the full pipeline's

        def until(done, timeout=600):
            deadline = time.monotonic() + timeout
            while not done(shaped.counts(counter)):
                if failed or time.monotonic() > deadline:
                    raise RuntimeError(f"the shaped pipeline did not finish ({failed[:3]} of "
                                       f"{len(failed)} requests failed)")
                eventlet.sleep(0.1)

        try:
            cpu_before = cpu_seconds(processes)
            started = time.perf_counter()
            for payload in payloads:
                pool.spawn_n(submit, payload)
            until(lambda rows: len(answered) == REFERRALS
                  and rows["tasking_items"] >= REFERRALS
                  and rows["acknowledgements"] >= REFERRALS)
            elapsed = time.perf_counter() - started
            until(lambda rows: rows["chronology"] >= 2 * REFERRALS
                  and rows["owner_notices"] >= REFERRALS)
        finally:
            counter.close()
        return {"rate": round(REFERRALS / elapsed, 1),
                "cpu_ms_per_referral": cpu_per_referral(cpu_before, cpu_seconds(processes))}
    finally:
        stop_harness(processes)


def _wait_for_http(url, timeout=30):
    """Until the front answers (a GET on a POST-only path: any status will do), and its
    RPC and event queues are bound."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    time.sleep(4)


def start_stack(amqp_uri, database_url):
    env = {"WARDLINE_AMQP_URI": amqp_uri, "WARDLINE_DATABASE_URL": database_url,
           "WARDLINE_HTTP_PORT": str(free_port()), "WARDLINE_LOG_LEVEL": "WARNING",
           "WARDLINE_VAR_DIR": tempfile.mkdtemp(prefix="wardline-bench-"),
           "WARDLINE_SECRET_KEY": "bench-secret-bench-secret-bench-0000",
           "WARDLINE_MFA_REQUIRED_ROLES": "none"}  # the demo logins: a password alone
    stack = ServiceStack(env, Path(env["WARDLINE_VAR_DIR"]) / "logs")
    stack.wardline("migrate")
    stack.wardline("demo", "seed")
    stack.start()
    stack.wait_healthy()
    return stack


def full_pipeline(stack):
    """N referrals over HTTP from concurrent clients, until every one has its tasking item
    and acknowledgement."""
    rng = random.Random(9)
    payloads = [referral_payload(rng) for _ in range(REFERRALS)]
    token = stack.token("council.partner")
    session = requests.Session()
    ids, peak = [], {}
    pool = eventlet.GreenPool(CLIENTS)

    def submit(payload):
        response = session.post(stack.base_url + "/api/referrals", json=payload, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        ids.append(response.json()["id"])

    cpu_before = cpu_seconds(stack.processes)
    started = time.perf_counter()
    for payload in payloads:
        pool.spawn_n(submit, payload)
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    while True:
        for name, mb in memory(stack).items():
            peak[name] = max(peak.get(name, 0), mb)
        if len(ids) == REFERRALS and finished(engine) >= REFERRALS:
            break
        eventlet.sleep(0.1)
    elapsed = time.perf_counter() - started
    # The rest of the story (case review's chronology, the owners' and referrers'
    # notices) is still being written: the steady-rate phase must not start in its
    # backlog, and how long it takes is a figure of its own.
    settled = settle(stack, engine) - started
    engine.dispose()
    return {"rate": round(REFERRALS / elapsed, 1),
            "settled_rate": round(REFERRALS / settled, 1), "peak_memory": peak,
            "dead_letters": infra.queue_depths(stack.env["WARDLINE_AMQP_URI"]).get(
                DEAD_LETTER_QUEUE, 0),
            "cpu_ms_per_referral": cpu_per_referral(cpu_before, cpu_seconds(stack.processes))}


SERVERS = {"postgres": "postgresql", "beam.smp": "rabbitmq"}
"""Process names (/proc/<pid>/comm) of the servers whose CPU a referral costs too."""


def cpu_seconds(processes):
    """CPU time so far of every process a referral costs: {pid: (who, seconds)}, for
    `processes` ({name: Popen}) and the servers. The servers' processes are all of this
    machine's (the benchmark runs alone on it)."""
    found = {process.pid: name for name, process in processes.items()}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in found:
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:  # ended meanwhile
                continue
            if comm in SERVERS:
                found[int(entry.name)] = SERVERS[comm]
    spent = {pid: (who, _cpu_of(pid)) for pid, who in found.items()}
    return {pid: taken for pid, taken in spent.items() if taken[1] is not None}


def _cpu_of(pid):
    """utime + stime of a process in seconds; None if it has ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_referral(before, after):
    """Milliseconds of CPU per referral, by service and server, over the whole run (to
    settled). A process that ended during the run is left out, so the servers' figures
    are a floor: PostgreSQL keeps the services' pooled connections, so little is lost."""
    spent = {}
    for pid, (who, seconds) in after.items():
        spent[who] = spent.get(who, 0.0) + seconds - before.get(pid, (who, 0.0))[1]
    return {who: round(1000 * seconds / REFERRALS, 2) for who, seconds in spent.items()}


def settle(stack, engine, timeout=600):
    """Until no queue holds a message and no outbox an unpublished event, twice running.
    The dead-letter queue is not waited on: what is parked there stays (and is counted
    on its own, `dead_letters`). Returns when (time.perf_counter) it was first seen quiet:
    the second look only confirms it, and each look takes a while (rabbitmqctl)."""
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("the stack did not settle")
        looked_at = time.perf_counter()
        depths = infra.queue_depths(stack.env["WARDLINE_AMQP_URI"])
        busy = sum(depth for queue, depth in depths.items() if queue != DEAD_LETTER_QUEUE)
        with engine.connect() as conn:
            busy += sum(conn.execute(sa.text(
                f"SELECT count(*) FROM {service}.outbox WHERE published_at IS NULL")).scalar()
                for service in SERVICES)
        if busy:
            quiet = 0
        elif quiet == 0:
            quiet, quiet_since = 1, looked_at
        else:
            quiet += 1
        eventlet.sleep(0.2)
    return quiet_since


def finished(engine):
    """Referrals with both their tasking item and their acknowledgement."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM tasking.tasking_items t JOIN notifications.notifications n "
            "ON n.source_id = t.source_id AND n.kind = 'referral.acknowledged' "
            "AND n.recipient LIKE 'agency:%'")).scalar()


def steady_latency(stack):
    """At 20 referrals/s: from sending the HTTP request to the acknowledgement being stored
    (and so visible in the inbox and on the referral)."""
    token = stack.token("yot.partner")
    accepted = {}
    rng = random.Random(20)
    interval, count = 1 / 20, int(LATENCY_SECONDS * 20)

    def submit(payload):
        sent = datetime.now(timezone.utc)  # the clock starts when the partner presses send
        response = requests.post(stack.base_url + "/api/referrals", json=payload, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})
        accepted[response.json()["id"]] = sent

    start = time.perf_counter()
    for n in range(count):
        eventlet.spawn_n(submit, referral_payload(rng))
        eventlet.sleep(max(0, start + (n + 1) * interval - time.perf_counter()))
    eventlet.sleep(3)
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text(
            "SELECT source_id, created_at FROM notifications.notifications "
            "WHERE recipient = 'agency:yot' AND kind = 'referral.acknowledged' "
            "AND source_id = ANY(:ids)"), {"ids": list(accepted)}).all())
    engine.dispose()
    latencies = sorted((stored[i] - accepted[i]).total_seconds() * 1000
                       for i in accepted if i in stored)
    return percentiles(latencies) | {"acknowledged": len(latencies), "sent": count}


def percentiles(values):
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


def memory(stack):
    """Resident memory of each service process, in MB."""
    found = {}
    for name, process in stack.processes.items():
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except FileNotFoundError:
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmRSS:"))
        found[name] = round(kb / 1024, 1)
    return found


def report(results):
    out = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2))
    rows = [("ideal pipeline (pipelines/s)", results["ideal_pipelines_per_s"]),
            ("full pipeline (referrals/s)", results["full_pipeline_referrals_per_s"]),
            ("ratio to ideal", results["ratio_to_ideal"]),
            ("ideal pipeline with a referral's shape (referrals/s)",
             results["shaped_pipeline_referrals_per_s"]),
            ("  its ratio to ideal: the ceiling of the ratio above",
             results["shaped_ratio_to_ideal"]),
            ("  full pipeline's ratio to it", results["ratio_to_shaped"]),
            ("full pipeline, every consumer done (referrals/s)",
             results["full_pipeline_settled_referrals_per_s"]),
            ("messages dead-lettered in the full pipeline",
             results["dead_letters_after_full_pipeline"])]
    latency = results["latency_at_20_per_s_ms"]
    rows += [(f"latency at 20/s {k} (ms)", latency[k]) for k in ("p50", "p95", "p99")]
    rows += [(f"CPU per referral, {who} (ms)", ms)
             for who, ms in results["cpu_ms_per_referral"].items()]
    rows += [("CPU per referral, all (ms)",
              round(sum(results["cpu_ms_per_referral"].values()), 2))]
    rows += [("CPU per referral, shaped pipeline, all (ms)",
              round(sum(results["shaped_cpu_ms_per_referral"].values()), 2))]
    rows += [(f"{name} p95 (ms)", value)
             for name, value in results["data_scale_p95_ms"].items()]
    rows += [(f"{name} p50 / p95 (ms)", f"{value['p50']} / {value['p95']}")
             for name, value in results["data_scale_dashboards_ms"].items()]
    rows += [(f"RSS {name} idle / load (MB)",
              f"{results['memory_idle_mb'].get(name)} / "
              f"{results['memory_under_load_mb'].get(name)}")
             for name in results["memory_idle_mb"]]
    width = max(len(label) for label, _ in rows)
    print(f"\n{'measure'.ljust(width)}  value")
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
