"""Before/after: the same in-process rows (WSGI static, int param, (str, status) and (str, status,
headers) tuples; ASGI static and int param) timed for two source trees in alternating fresh processes, best of all runs, and
the ratio new/old. For a change to the request path, against a worktree of the commit before it:

    git worktree add /tmp/before <commit> && (cd /tmp/before && python setup.py -q build_ext --inplace)
    .venv/bin/python benchmarks/ab.py /tmp/before/src src [--runs 6]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROWS = r"""
import asyncio, io, json, sys, time
from manypaths import App
app = App("ab")
@app.get("/hello")
def hello(): return "Hello, World!"
@app.get("/users/<int:uid>")
def user(uid): return {"id": uid, "name": "x"}
@app.get("/made")
def made(): return "made", 201
@app.get("/located")
def located(): return "made", 201, {"Location": "/made/1"}
env = {"REQUEST_METHOD": "GET", "SERVER_NAME": "h", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
       "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "QUERY_STRING": "", "SCRIPT_NAME": "", "HTTP_HOST": "h"}
def start_response(status, headers, exc_info=None): pass
def best(run, n=20000, passes=7):
    run(2000)
    out = []
    for _ in range(passes):
        t0 = time.perf_counter(); run(n); out.append((time.perf_counter() - t0) / n * 1e6)
    return min(out)
def wsgi(path):
    e = dict(env, PATH_INFO=path)
    def run(n):
        for _ in range(n): b"".join(app(e, start_response))
    return run
a = app.asgi
async def receive(): return {"type": "http.request", "body": b"", "more_body": False}
async def send(message): pass
loop = asyncio.new_event_loop()
def asgi(path):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"h")], "client": ("127.0.0.1", 1), "server": ("h", 80)}
    async def many(n):
        for _ in range(n): await a(scope, receive, send)
    return lambda n: loop.run_until_complete(many(n))
rows = {"WSGI static": wsgi("/hello"), "WSGI int param": wsgi("/users/7"), "WSGI (str, 201)": wsgi("/made"),
        "WSGI (str, 201, hdrs)": wsgi("/located"),
        "ASGI static": asgi("/hello"), "ASGI int param": asgi("/users/7")}
print(json.dumps({name: best(run) for name, run in rows.items()}))
"""


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 6
    if len(args) < 2:
        raise SystemExit(__doc__)
    old, new = (os.path.abspath(a) for a in args[:2])
    best: dict[str, dict[str, float]] = {old: {}, new: {}}
    for _ in range(runs):
        for tree in (old, new):
            out = subprocess.run([sys.executable, "-c", ROWS], env={**os.environ, "PYTHONPATH": tree},
                                 capture_output=True, text=True, check=True).stdout
            for name, value in json.loads(out).items():
                best[tree][name] = min(best[tree].get(name, float("inf")), value)
    print(f"µs per request, best of {runs} alternating runs each (Python {sys.version.split()[0]})\n")
    print(f"  {'row':22} {'old':>8} {'new':>8}  new/old")
    for name in best[old]:
        print(f"  {name:22} {best[old][name]:8.2f} {best[new][name]:8.2f}  {best[new][name] / best[old][name]:.3f}")


if __name__ == "__main__":
    main()
