"""The web page files: every role has its page module, and the static route serves only
files of the web folder (no path can climb out of it)."""
import re

import pytest

from services.gateway.routes.web import WEB, WebPages
from shared.vocabulary import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_page_module_listing_its_pages(role):
    module = (WEB / "pages" / f"{role}.js").read_text()
    assert re.search(r"export const pages = \[", module)


@pytest.mark.parametrize("name, mimetype", [("app.js", "text/javascript"),
                                            ("core.js", "text/javascript"),
                                            ("app.css", "text/css"),
                                            ("pages/partner.js", "text/javascript")])
def test_the_page_files_are_served_with_their_type_and_a_strict_policy(name, mimetype):
    response = WebPages().web_static(None, name)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["../routes/web.py", "pages/../../http.py", "index.html",
                                  "missing.js", "pages/nobody.js", "/etc/passwd", "APP.JS"])
def test_anything_else_is_not_found(name):
    assert WebPages().web_static(None, name).status_code == 404
