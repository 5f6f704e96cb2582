"""WCAG 2.1 AA checks a machine can make, on every page of every role: each form control
has a label (1.3.1, 3.3.2), each button and link a name (4.1.2), each picture a text
alternative (1.1.1), and every piece of text enough contrast with what is behind it
(1.4.3: 4.5:1, or 3:1 for large text). Keyboard use is walked in the journeys' tests."""
import pytest
from playwright.sync_api import expect

from wardline.demo import DEMO_USERS
from tests.browser.conftest import OUTPUT, sign_in

# Runs in the page: every problem found, as readable strings.
AUDIT = """() => {
  const problems = [];
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}`
                          + ` "${(e.textContent || e.name || "").trim().slice(0, 40)}"`;
  for (const c of document.querySelectorAll("input, select, textarea")) {
    if (!visible(c) || c.type === "hidden") continue;
    const named = c.labels?.length || c.getAttribute("aria-label")
                  || c.getAttribute("aria-labelledby");
    if (!named) problems.push(`no label: ${describe(c)}`);
  }
  for (const b of document.querySelectorAll("button, a[href]")) {
    if (visible(b) && !(b.textContent.trim() || b.getAttribute("aria-label")))
      problems.push(`no name: ${describe(b)}`);
  }
  for (const p of document.querySelectorAll("svg[role=img], img")) {
    if (!(p.getAttribute("aria-label") || p.getAttribute("alt")))
      problems.push(`no text alternative: ${describe(p)}`);
  }
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (e) => {
    for (let n = e; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const checked = new Set();
  while (walker.nextNode()) {
    const e = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !e || checked.has(e) || !visible(e)) continue;
    if (e.closest("svg, noscript, .skip")) continue;  // chart text is checked as fills
    checked.add(e);
    const style = getComputedStyle(e);
    const [a, b] = [lum(rgb(style.color)), lum(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < needed) problems.push(`contrast ${ratio.toFixed(2)} < ${needed}: ${describe(e)}`);
  }
  return problems;
}"""


@pytest.mark.parametrize("user", [u["username"] for u in DEMO_USERS])
def test_every_page_of_every_role_passes_the_automatic_wcag_checks(page, user):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, user)
    nav_links = page.locator("nav a")
    names = [nav_links.nth(i).inner_text() for i in range(nav_links.count())]
    assert names, "every role has pages"
    found = {}
    for name in names:
        page.locator("nav a", has_text=name).first.click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert errors == [], f"{name}: {errors}"  # a page that failed to draw is no pass
        problems = page.evaluate(AUDIT)
        if problems:
            found[name] = problems
            OUTPUT.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUTPUT / f"a11y-{user}-{name}.png"), full_page=True)
    assert found == {}
