"""The "ideal pipeline" baseline (ENGINEERING-NOTES): two nameko services, one INSERT and
one event per hop, plain psycopg2, no outbox, no validation. What a real two-service
pipeline can reach on this machine; Wardline's pipeline is compared with it.

    python bench/ideal_pipeline.py serve first|second   (run by the benchmark)
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import sys  # noqa: E402

import psycopg2  # noqa: E402
from nameko.events import EventDispatcher, event_handler  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from psycopg2.pool import ThreadedConnectionPool  # noqa: E402

DSN = os.environ.get("BENCH_DSN", "dbname=postgres user=postgres host=127.0.0.1")
SCHEMA = "bench_ideal"


class Cursor(DependencyProvider):
    """`insert(table, key)`: one INSERT, one commit, on a kept connection."""

    def __init__(self, schema=SCHEMA):
        self.schema = schema

    def setup(self):
        # As many kept connections as workers: a pool whose minimum is lower closes every
        # connection above it when it is handed back, and reconnects on the next call.
        self.pool = ThreadedConnectionPool(10, 10, DSN)

    def get_dependency(self, worker_ctx):
        pool, schema = self.pool, self.schema

        def insert(table, key):
            conn = pool.getconn()
            try:
                with conn.cursor() as cur:
                    cur.execute(f"INSERT INTO {schema}.{table} (key) VALUES (%s)", (key,))
                conn.commit()
            finally:
                pool.putconn(conn)
        return insert


class First:
    name = "bench_first"
    insert = Cursor()
    dispatch = EventDispatcher()

    @event_handler("bench_source", "started")
    def hop(self, payload):
        self.insert("first_hop", payload["key"])
        self.dispatch("hopped", payload)


class Second:
    name = "bench_second"
    insert = Cursor()

    @event_handler("bench_first", "hopped")
    def hop(self, payload):
        self.insert("second_hop", payload["key"])


def prepare():
    conn = psycopg2.connect(DSN)
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};"
                    f"CREATE TABLE {SCHEMA}.first_hop (id serial primary key, key text);"
                    f"CREATE TABLE {SCHEMA}.second_hop (id serial primary key, key text);")
    conn.close()


def completed():
    conn = psycopg2.connect(DSN)
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {SCHEMA}.second_hop")
        count = cur.fetchone()[0]
    conn.close()
    return count


def serve(which, amqp_uri):
    runner = ServiceRunner({"AMQP_URI": amqp_uri, "max_workers": 10})
    runner.add_service(First if which == "first" else Second)
    runner.start()
    runner.wait()


if __name__ == "__main__":
    serve(sys.argv[2], os.environ["BENCH_AMQP_URI"])
