"""Run every benchmark and write BENCHMARKS.md: machine, versions, every table, how to reproduce.

    make bench          (or: .venv/bin/python benchmarks/report.py [--quick])
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = [
    ("Routing", "routing.py", "make bench-routing"),
    ("WSGI round trip", "wsgi.py", "make bench-wsgi"),
    ("Return forms", "return_forms.py", "make bench-forms"),
    ("ASGI round trip and ASGI apps on Lambda", "asgi.py", "make bench-asgi"),
    ("Cold start", "coldstart.py", "make bench-coldstart"),
    ("Validation and OpenAPI", "openapi.py", "make bench-openapi"),
    ("CORS and compression", "http_features.py", "make bench-http"),
    ("A real server", "server.py", "make bench-server"),
    ("Lambda events", "lambda_events.py", "make bench-lambda"),
    ("Lambda events, counted in instructions", "instructions.py", "make bench-instructions"),
    ("Event triggers", "events.py", "make bench-events"),
    ("Per-request memory", "memory.py", "make bench-memory"),
]
PEERS = ["werkzeug", "flask", "falcon", "sanic-routing", "starlette", "bottle", "aws-lambda-powertools", "fastapi",
         "litestar", "blacksheep", "mangum", "msgspec", "pydantic", "flask-cors",
         "flask-compress", "http-router", "routrie"]


def _build() -> str:
    from manypaths.cli import _build as build

    return build()


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _kept_sections() -> dict[str, str]:
    # The sections of the BENCHMARKS.md there is, by title (for --only).
    path = HERE.parent / "BENCHMARKS.md"
    if not path.exists():
        return {}
    found: dict[str, str] = {}
    for chunk in path.read_text().split("\n## ")[1:]:
        title = chunk.split("\n", 1)[0]
        found[title] = "## " + chunk.rstrip("\n") + "\n"
    return found


def main() -> None:
    """``report.py [--quick] [--only SCRIPT ...]``: every script, or only the named ones (the other
    sections are kept from the BENCHMARKS.md there is, each saying when it was measured)."""
    quick = [a for a in sys.argv[1:] if a == "--quick"]
    only = {a for a in sys.argv[1:] if a.endswith(".py")} if "--only" in sys.argv else None
    kept = _kept_sections() if only else {}
    sections = []
    for title, script, command in SCRIPTS:
        if only is not None and script not in only and title in kept:
            sections.append(kept[title])
            continue
        print(f"running {script} ...", file=sys.stderr)
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, str(HERE / script), *quick], capture_output=True, text=True, check=True)
        sections.append(f"## {title}\n\n`{command}` ({time.monotonic() - t0:.0f} s, {time.strftime('%Y-%m-%d %H:%M')})"
                        f"\n\n```\n{out.stdout.strip()}\n```\n")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in PEERS)
    text = (
        "# Benchmarks\n\n"
        "Written by `make bench` (`benchmarks/report.py`); each script also runs alone. Every peer is checked to "
        "give the right answer before it is timed; ratios compare frameworks measured in the same run. The "
        "machine is a shared VM whose speed varies run to run: compare ratios, and rerun.\n\n"
        f"- Machine: {os.cpu_count()} cores, {cpu()}, {platform.system()} {platform.release()}\n"
        f"- Python {platform.python_version()} ({platform.python_implementation()})\n"
        f"- manypaths {metadata.version('manypaths')} ({_build()}; the pure build is measured beside it where a "
        f"row says pure); peers: {versions}\n"
        f"- Date: {time.strftime('%Y-%m-%d')}\n\n"
    ) + "\n".join(sections)
    (HERE.parent / "BENCHMARKS.md").write_text(text)
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
