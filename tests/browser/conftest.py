"""Browser tests: Debian's Chromium driven by Playwright, against every service running
as its own process. Run apart from the other tests, without eventlet:
`WARDLINE_BROWSER_TESTS=1 pytest tests/browser` (what `make test` does)."""
import shutil
from pathlib import Path

import pytest

from shared.testing.stack import ServiceStack

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

@pytest.fixture(scope="module")
def stack(wardline_env, tmp_path_factory):
    services = ServiceStack(wardline_env, tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic",
            "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack, request):
    context = browser.new_context(base_url=stack.base_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page, username, password="wardline-demo-2026"):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_role("heading", level=1).wait_for()  # the role's first page has loaded
    # ... and has nothing more to fetch: a page still loading would be drawn over the
    # next one a test opens.
    page.wait_for_load_state("networkidle")
