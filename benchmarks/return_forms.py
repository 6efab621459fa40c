"""Every common return form of a view against the plain ``str`` return, in-process WSGI.

str, bytes, dict, list, ``(body, status)``, ``(body, status, headers)``, ``(body, headers)`` and a
Response object, each on its own static route; µs per request (best of passes, forms interleaved)
and the ratio to the str row. The goal (issue 26): every form within 10% of str. Where valgrind is
installed, each form is also counted in CPU instructions per request (cachegrind, no cache
simulation: a fresh process run for N and N + K requests, the difference over K), which holds on
a machine where timings swing by a third from one minute to the next.

    make bench-forms        (or: .venv/bin/python benchmarks/return_forms.py [--quick])
"""

from __future__ import annotations

import io
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
sys.path.insert(0, str(HERE.parent / "src"))


def app() -> Any:
    from manypaths import App, Response

    app = App("forms")
    forms: dict[str, Any] = {
        "str": lambda: "Hello, World!",
        "bytes": lambda: b"Hello, World!",
        "dict": lambda: {"message": "Hello, World!"},
        "list": lambda: ["Hello", "World"],
        "(body, status)": lambda: ("Hello, World!", 201),
        "(body, status, headers)": lambda: ("Hello, World!", 201, {"X-Id": "7"}),
        "(body, headers)": lambda: ("Hello, World!", {"X-Id": "7"}),
        "Response object": lambda: Response("Hello, World!"),
    }
    for i, view in enumerate(forms.values()):
        app.add_url_rule(f"/form{i}", f"form{i}", view)
    return app, list(forms)


COUNT_CHILD = r"""
import io, sys
sys.path.insert(0, {here!r})
from return_forms import app
application, names = app()
environ = dict(PATH_INFO="/form{index}", REQUEST_METHOD="GET", SERVER_NAME="h", SERVER_PORT="80",
               SERVER_PROTOCOL="HTTP/1.1", QUERY_STRING="", SCRIPT_NAME="", HTTP_HOST="h")
environ["wsgi.url_scheme"], environ["wsgi.input"] = "http", io.BytesIO()
def start_response(status, headers, exc_info=None):
    pass
for _ in range(50):
    b"".join(application(environ, start_response))
import gc
gc.collect()
gc.freeze()
for _ in range({count}):
    b"".join(application(environ, start_response))
"""


def counted(index: int, count: int) -> int:
    """Instructions of a process serving form ``index`` ``count`` times (valgrind)."""
    from instructions import counted as run_counted  # this directory is on sys.path (a script's)

    return run_counted(COUNT_CHILD.format(here=str(HERE), index=index, count=count), f"form {index}")


def count_forms(names: list[str]) -> None:
    print("\n  Counted: CPU instructions per request (valgrind; the same forms)")
    if shutil.which("valgrind") is None:
        print("  (valgrind is not installed: apt-get install valgrind)")
        return
    n, k = (100, 500) if QUICK else (200, 2000)
    # One process at a time, as instructions.py runs them (side by side they sometimes count differently).
    per = [(counted(i, n + k) - counted(i, n)) / k for i in range(len(names))]
    print(f"  {'form':<26}{'instructions':>13}{'/ str':>9}")
    for name, count in zip(names, per):
        print(f"  {name:<26}{count:>13,.0f}{count / per[0]:>9.2f}")


def main() -> None:
    application, names = app()
    base = {"REQUEST_METHOD": "GET", "SERVER_NAME": "h", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "QUERY_STRING": "", "SCRIPT_NAME": "",
            "HTTP_HOST": "h"}
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    environs = [dict(base, PATH_INFO=f"/form{i}") for i in range(len(names))]
    for environ in environs:  # each answers, and as expected
        body = b"".join(application(environ, start_response))
        assert statuses[-1][:3] in ("200", "201") and body, (environ["PATH_INFO"], statuses[-1], body)
    n = 3000 if QUICK else 20000
    best = [float("inf")] * len(names)
    for _ in range(3 if QUICK else 9):
        for i, environ in enumerate(environs):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                b"".join(application(environ, start_response))
            best[i] = min(best[i], (time.perf_counter_ns() - t0) / n / 1000)
            statuses.clear()
    print(f"Return forms, in-process WSGI, µs per request (Python {sys.version.split()[0]})\n")
    print(f"  {'form':<26}{'µs':>8}{'/ str':>9}")
    for name, t in zip(names, best):
        print(f"  {name:<26}{t:>8.2f}{t / best[0]:>9.2f}")
    # dict and list do work str does not: the JSON text itself (Flask's encoding: sorted, compact,
    # ASCII; the App's writer, compiled where built). What the return form costs beyond that
    # encoding is the row minus it.
    from manypaths.http.response import json_bytes_encoder

    encode = json_bytes_encoder()
    encodes = {"dict": {"message": "Hello, World!"}, "list": ["Hello", "World"]}
    print(f"\n  JSON rows without the encoding itself ({type(encode).__name__}, json_bytes' writer, timed alone):")
    for name, value in encodes.items():
        cost = float("inf")
        for _ in range(3 if QUICK else 9):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                encode(value)
            cost = min(cost, (time.perf_counter_ns() - t0) / n / 1000)
        rest = best[names.index(name)] - cost
        print(f"  {name:<26}{rest:>8.2f}{rest / best[0]:>9.2f}   (encoding {cost:.2f} µs)")
    count_forms(names)


if __name__ == "__main__":
    main()
