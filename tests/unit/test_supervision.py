"""`wardline run all` restarts a service that exited, waiting longer after each exit that
follows quickly on a start, so a service that cannot start is not restarted in a loop."""
from wardline.runner import Backoff, _exit_reason


def test_restarts_back_off_while_a_service_keeps_dying_and_start_afresh_after_it_ran_well():
    backoff = Backoff(first=1, most=30, steady=60)
    assert [backoff.after_exit(ran_for=3) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.after_exit(ran_for=600) == 1  # it had run steadily: back to the start
    assert backoff.after_exit(ran_for=2) == 2


def test_the_log_says_how_a_service_ended():
    assert _exit_reason(-9) == "killed by SIGKILL"
    assert _exit_reason(1) == "exit code 1"
