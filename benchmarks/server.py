"""Real servers, side by side: the same small app in each framework, on each server and interface it
supports — granian WSGI / ASGI / RSGI, uvicorn (ASGI), gunicorn gthread (WSGI) — one worker each, on
127.0.0.1, under wrk bounded in time; plus a bare callable answering the same bytes on each server
and interface (the server's own limit).

Rows: static (``/hello``), int param (``/users/42``), JSON (``/json``), 404, and the 203-route GitHub
API app hit with distinct paths (a wrk script cycles through 4,000 of them; manypaths, Falcon and
Starlette have that app). Every app on one server is started at once (one server process each; the
ones not under load sit idle), and each row is measured in rounds: every app takes one 2-second run
per round, in an order that rotates, so the runs compared are seconds apart. This VM's host has slow
stretches that last minutes (single runs vary ±25%; a whole-table pass with each framework measured
minutes apart from its peers put the same bare callable 20% apart on two rows): the median req/s and
the range over rounds are reported, and the ratios (to manypaths, to the bare callable) are the
median of the ratios within a round. Each row reports p50/p99 latency and the worker's RSS after
every row was served (server process and its children). Every row is measured after one second of
the same load, not counted (``warm_up``). Every row must have zero socket errors and the right
status (200, or 404 on the 404 row). Frameworks that do not install are named and left out (muxy is
not on the package index).

    make bench-server        (or: .venv/bin/python benchmarks/server.py [--quick] [--rounds N] [--duration S]
                              [--servers "granian rsgi,uvicorn"] [--frameworks manypaths,emmett55,bare]
                              [--no-pin])

Where the machine has two CPUs or more, the server runs on one and wrk on another (``--no-pin``: not).

``--servers`` and ``--frameworks`` measure some rows again without the whole table (a comma-separated
list of the names the table shows). ``--frameworks manypaths,bare,busy`` adds the calibration: the bare
callable after a busy wait of ``BUSY_US`` microseconds (2 unless set in the environment), what that much
Python work of any kind costs on each server; ``scoped`` (granian RSGI only) the bare callable after
reading every field of the RSGI scope a WSGI environ is made of, which granian makes when it is read.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
QUICK = "--quick" in sys.argv


def _arg(name: str, default: float) -> float:
    if name in sys.argv:
        return float(sys.argv[sys.argv.index(name) + 1])
    return default


def _names(name: str) -> set[str] | None:
    if name in sys.argv:
        return {part.strip() for part in sys.argv[sys.argv.index(name) + 1].split(",") if part.strip()}
    return None


ROUNDS = int(_arg("--rounds", 1 if QUICK else 7))
DURATION = int(_arg("--duration", 2))
CONNECTIONS = 16
ROWS = {"static": "/hello", "int param": "/users/42", "JSON": "/json", "404": "/nowhere/at/all",
        "GitHub 203 routes": None}

# (framework, server): the app attribute in server_apps for that server's interface.
SERVERS = {
    "gunicorn gthread": "wsgi", "granian wsgi": "wsgi", "granian asgi": "asgi", "granian rsgi": "rsgi",
    "uvicorn": "asgi",
}
# Pairs that do not serve: Emmett55 is made for granian (under uvicorn it answers nothing).
UNSUPPORTED = {("emmett55", "uvicorn")}
FRAMEWORKS = ["manypaths", "falcon", "flask", "starlette", "fastapi", "litestar", "blacksheep", "emmett55", "bare",
              "busy", "scoped"]
# Measured only when named: the calibration (server_apps: the bare callable plus BUSY_US of busy work;
# the bare RSGI callable reading the whole scope).
OPT_IN = {"busy", "scoped"}
# Not peers: the server's limit and the calibration.
YARDSTICKS = {"bare", "busy", "scoped"}


def command(server: str, target: str, port: int) -> list[str]:
    if server == "gunicorn gthread":
        return [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                "--log-level", "warning", "--chdir", str(HERE), f"server_apps:{target}", "--bind",
                f"127.0.0.1:{port}"]
    if server.startswith("granian"):
        return [str(BIN / "granian"), "--interface", server.split()[1], "--workers", "1", "--log-level", "warning",
                "--working-dir", str(HERE), "--host", "127.0.0.1", "--port", str(port), f"server_apps:{target}"]
    return [str(BIN / "uvicorn"), "--no-access-log", "--log-level", "warning", "--app-dir", str(HERE),
            "--host", "127.0.0.1", "--port", str(port), f"server_apps:{target}"]


def configurations() -> tuple[list[tuple[str, str, str]], list[str]]:
    """(framework, server, app attribute) for every pair that exists; and what is missing, said once."""
    sys.path.insert(0, str(HERE))
    import server_apps

    found, missing = [], []
    servers, frameworks = _names("--servers"), _names("--frameworks")
    unknown = (servers or set()) - set(SERVERS) | (frameworks or set()) - set(FRAMEWORKS)
    if unknown:
        raise SystemExit(f"unknown server or framework {sorted(unknown)}; servers: {list(SERVERS)}, "
                         f"frameworks: {FRAMEWORKS}")
    for framework in FRAMEWORKS:
        if (framework not in frameworks) if frameworks is not None else framework in OPT_IN:
            continue
        for server, interface in SERVERS.items():
            if servers is not None and server not in servers:
                continue
            target = f"{framework}_{interface}"
            if getattr(server_apps, target, None) is not None and (framework, server) not in UNSUPPORTED:
                found.append((framework, server, target))
        if framework not in OPT_IN and all(getattr(server_apps, f"{framework}_{interface}", None) is None
                                           for interface in set(SERVERS.values())):
            missing.append(framework)
    return found, missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The server (its worker processes and threads inherit it) on one CPU, wrk on another, where the
# machine has two or more: on a 2-core machine the two otherwise fight over both cores and the
# scheduler moves them, which put single rows at ±25% and some at half speed. --no-pin: unpinned.
_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
PIN = len(_CPUS) >= 2 and "--no-pin" not in sys.argv
SERVER_CPUS, WRK_CPUS = ({_CPUS[0]}, {_CPUS[1]}) if PIN else (set(), set())


def _pinned(cpus: set[int]) -> Any:
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def start(cmd: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_pinned(SERVER_CPUS))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited: {proc.stderr.read().decode()[-800:] if proc.stderr else ''}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/hello")
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{' '.join(cmd[:3])} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, 15)
    except ProcessLookupError:
        return
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(10)


def rss_mib(pid: int) -> float:
    # The server process and its children (granian's and gunicorn's workers).
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def status_of(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def github_script(folder: Path) -> Path:
    routes = [line.split() for line in (HERE / "routesets" / "github_api_werkzeug.txt").read_text().splitlines()
              if line.strip()]
    gets = [template for method, template in routes if method == "GET"]
    paths = [re.sub(r"<[^>]+>", f"v{k}", gets[k % len(gets)]) for k in range(4000)]
    script = folder / "github.lua"
    script.write_text("paths = {" + ",".join(f'"{p}"' for p in paths) + "}\ncounter = 0\n"
                      "request = function()\n  counter = counter + 1\n"
                      "  return wrk.format(\"GET\", paths[(counter % #paths) + 1])\nend\n")
    return script


def warm_up(port: int, path: str, script: Path | None) -> None:
    """One second of the row's load, not measured: a fresh server's first requests pay start-up
    work (the first full garbage collection of the start-up heap, 50-80 ms here; manypaths builds
    its compiled matcher after its first 16 requests; the server's own start-up), which put p99 at
    15-110 ms in some runs and at 3 ms in others (measured with a wrk percentile script and a GC
    callback in the worker). Cold start has its own benchmark; these rows measure the steady state,
    every framework alike."""
    subprocess.run(_wrk_command(port, path, script, 1), capture_output=True, check=True,
                   preexec_fn=_pinned(WRK_CPUS))


def _wrk_command(port: int, path: str | None, script: Path | None, seconds: int) -> list[str]:
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    return [*args, f"http://127.0.0.1:{port}{path or '/'}"]


def wrk(port: int, path: str | None, script: Path | None, expect_404: bool) -> dict[str, float]:
    out = subprocess.run(_wrk_command(port, path, script, DURATION), capture_output=True, text=True,
                         check=True, preexec_fn=_pinned(WRK_CPUS)).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m is None:
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = int(non2xx.group(1)) if non2xx else 0
    if expect_404:  # every answer must be the 404
        bad = (int(total.group(1)) if total else 0) - bad
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": ms("50"), "p99": ms("99"), "errors": errors + bad}


def main() -> None:
    if not shutil.which("wrk"):
        print("make bench-server needs wrk (Debian: apt-get install wrk); nothing measured")
        return
    configs, missing = configurations()
    print(f"Real servers, one worker each, 127.0.0.1; wrk -t1 -c{CONNECTIONS}, {DURATION} s per run, "
          f"{ROUNDS} interleaved round(s) (Python {sys.version.split()[0]})")
    print("  req/s: median [min–max] over rounds; × manypaths and % of bare: median of the ratios to the run"
          " made beside it in the same round;")
    print("  its spread: the middle half of those ratios (25th–75th percentile), how far one round is from the next")
    if PIN:
        print(f"  the server on CPU {min(SERVER_CPUS)}, wrk on CPU {min(WRK_CPUS)}")
    if missing:
        print(f"  not installed, left out: {', '.join(missing)}; muxy is not on the package index")
    results: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    memory: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as folder:
        script = github_script(Path(folder))
        for server in SERVERS:
            group = [(framework, target) for framework, s, target in configs if s == server]
            if group:
                _measure_server(server, group, script, results, memory)
    for row in ROWS:
        print(f"\n{row}")
        print(f"  {'server':<18}{'framework':<12}{'req/s':>9}{'range':>17}{'p50 ms':>8}{'p99 ms':>8}"
              f"{'× manypaths':>12}{'% of bare':>10}{'spread':>10}{'RSS MiB':>9}{'errors':>8}")
        for server in SERVERS:
            here = {fw: runs for (r, s, fw), runs in results.items() if r == row and s == server}
            if not here:
                continue
            med = {fw: statistics.median(x["rps"] for x in runs) for fw, runs in here.items()}
            ours, bare = here.get("manypaths"), here.get("bare")
            for fw, runs in sorted(here.items(), key=lambda item: -med[item[0]]):
                rps = [x["rps"] for x in runs]
                p50 = statistics.median(x["p50"] for x in runs)
                p99 = statistics.median(x["p99"] for x in runs)
                ratio = f"{_paired(runs, ours):.2f}" if ours else "—"
                of_bare = f"{_paired(runs, bare) * 100:.0f}%" if bare else "—"
                low, high = _spread(runs, bare) if bare and fw != "bare" else (0.0, 0.0)
                spread = f"{low * 100:.0f}–{high * 100:.0f}" if high else "—"
                errors = int(sum(x["errors"] for x in runs))  # a peer's socket errors are shown, not hidden
                print(f"  {server:<18}{fw:<12}{med[fw]:>9,.0f}{f'{min(rps):,.0f}–{max(rps):,.0f}':>17}{p50:>8.2f}"
                      f"{p99:>8.2f}{ratio:>12}{of_bare:>10}{spread:>10}{memory.get((server, fw), 0.0):>9.1f}"
                      f"{errors:>8}")
    _summary(results)


def _summary(results: dict[tuple[str, str, str], list[dict[str, float]]]) -> None:
    # The goals in one place: manypaths ahead of every peer on the same server (median of the paired
    # ratios), and at >= 90% of the bare callable; a row whose spread reaches 90% is told apart from
    # one that is below it in most rounds.
    ahead = rows = reach = at_90 = compared = 0
    behind: list[str] = []
    for (row, server, fw), ours in results.items():
        if fw != "manypaths":
            continue
        peers = {f: runs for (r, s, f), runs in results.items()
                 if r == row and s == server and f != fw and f not in YARDSTICKS}
        if peers:
            rows += 1
            best = max(peers, key=lambda f: _paired(peers[f], ours))
            if _paired(peers[best], ours) < 1:
                ahead += 1
            else:
                behind.append(f"{row} on {server} ({best} {_paired(peers[best], ours):.2f}×)")
        bare = results.get((row, server, "bare"))
        if bare:
            compared += 1
            at_90 += _paired(ours, bare) >= 0.9
            reach += _spread(ours, bare)[1] >= 0.9
    print(f"\nmanypaths ahead of every peer on the same server: {ahead} of {rows} rows"
          + (f"; not: {', '.join(behind)}" if behind else ""))
    print(f"manypaths at >= 90% of the bare callable: {at_90} of {compared} rows in the median, "
          f"{reach} of {compared} within the spread")


def _spread(runs: list[dict[str, float]], against: list[dict[str, float]]) -> tuple[float, float]:
    # The middle half (25th and 75th percentiles) of the paired ratios that _paired takes the median of.
    ratios = [run["rps"] / other["rps"] for run, other in zip(runs, against, strict=True)]
    if len(ratios) < 2:
        return ratios[0], ratios[0]
    quartiles = statistics.quantiles(ratios, n=4, method="inclusive")
    return quartiles[0], quartiles[2]


def _paired(runs: list[dict[str, float]], against: list[dict[str, float]]) -> float:
    # The median over rounds of this run's req/s over the other's in the same round: the two ran
    # seconds apart, so a slow stretch of the host (this VM's come and go for minutes) weighs on both.
    return statistics.median(run["rps"] / other["rps"] for run, other in zip(runs, against, strict=True))


def _measure_server(server: str, group: list[tuple[str, str]], script: Path,
                    results: dict[tuple[str, str, str], list[dict[str, float]]],
                    memory: dict[tuple[str, str], float]) -> None:
    """Every framework's app on ``server`` started at once (those not under load are idle), then each
    row: one warm-up per app, and ``ROUNDS`` rounds in which every app takes one run in turn (the
    order rotates each round). Peers' runs on a row are seconds apart, not minutes."""
    import server_apps

    apps: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    github: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for framework, target in group:
            port = free_port()
            apps[framework] = (start(command(server, target, port), port), port)
            name = f"{framework}_github_{target.rsplit('_', 1)[1]}"
            if getattr(server_apps, name, None) is not None:
                port = free_port()
                github[framework] = (start(command(server, name, port), port), port)
                assert status_of(port, "/users/octocat/repos") == 200, (framework, server)
        for row, path in ROWS.items():
            serving = github if path is None else apps
            members = [framework for framework, _ in group if framework in serving]
            for framework in members:
                port = serving[framework][1]
                if path is not None:
                    expected = 404 if row == "404" else 200
                    assert status_of(port, path) == expected, (framework, server, row)
                warm_up(port, path or "/", script if path is None else None)
            for turn in range(ROUNDS):
                shift = turn % len(members)
                for framework in members[shift:] + members[:shift]:
                    port = serving[framework][1]
                    found = wrk(port, path or "/", script if path is None else None, row == "404")
                    if found["errors"] and (framework == "manypaths" or framework in YARDSTICKS):
                        raise RuntimeError(f"{framework} on {server}, {row}: {int(found['errors'])} errors")
                    results.setdefault((row, server, framework), []).append(found)
        for framework, (proc, _) in apps.items():
            memory[(server, framework)] = rss_mib(proc.pid)
    finally:
        for proc, _ in [*apps.values(), *github.values()]:
            stop(proc)


if __name__ == "__main__":
    main()
