"""`make bench` at a tiny size, so that the benchmark cannot rot: every measure of the
table is produced on the real stack and written as JSON. The figures of a run this small
mean nothing and are not checked; the full run is `make bench` (see README)."""
import json
import os
import subprocess
import sys

from wardline.services import SERVICES as ALL_SERVICES
from tests.conftest import ROOT

TINY = {"BENCH_REFERRALS": "20", "BENCH_IDEAL": "50", "BENCH_SCALE": "2000",
        "BENCH_LATENCY_SECONDS": "1", "BENCH_CLIENTS": "4"}
SERVICES = set(ALL_SERVICES)


def test_the_benchmark_runs_end_to_end_and_writes_every_measure(infrastructure, tmp_path):
    env = {**os.environ, **TINY, "BENCH_RESULTS_DIR": str(tmp_path),
           "WARDLINE_TEST_AMQP_URI": infrastructure["amqp_uri"],
           "WARDLINE_TEST_DATABASE_URL": infrastructure["database_url"]}
    run = subprocess.run([sys.executable, "-m", "bench.run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "ratio to ideal" in run.stdout

    [written] = tmp_path.glob("bench-*.json")
    results = json.loads(written.read_text())
    assert results["ideal_pipelines_per_s"] > 0
    assert results["full_pipeline_referrals_per_s"] > 0
    assert results["ratio_to_ideal"] > 0
    assert results["shaped_pipeline_referrals_per_s"] > 0
    assert results["shaped_ratio_to_ideal"] > 0 and results["ratio_to_shaped"] > 0
    shaped_processes = {"front", "intake", "tasking", "notifications", "casereview"}
    assert set(results["shaped_cpu_ms_per_referral"]) == shaped_processes | {"postgresql",
                                                                             "rabbitmq"}
    assert all(results["shaped_cpu_ms_per_referral"][name] > 0 for name in shaped_processes)
    # Settling waits for case review and the rest as well, so it can only take longer.
    assert 0 < results["full_pipeline_settled_referrals_per_s"] \
        <= results["full_pipeline_referrals_per_s"]
    assert results["dead_letters_after_full_pipeline"] == 0
    cpu = results["cpu_ms_per_referral"]
    assert set(cpu) == SERVICES | {"postgresql", "rabbitmq"}
    assert all(ms >= 0 for ms in cpu.values()) and all(cpu[name] > 0 for name in SERVICES)
    latency = results["latency_at_20_per_s_ms"]
    assert latency["acknowledged"] == latency["sent"] == 20
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    assert len(results["data_scale_p95_ms"]) == 3
    assert all(value > 0 for value in results["data_scale_p95_ms"].values())
    # The tasking dashboard for each role that has one, unfiltered and by ward.
    dashboards = results["data_scale_dashboards_ms"]
    assert len(dashboards) == 6
    assert all(0 < value["p50"] <= value["p95"] for value in dashboards.values())
    assert set(results["memory_idle_mb"]) == SERVICES
    assert set(results["memory_under_load_mb"]) == SERVICES
