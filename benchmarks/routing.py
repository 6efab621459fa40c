"""Route-system benchmark: manypaths against werkzeug, Falcon, http-router (Cython), routrie (Rust),
sanic-routing, Starlette, bottle.

"manypaths" is the build installed here (compiled when its C matcher is built, see the header line);
"manypaths (pure)" is the same package with the compiled matcher turned off, in the same run.

Every peer is checked to return the right handler before it is timed; times are the best of
several passes, in ns per operation, with the ratio to manypaths measured in the same run.

    make bench-routing          (or: .venv/bin/python benchmarks/routing.py [--quick])
"""

from __future__ import annotations

import gc
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
VALUES = {"owner": "julienschmidt", "repo": "httprouter", "user": "gopher", "org": "golang", "id": "42"}


def load(name: str) -> list[tuple[str, str]]:
    routes = []
    for line in (HERE / "routesets" / f"{name}_werkzeug.txt").read_text().splitlines():
        if line.strip():
            method, path = line.split()
            routes.append((method, path))
    return routes


def concrete(template: str) -> str:
    return re.sub(r"<([^>]+)>", lambda m: VALUES.get(m.group(1), f"v{m.group(1)}"), template)


def concrete_n(template: str, k: int) -> str:
    """The template with values of request ``k``: a different path for every k."""
    return re.sub(r"<([^>]+)>", lambda m: f"{VALUES.get(m.group(1), 'v' + m.group(1))}{k}", template)


# -- the routers under test: each is built from [(method, template)] and answers (path, method) ---


class Subject:
    name = ""

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        self.handlers: dict[str, str] = {}  # template -> handler id (the template itself)

    def matcher(self) -> Callable[[str, str], Any]:
        raise NotImplementedError

    def handler_of(self, result: Any) -> str:
        return str(result)


class ManyPaths(Subject):
    name = "manypaths"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        from manypaths.routing import Map, Rule

        self.map = Map([Rule(t, endpoint=t, methods=[m]) for m, t in routes])

    def matcher(self) -> Callable[[str, str], Any]:
        from manypaths.routing import RoutingError

        self.map.fast_after = 0  # as after a map's first 16 requests: the compiled matcher at once
        try:
            self.map.match("/")  # prepares the map: the compiled build installs its match then
        except RoutingError:
            pass
        match = self.map.match

        def guarded(path: str, method: str) -> Any:
            try:
                return match(path, method)
            except RoutingError as e:
                return e

        # Hits are timed on the bare method; misses pay the exception, as a caller does.
        guarded.bare = match  # type: ignore[attr-defined]
        return guarded

    def handler_of(self, result: Any) -> str:
        return str(result[0])


class ManyPathsPure(ManyPaths):
    name = "manypaths (pure)"

    def matcher(self) -> Callable[[str, str], Any]:
        from manypaths.routing.compiler import use_compiled

        use_compiled(False)  # this map is prepared without the compiled matcher
        try:
            return super().matcher()
        finally:
            use_compiled(True)


class HttpRouter(Subject):
    name = "http-router"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        from http_router import Router

        self.router = Router()
        for m, t in routes:
            self.router.route(re.sub(r"<([^>]+)>", r"{\1}", t), methods=[m])(_responder(t))

    def matcher(self) -> Callable[[str, str], Any]:
        from http_router.exceptions import RouterError

        router = self.router

        def guarded(path: str, method: str) -> Any:
            try:
                return router(path, method)
            except RouterError as e:  # NotFoundError, InvalidMethodError
                return e

        guarded.bare = router  # type: ignore[attr-defined]
        return guarded

    def handler_of(self, result: Any) -> str:
        return str(result.target())


class Routrie(Subject):
    name = "routrie"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        import routrie

        by_template: dict[str, dict[str, Any]] = {}
        for m, t in routes:
            by_template.setdefault(re.sub(r"<([^>]+)>", r":\1", t), {})[m] = _responder(t)
        self.router = routrie.Router(by_template)

    def matcher(self) -> Callable[[str, str], Any]:
        find = self.router.find

        def match(path: str, method: str) -> Any:
            # routrie matches paths only: the method is a dict lookup here, the params a dict.
            found = find(path)
            if found is None:
                return None
            return found[0].get(method), dict(found[1])

        return match

    def handler_of(self, result: Any) -> str:
        return str(result[0]())


class Werkzeug(Subject):
    name = "werkzeug"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        from werkzeug.routing import Map, Rule

        self.adapter = Map([Rule(t, endpoint=t, methods=[m]) for m, t in routes]).bind("localhost")

    def matcher(self) -> Callable[[str, str], Any]:
        from werkzeug.exceptions import HTTPException

        match = self.adapter.match

        def guarded(path: str, method: str) -> Any:
            try:
                return match(path, method)
            except HTTPException as e:
                return e

        guarded.bare = match  # type: ignore[attr-defined]
        return guarded

    def handler_of(self, result: Any) -> str:
        return str(result[0])


class Falcon(Subject):
    name = "falcon"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        from falcon.routing import CompiledRouter

        by_template: dict[str, list[str]] = {}
        for m, t in routes:
            by_template.setdefault(t, []).append(m)
        self.router = CompiledRouter()
        for t, methods in by_template.items():
            attrs = {f"on_{m.lower()}": _responder(t) for m in methods}
            attrs["template"] = t
            resource = type("R", (), attrs)()
            self.router.add_route(re.sub(r"<([^>]+)>", r"{\1}", t), resource)
        self.router.find("/")  # compile now, not in the first timed pass

    def matcher(self) -> Callable[[str, str], Any]:
        find = self.router.find

        def match(path: str, method: str) -> Any:
            found = find(path)
            if found is None:
                return None
            return found[1].get(method), found[2]

        return match

    def handler_of(self, result: Any) -> str:
        return str(result[0]())


def _responder(template: str) -> Callable[..., str]:
    return lambda *a, **k: template


class Sanic(Subject):
    name = "sanic-routing"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        from sanic_routing import BaseRouter

        class Router(BaseRouter):
            def get(self, path: str, method: str, extra: Any = None) -> Any:
                return self.resolve(path=path, method=method, extra=extra)

        self.router = Router()
        for m, t in routes:
            self.router.add(t, (lambda t=t: t), methods=[m])
        self.router.finalize()

    def matcher(self) -> Callable[[str, str], Any]:
        get = self.router.get

        def match(path: str, method: str) -> Any:
            try:
                return get(path, method)
            except Exception as e:  # sanic's NotFound / NoMethod
                return e

        return match

    def handler_of(self, result: Any) -> str:
        return str(result[1]())


class Starlette(Subject):
    name = "starlette"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        from starlette.routing import Route

        def endpoint(request: Any) -> None:
            return None

        self.routes = [
            Route(re.sub(r"<([^>]+)>", r"{\1}", t), endpoint, methods=[m], name=t) for m, t in routes
        ]

    def matcher(self) -> Callable[[str, str], Any]:
        from starlette.routing import Match

        routes, full = self.routes, Match.FULL

        def match(path: str, method: str) -> Any:
            # What starlette.routing.Router does per request: a linear scan.
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            partial = None
            for route in routes:
                m, child = route.matches(scope)
                if m is full:
                    return route.name, child
                if m is not Match.NONE and partial is None:
                    partial = route
            return partial

        return match

    def handler_of(self, result: Any) -> str:
        return str(result[0])


class Bottle(Subject):
    name = "bottle"

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        import bottle

        self.router = bottle.Router()
        for m, t in routes:
            self.router.add(t, m, t)

    def matcher(self) -> Callable[[str, str], Any]:
        match_environ = self.router.match

        def match(path: str, method: str) -> Any:
            try:
                return match_environ({"PATH_INFO": path, "REQUEST_METHOD": method})
            except Exception as e:  # bottle.HTTPError 404/405
                return e

        return match

    def handler_of(self, result: Any) -> str:
        return str(result[0])


SUBJECTS: list[type[Subject]] = [ManyPaths, ManyPathsPure, Werkzeug, Falcon, HttpRouter, Routrie, Sanic, Starlette,
                                 Bottle]


def best_ns(fn: Callable[[], None], ops: int, passes: int = 0) -> float:
    """Best time of several passes, in ns per operation."""
    passes = passes or (3 if QUICK else 7)
    best = float("inf")
    fn()  # warm up
    gc.disable()
    try:
        for _ in range(passes):
            t0 = time.perf_counter_ns()
            fn()
            best = min(best, time.perf_counter_ns() - t0)
    finally:
        gc.enable()
    return best / ops


def time_requests(matcher: Callable[[str, str], Any], requests: list[tuple[str, str]], loops: int,
                  *, hits: bool = True, passes: int = 0) -> float:
    batch = requests * loops
    if hits:
        matcher = getattr(matcher, "bare", matcher)

    def run() -> None:
        for path, method in batch:
            matcher(path, method)

    return best_ns(run, len(batch), passes)


def time_fresh(matcher: Callable[[str, str], Any], batches: list[list[tuple[str, str]]], *,
               hits: bool = True) -> float:
    """As time_requests, but every pass requests its own batch of paths (the first warms up)."""
    if hits:
        matcher = getattr(matcher, "bare", matcher)
    todo = iter(batches)

    def run() -> None:
        for path, method in next(todo):
            matcher(path, method)

    return best_ns(run, len(batches[0]), len(batches) - 1)


def table(title: str, rows: dict[str, float | None], unit: str = "ns") -> None:
    base = rows.get("manypaths")
    print(f"\n{title}")
    print(f"  {'router':<16}{unit:>12}{'× manypaths':>14}")
    for name, value in rows.items():
        if value is None:
            print(f"  {name:<16}{'n/a':>12}")
            continue
        ratio = f"{value / base:.2f}" if base else "-"
        print(f"  {name:<16}{value:>12,.0f}{ratio:>14}")


def main() -> None:
    github = load("github_api")
    static = load("static")
    loops = 3 if QUICK else 20
    hits = [(concrete(t), m) for m, t in github]
    static_hits = [(t, m) for m, t in static]
    from manypaths.routing.compiler import compiled_core

    build = "compiled C matcher" if compiled_core() is not None else "pure Python (no compiled matcher built)"
    print(f"manypaths routing benchmark (Python {sys.version.split()[0]}; manypaths: {build}; best of passes)")

    subjects = {cls.name: cls(github) for cls in SUBJECTS}
    static_subjects = {cls.name: cls(static) for cls in SUBJECTS}
    for name, subject in subjects.items():  # the right handler for every route, before timing
        matcher = subject.matcher()
        for (method, template), (path, _) in zip(github, hits):
            got = subject.handler_of(matcher(path, method))
            assert got == template, f"{name}: {method} {path} -> {got}, expected {template}"

    d = {t: t for _, t in static}
    get = d.get

    def dict_get() -> None:
        for path, _ in static_hits * loops:
            get(path)

    rows: dict[str, float | None] = {n: time_requests(s.matcher(), hits, loops) for n, s in subjects.items()}
    table(f"GitHub API: {len(hits)} routes, each requested once per pass (ns per match)", rows)
    # The same routes with values that differ on every request (ids, names): no match cache can
    # help (manypaths and http-router remember answers by path), every request is a full walk.
    passes = 3 if QUICK else 7
    distinct = [[(concrete_n(t, k), m) for k in range(p * loops, (p + 1) * loops) for m, t in github]
                for p in range(passes + 1)]
    rows = {n: time_fresh(s.matcher(), distinct) for n, s in subjects.items()}
    table(f"GitHub API, distinct values: every request a path not seen before ({len(distinct[0])} per pass; "
          "ns per match)", rows)
    rows = {n: time_requests(s.matcher(), static_hits, loops) for n, s in static_subjects.items()}
    rows["dict.get(path)"] = best_ns(dict_get, len(static_hits) * loops)
    table(f"Static set: {len(static_hits)} routes (ns per match)", rows)

    misses = {
        "404 shallow": [("/nothing-here", "GET")],
        "404 deep": [("/repos/julienschmidt/httprouter/stargazers/extra/deep", "GET")],
        "405": [("/repos/julienschmidt/httprouter/stargazers", "DELETE")],
    }
    for label, reqs in misses.items():
        miss_loops = 200 if QUICK else 2000
        rows = {n: time_requests(s.matcher(), reqs, miss_loops, hits=False) for n, s in subjects.items()}
        table(f"{label}: {reqs[0][1]} {reqs[0][0]} (ns per match)", rows)
    # A scanner: a different missing path on every request.
    size = 2000 if QUICK else 10000
    scan = [[(f"/repos/julienschmidt/httprouter/stargazers/x{k}", "GET") for k in range(p * size, (p + 1) * size)]
            for p in range(passes + 1)]
    rows = {n: time_fresh(s.matcher(), scan, hits=False) for n, s in subjects.items()}
    table("404, distinct paths: every request a missing path not seen before (a scanner; ns per match)", rows)

    # URL building: every GitHub route with its values.
    from werkzeug.routing import Map as WMap
    from werkzeug.routing import Rule as WRule

    wadapter = WMap([WRule(t, endpoint=t, methods=[m]) for m, t in github]).bind("localhost")
    ours = subjects["manypaths"].map  # type: ignore[attr-defined]
    builds = [(t, {n: VALUES.get(n, f"v{n}") for n in re.findall(r"<([^>]+)>", t)}) for _, t in github]
    for endpoint, values in builds:
        assert ours.build(endpoint, values) == wadapter.build(endpoint, values)

    def build_ours() -> None:
        b = ours.build
        for e, v in builds * loops:
            b(e, v)

    def build_werkzeug() -> None:
        b = wadapter.build
        for e, v in builds * loops:
            b(e, v)

    table("URL build: every GitHub route (ns per build)", {
        "manypaths": best_ns(build_ours, len(builds) * loops),
        "werkzeug": best_ns(build_werkzeug, len(builds) * loops),
    })

    def construct(cls: type[Subject], first_match: bool) -> Callable[[], None]:
        def run() -> None:
            s = cls(github)
            if first_match:
                s.matcher()("/repos/julienschmidt/httprouter/stargazers", "GET")
        return run

    table("Map build: the 203 GitHub routes (µs; manypaths sorts and indexes lazily at the first match)", {
        "manypaths": best_ns(construct(ManyPaths, False), 1) / 1000,
        "manypaths+1st": best_ns(construct(ManyPaths, True), 1) / 1000,
        "werkzeug": best_ns(construct(Werkzeug, False), 1) / 1000,
        "werkzeug+1st": best_ns(construct(Werkzeug, True), 1) / 1000,
        "falcon+1st": best_ns(construct(Falcon, True), 1) / 1000,
        "sanic-routing": best_ns(construct(Sanic, True), 1) / 1000,
    }, unit="µs")

    print("\nGrowth: the last-added of N generated routes /api/v<i%10>/res<i>/<id>/items (ns per match)")
    sizes = [10, 100, 1000] if QUICK else [10, 100, 1000, 10000]
    print(f"  {'router':<24}" + "".join(f"{n:>10,}" for n in sizes) + f"{'last/first':>12}")
    # "new path each": the same route with a different id on every request (no answer remembered:
    # the walk itself), for the routers whose walk does not scan every route.
    for cls, fresh in [(ManyPaths, False), (ManyPaths, True), (ManyPathsPure, False), (Werkzeug, False),
                       (Falcon, False), (Falcon, True), (HttpRouter, False), (Routrie, False), (Sanic, False),
                       (Bottle, False), (Starlette, False)]:
        # Starlette scans its routes linearly: 10,000 regexes per request are left out.
        sizes_here = sizes[:-1] if cls is Starlette and not QUICK else sizes
        cells = []
        for n in sizes_here:
            routes = [("GET", f"/api/v{i % 10}/res{i}/<id>/items") for i in range(n)]
            s = cls(routes)
            path = concrete(routes[-1][1])
            assert s.handler_of(s.matcher()(path, "GET")) == routes[-1][1], cls.name
            if fresh:
                passes = 3 if QUICK else 25
                cells.append(time_fresh(s.matcher(), [[(concrete_n(routes[-1][1], p * 300 + k), "GET")
                                                       for k in range(300)] for p in range(passes + 1)]))
                continue
            # One path timed alone is easily disturbed on a shared machine: many short passes.
            cells.append(time_requests(s.matcher(), [(path, "GET")], 300 if not QUICK else 50,
                                       passes=3 if QUICK else 25))
        line = "".join(f"{c:>10,.0f}" for c in cells) + " " * 10 * (len(sizes) - len(cells))
        name = f"{cls.name}, new path each" if fresh else cls.name
        print(f"  {name:<24}{line}{cells[-1] / cells[0]:>12.2f}")


if __name__ == "__main__":
    main()
