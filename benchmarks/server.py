"""A real server: gunicorn (gthread, as functions-framework runs in production) on 127.0.0.1,
serving the WSGI benchmark's app for manypaths, Flask and Falcon; and ASGI servers: manypaths on
granian and on uvicorn, FastAPI on uvicorn (the ASGI benchmark's app), under a bounded load.

The load comes from wrk (Debian's package) when it is installed, else from a Python client;
a fixed duration and connection count, on loopback only. Every run must have zero errors.

    make bench-server        (or: .venv/bin/python benchmarks/server.py [--quick] [--python-client])
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
DURATION = 3 if QUICK else 8
CONNECTIONS = 16
PATHS = ["/users/42", "/json"]
BIN = Path(sys.executable).parent


def _gunicorn(name: str) -> list[str]:
    return [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", "8",
            "--log-level", "warning", "--chdir", str(HERE), f"server_apps:{name}_app", "--bind"]


# label -> the server command (the address is appended by start()); one worker process each.
SERVERS: dict[str, list[str]] = {
    "manypaths": _gunicorn("manypaths"),
    "flask": _gunicorn("flask"),
    "falcon": _gunicorn("falcon"),
    "mp granian": [str(BIN / "granian"), "--interface", "asgi", "--workers", "1", "--log-level", "warning",
                   "--working-dir", str(HERE), "server_apps:manypaths_app", "--bind"],
    "mp uvicorn": [str(BIN / "uvicorn"), "--interface", "asgi3", "--no-access-log", "--log-level", "warning",
                   "--app-dir", str(HERE), "server_apps:manypaths_asgi", "--bind"],
    "fastapi uvicorn": [str(BIN / "uvicorn"), "--no-access-log", "--log-level", "warning", "--app-dir", str(HERE),
                        "server_apps:fastapi_app", "--bind"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(name: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = SERVERS[name]
    # gunicorn takes --bind HOST:PORT; uvicorn and granian take --host/--port.
    address = [f"127.0.0.1:{port}"] if "gunicorn" in command[0] else []
    if not address:
        command = [*command[:-1], "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen([*command, *address], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/hello")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server for {name} did not start")


def wrk(port: int, path: str) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m is None:
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": ms("50"), "p90": ms("90"), "p99": ms("99"),
            "errors": errors + (int(non2xx.group(1)) if non2xx else 0)}


def python_client(port: int, path: str) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + DURATION

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - t0) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / DURATION, "p50": q[49], "p90": q[89], "p99": q[98], "errors": errors[0]}


def main() -> None:
    load = wrk if shutil.which("wrk") and "--python-client" not in sys.argv else python_client
    print(f"WSGI: gunicorn gthread (1 worker, 8 threads); ASGI: granian / uvicorn (1 worker); on 127.0.0.1; "
          f"load: {'wrk' if load is wrk else 'Python client'}, {CONNECTIONS} connections, {DURATION} s per row\n")
    print(f"  {'path':<11}{'framework':<17}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'req/s ÷ manypaths':>19}")
    for path in PATHS:
        rows = {}
        for name in SERVERS:
            proc, port = start(name)
            try:
                rows[name] = load(port, path)
            finally:
                proc.terminate()
                proc.wait(10)
            if rows[name]["errors"]:
                raise RuntimeError(f"{name} {path}: {rows[name]['errors']} errors")
        for name, r in rows.items():
            print(f"  {path:<11}{name:<17}{r['rps']:>10,.0f}{r['p50']:>9.2f}{r['p90']:>9.2f}{r['p99']:>9.2f}"
                  f"{int(r['errors']):>8}{r['rps'] / rows['manypaths']['rps']:>19.2f}")


if __name__ == "__main__":
    main()
