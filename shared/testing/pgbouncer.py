"""A real PgBouncer (Debian's `pgbouncer` package) in transaction mode in front of the test
PostgreSQL server, as deploy/ runs one: started as a subprocess on a free port from a
generated ini, for end-to-end tests of the services through a pooler."""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from shared.testing.stack import free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def available():
    return os.access(PGBOUNCER, os.X_OK)


class PgBouncer:
    def __init__(self, server_url, max_client_conn=200, default_pool_size=10):
        parts = urlsplit(server_url)
        self.user = parts.username or "postgres"
        self.port = free_port()
        self._server = parts
        # Not under pytest's tmp_path (mode 0700): as root, PgBouncer drops to the
        # postgres user (it refuses to run as root), which must still read its files.
        self.folder = Path(tempfile.mkdtemp(prefix="wardline-pgbouncer-"))
        self.folder.chmod(0o755)
        (self.folder / "users.txt").write_text(f'"{self.user}" ""\n')
        run_as = "user = postgres\n" if os.geteuid() == 0 else ""
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={parts.hostname or '127.0.0.1'} port={parts.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            f"admin_users = {self.user}\npool_mode = transaction\n"
            f"max_client_conn = {max_client_conn}\ndefault_pool_size = {default_pool_size}\n"
            f"{run_as}")
        for path in self.folder.iterdir():
            path.chmod(0o644)
        self.log = open(self.folder / "pgbouncer.log", "ab")
        self.process = subprocess.Popen([PGBOUNCER, str(self.folder / "pgbouncer.ini")],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                self.admin("SHOW VERSION")
                break
            except psycopg2.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pgbouncer did not start:\n" + self.log_text())
                time.sleep(0.1)

    def url(self, database):
        """The URL of `database` on the server, through this PgBouncer."""
        netloc = f"{self.user}@127.0.0.1:{self.port}"
        return urlunsplit((self._server.scheme, netloc, "/" + database, "", ""))

    def admin(self, command):
        """A command on PgBouncer's admin console (SHOW POOLS, DISABLE db, KILL db ...);
        rows as dicts for SHOW."""
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user,
                                dbname="pgbouncer", connect_timeout=3)
        conn.autocommit = True  # the console has no transactions
        try:
            with conn.cursor() as cursor:
                cursor.execute(command)
                if cursor.description is None:
                    return []
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def log_text(self):
        return (self.folder / "pgbouncer.log").read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
