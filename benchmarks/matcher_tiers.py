"""What each tier of the route matcher earns (issue 22): the compiled C walk, the generated Python
matcher (a map's own code after its first 16 matches) and the interpreted walk, on the 203-route
GitHub API set — hits, and requests the C walk hands over (a non-ASCII path: a 404) — in the
compiled and the pure build; and the interpreted recursive walk against its recursion-free twin
(``walk_deep``, which serves rules deeper than Python's recursion limit).

    .venv/bin/python benchmarks/matcher_tiers.py
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any

from manypaths.routing import Map, Rule, matcher
from manypaths.routing import map as map_module
from manypaths.routing.compiler import use_compiled

ROUTES = [line.split() for line in (Path(__file__).parent / "routesets" / "github_api_werkzeug.txt").read_text()
          .splitlines() if line.strip()]


def build(compile_after: int) -> Map:
    m = Map([Rule(rule, endpoint=f"e{i}", methods=[method]) for i, (method, rule) in enumerate(ROUTES)])
    m.compile_after = compile_after
    return m


def requests() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    rnd = random.Random(1)
    hits = [(re.sub(r"<[^>]+>", lambda _: rnd.choice(["abc", "x1", "42"]), rule), method) for method, rule in ROUTES]
    handed_over = [(path.replace("/repos/", "/repös/", 1), method) for path, method in hits[:50]]
    return hits, handed_over


def ns_per_match(m: Map, todo: list[tuple[str, str]], passes: int = 5) -> float:
    def run() -> None:
        for path, method in todo:
            try:
                m.match(path, method)
            except Exception:  # misses are part of the row
                pass
    run()
    run()
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for _ in range(5):
            run()
        best = min(best, (time.perf_counter() - start) / (5 * len(todo)) * 1e9)
    return best


def main() -> None:
    hits, handed_over = requests()
    print("Matcher tiers, ns per match (best of passes)\n")
    print(f"  {'build':9} {'behind the C walk / alone':27} {'GitHub hits':>12} {'non-ASCII 404':>14}")
    for build_name, compiled in (("compiled", True), ("pure", False)):
        use_compiled(compiled)
        for tier, compile_after in (("generated matcher", 16), ("interpreted walk", 10**9)):
            m = build(compile_after)
            print(f"  {build_name:9} {tier:27} {ns_per_match(m, hits):12.0f} {ns_per_match(m, handed_over):14.0f}")
    use_compiled(False)
    recursive = ns_per_match(build(10**9), hits)
    original: Any = map_module.walk
    map_module.walk = matcher.walk_deep  # type: ignore[assignment]
    try:
        deep = ns_per_match(build(10**9), hits)
    finally:
        map_module.walk = original
    use_compiled(True)
    print(f"\n  interpreted walk, GitHub hits: recursive {recursive:.0f} ns, recursion-free twin {deep:.0f} ns "
          f"({deep / recursive:.2f}x)")


if __name__ == "__main__":
    main()
