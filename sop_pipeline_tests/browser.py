"""Open a page in headless Debian Chromium (playwright, no downloaded browsers) and record what
went wrong: console errors, uncaught page errors, failed requests; save screenshots.

Plain functions, usable from any test or script::

    with open_page(path_or_url) as session:
        session.page.wait_for_selector("#kpis")
        session.screenshot(tmp_path / "page.png")
    assert session.console_errors == [] and session.page_errors == []
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)


def chromium_missing_reason(executable: str = CHROMIUM_PATH) -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if not Path(executable).exists() and shutil.which(executable) is None:
        return f"{executable} is not installed (Debian's chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401  (only checking that it is importable)
    except ImportError:
        return "the playwright python package is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class BrowserSession:
    """A loaded page and everything the browser reported while the session was open."""

    page: object  # playwright.sync_api.Page
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save a PNG screenshot of the page (parent folders created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page)
        self.screenshots.append(path)
        return path

    @property
    def problems(self) -> list[str]:
        """Console errors, page errors and failed requests, for one assertion message."""
        return (
            [f"console: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request failed: {m}" for m in self.failed_requests]
        )


def page_url(target: str | Path) -> str:
    """A URL for a file path (``file://...``) or the URL itself."""
    text = str(target)
    if "://" in text:
        return text
    return Path(text).resolve().as_uri()


@contextmanager
def open_page(
    target: str | Path,
    *,
    viewport: tuple[int, int] = (1280, 900),
    timeout_ms: float = 30_000,
    wait_until: str = "load",
    executable: str = CHROMIUM_PATH,
) -> Iterator[BrowserSession]:
    """Open a file or URL in headless Chromium and yield the session; closes the browser after.

    Args:
        target: a file path or a URL.
        viewport: window size in CSS pixels.
        timeout_ms: timeout of navigation and of every later page call.
        wait_until: playwright load state to wait for (``load``, ``domcontentloaded``,
            ``networkidle``).
        executable: the Chromium binary (Debian's by default; never a downloaded one).
    """
    from playwright.sync_api import sync_playwright

    url = page_url(target)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            context = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1
            )
            context.set_default_timeout(timeout_ms)
            page = context.new_page()
            session = BrowserSession(page=page, url=url)
            page.on(
                "console",
                lambda m: (
                    session.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
                    if m.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda e: session.page_errors.append(str(e)))
            page.on("request", lambda r: session.requests.append(r.url))
            page.on(
                "requestfailed",
                lambda r: session.failed_requests.append(f"{r.url}: {r.failure}"),
            )
            page.goto(url, wait_until=wait_until, timeout=timeout_ms)
            yield session
        finally:
            browser.close()


def capture(
    target: str | Path, screenshot: Path, *, wait_for: str | None = None, **options: object
) -> BrowserSession:
    """Open ``target``, optionally wait for a CSS selector, save a screenshot; the session's
    records (errors, requests) stay readable after the browser closed."""
    with open_page(target, **options) as session:
        if wait_for:
            session.page.wait_for_selector(wait_for)
        session.screenshot(screenshot)
    return session
