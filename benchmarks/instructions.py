"""Lambda events counted in CPU instructions, not timed: the rows of ``lambda_events.py`` under
valgrind (cachegrind, no cache simulation), so the ratios hold on a noisy machine where the same
request times 1.5-2x apart from one minute to the next.

Each handler runs in a fresh process twice, for N and for N + K invocations of the same event
(the events copied before either loop, as many in both); the difference over K is what one
invocation costs. PYTHONHASHSEED is fixed, so a dict's probes are the same in every run, and the
setup's objects are frozen out of the garbage collector (gc.freeze), so the loop's collections do
the same work in both processes: run one at a time, a row's count repeats to the instruction.
Instructions are not time (a cache miss costs more than an add), but two handlers' counts on the
same work compare the Python each one runs: the in-process timings in lambda_events.py move with
them.

Then FastAPI on Lambda the same way: ``lambda_handler(api)`` against Mangum on the four event
shapes of asgi.py's Lambda rows (fewer invocations: each is ~15x a manypaths one).

    .venv/bin/python benchmarks/instructions.py [--quick]     (needs valgrind; says so if absent)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
N, K = (50, 200) if QUICK else (100, 1000)
HANDLERS = ("manypaths", "manypaths, access log on", "powertools")

CHILD = r"""
import copy, os, sys
sys.path.insert(0, {here!r})
import lambda_events as le
shape, routes, name, count, made = {shape!r}, {routes}, {name!r}, {count}, {made}
handlers = le.handlers(shape, routes)
handler = handlers[name]
template = le.event(shape)
# Every app of the row is built in this process (and Flask's); their patterns would fill the re
# module's cache (512 entries), and a handler that compiles a pattern per call would find it
# gone: the count would depend on what else was built. Emptied here, as in a function with one app.
import re
re.purge()
for _ in range(3):
    result = handler(copy.deepcopy(template), le.Context())
    assert result["statusCode"] == 200 and le.body_of(result) == "user 42", result
if name == "manypaths, access log on":
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "bench"  # as lambda_events.py measures it
    sys.stdout = open(os.devnull, "w")
# Copied by a JSON round trip, not copy.deepcopy: deepcopy's memo is keyed by id(), so its probes
# (and the setup's count, which the N + K run minus the N run does not cancel: the two processes lay
# out memory differently) moved with the addresses; our rows moved by ~2k per invocation with them.
import json
events = [json.loads(json.dumps(template)) for _ in range(made)]
contexts = [le.Context() for _ in range(made)]
import gc
gc.collect()
gc.freeze()  # what the setup made is not traversed by the loop's collections: counts repeat exactly
for i in range(count):
    handler(events[i], contexts[i])
"""


# FastAPI on Lambda: our lambda_handler against Mangum, the app and the events of asgi.py's Lambda rows.
ASGI_CHILD = r"""
import json, sys, warnings
sys.path.insert(0, {here!r})
import asgi as bench
from manypaths.platforms import lambda_handler
api = bench.fastapi_app()

@api.get("/{{rest:path}}")
async def anything(rest: str):
    return {{"rest": rest}}

if {name!r} == "mangum":
    from mangum import Mangum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        handler = Mangum(api, lifespan="off")
else:
    handler = lambda_handler(api)
template = json.loads((bench.EVENTS / {fixture!r}).read_text())
class Context:
    aws_request_id = "bench"
for _ in range(3):
    assert handler(json.loads(json.dumps(template)), Context())["statusCode"] == 200
events = [json.loads(json.dumps(template)) for _ in range({made})]
import gc
gc.collect()
gc.freeze()
for i in range({count}):
    handler(events[i], Context())
"""
ASGI_FIXTURES = {"REST API (1.0)": "apiGatewayProxyEvent.json", "HTTP API (2.0)": "apiGatewayProxyV2Event_GET.json",
                 "ALB": "albEvent.json", "Function URL": "lambdaFunctionUrlEvent.json"}
AN, AK = (10, 50) if QUICK else (20, 200)


def asgi_instructions(shape: str, name: str, count: int) -> int:
    code = ASGI_CHILD.format(here=str(HERE), name=name, fixture=ASGI_FIXTURES[shape], count=count, made=AN + AK)
    return counted(code, f"FastAPI via {name} ({shape})")


def counted(code: str, what: str) -> int:
    """The CPU instructions of a fresh process running ``code`` under valgrind (cachegrind, no cache
    simulation, the hash seed fixed); ``what`` names it if the run fails. Also used by return_forms.py."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(code)
    try:
        run = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                              sys.executable, f.name], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": "0"}, cwd=HERE.parent)
    finally:
        os.unlink(f.name)
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if run.returncode != 0 or not found:
        raise RuntimeError(f"{what} failed under valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def instructions(shape: str, routes: int, name: str, count: int) -> int:
    code = CHILD.format(here=str(HERE), shape=shape, routes=routes, name=name, count=count, made=N + K)
    return counted(code, f"{name} ({shape}, {routes} routes)")


def main() -> None:
    print(f"Lambda events counted: GET /users/42, CPU instructions per invocation (valgrind; Python {sys.version.split()[0]})")
    if shutil.which("valgrind") is None:
        print("  (valgrind is not installed: apt-get install valgrind)")
        return
    print("(1 route, and the last of 200 dynamic routes; the access log on as lambda_events.py runs it)\n")
    print(f"  {'event':<16}{'routes':>7}  {'handler':<28}{'instructions':>14}{'powertools / this':>19}")
    rows = [(shape, routes, name) for routes in (1, 200) for shape in ("REST API (1.0)", "HTTP API (2.0)")
            for name in HANDLERS]
    # One process at a time: two under valgrind side by side now and then count differently (a run
    # of 3 pairs gave one 12% off; the cause was not found), one at a time they repeat exactly.
    per = {row: (instructions(*row, N + K) - instructions(*row, N)) / K for row in rows}
    for shape, routes, name in rows:
        count = per[(shape, routes, name)]
        ratio = per[(shape, routes, "powertools")] / count
        print(f"  {shape:<16}{routes:>7}  {name:<28}{count:>14,.0f}{ratio:>18.1f}x")
    print("\nFastAPI on Lambda counted: lambda_handler(api) against Mangum(api), CPU instructions per invocation\n")
    print(f"  {'event':<16}{'lambda_handler':>16}{'mangum':>12}{'mangum / ours':>16}")
    for shape in ASGI_FIXTURES:
        each = {name: (asgi_instructions(shape, name, AN + AK) - asgi_instructions(shape, name, AN)) / AK
                for name in ("lambda_handler", "mangum")}
        print(f"  {shape:<16}{each['lambda_handler']:>16,.0f}{each['mangum']:>12,.0f}"
              f"{each['mangum'] / each['lambda_handler']:>15.2f}x")


if __name__ == "__main__":
    main()
