import os

import eventlet

# nameko's pytest plugin no longer patches eventlet, and without it pytest hangs; the
# browser tests run on their own without it (Playwright hangs under eventlet).
BROWSER_RUN = os.environ.get("WARDLINE_BROWSER_TESTS") == "1"
if not BROWSER_RUN:
    eventlet.monkey_patch()
    collect_ignore = ["browser"]  # they run on their own: see tests/browser/conftest.py

import shutil  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from shared.config import setting  # noqa: E402
from wardline.runner import broker_answers  # noqa: E402
from shared.testing import infra  # noqa: E402
from shared.testing.seeded import SEEDED  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def docker_compose_file():
    return str(ROOT / "deploy" / "docker-compose.test.yml")


@pytest.fixture(scope="session")
def infrastructure(request):
    """(amqp_uri, postgres server url) of a real RabbitMQ and PostgreSQL: the running ones
    when they answer, else containers from deploy/ where Docker exists. Never skipped."""
    amqp_uri = setting("WARDLINE_TEST_AMQP_URI")
    database_url = setting("WARDLINE_TEST_DATABASE_URL")
    if broker_answers(amqp_uri) and infra.database_answers(database_url):
        return {"amqp_uri": amqp_uri, "database_url": database_url, "own_vhosts": True}
    if _docker_engine_runs():
        services = request.getfixturevalue("docker_services")
        amqp_uri = f"amqp://guest:guest@127.0.0.1:{services.port_for('rabbitmq', 5672)}/"
        database_url = (f"postgresql://postgres@127.0.0.1:"
                        f"{services.port_for('postgres', 5432)}/postgres")
        services.wait_until_responsive(timeout=120, pause=1, check=lambda: (
            broker_answers(amqp_uri, timeout=1) and infra.database_answers(database_url)))
        return {"amqp_uri": amqp_uri, "database_url": database_url, "own_vhosts": False}
    pytest.fail("No RabbitMQ and PostgreSQL answer (WARDLINE_TEST_AMQP_URI, "
                "WARDLINE_TEST_DATABASE_URL) and there is no Docker engine to start them. "
                "Start them: `rabbitmq-server -detached`; `pg_ctlcluster "
                "--skip-systemctl-redirect $(ls /etc/postgresql) main start`.")


def _docker_engine_runs():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def amqp_uri(infrastructure):
    """A vhost of this test module's own on the real broker."""
    if not infrastructure["own_vhosts"]:
        yield infrastructure["amqp_uri"]  # a fresh container is isolation enough
        return
    if not infra.rabbitmqctl_available():
        pytest.fail("Each test module needs a vhost of its own and `rabbitmqctl` is not on "
                    "PATH here: run the tests on the broker's machine, or with Docker.")
    vhost, uri = infra.fresh_vhost(infrastructure["amqp_uri"], "wardline_test")
    yield uri
    infra.delete_vhost_soon(vhost)  # waited for at the end of the run


def pytest_sessionfinish(session):
    """The seeded templates are dropped, and every test module's vhost is gone before the
    run ends (deleted in the background while the next modules ran); one that could not be
    deleted is said, not hidden."""
    SEEDED.drop_all()
    failed = infra.finish_deleting_vhosts()
    if failed:
        session.config.get_terminal_writer().line(
            "vhosts not deleted: " + "; ".join(failed), yellow=True)


@pytest.fixture(scope="module")
def database_url(infrastructure):
    """A database of this test module's own on the real PostgreSQL server."""
    name = infra.unique_name("wardline_test")
    url = infra.create_database(infrastructure["database_url"], name)
    yield url
    infra.drop_database(infrastructure["database_url"], name)


@pytest.fixture(scope="module")
def wardline_env(amqp_uri, database_url, tmp_path_factory):
    """WARDLINE_* settings pointing at this module's broker vhost and database."""
    from shared.testing.stack import free_port

    env = {
        "WARDLINE_AMQP_URI": amqp_uri,
        "WARDLINE_DATABASE_URL": database_url,
        "WARDLINE_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "WARDLINE_HTTP_PORT": str(free_port()),
        "WARDLINE_OUTBOX_POLL_SECONDS": "1",
        "WARDLINE_SECRET_KEY": "test-secret-key-test-secret-key-1234",
        # The demo logins sign in with a password alone; tests of the second factor set
        # the roles that require one themselves (the default is admin, reviewer, analyst).
        "WARDLINE_MFA_REQUIRED_ROLES": "none",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # so that in-process containers load the same config
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def identity_provider(tmp_path_factory):
    """A real OpenID Connect provider process on this machine, for single sign-on
    (shared/testing/identity_provider.py): stopped when the module ends."""
    from shared.testing.identity_provider import IdentityProvider

    with IdentityProvider(tmp_path_factory.mktemp("identity-provider")).running() as provider:
        yield provider
