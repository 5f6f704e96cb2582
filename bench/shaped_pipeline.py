"""The ideal pipeline with a referral's shape: the ceiling for Wardline's full pipeline.

The ideal pipeline (bench/ideal_pipeline.py) is two hops. A referral is more: an HTTP
request, an RPC, then (counted in the stack by the benchmark, 2026-11) five events and five
deliveries: `referral.submitted` to tasking, notifications and case review;
`tasking_item.raised` to notifications and case review; three `notification.sent`. This
harness does exactly that many hops, requests and messages, written the ideal pipeline's
way: one INSERT and one commit per hop, plain psycopg2, nameko's own entrypoints, no
outbox, no inbox, no validation, no audit, no domain logic. Whatever Wardline does, it
cannot beat this; how far this falls below the ideal is what the referral's shape alone
costs, and how far Wardline falls below this is what its code costs.

    python bench/shaped_pipeline.py serve front|intake|tasking|notifications|casereview
"""
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import psycopg2  # noqa: E402
from nameko.events import EventDispatcher, event_handler  # noqa: E402
from nameko.rpc import RpcProxy, rpc  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.web.handlers import http  # noqa: E402

from bench.ideal_pipeline import Cursor  # noqa: E402

DSN = os.environ.get("BENCH_DSN", "dbname=postgres user=postgres host=127.0.0.1")
SCHEMA = "bench_shaped"
TABLES = ("referrals", "tasking_items", "acknowledgements", "owner_notices",
          "chronology")


class Front:
    """The gateway: the partner's HTTP request becomes an RPC to intake."""
    name = "shaped_front"
    intake = RpcProxy("shaped_intake")

    @http("POST", "/referrals")
    def refer(self, request):
        payload = json.loads(request.get_data(as_text=True))
        return 201, json.dumps({"id": self.intake.submit(payload)})


class Intake:
    name = "shaped_intake"
    insert = Cursor(SCHEMA)
    dispatch = EventDispatcher()

    @rpc
    def submit(self, payload):
        self.insert("referrals", payload["key"])
        self.dispatch("submitted", payload)
        return payload["key"]


class Tasking:
    name = "shaped_tasking"
    insert = Cursor(SCHEMA)
    dispatch = EventDispatcher()

    @event_handler("shaped_intake", "submitted")
    def raise_item(self, payload):
        self.insert("tasking_items", payload["key"])
        self.dispatch("raised", payload)


class Notifications:
    name = "shaped_notifications"
    insert = Cursor(SCHEMA)
    dispatch = EventDispatcher()

    @event_handler("shaped_intake", "submitted")
    def acknowledge(self, payload):
        self.insert("acknowledgements", payload["key"])
        self.dispatch("sent", payload)

    @event_handler("shaped_tasking", "raised")
    def tell_owner(self, payload):
        self.insert("owner_notices", payload["key"])
        self.dispatch("sent", payload)  # the owning team's inbox
        self.dispatch("sent", payload)  # the owner's email


class CaseReview:
    name = "shaped_casereview"
    insert = Cursor(SCHEMA)

    @event_handler("shaped_intake", "submitted")
    def chronicle_submitted(self, payload):
        self.insert("chronology", payload["key"])

    @event_handler("shaped_tasking", "raised")
    def chronicle_raised(self, payload):
        self.insert("chronology", payload["key"])


SERVICES = {"front": Front, "intake": Intake, "tasking": Tasking,
            "notifications": Notifications, "casereview": CaseReview}


def prepare():
    conn = psycopg2.connect(DSN)
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};"
                    + "".join(f"CREATE TABLE {SCHEMA}.{table} (id serial primary key, key text);"
                              for table in TABLES))
    conn.close()


def connect():
    conn = psycopg2.connect(DSN)
    conn.autocommit = True
    return conn


def counts(conn):
    """Rows written so far, by table."""
    with conn.cursor() as cur:
        cur.execute(" UNION ALL ".join(f"SELECT '{table}', count(*) FROM {SCHEMA}.{table}"
                                       for table in TABLES))
        return dict(cur.fetchall())


def serve(which, amqp_uri, http_port):
    runner = ServiceRunner({"AMQP_URI": amqp_uri, "max_workers": 10,
                            "WEB_SERVER_ADDRESS": f"127.0.0.1:{http_port}"})
    runner.add_service(SERVICES[which])
    runner.start()
    runner.wait()


if __name__ == "__main__":
    serve(sys.argv[2], os.environ["BENCH_AMQP_URI"], os.environ.get("BENCH_HTTP_PORT", "0"))
