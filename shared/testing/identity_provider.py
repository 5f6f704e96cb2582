"""A real OpenID Connect provider for the single sign-on tests: oidc-provider-mock, run as
its own OS process on a free port of this machine, speaking HTTP as Entra ID would
(discovery, JWKS, an authorization form, a token endpoint), nonce required.

A test chooses whom the provider signs in and with which claims (`person`), and signs in
as them on its authorization form: a POST of the subject, as a person's browser would."""
import subprocess
import sys
import time
from contextlib import contextmanager

from urllib.parse import parse_qs, urlsplit

import requests

from shared.testing.stack import free_port


class IdentityProvider:
    def __init__(self, workdir, python=sys.executable):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "identity-provider.log"
        self.python = python
        self.process = None

    @contextmanager
    def running(self):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [self.python, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
                 "--port", str(self.port), "--require-nonce"],
                stdout=log, stderr=subprocess.STDOUT)
        try:
            self.wait_ready()
            yield self
        finally:
            self.stop()

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the identity provider exited: {self.log_path.read_text()}")
            try:
                if requests.get(self.discovery_url, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the identity provider did not answer in time")

    @property
    def discovery_url(self):
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def person(self, sub, **claims):
        """The provider signs `sub` in with `claims` (email, name, groups...) from now on."""
        answer = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        assert answer.status_code == 204, answer.text
        return sub

    def sign_in(self, authorization_url, sub):
        """What the person's browser does on the provider's form: sign in as `sub` and
        be sent back. The provider's redirect to the callback (not followed)."""
        answer = requests.post(authorization_url, data={"sub": sub}, timeout=10,
                               allow_redirects=False)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


SERGEANTS_GROUP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
"""An Entra ID group object id the test mapping makes Dalston sergeants of."""
MAPPING = f"""
rules:
  - when: {{groups: "{SERGEANTS_GROUP}"}}
    role: sergeant
    agency: police
    wards: [dalston]
"""


def single_sign_on_settings(provider, http_port, folder):
    """The WARDLINE_OIDC_* settings of a stack whose gateway (on `http_port`) signs people
    in through `provider`, with the test mapping written in `folder`."""
    mapping = folder / "oidc-mapping.yaml"
    mapping.write_text(MAPPING)
    return {"WARDLINE_OIDC_ISSUER": provider.issuer,
            "WARDLINE_OIDC_CLIENT_ID": "wardline-tests",
            "WARDLINE_OIDC_CLIENT_SECRET": "wardline-tests-secret",
            "WARDLINE_OIDC_MAPPING": str(mapping),
            "WARDLINE_PUBLIC_URL": f"http://127.0.0.1:{http_port}"}


# What a person's browser does through the gateway's single sign-on, with `requests`:
# redirects taken one at a time, and the cookies carried by hand, as requests keeps no
# Secure cookie over http://127.0.0.1 (a browser does, for localhost).

def started(stack, next_address="#/pcso-tasks"):
    """GET start: the provider's authorization URL and the browser cookie set with it."""
    answer = requests.get(stack.base_url + "/api/auth/oidc/start", timeout=10,
                          params={"next": next_address}, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    assert "samesite=lax" in answer.headers["Set-Cookie"].lower()
    return answer.headers["Location"], answer.cookies["wardline_sso"]


def called_back(callback_url, browser_cookie):
    """The callback as the browser follows the provider's redirect to it."""
    return requests.get(callback_url, timeout=20, allow_redirects=False,
                        headers={"Cookie": f"wardline_sso={browser_cookie}"})


def signed_in_through(stack, provider, sub, next_address="#/pcso-tasks"):
    authorization_url, browser = started(stack, next_address)
    return called_back(provider.sign_in(authorization_url, sub), browser)


def refused_with(answer):
    """The sign-in page's message the callback sent the person back with."""
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert "wardline_refresh" not in answer.headers.get("Set-Cookie", "")
    return parse_qs(location.query)["sign_in_error"][0]
