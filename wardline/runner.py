"""Running services: one service in this process, or several as child processes (what
`make run` does), so that each can be stopped, restarted or replicated on its own; `run
all` restarts one that died, with a backoff, and leaves the others running."""
import signal
import subprocess
import sys
import time

import eventlet
import structlog
from kombu import Connection
from nameko.runners import ServiceRunner

from shared.config import load_config
from shared.logging import configure_logging
from wardline.services import service_class


def broker_answers(amqp_uri, timeout=3):
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def run_in_this_process(service_name):
    """Run one service until SIGTERM or Ctrl-C; workers in flight finish first."""
    config = load_config(service_name)
    configure_logging(service_name, config["LOG_LEVEL"])
    runner = ServiceRunner(config)
    runner.add_service(service_class(service_name))

    stopping, started = [], []

    def stop(_signum, _frame):
        # Ctrl-C reaches every process of the group and `run all` forwards SIGTERM too:
        # the first signal drains, the others must not start a second, racing stop.
        if not stopping:
            stopping.append(True)
            if started:
                eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()
    # A signal while starting waited until now: nameko cannot stop a container whose
    # consumers are still being set up (its queue consumer is left half stopped and the
    # process hangs for good), so the drain begins once every entrypoint has started.
    started.append(True)
    if stopping:
        eventlet.spawn_n(runner.stop)
    runner.wait()


class Backoff:
    """How long to wait before starting a service that exited again: 2 s, then twice as
    long after each exit that follows quickly on its start (4, 8 ... at most 30 s), so a
    service that cannot start (its database refuses it, a bad setting) is not restarted in
    a tight loop; one that ran steadily for a minute before it died starts again at 2 s."""

    def __init__(self, first=2.0, most=30.0, steady=60.0):
        self.first, self.most, self.steady = first, most, steady
        self._next = first

    def after_exit(self, ran_for):
        """The wait before the next start, given how long the process that exited ran."""
        if ran_for >= self.steady:
            self._next = self.first
        delay = self._next
        self._next = min(self._next * 2, self.most)
        return delay


def _start(service_name):
    return subprocess.Popen([sys.executable, "-m", "wardline.cli", "run", service_name])


def _exit_reason(returncode):
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def run_as_processes(service_names, backoff=Backoff, poll_seconds=0.2, once=()):
    """One child process per service, supervised: a service that exits (crashed, killed,
    out of memory) is started again after a backoff, and logged, while the others keep
    running; Ctrl-C or SIGTERM stops them all. Its events wait in its quorum queues
    meanwhile, and the outboxes of the others keep what they could not publish.

    `once`: commands started once beside the services, never restarted, and stopped
    with them if still running (`run all --story` plays the demo story into the stack
    it has just started: a client of the services, so a process of its own)."""
    configure_logging("runner", load_config("gateway")["LOG_LEVEL"])
    log = structlog.get_logger("wardline.runner")
    children = {}  # name: the running process, or None while it waits to be restarted
    started, restart_at = {}, {}
    backoffs = {name: backoff() for name in service_names}
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    companions = []
    try:
        for name in service_names:
            children[name], started[name] = _start(name), time.monotonic()
        companions = [subprocess.Popen(command) for command in once]
        while not stopping:
            for companion in [c for c in companions if c.poll() is not None]:
                companions.remove(companion)
                log.info("runner.companion_finished", command=" ".join(companion.args[1:]),
                         reason=_exit_reason(companion.returncode))
            now = time.monotonic()
            for name, child in children.items():
                if child is not None and child.poll() is not None:
                    delay = backoffs[name].after_exit(now - started[name])
                    log.warning("runner.service_exited", service_name=name, pid=child.pid,
                                reason=_exit_reason(child.returncode),
                                ran_seconds=round(now - started[name], 1), restart_in=delay)
                    children[name], restart_at[name] = None, now + delay
                elif child is None and now >= restart_at[name] and not stopping:
                    children[name], started[name] = _start(name), now
                    log.warning("runner.service_restarted", service_name=name,
                                pid=children[name].pid)
            time.sleep(poll_seconds)
    finally:
        for companion in companions:
            if companion.poll() is None:
                companion.terminate()
                companion.wait(timeout=15)
        running = [child for child in children.values() if child is not None]
        for child in running:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in running:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return max((child.returncode or 0) for child in running) if running else 0
