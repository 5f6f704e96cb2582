"""Wardline as real OS processes, one per service (`wardline run SERVICE`), for end-to-end
tests: started, killed, restarted and read like an operator would."""
import os
import random
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from shared.caller import caller_context
from shared.config import caller_key
from shared.testing.seeded import SEEDED
from wardline.services import SERVICES
from wardline.demo import DEMO_PASSWORD


def free_port():
    """A free port below the machine's ephemeral range, so that nothing else takes it
    between being chosen here and being bound by the process it is for: the kernel hands
    ephemeral ports to every port-0 bind (the services' health servers) and to every
    outgoing connection's own end, and the old way (bind port 0, close, reuse the number)
    chose among exactly those. CI once saw such a gateway port answer /health and then
    404 for /api/auth/token, as if another process listened on it too."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(10_000, max(_lowest_ephemeral_port(), 20_000))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def _lowest_ephemeral_port():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


class CommandFailed(subprocess.CalledProcessError):
    """A `wardline` command that failed, saying what it printed: a fixture that runs one
    then fails with the reason, not only the exit status."""

    def __str__(self):
        return f"{super().__str__()}\n{(self.stdout or '')[-2000:]}{(self.stderr or '')[-4000:]}"


class ServiceStack:
    def __init__(self, env, workdir, python=sys.executable, cwd=None, service_env=None):
        """`python`: the interpreter services run under (another virtual environment's,
        to run an installed wheel); `cwd`: their working folder (away from the source
        tree, so that `-m` does not import the sources instead); `service_env`: settings
        of one service's processes only (`{"tasking": {"WARDLINE_AMQP_URI": ...}}`, its
        own broker login)."""
        self.service_env = service_env or {}
        self.python, self.cwd = python, cwd
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.base_url = (f"http://{self.env.get('WARDLINE_HTTP_HOST', '127.0.0.1')}:"
                         f"{self.env['WARDLINE_HTTP_PORT']}")
        self.processes = {}
        self._tokens = {}

    def wardline(self, *args, input=None, env=None):
        """Run a `wardline` command to completion in this stack's environment (with `env`'s
        settings over it)."""
        done = subprocess.run([self.python, "-m", "wardline.cli", *args],
                              env={**self.env, **(env or {})},
                              cwd=self.cwd, input=input, capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise CommandFailed(done.returncode, done.args, done.stdout, done.stderr)
        return done

    @contextmanager
    def running(self, migrate=True):
        """The whole stack for a test module: migrated (unless the caller did it), the demo
        borough seeded, every service started and healthy; stopped afterwards, however the
        module ends. Migrated and seeded means a copy of the run's seeded template, where
        the database is on the run's server (see `shared.testing.seeded`)."""
        if migrate and SEEDED.serves(self):
            SEEDED.fill(self)
        else:
            if migrate:
                self.wardline("migrate")
            self.wardline("demo", "seed")
        self.start()
        try:
            self.wait_healthy()
            yield self
        finally:
            self.stop()

    def start(self, *names, replicas=1):
        """Start services; with `replicas`, several processes of each, named `tasking`,
        `tasking#2`, `tasking#3`..."""
        for name in names or SERVICES:
            for number in range(1, replicas + 1):
                key = name if number == 1 else f"{name}#{number}"
                log = open(self.workdir / f"{key}.log", "ab")
                self.processes[key] = subprocess.Popen(
                    [self.python, "-m", "wardline.cli", "run", name],
                    env={**self.env, **self.service_env.get(name, {})},
                    cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self, name, sig=signal.SIGKILL):
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def stop(self):
        """SIGTERM every process at once, as an orchestrator would, and, as it would after
        its grace period, SIGKILL one still draining 30 s later (a teardown, not a test of
        the drain: tests/e2e/test_run_all.py and test_faults.py test that). All drain
        together: one after the other cost every test module about ten seconds."""
        stopping = [self.processes.pop(name) for name in list(self.processes)]
        for process in stopping:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in stopping:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def wait_healthy(self, timeout=60):
        """Until the gateway reports every service and dependency ok."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}):\n"
                                       + self.log(name)[-3000:])
            try:
                last = requests.get(self.base_url + "/health", timeout=3)
                if last.status_code == 200:
                    return last.json()
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"stack not healthy after {timeout}s: "
                           f"{last.text if last is not None else 'gateway not answering'}")

    def log(self, name):
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def token(self, username, password=DEMO_PASSWORD):
        """The user's token, signed in once and kept until shortly before it expires
        (access tokens last 15 minutes; a long run signs in again). A test that signs it
        out, or disables the account, should use `sign_in` for a token of its own."""
        kept = self._tokens.get(username)
        if kept is None or kept[1] <= time.monotonic():
            answer = self._signed_in(username, password)
            self._tokens[username] = (answer["access_token"],
                                      time.monotonic() + answer["expires_in"] * 0.8)
        return self._tokens[username][0]

    def sign_in(self, username, password=DEMO_PASSWORD):
        """A new session's token, kept by nobody else."""
        return self._signed_in(username, password)["access_token"]

    def _signed_in(self, username, password):
        response = requests.post(self.base_url + "/api/auth/token",
                                 json={"username": username, "password": password},
                                 timeout=10)
        response.raise_for_status()
        return response.json()

    def add_user(self, username, role, password=DEMO_PASSWORD, **fields):
        """A new account, added by the admin over HTTP (quicker than `wardline users add`,
        a process of its own); `fields`: agency, wards, email, display_name."""
        made = self.post("/api/users", "admin", json={
            "username": username, "password": password, "role": role,
            "display_name": fields.pop("display_name", username), **fields})
        made.raise_for_status()
        return made.json()

    def get(self, path, user, **kwargs):
        headers = {**self._auth(user), **kwargs.pop("headers", {})}
        return requests.get(self.base_url + path, headers=headers, timeout=10, **kwargs)

    def post(self, path, user, **kwargs):
        return self.request("POST", path, user, **kwargs)

    def request(self, method, path, user, **kwargs):
        headers = {**self._auth(user), **kwargs.pop("headers", {})}
        return requests.request(method, self.base_url + path, headers=headers, timeout=10,
                                **kwargs)

    def rpc(self, actor=None, timeout=20, **context):
        """A `ClusterRpcProxy` straight onto this stack's bus, past the gateway, calling
        as `actor` (signed with the stack's caller key), or as nobody (None); `context`:
        more context data (a `correlation_id`)."""
        from nameko.standalone.rpc import ClusterRpcProxy  # browser tests run without eventlet
        if actor:
            context.update(caller_context(actor, caller_key(self.env)))
        return ClusterRpcProxy({"AMQP_URI": self.env["WARDLINE_AMQP_URI"]},
                               context_data=context, timeout=timeout)

    def _auth(self, user):
        return {"Authorization": f"Bearer {self.token(user)}"} if user else {}
