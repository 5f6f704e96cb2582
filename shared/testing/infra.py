"""Isolated infrastructure for a test run: its own RabbitMQ vhost, its own PostgreSQL
database, both removed afterwards."""
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import sqlalchemy as sa

from shared.db import driver_url


def unique_name(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def rabbitmqctl_available():
    return shutil.which("rabbitmqctl") is not None


def create_vhost(amqp_uri, vhost):
    """A new vhost with full rights for the URI's user; returns the URI pointing at it."""
    user = urlsplit(amqp_uri).username or "guest"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    return _on_vhost(amqp_uri, vhost)


_SPARE_VHOSTS = {}
"""Vhosts made ahead by `fresh_vhost`, not yet handed out: {user: [name, ...]}."""


def fresh_vhost(amqp_uri, prefix, batch=6):
    """A new, unused vhost with full rights for the URI's user, and the URI pointing at it.
    They are made `batch` at a time in one `rabbitmqctl import_definitions` (about a second
    for six, against two for each by `add_vhost` and `set_permissions`: every rabbitmqctl
    call boots an Erlang VM). The ones never handed out are deleted by
    `finish_deleting_vhosts`."""
    user = urlsplit(amqp_uri).username or "guest"
    spare = _SPARE_VHOSTS.setdefault(user, [])
    if not spare:
        names = [unique_name(prefix) for _ in range(batch)]
        import_definitions({
            "vhosts": [{"name": name} for name in names],
            "permissions": [{"user": user, "vhost": name, "configure": ".*", "write": ".*",
                             "read": ".*"} for name in names]})
        spare.extend(names)
    vhost = spare.pop()
    return vhost, _on_vhost(amqp_uri, vhost)


def _on_vhost(amqp_uri, vhost):
    parts = urlsplit(amqp_uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + vhost, "", ""))


_DELETING = []
"""`rabbitmqctl delete_vhost` processes started by `delete_vhost_soon`, not yet waited for."""


def delete_vhost(vhost):
    _rabbitmqctl("delete_vhost", vhost)


def delete_vhost_soon(vhost):
    """Delete the vhost in the background: a test module's vhost holds some sixty quorum
    queues, whose deletion the next module need not wait for (its own vhost is another).
    `finish_deleting_vhosts` waits for every one, at the end of the run."""
    _DELETING.append(subprocess.Popen(["rabbitmqctl", "-q", "delete_vhost", vhost],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True))


def finish_deleting_vhosts(timeout=120):
    """Wait for the background deletions (and those of vhosts made ahead and never handed
    out); the vhosts that could not be deleted, with why."""
    for spare in _SPARE_VHOSTS.values():
        while spare:
            delete_vhost_soon(spare.pop())
    failed = []
    while _DELETING:
        process = _DELETING.pop()
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stderr = "still deleting after the timeout"
        if process.returncode:
            failed.append(f"{process.args[-1]}: {(stderr or '').strip()[:200]}")
    return failed


def vhost_of(amqp_uri):
    return urlsplit(amqp_uri).path.lstrip("/") or "/"


def list_queues(amqp_uri):
    """Every queue of the URI's vhost as RabbitMQ reports it (`rabbitmqctl list_queues name
    type arguments`): `{name: {"type": ..., "arguments": {key: value}}}`."""
    listing = json.loads(_rabbitmqctl("list_queues", "-p", vhost_of(amqp_uri), "name", "type",
                                      "arguments", "--formatter", "json"))
    return {queue["name"]: {"type": queue["type"], "arguments": {
                key: value for key, _type, value in queue["arguments"]}}
            for queue in listing}


def queue_depths(amqp_uri):
    """Messages in each queue of the URI's vhost, ready and unacknowledged together."""
    listing = json.loads(_rabbitmqctl("list_queues", "-p", vhost_of(amqp_uri), "name",
                                      "messages", "--formatter", "json"))
    return {queue["name"]: int(queue["messages"] or 0) for queue in listing}


def import_definitions(definitions):
    """Load RabbitMQ definitions (users, permissions, topic permissions) as a deploy's
    `load_definitions` would: added to what the broker has, nothing removed."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(definitions, file)
        file.flush()
        os.chmod(file.name, 0o644)  # the broker's own user reads it
        _rabbitmqctl("import_definitions", file.name)


def delete_user(user):
    _rabbitmqctl("delete_user", user)


def set_permissions(amqp_uri, user, configure, write, read):
    _rabbitmqctl("set_permissions", "-p", vhost_of(amqp_uri), user, configure, write, read)


def with_login(amqp_uri, user, password):
    """`amqp_uri` (same host, port and vhost) logged in as `user`."""
    parts = urlsplit(amqp_uri)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def create_database(server_url, name, template=None):
    """A new database on the server, empty or a copy of `template` (which nobody may be
    connected to); returns its URL."""
    engine = sa.create_engine(driver_url(server_url), isolation_level="AUTOCOMMIT")
    copying = f' TEMPLATE "{template}"' if template else ""
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{copying}'))
    engine.dispose()
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def drop_database(server_url, name):
    engine = sa.create_engine(driver_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def database_answers(server_url):
    try:
        engine = sa.create_engine(driver_url(server_url), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def service_role_urls(database_url, prefix, services):
    """A URL per service connecting as a role of its own, `<prefix>_<service>` (roles are
    the whole server's: the prefix keeps a test's roles apart from every other's)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return {service: urlunsplit((parts.scheme, f"{prefix}_{service}:pw-{service}@{host}",
                                 parts.path, parts.query, "")) for service in services}


def drop_roles(database_url, names):
    """Drop roles a test made: their grants in `database_url` first (DROP OWNED BY, which
    only reaches the database it runs in), then the roles, if they exist."""
    engine = sa.create_engine(driver_url(database_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        existing = conn.execute(sa.text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:n)"),
                                {"n": list(names)}).scalars().all()
        for name in existing:
            conn.execute(sa.text(f'DROP OWNED BY "{name}"'))
            conn.execute(sa.text(f'DROP ROLE "{name}"'))
    engine.dispose()
