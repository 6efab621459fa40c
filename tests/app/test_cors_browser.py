"""CORS in a real browser: a page served from one 127.0.0.1 port fetches from the app on another
(headless Chromium); allowed requests (simple and preflighted, through an auth hook) succeed, refused
ones are blocked by the browser. Needs Chromium (see tests/openapi/test_docs_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from manypaths import App, abort, request
from manypaths.cors import CORS
from tests.openapi.test_docs_browser import NO_CHROMIUM, chromium, needs

PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
const api = %s;
const tests = [
  ["simple", api + "/data", {}],
  ["preflighted", api + "/data", {method: "PUT", headers: {"X-Token": "secret", "Content-Type": "application/json"},
                                  body: "{}"}],
  ["credentials", api + "/data", {credentials: "include"}],
  ["not_found", api + "/missing", {}],
  ["route_off", api + "/private", {}],
  ["other_origin_only", api + "/partner", {}],
  ["header_refused", api + "/data", {method: "PUT", headers: {"X-Other": "1"}}],
];
(async () => {
  const out = {};
  for (const [name, url, options] of tests) {
    try {
      const r = await fetch(url, options);
      out[name] = r.status + ":" + (await r.text());
    } catch (e) {
      out[name] = "blocked";
    }
  }
  document.getElementById("out").textContent = JSON.stringify(out);
})();
</script></body></html>"""


@needs(NO_CHROMIUM)
def test_cross_origin_fetch(serve: Any, tmp_path: Path) -> None:
    assert not NO_CHROMIUM, NO_CHROMIUM
    page_app = App("page")
    page_base = serve(page_app)
    api = App("api", cors=CORS([page_base], credentials=True, headers=["X-Token", "Content-Type"]))

    @api.before_request
    def auth() -> None:
        if request.method == "PUT" and request.headers.get("X-Token") != "secret":
            abort(401)

    @api.route("/data", methods=["GET", "PUT"])
    def data() -> str:
        return request.method.lower()

    @api.get("/private", cors=False)
    def private() -> str:
        return "private"

    @api.get("/partner", cors=CORS(["https://partner.example"]))
    def partner() -> str:
        return "partner"

    api_base = serve(api)
    assert api_base != page_base
    page_app.add_url_rule("/", "page", lambda: PAGE % json.dumps(api_base))
    dom = chromium("--dump-dom", f"{page_base}/", profile=tmp_path / "profile")
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[:2000]
    results = json.loads(found.group(1).replace("&quot;", '"'))
    assert results.pop("not_found").startswith("404:")  # the error page is readable cross-origin too
    assert results == {
        "simple": "200:get", "preflighted": "200:put", "credentials": "200:get",
        "route_off": "blocked", "other_origin_only": "blocked", "header_refused": "blocked",
    }
