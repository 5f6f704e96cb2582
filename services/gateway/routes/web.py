"""The web pages: one HTML page and its script and style, served as files. Everything the
pages show comes from the JSON API with the signed-in person's token, so the pages carry
no data and no access rules of their own."""
import re
from pathlib import Path

from werkzeug.wrappers import Response

from shared.web import SECURITY_HEADERS as EVERY_ANSWER
from shared.web import http

WEB = Path(__file__).resolve().parents[1] / "web"
MIMETYPES = {".js": "text/javascript", ".css": "text/css"}
# A file name, pages/<name> or components/<name>: letters, digits and hyphens only, so no path can leave WEB.
STATIC_NAME = re.compile(r"((pages|components)/)?[a-z0-9-]+\.(js|css)")
# Only our own files may run or style the page: no inline script, nothing from elsewhere.
SECURITY_HEADERS = {**EVERY_ANSWER, "Content-Security-Policy":
                    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"}


class WebPages:
    @http("GET", "/")
    def web_page(self, request):
        return _file("index.html", "text/html")

    @http("GET", "/static/<path:name>")
    def web_static(self, request, name):
        if not STATIC_NAME.fullmatch(name) or not (WEB / name).is_file():
            return Response("Not found", status=404, mimetype="text/plain")
        return _file(name, MIMETYPES[Path(name).suffix])


def _file(name, mimetype):
    return Response((WEB / name).read_bytes(), status=200, mimetype=mimetype,
                    headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})
