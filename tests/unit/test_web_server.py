"""Every answer of every Wardline HTTP server carries the security headers: a route's own,
and those nameko writes itself (an unknown path's 404, a wrong method's 405, a crash's
500), on a real nameko container serving real HTTP (shared/web.py)."""
import pytest
import requests

from shared.web import SECURITY_HEADERS, http


@pytest.fixture
def web(web_config_port):
    """requests against the container's port (nameko's own web_session needs an older
    Werkzeug)."""
    session = requests.Session()
    base = f"http://127.0.0.1:{web_config_port}"
    return lambda method, path: session.request(method, base + path, timeout=10)


class Probe:
    """A process with a health route, as every service has, and one that crashes."""
    name = "probe"

    @http("GET", "/health")
    def health(self, request):
        return 200, {"Content-Type": "application/json"}, '{"status": "ok"}'

    @http("GET", "/framed")
    def framed(self, request):
        return 200, {"Content-Security-Policy": "default-src 'self'"}, "its own policy"

    @http("GET", "/crash")
    def crash(self, request):
        raise RuntimeError("a fault")


def test_every_answer_carries_the_security_headers_even_those_nameko_writes(
        container_factory, web_config, web):
    container_factory(Probe, web_config).start()
    answers = {"route": web("GET", "/health"), "unknown path": web("GET", "/nope"),
               "wrong method": web("POST", "/health"), "crash": web("GET", "/crash")}
    assert [answer.status_code for answer in answers.values()] == [200, 404, 405, 500]
    for what, answer in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (what, name, answer.headers)


def test_a_header_the_answer_set_itself_is_kept(container_factory, web_config, web):
    container_factory(Probe, web_config).start()
    answer = web("GET", "/framed")
    assert answer.headers["Content-Security-Policy"] == "default-src 'self'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
