"""A database that refuses a connection (PostgreSQL or PgBouncer at its limit, a restart)
or has none free is a 503 with Retry-After, never a 500: whether the gateway's own
database refused it or a service's did, over RPC."""
import psycopg2
import pytest
import requests
import sqlalchemy as sa
from nameko.exceptions import RemoteError, serialize, deserialize

from services.gateway.http import api
from shared.errors import Unavailable


def refused():
    return sa.exc.OperationalError(
        "INSERT INTO audit ...", {}, psycopg2.OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too '
            'many clients already'))


class FailingService:
    name = "failing_gateway"

    @api("POST", "/api/own-database")
    def own_database(self, request):  # the gateway's own engine, as in sign-in or audit
        raise refused()

    @api("POST", "/api/pool-exhausted")
    def pool_exhausted(self, request):
        raise sa.exc.TimeoutError("QueuePool limit of size 10 overflow 0 reached")

    @api("POST", "/api/service-database")
    def service_database(self, request):  # what a service's @rpc sends back
        raise deserialize(serialize(Unavailable("The database is not taking connections")))

    @api("POST", "/api/older-service")
    def older_service(self, request):  # a RemoteError naming the driver's error
        raise RemoteError("OperationalError", "FATAL:  sorry, too many clients already")

    @api("POST", "/api/bug")
    def bug(self, request):
        raise KeyError("a fault of ours")


@pytest.fixture
def base(container_factory, web_config, web_config_port):
    container_factory(FailingService, web_config).start()
    return f"http://127.0.0.1:{web_config_port}"


@pytest.mark.parametrize("path", ["own-database", "pool-exhausted", "service-database",
                                  "older-service"])
def test_a_database_that_refuses_connections_is_a_503_with_retry_after(base, path):
    answer = requests.post(f"{base}/api/{path}", timeout=10)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert answer.json()["error"]["code"] == "unavailable"
    assert "too many clients" not in answer.text  # the server's words stay in the log


def test_a_fault_of_ours_is_still_a_500(base):
    answer = requests.post(f"{base}/api/bug", timeout=10)
    assert answer.status_code == 500
    assert "Retry-After" not in answer.headers
