"""The documentation site: it builds in strict mode (a warning or a broken link fails), and in
headless Chromium the home page, the quickstart and the API reference render without console
errors, the navigation leads where it says, and the search finds a page.

The browser is driven over the DevTools protocol (a websocket). Needs Chromium: ``.ci/run``
installs it and sets ``MANYPATHS_BROWSER_TESTS=required``, so in CI a missing browser fails the test.
A screenshot of the home page is left in ``.cache/docs-home.png`` to look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
REQUIRED = os.environ.get("MANYPATHS_BROWSER_TESTS") == "required"
needs_browser = pytest.mark.skipif(CHROMIUM is None and not REQUIRED,
                                   reason="no Chromium on this machine (apt-get install chromium)")


def build(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = build(out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    for page in ("index.html", "quickstart/index.html", "tutorial/index.html", "reference/index.html",
                 "deploy/index.html", "porting/index.html", "architecture/index.html", "search/search_index.json"):
        assert (site / page).is_file(), page
    reference = (site / "reference/index.html").read_text(encoding="utf-8")
    # mkdocstrings rendered the docstrings: the App's parameters and a platform entry point.
    assert "trusted_proxies" in reference and "lambda_handler" in reference and "base_path" in reference


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", copy / "docs")
    for name in ("mkdocs.yml", "ARCHITECTURE.md", "CHANGELOG.md", "BENCHMARKS.md"):
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    with open(copy / "docs/cli.md", "a", encoding="utf-8") as f:
        f.write("\nSee [nothing](no-such-page.md).\n")
    done = subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "out")], cwd=copy,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode != 0 and "no-such-page.md" in done.stderr


# ----------------------------------------------------------------------------------------- the browser


class Browser:
    """Headless Chromium driven over the DevTools protocol: one page, its console errors collected."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        assert CHROMIUM is not None, "no Chromium on this machine (apt-get install chromium)"
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
             "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={profile}",
             "--window-size=1280,900", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < deadline and self.process.poll() is None, "Chromium did not start"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        import urllib.request

        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        import contextlib

        self.stack = contextlib.ExitStack()
        self.socket = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10))
        self.next_id = 0
        self.errors: list[str] = []
        self.loaded = False
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Page.loadEventFired":
            self.loaded = True

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return dict(message.get("result", {}))
            self._event(message)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self._event(json.loads(self.socket.recv(timeout=max(0.01, end - time.monotonic()))))
            except TimeoutError:
                return

    def open(self, url: str) -> None:
        self.loaded = False
        self.call("Page.navigate", url=url)
        end = time.monotonic() + 30
        while not self.loaded:
            assert time.monotonic() < end, f"{url} did not load"
            self.pump(0.2)
        self.pump(1.0)  # scripts that run after load (search index, highlighting)

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait_for(self, expression: str, seconds: float = 15) -> Any:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            value = self.js(expression)
            if value:
                return value
            self.pump(0.2)
        raise AssertionError(f"never true: {expression}")

    def close(self) -> None:
        try:
            self.stack.close()
        finally:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    opened = Browser(tmp_path / "profile")
    yield opened
    opened.close()


@needs_browser
@pytest.mark.parametrize(("page", "heading", "text"), [
    ("", "manypaths", "One function, many paths"),
    ("quickstart/", "Quickstart", "manypaths bundle examples.api.app:app --platform lambda"),
    ("reference/", "API reference", "trusted_proxies"),
])
def test_pages_render_without_console_errors(served: str, browser: Browser, page: str, heading: str,
                                             text: str) -> None:
    browser.open(f"{served}/{page}")
    assert browser.js("document.querySelector('article h1').textContent.replace('¶', '').trim()") == heading
    assert text in browser.js("document.querySelector('article').innerText")
    # The theme's own script ran (it builds the navigation drawer and the search box).
    assert browser.js("document.querySelectorAll('.md-nav__link').length") > 20
    assert browser.js("!!document.querySelector('.md-search__input')")
    assert browser.errors == [], browser.errors
    if page == "":
        screenshot = browser.call("Page.captureScreenshot", format="png")["data"]
        import base64

        (ROOT / ".cache").mkdir(exist_ok=True)
        (ROOT / ".cache/docs-home.png").write_bytes(base64.b64decode(screenshot))


@needs_browser
def test_navigation_and_search_work(served: str, browser: Browser) -> None:
    browser.open(f"{served}/")
    # The navigation: follow the sidebar's link to the tutorial.
    browser.js("[...document.querySelectorAll('.md-nav__link')].find(a => a.textContent.trim() === 'Tutorial').click()")
    browser.wait_for("location.pathname === '/tutorial/' && document.readyState === 'complete'")
    browser.pump(1.0)
    assert browser.js("document.querySelector('article h1').textContent").startswith("Tutorial")
    # The search: type a word found on one page only; the results list that page.
    browser.js("""(() => {
        const input = document.querySelector('.md-search__input');
        input.focus();
        input.value = 'awslambdaric';
        input.dispatchEvent(new Event('focus'));
        input.dispatchEvent(new KeyboardEvent('keyup', {key: 'c'}));
        input.dispatchEvent(new Event('input'));
    })()""")
    found = browser.wait_for(
        "[...document.querySelectorAll('.md-search-result__item a')].map(a => a.getAttribute('href')).join(' ')")
    assert "deploy/" in found, found
    assert browser.errors == [], browser.errors
