"""Cold start: import the framework, build the 203-route GitHub API app, serve the first request.

Each measurement is a fresh process; frameworks are interleaved run by run; the median and the
spread (min-max) are reported, with the modules the steps imported and the peak RSS.

    make bench-coldstart      (or: .venv/bin/python benchmarks/coldstart.py [--quick])
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
ROUTES = HERE / "routesets" / "github_api_werkzeug.txt"
EVENT = HERE.parent / "tests" / "fixtures" / "aws-events" / "apiGatewayProxyEvent.json"
RUNS = 5 if "--quick" in sys.argv else 15
TARGET = "/repos/julienschmidt/httprouter/stargazers"

PRELUDE = """
import sys, time
t0 = time.perf_counter()
base = set(sys.modules)
routes = [line.split() for line in open(sys.argv[1]) if line.strip()]
def environ(path):
    import io
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}
def call(app, path):
    out = []
    body = b"".join(app(environ(path), lambda s, h, e=None: out.append(s)))
    return out[0], body
"""

EPILOGUE = """
t1 = time.perf_counter()
import resource, json as _json
added = len(set(sys.modules) - base)
print(_json.dumps({"ms": (t1 - t0) * 1000, "modules": added,
                   "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "answer": answer}))
"""

# The first REST event through ``handler`` (the Lambda rows).
_ON_LAMBDA = """
import json as _j
event = _j.load(open(sys.argv[2]))
event.update(path=TARGET, httpMethod="GET")
class Context:
    aws_request_id = "bench"
answer = handler(event, Context())["body"]
"""

_MANYPATHS = """
from manypaths import App
app = App("bench")
for i, (method, rule) in enumerate(routes):
    app.add_url_rule(rule, f"e{i}", (lambda r: lambda **kw: r)(rule), methods=[method])
answer = call(app, TARGET)[1].decode()
if (app.url_map._fast_countdown > 0) != COMPILED:  # the build this row is meant to measure (the
    answer = "wrong build"                        # compiled matcher takes over after 16 requests)
"""

SCRIPTS = {
    # The compiled matcher where it is built (make speedups; the platform wheel), and the pure one.
    "manypaths": _MANYPATHS.replace("COMPILED", "True"),
    "manypaths pure": _MANYPATHS.replace("COMPILED", "False"),
    "flask": """
from flask import Flask
app = Flask("bench")
for i, (method, rule) in enumerate(routes):
    app.add_url_rule(rule, f"e{i}", (lambda r: lambda **kw: r)(rule), methods=[method])
answer = call(app, TARGET)[1].decode()
""",
    "falcon": """
import falcon, re
app = falcon.App()
by_template = {}
for method, rule in routes:
    by_template.setdefault(re.sub(r"<([^>]+)>", r"{\\1}", rule), []).append((method, rule))
for template, pairs in by_template.items():
    attrs = {}
    for method, rule in pairs:
        def responder(self, req, resp, _r=rule, **kw):
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = _r
        attrs[f"on_{method.lower()}"] = responder
    app.add_route(template, type("R", (), attrs)())
answer = call(app, TARGET)[1].decode()
""",
    "bottle": """
import bottle
app = bottle.Bottle()
for method, rule in routes:
    app.route(rule, method, (lambda r: lambda **kw: r)(rule))
answer = call(app, TARGET)[1].decode()
""",
    "starlette": """
import re
from starlette.routing import Match, Route
def endpoint(request):
    return None
table = [Route(re.sub(r"<([^>]+)>", r"{\\1}", rule), endpoint, methods=[method], name=rule)
         for method, rule in routes]
scope = {"type": "http", "path": TARGET, "method": "GET", "root_path": ""}
answer = next(r.name for r in table if r.matches(scope)[0] is Match.FULL)
""",
    "mp asgi+lambda": """
import json as _j
from manypaths import App
from manypaths.platforms import lambda_handler
app = App("bench")
for i, (method, rule) in enumerate(routes):
    app.add_url_rule(rule, f"e{i}", (lambda r: lambda **kw: r)(rule), methods=[method])
handler = lambda_handler(app.asgi)  # our App in ASGI mode, on Lambda (asyncio and the bridge loaded)
""" + _ON_LAMBDA,
    "fastapi+mangum": """
import json as _j, re
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from mangum import Mangum
app = FastAPI()
for i, (method, rule) in enumerate(routes):
    async def view(_r=rule):
        return _r
    app.add_api_route(re.sub(r"<([^>]+)>", r"{\\1}", rule), view, methods=[method], response_class=PlainTextResponse,
                      name=f"e{i}")
handler = Mangum(app, lifespan="off")
""" + _ON_LAMBDA,
    "powertools": """
import json as _j
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
app = APIGatewayRestResolver()
for method, rule in routes:
    app.route(rule, method)((lambda r: lambda **kw: r)(rule))
event = _j.load(open(sys.argv[2]))
event["path"] = TARGET
event["httpMethod"] = "GET"
class Context:
    aws_request_id = "bench"
result = app.resolve(event, Context())
answer = _j.loads(result["body"]) if result["body"].startswith('"') else result["body"]
""",
}


def run_once(name: str, *, no_bytecode: bool = False) -> dict[str, float]:
    code = PRELUDE.replace("TARGET", repr(TARGET)) + SCRIPTS[name].replace("TARGET", repr(TARGET)) + EPILOGUE
    env = dict(os.environ)
    env.pop("MANYPATHS_PURE", None)
    if name == "manypaths pure":
        env["MANYPATHS_PURE"] = "1"
    if no_bytecode:
        # What a bundle shipped without .pyc pays: every module compiled from source, every time.
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp()
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(ROUTES), str(EVENT)], capture_output=True, text=True,
                         check=False, env=env)
    wall = (time.perf_counter() - t0) * 1000
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["answer"] != "/repos/<owner>/<repo>/stargazers":
        raise RuntimeError(f"{name} answered {result['answer']!r}")
    result["wall"] = wall
    return result


def bare() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    import manypaths
    from manypaths.routing.compiler import compiled_core

    if compiled_core() is None:
        sys.exit("the compiled matcher is not built: `make speedups` (the pure build is measured beside it)")
    # Installed packages carry bytecode (pip compiles them); an editable checkout may not
    # (PYTHONDONTWRITEBYTECODE): compile ours so that every framework is measured alike.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(manypaths.__file__).parent)], check=True)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in SCRIPTS}
    cold: dict[str, list[dict[str, float]]] = {name: [] for name in SCRIPTS}
    bares = []
    for _ in range(RUNS):  # interleaved: drift hits every framework alike
        bares.append(bare())
        for name in SCRIPTS:
            results[name].append(run_once(name))
            cold[name].append(run_once(name, no_bytecode=True))
    print(f"Cold start: import + build the 203-route GitHub API app + first request ({RUNS} fresh processes each)")
    print(f"Python {sys.version.split()[0]}; bare `python -c pass`: median {statistics.median(bares):.1f} ms\n")
    base = statistics.median(r["ms"] for r in results["manypaths"])
    cold_base = statistics.median(r["ms"] for r in cold["manypaths"])
    print(f"  {'framework':<16}{'in-process ms':>14}{'(min-max)':>16}{'process ms':>12}{'modules':>9}"
          f"{'RSS MB':>8}{'× manypaths':>13}{'no .pyc ms':>12}{'×':>6}")
    for name, runs in results.items():
        ms = [r["ms"] for r in runs]
        median = statistics.median(ms)
        no_pyc = statistics.median(r["ms"] for r in cold[name])
        print(f"  {name:<16}{median:>14.1f}{f'({min(ms):.1f}-{max(ms):.1f})':>16}"
              f"{statistics.median(r['wall'] for r in runs):>12.1f}{int(statistics.median(r['modules'] for r in runs)):>9}"
              f"{statistics.median(r['rss_mb'] for r in runs):>8.1f}{median / base:>13.1f}"
              f"{no_pyc:>12.1f}{no_pyc / cold_base:>6.1f}")
    print("\nin-process: from before the import to the answer, measured inside the child;")
    print("process: the whole child, interpreter start-up included, measured by the parent;")
    print("no .pyc: the same with no bytecode cache at all (every module compiled from source, stdlib included).")


if __name__ == "__main__":
    main()
