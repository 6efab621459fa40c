"""Per-request memory: what a request holds at its peak (tracemalloc), and a worker's RSS after the
203-route GitHub API app has served 100,000 requests (distinct paths), beside Falcon and BlackSheep.

- Peak per request: ``tracemalloc`` started, the peak reset before each request and read after it,
  the median over 2,000 requests of the static, int-param and JSON rows of the WSGI/ASGI benchmark
  apps (manypaths and Falcon through their WSGI callables, BlackSheep and manypaths through ASGI
  in-process). It counts the bytes a request has allocated at once, not its allocations in total.
- RSS: a fresh process per framework builds the GitHub app (a view per route), serves 100,000
  requests with distinct values through its WSGI callable in-process, then reads its resident set
  size (``/proc/self/statm``); the baseline is the same process before the app is imported.

    make bench-memory        (or: .venv/bin/python benchmarks/memory.py [--quick])
"""

from __future__ import annotations

import asyncio
import io
import statistics
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
sys.path.insert(0, str(HERE))
ROWS = {"static": "/hello", "int param": "/users/42", "JSON": "/json"}


def environ(path: str) -> dict[str, Any]:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "x",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "HTTP_HOST": "x"}


def wsgi_call(app: Any, path: str) -> bytes:
    return b"".join(app(environ(path), lambda s, h, e=None: None))


def asgi_call(app: Any, path: str, loop: asyncio.AbstractEventLoop) -> bytes:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"x")], "server": ("x", 80), "client": ("127.0.0.1", 1)}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    loop.run_until_complete(app(scope, receive, send))
    return b"".join(chunks)


def peak_per_request(call: Any, path: str, n: int) -> float:
    for _ in range(200):
        call(path)  # warm: caches, compiled matcher, first-use imports
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(n):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            call(path)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    return statistics.median(peaks)


def subjects() -> dict[str, Any]:
    from asgi import blacksheep_app
    from wsgi import falcon_app, manypaths_app

    loop = asyncio.new_event_loop()
    ours, falcon = manypaths_app(), falcon_app()
    found: dict[str, Any] = {
        "manypaths (WSGI)": lambda p: wsgi_call(ours, p),
        "falcon (WSGI)": lambda p: wsgi_call(falcon, p),
        "manypaths (ASGI)": lambda p, a=ours.asgi: asgi_call(a, p, loop),
    }
    try:
        bs = blacksheep_app()
        loop.run_until_complete(bs.start())
        found["blacksheep (ASGI)"] = lambda p: asgi_call(bs, p, loop)
    except ImportError:
        print("  (blacksheep is not installed: its rows are left out)")
    return found


RSS_PROBE = r"""
import io, os, re, sys
sys.path.insert(0, sys.argv[2])
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
base = rss()
routes = [line.split() for line in open(sys.argv[3]).read().splitlines() if line.strip()]
kind, n = sys.argv[1], int(sys.argv[4])
if kind == "manypaths":
    from manypaths import App
    app = App("rss")
    for i, (method, path) in enumerate(routes):
        app.add_url_rule(path, f"e{i}", (lambda t: lambda **kw: t)(path), methods=[method])
    template = [(m, p) for m, p in routes]
else:
    import falcon
    app = falcon.App()
    by = {}
    for method, path in routes:
        by.setdefault(re.sub(r"<([^>]+)>", r"{\1}", path), []).append(method)
    for path, methods in by.items():
        attrs = {f"on_{m.lower()}": (lambda t: lambda self, req, resp, **kw: setattr(resp, "text", t))(path)
                 for m in methods}
        app.add_route(path, type("R", (), attrs)())
    template = [(m, p) for m, p in routes]
def env(method, path):
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "x",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "HTTP_HOST": "x"}
status = []
for k in range(n):
    method, path = template[k % len(template)]
    concrete = re.sub(r"<[^>]+>", f"v{k}", path)
    b"".join(app(env(method, concrete), lambda s, h, e=None: status.append(s[:3]) if k < 1000 else None))
assert all(s == "200" for s in status[:1000]), set(status[:1000])
print(base, rss())
"""


def rss_after(kind: str, n: int) -> tuple[float, float]:
    routes = HERE / "routesets" / "github_api_werkzeug.txt"
    out = subprocess.run([sys.executable, "-c", RSS_PROBE, kind, str(HERE.parent / "src"), str(routes), str(n)],
                         capture_output=True, text=True, check=True, timeout=1200)
    base, after = (int(x) for x in out.stdout.split())
    return base / 2**20, after / 2**20


def main() -> None:
    n = 300 if QUICK else 2000
    print(f"Per-request memory (Python {sys.version.split()[0]}): the median peak a request holds, bytes\n")
    found = subjects()
    for name, call in found.items():
        assert call("/hello").startswith(b"Hello") and b"42" in call("/users/42"), name
    print(f"  {'row':<12}" + "".join(f"{name:>20}" for name in found))
    for row, path in ROWS.items():
        peaks = {name: peak_per_request(call, path, n) for name, call in found.items()}
        print(f"  {row:<12}" + "".join(f"{peaks[name]:>20,.0f}" for name in found))
    requests = 20_000 if QUICK else 100_000
    print(f"\n  RSS of a process serving the 203-route GitHub app, {requests:,} requests with distinct values (MiB):")
    for kind in ("manypaths", "falcon"):
        base, after = rss_after(kind, requests)
        print(f"  {kind:<12} before import {base:7.1f}   after {after:7.1f}   (+{after - base:.1f})")


if __name__ == "__main__":
    main()
