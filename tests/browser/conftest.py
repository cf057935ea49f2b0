"""Fixtures for the browser tests: Chromium (the Debian package, never `playwright install`), the sample
site built into a temporary folder, and a local HTTP server for it.

Without Chromium or Playwright the tests are skipped, with the reason, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from playbookgen.cli import cli
from tests.conftest import copy_skeleton

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SUB_PATH_URL = "https://example.com/sales/playbook/"
SUB_PATH = "/sales/playbook/"
VIEWPORT = {"width": 1280, "height": 1000}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI; .ci/run installs chromium)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[test]'")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found: install the Debian package (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def build_sample(base: Path, *args: str, site_url: str | None = None) -> Path:
    """The shipped sample playbook built with `playbookgen build ARGS`; returns the site folder."""
    root = copy_skeleton(base / "playbook", with_retros=True)
    if site_url:
        config = root / "mkdocs.yml"
        config.write_text(f"site_url: {site_url}\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", *args])
    assert result.exit_code == 0, result.output
    return root / "site"


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site folder under `prefix` only; anything else is a 404."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        route = unquote(urlsplit(path).path)
        if not route.startswith(self.prefix):
            return str(Path(self.directory) / "\0-outside-the-prefix")  # never exists: a 404
        return super().translate_path("/" + route[len(self.prefix) :])

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest's output clean
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that drops a connection it no longer needs (a prefetch, a new page) is not an error."""


@dataclass
class Server:
    origin: str  # http://127.0.0.1:PORT
    prefix: str  # the path the site is served under, "/" or "/sales/playbook/"

    @property
    def url(self) -> str:
        return self.origin + self.prefix


@contextmanager
def serve(site: Path, prefix: str = "/") -> Iterator[Server]:
    """A threading HTTP server for `site` on 127.0.0.1 and a free port, for the duration of the block."""
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    httpd = _QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(origin=f"http://127.0.0.1:{httpd.server_address[1]}", prefix=prefix)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def team_site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample built for the team audience (every retro), served at the root of a local server."""
    site = build_sample(tmp_path_factory.mktemp("browser-team"), "--audience", "team")
    with serve(site) as server:
        yield server


@pytest.fixture(scope="session")
def sub_path_site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample built for the default (internal) audience with site_url under a sub-path, served there."""
    site = build_sample(tmp_path_factory.mktemp("browser-sub-path"), site_url=SUB_PATH_URL)
    with serve(site, SUB_PATH) as server:
        yield server


@dataclass
class Visit:
    """One browser context and page, with every request, failed response and console message recorded."""

    page: Any
    server: Server
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # HTTP status >= 400
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str = "", wait_until: str = "load") -> Any:
        response = self.page.goto(self.server.url + path, wait_until=wait_until)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        return response

    def outside(self) -> list[str]:
        """Requests that went anywhere but the local server (data: URLs go nowhere)."""
        return [url for url in self.requests if not url.startswith((self.server.origin + "/", "data:"))]

    def assert_clean(self) -> None:
        assert self.outside() == [], "requests left the local server"
        assert self.failures == [], "requests failed"
        assert self.console_errors == [], "the console logged errors"


def open_visit(browser: Any, server: Server, color_scheme: str = "light") -> Visit:
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme, service_workers="block")
    context.set_default_timeout(10_000)
    visit = Visit(page=context.new_page(), server=server)

    def route(request_route: Any) -> None:  # record everything; let nothing leave the machine
        if request_route.request.url.startswith(server.origin + "/"):
            request_route.continue_()
        else:
            request_route.abort()

    context.on("request", lambda request: visit.requests.append(request.url))
    context.on("response", lambda r: r.status >= 400 and visit.failures.append(f"{r.status} {r.url}"))
    context.route("**/*", route)
    visit.page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    visit.page.on("pageerror", lambda exc: visit.console_errors.append(f"uncaught: {exc}"))
    return visit


@pytest.fixture
def visit(browser: Any, team_site: Server) -> Iterator[Visit]:
    """A fresh light-mode tab on the team site."""
    current = open_visit(browser, team_site)
    yield current
    current.page.context.close()
