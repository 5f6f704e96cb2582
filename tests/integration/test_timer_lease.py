"""A timer's work runs in one process at a time: the first to tick holds the lease (a
PostgreSQL advisory lock) for as long as it runs, the others skip their ticks, and when the
holder goes the next one to tick takes over."""
from shared.timers import TimerLease


def test_one_process_holds_a_timers_lease_until_it_lets_go(database_url):
    first = TimerLease(database_url, "tasking", "check_due_dates")
    second = TimerLease(database_url, "tasking", "check_due_dates")
    other_timer = TimerLease(database_url, "notifications", "send_due_emails")
    try:
        assert first.held()
        assert not second.held()
        assert first.held(), "a holder keeps the lease from tick to tick"
        assert other_timer.held(), "each timer has a lease of its own"

        first.dispose()  # the process stops or dies: its session ends

        assert second.held()
        assert not first.held()
    finally:
        for lease in (first, second, other_timer):
            lease.dispose()


def test_sqlite_runs_one_process_so_the_lease_is_always_held(tmp_path):
    url = f"sqlite:///{tmp_path / 'tasking.db'}"
    assert TimerLease(url, "tasking", "check_due_dates").held()
    assert TimerLease(url, "tasking", "check_due_dates").held()
