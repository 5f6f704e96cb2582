"""The one HTTP server of every Wardline process (the gateway's API and pages, and each
service's `/health`): nameko's, except that every answer carries the security headers,
including the answers nameko writes itself (a 404 for a path no route knows, a 405, a
500), which no route's own code sees.

Every HTTP entrypoint of a process must use it (`http` here, or a subclass of
`WebEndpoint`): nameko shares one server per class, so a route on nameko's own server
would start a second one on the same port."""
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
"""On every answer: no type sniffing, no referrer, never framed, HTTPS only from here on
(browsers ignore HSTS received over plain HTTP, so local development is unaffected). An
answer that runs no script allows nothing; the web pages send their own policy, which
keeps frame-ancestors. A header the answer set itself is kept."""


def with_security_headers(app):
    """WSGI middleware: SECURITY_HEADERS added to every answer that lacks them."""
    def secured(environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(name, value) for name, value in SECURITY_HEADERS.items()
                                       if name.lower() not in present]
            return start_response(status, headers, exc_info)
        return app(environ, start)
    return secured


class SecureWebServer(WebServer):
    def get_wsgi_app(self):
        return with_security_headers(super().get_wsgi_app())


class WebEndpoint(HttpRequestHandler):
    """nameko's HTTP entrypoint on the SecureWebServer."""
    server = SecureWebServer()


http = WebEndpoint.decorator
