"""The system-test base: what every browser test (Playwright driving Debian's Chromium) shares.

The fixtures in tests/conftest.py use it: `chromium` (one headless Chromium per test module),
`page` (a fresh browser context for each test, 1,280 px wide, its base URL the live server)
and `phone` (the same at 390 px). A test then calls:

- `log_in(page, user)`: signs in through Attend's login page, as a person does;
- `serious_violations(page)`: axe-core's serious and critical findings, one line each
  (`axe_violations(page, impacts=None)` for every finding);
- `fits(page)`: whether nothing on the page is wider than the screen; falsy, naming the
  elements that stick out, when something is.

Why a module, not the session, owns the browser: Playwright's sync API keeps an asyncio
loop running in the test's thread for as long as it is started, and Django refuses
synchronous database calls while a loop runs (unless DJANGO_ALLOW_ASYNC_UNSAFE is set, as
the fixture does for the browser tests only). A browser per session would put every later
non-browser test in the worker under that loop.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

CHROMIUM = os.environ.get("ATTEND_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct-horse-battery"  # the factories' password (tests/support/factories.py)
SERIOUS = frozenset({"serious", "critical"})
DESKTOP, PHONE, SMALLEST = 1280, 390, 320  # px: a laptop, a common phone, the narrowest screen WCAG reflows to
HEIGHT = 900
TIMEOUT_MS = 15_000
_ELSEWHERE = re.compile(r"^(?!https?://(localhost|127\.0\.0\.1)[:/])")  # any address but the live server


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A headless Debian Chromium, with Django's async guard relaxed while it runs (see above)."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@contextmanager
def browser_page(browser: Any, base_url: str, width: int = DESKTOP) -> Iterator[Any]:
    """A page in a context of its own (its own cookies: nobody is signed in), `width` px wide."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": HEIGHT})
    context.set_default_timeout(TIMEOUT_MS)
    # Tests never reach the internet: the NHS.UK stylesheet's fonts (https://assets.nhs.uk) are
    # refused at once, so a page's load never waits on a network this machine may not answer.
    context.route(_ELSEWHERE, lambda route: route.abort())
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Any, user: Any, password: str = PASSWORD) -> None:
    """Sign in on Attend's login page as `user` (a User or a username) and wait to leave it."""
    username = getattr(user, "username", user)
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("!location.pathname.startsWith('/login/')")
    page.wait_for_load_state()


# Production's Content Security Policy, for a test to serve a page under (the NHS.UK frontend's CSS
# loads its Frutiger font from assets.nhs.uk).
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "font-src 'self' https://assets.nhs.uk"
)


class StrictCsp:
    """A route handler (`page.route(pattern, StrictCsp())`) that serves each matching response with
    the strict policy, counting them; `csp_violations(page)` collects what Chromium reports."""

    def __init__(self) -> None:
        self.served = 0

    def __call__(self, route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})
        self.served += 1


def csp_violations(page: Any) -> list[str]:
    """A list that fills with every Content Security Policy report Chromium logs on the page from now on."""
    reported: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and reported.append(message.text))
    return reported


@cache
def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(page: Any, *, context: str | None = None, impacts: frozenset[str] | None = SERIOUS) -> list[str]:
    """axe-core's findings on the page (or within `context`, a CSS selector) whose impact is
    one of `impacts` (None: every finding), each as one readable line."""
    # axe-core (from axe-playwright-python) is injected once per loaded page, not once per run: a
    # page checked at two widths parses it once.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe().axe_script)
    found = page.evaluate(
        "([context, options]) => axe.run(context || document, options)", [context, {"resultTypes": ["violations"]}]
    )["violations"]
    return [
        f"{v['id']} ({v.get('impact')}): {v['help']}, {len(v['nodes'])} element(s): "
        + "; ".join(_node(node) for node in v["nodes"][:3])
        for v in found
        if impacts is None or v.get("impact") in impacts
    ]


def _node(node: dict) -> str:
    summary = " ".join(node.get("failureSummary", "").split()).removeprefix("Fix any of the following: ")
    return f"{' '.join(map(str, node['target']))} ({summary[:160]})"


def serious_violations(page: Any, context: str | None = None) -> list[str]:
    return axe_violations(page, context=context)


# The elements that stick out past the screen's right edge, outermost first: an element is
# named when it overflows and its parent does not (the parent is where the width went
# wrong), unless an ancestor scrolls or clips it (then it does not widen the page).
_OVERFLOW = """() => {
  const screen = document.documentElement.clientWidth;
  const contained = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const x = getComputedStyle(a).overflowX;
      if (x !== 'visible') return true;
    }
    return false;
  };
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const cls = (typeof el.className === 'string' && el.className.trim())
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}> ${Math.round(r.width)} px wide, `
      + `right edge ${Math.round(r.right + scrollX)} px: "${text}"`;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right + scrollX <= screen + 0.5) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right + scrollX > screen + 0.5) continue;
    if (contained(el)) continue;
    out.push([r.right, describe(el)]);
  }
  out.sort((a, b) => b[0] - a[0]);
  return {scrollWidth: document.documentElement.scrollWidth, screen, offenders: out.slice(0, 5).map(o => o[1])};
}"""


@dataclass(frozen=True)
class Fit:
    """Whether a page fits its screen; false, with the widest offenders named, when it does not."""

    path: str
    screen: int
    scroll_width: int
    offenders: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.scroll_width <= self.screen

    def __repr__(self) -> str:
        if self:
            return f"{self.path} fits {self.screen} px"
        return f"{self.path} is {self.scroll_width} px wide on a {self.screen} px screen; sticking out: " + (
            "; ".join(self.offenders) or "nothing named (a pseudo-element or a margin)"
        )


def fits(page: Any, width: int | None = None) -> Fit:
    """The page at `width` px (default: as it is now): does the document's scroll width stay
    within the screen? `assert fits(page, 390)` names the elements that stick out when not."""
    if width is not None and page.viewport_size["width"] != width:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        # Let resize observers (Chart.js) lay their canvases out for the new width first.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    measured = page.evaluate(_OVERFLOW)
    path = page.evaluate("location.pathname + location.search")
    return Fit(path, measured["screen"], measured["scrollWidth"], tuple(measured["offenders"]))
