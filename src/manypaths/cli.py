"""The ``manypaths`` command: ``routes APP``, ``serve APP``, ``invoke APP --event FILE``."""

from __future__ import annotations

import sys

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any



def load_app(spec: str) -> Any:
    """Import ``module:attribute`` (the current directory is importable)."""
    import importlib
    import os

    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise SystemExit(f"manypaths: APP must be 'module:attribute' (like 'examples.api.app:app'), not {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise SystemExit(f"manypaths: cannot import {module_name!r}: {e}") from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise SystemExit(f"manypaths: module {module_name!r} has no attribute {attribute!r}") from None


def routes_table(app: Any) -> str:
    """A table of endpoint, methods and rule, like ``flask routes``."""
    rows = [("Endpoint", "Methods", "Rule")]
    for rule in sorted(app.url_map, key=lambda r: str(r.endpoint)):
        methods = ", ".join(sorted((rule.methods or {"*"}) - {"HEAD", "OPTIONS"}))
        rows.append((str(rule.endpoint), methods, rule.rule))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    import argparse

    parser = argparse.ArgumentParser(prog="manypaths", description="One function, many paths.")
    commands = parser.add_subparsers(dest="command", required=True)
    routes = commands.add_parser("routes", help="list the app's routes")
    routes.add_argument("app", help="module:attribute, e.g. examples.api.app:app")
    serve = commands.add_parser("serve", help="serve the app locally (standard library server)")
    serve.add_argument("app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--prefix", default="", help="mount the app under this path, e.g. /myfunction")
    invoke = commands.add_parser("invoke", help="call the app's Lambda handler with an event file")
    invoke.add_argument("app")
    invoke.add_argument("--event", required=True, help="a JSON file holding the Lambda event")
    invoke.add_argument("--base-path", default=None)
    args = parser.parse_args(argv)

    app = load_app(args.app)
    if args.command == "routes":
        print(routes_table(app))
    elif args.command == "serve":
        from .serving import run

        if hasattr(app, "url_map"):
            print(routes_table(app), file=sys.stderr)
            root = f"http://{args.host}:{args.port}{args.prefix.rstrip('/')}"
            tries = [r.rule for r in app.url_map if "<" not in r.rule and (r.methods is None or "GET" in r.methods)]
            print("\nTry:", *(f"  curl {root}{rule}" for rule in tries[:8]), sep="\n", file=sys.stderr)
        run(app, host=args.host, port=args.port, prefix=args.prefix)
    else:
        import json

        from .platforms.aws import UnsupportedEvent, lambda_handler

        try:
            with open(args.event, encoding="utf-8") as f:
                event = json.load(f)
        except (OSError, ValueError) as e:
            raise SystemExit(f"manypaths: cannot read the event {args.event!r}: {e}") from None
        try:
            result = lambda_handler(app, base_path=args.base_path)(event, None)
        except UnsupportedEvent as e:
            raise SystemExit(f"manypaths: {e}") from None
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
