"""The docs page in a real browser: headless Chromium opens /docs of the example app served on
127.0.0.1 (Swagger UI's files from npm's swagger-ui-dist, served locally) and every operation of
the app is listed in the rendered page.

Needs Chromium and ``.cache/npm/node_modules/swagger-ui-dist`` (``.ci/run`` installs both and sets
``MANYPATHS_BROWSER_TESTS=required``, so in CI a missing piece fails the test instead of skipping it).
"""

from __future__ import annotations

import mimetypes
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from examples.api.app import app as example_app

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("SWAGGER_UI_DIST", ROOT / ".cache" / "npm" / "node_modules" / "swagger-ui-dist"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
REQUIRED = os.environ.get("MANYPATHS_BROWSER_TESTS") == "required"
NO_CHROMIUM = "no Chromium on this machine (apt-get install chromium)" if CHROMIUM is None else ""
NO_ASSETS = ("" if (DIST / "swagger-ui-bundle.js").is_file() else
             f"swagger-ui-dist is not installed at {DIST} (npm install --prefix .cache/npm swagger-ui-dist@5)")


def needs(*missing: str) -> Any:
    """Skip (with the reason shown) on a developer's machine lacking a browser piece; never where
    ``.ci/run`` set MANYPATHS_BROWSER_TESTS=required: there the test runs, and fails if a piece is missing."""
    reason = "; ".join(m for m in missing if m)
    return pytest.mark.skipif(bool(reason) and not REQUIRED, reason=reason)


def with_assets(app: Any) -> Any:
    """``app``, with swagger-ui-dist's files answered under /_swagger/ (the test's own file server)."""

    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_swagger/"):
            name = path.removeprefix("/_swagger/")
            target = DIST / name
            if "/" in name or not target.is_file():
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"no such asset"]
            data = target.read_bytes()
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(data)))])
            return [data]
        return app(environ, start_response)

    return serve


def chromium(*args: str, profile: Path) -> str:
    assert CHROMIUM is not None, NO_CHROMIUM
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=15000", *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@needs(NO_CHROMIUM, NO_ASSETS)
def test_swagger_ui_lists_every_operation(serve: Any, tmp_path: Path, monkeypatch: Any) -> None:
    assert not NO_CHROMIUM and not NO_ASSETS, f"{NO_CHROMIUM} {NO_ASSETS}"
    monkeypatch.setitem(example_app.config, "DOCS_ASSETS_URL", "/_swagger")
    base = serve(with_assets(example_app), prefix="/api")
    dom = chromium("--dump-dom", f"{base}/api/docs", profile=tmp_path / "profile")
    document = example_app.openapi(script_root="/api")
    expected = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert len(expected) == 9
    # Swagger UI renders one block per operation: its method and its path.
    blocks = re.findall(r'opblock-summary-method">(\w+)</span>.*?data-path="([^"]+)"', dom, re.S)
    assert set(blocks) == expected, dom[:3000]
    for item in document["paths"].values():
        for operation in item.values():
            # Deep-link ids carry the operationId (dots CSS-escaped): operations-users-users\.list_users
            assert "-" + operation["operationId"].replace(".", "\\.") + '"' in dom
    assert "/api" in dom  # the servers entry: requests go under the script root
    screenshot = tmp_path / "docs.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1280,2000", f"{base}/api/docs",
             profile=tmp_path / "profile2")
    assert screenshot.stat().st_size > 10_000
