"""Does a PostgreSQL call block the eventlet hub? Runs N concurrent `pg_sleep` queries
through Wardline's own engine and prints how long they took together.

    .venv/bin/python bench/db_cooperation.py [postgresql://postgres@127.0.0.1:5432/postgres]

Cooperative: about one sleep in all. Blocking: N sleeps end to end.
"""
import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402
import time  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from shared.db import make_engine  # noqa: E402

SLEEP_SECONDS = 0.2
CONCURRENT = 10


def main(url):
    engine = make_engine(url, "public", pool_size=CONCURRENT)

    def one_sleep():
        with engine.connect() as conn:
            conn.execute(sa.text(f"SELECT pg_sleep({SLEEP_SECONDS})"))

    one_sleep()  # warm the pool
    pool = eventlet.GreenPool(CONCURRENT)
    started = time.perf_counter()
    for _ in range(CONCURRENT):
        pool.spawn(one_sleep)
    pool.waitall()
    elapsed = time.perf_counter() - started
    print(f"{CONCURRENT} concurrent pg_sleep({SLEEP_SECONDS}) through psycopg2 under eventlet: "
          f"{elapsed:.2f} s (cooperative ≈ {SLEEP_SECONDS:.2f} s, "
          f"blocking ≈ {CONCURRENT * SLEEP_SECONDS:.2f} s)")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres")
