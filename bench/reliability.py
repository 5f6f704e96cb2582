"""`make reliability`: the long fault-injection run. 500 referrals flow through a stack
of real processes during each scenario; the table says, per scenario, how many were sent
and accepted, how many were lost or handled twice, and how long the pipeline took to work
again after the fault. Touches this machine's RabbitMQ and PostgreSQL (a restart and a
stop of a few seconds): run it on a development or CI machine, never a shared server."""
import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import asdict  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from shared.config import setting  # noqa: E402
from wardline.services import SERVICES  # noqa: E402
from shared.testing import infra  # noqa: E402
from tests.support.faults import (kill_and_restart, restart_rabbitmq, run_scenario,  # noqa
                                   stop_postgresql)
from shared.testing.stack import ServiceStack, free_port  # noqa: E402

COUNT = int(os.environ.get("RELIABILITY_REFERRALS", "500"))
ROOT = Path(__file__).resolve().parents[1]


def main():
    amqp_server = setting("WARDLINE_TEST_AMQP_URI")
    pg_server = setting("WARDLINE_TEST_DATABASE_URL")
    vhost, database = infra.unique_name("reliability"), infra.unique_name("wardline_rel")
    env = {"WARDLINE_AMQP_URI": infra.create_vhost(amqp_server, vhost),
           "WARDLINE_DATABASE_URL": infra.create_database(pg_server, database),
           "WARDLINE_HTTP_PORT": str(free_port()), "WARDLINE_LOG_LEVEL": "WARNING",
           "WARDLINE_VAR_DIR": tempfile.mkdtemp(prefix="wardline-reliability-"),
           "WARDLINE_SECRET_KEY": "reliability-secret-reliability-0000",
           "WARDLINE_MFA_REQUIRED_ROLES": "none"}  # the demo logins: a password alone
    stack = ServiceStack(env, Path(env["WARDLINE_VAR_DIR"]) / "logs")
    scenarios = [(f"kill -9 {name}", kill_and_restart(name)) for name in SERVICES]
    scenarios += [("restart RabbitMQ app", restart_rabbitmq),
                  ("stop PostgreSQL 5 s", stop_postgresql(5))]
    outcomes = []
    try:
        stack.wardline("migrate")
        stack.wardline("demo", "seed")
        stack.start()
        stack.wait_healthy()
        for name, fault in scenarios:
            outcomes.append(run_scenario(stack, name, fault, COUNT))
            print(row(outcomes[-1]), flush=True)
    finally:
        stack.stop()
        infra.delete_vhost(vhost)
        infra.drop_database(pg_server, database)
    report(outcomes, fuzz())


FUZZ_EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "50"))


def fuzz():
    """Schemathesis over every operation with a larger budget than `make test` gives it,
    counted as it runs (bench/fuzz_counter.py): operations called, examples sent, and
    the examples and operations that failed a check."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="wardline-fuzz-") as workdir:
        counts_file = Path(workdir) / "counts.json"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(ROOT / "tests" / "e2e" / "test_api_fuzzing.py"),
             "-q", "-p", "no:cacheprovider", "-p", "bench.fuzz_counter"],
            env={**os.environ, "WARDLINE_FUZZ_EXAMPLES": str(FUZZ_EXAMPLES),
                 "WARDLINE_FUZZ_COUNTS": str(counts_file)},
            cwd=ROOT, capture_output=True, text=True, timeout=3600)
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    per_operation = counts.get("operations")
    if not per_operation:
        raise RuntimeError("the fuzzing run called no operation:\n"
                           + (result.stdout + result.stderr)[-3000:])
    examples = [c["examples"] for c in per_operation.values()]
    return {"operations": len(per_operation),
            "examples": sum(examples),
            "examples_per_operation": {"min": min(examples, default=0),
                                       "max": max(examples, default=0),
                                       "budget": FUZZ_EXAMPLES},
            "failed_examples": sum(c["failed"] for c in per_operation.values()),
            "failed_operations": sorted(op for op, c in per_operation.items() if c["failed"]),
            "pytest_exit_status": counts["exit_status"],
            "per_operation": per_operation}


def row(o):
    return (f"{o.scenario:<26} {o.sent:>5} {o.accepted:>8} {o.lost:>5} {o.duplicated:>10} "
            f"{o.recovery_seconds if o.recovery_seconds is not None else 'never':>10}")


def report(outcomes, fuzzing):
    print(f"\n{'scenario':<26} {'sent':>5} {'accepted':>8} {'lost':>5} {'duplicated':>10} "
          f"{'recovery s':>10}")
    for outcome in outcomes:
        print(row(outcome))
    spread = fuzzing["examples_per_operation"]
    print(f"\nschemathesis: {fuzzing['operations']} operations, {fuzzing['examples']} "
          f"examples run ({spread['min']}-{spread['max']} per operation, budget "
          f"{spread['budget']}), {fuzzing['failed_examples']} failed examples in "
          f"{len(fuzzing['failed_operations'])} operations"
          + (f": {', '.join(fuzzing['failed_operations'])}" if fuzzing["failed_operations"]
             else ""))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"reliability-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"scenarios": [asdict(o) for o in outcomes],
                                "schemathesis": fuzzing}, indent=2))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
