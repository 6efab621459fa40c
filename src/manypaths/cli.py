"""The ``manypaths`` command: ``routes APP``, ``serve APP``, ``invoke APP --event FILE``, ``openapi APP``.

APP is ``module:attribute`` or ``module`` alone (then ``app``, ``application`` or a ``create_app()``
factory, as Flask's CLI looks for them). It may be a manypaths App, a Flask app, any WSGI callable,
or what ``cloud_function(app)`` and ``lambda_handler(app)`` return (they carry ``.wsgi_app``).
"""

from __future__ import annotations

import sys

from . import __version__
from .routing.compiler import compiled_core

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


class CLIError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


def load_app(spec: str) -> Any:
    """Import ``module:attribute`` or ``module`` (the current directory is importable)."""
    import importlib
    import os

    module_name, sep, attribute = spec.partition(":")
    if not module_name or (sep and not attribute):
        raise CLIError(f"APP must be 'module:attribute' or 'module' (like 'examples.api.app:app'), not {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is not None and module_name.startswith(e.name):
            raise CLIError(f"cannot import {module_name!r}: no module named {e.name!r} (run from the folder that "
                           "holds it, or check the spelling)") from None
        raise CLIError(f"importing {module_name!r} failed: {e} (a dependency of the app is missing)") from None
    except Exception as e:
        raise CLIError(f"importing {module_name!r} failed: {type(e).__name__}: {e} "
                       f"(python -c 'import {module_name}' shows the traceback)") from None
    if attribute:
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise CLIError(f"module {module_name!r} has no attribute {attribute!r}") from None
    for name in ("app", "application"):
        found = getattr(module, name, None)
        if found is not None and callable(found):
            return found
    factory = getattr(module, "create_app", None)
    if callable(factory):
        try:
            return factory()
        except TypeError as e:
            raise CLIError(f"{module_name}.create_app() needs arguments ({e}); name the app as 'module:attribute'") from None
    raise CLIError(f"module {module_name!r} has no 'app', 'application' or 'create_app'; name it as "
                   f"'{module_name}:attribute'")


def unwrap(target: Any) -> Any:
    """The WSGI app behind a platform entry point (``cloud_function``/``lambda_handler``), or ``target``."""
    inner = getattr(target, "wsgi_app", None)
    if getattr(target, "manypaths_entry", None) and inner is not None:
        return inner
    return target


def _rules(app: Any) -> Iterable[tuple[str, frozenset[str] | None, str]] | None:
    # (endpoint, methods, rule text) of a manypaths App or a Flask app (werkzeug's Map); None: no routes.
    url_map = getattr(app, "url_map", None)
    if url_map is None:
        routes = getattr(app, "routes", None)  # Starlette, FastAPI: their own route list
        if isinstance(routes, list) and all(hasattr(r, "path") for r in routes):
            return [(str(getattr(r, "name", "") or "-"), frozenset(getattr(r, "methods", None) or ()) or None,
                     str(r.path)) for r in routes]
        return None
    rules = url_map.iter_rules() if hasattr(url_map, "iter_rules") else url_map
    return [(str(r.endpoint), frozenset(r.methods) if r.methods is not None else None, str(r.rule)) for r in rules]


def routes_table(app: Any) -> str:
    """A table of endpoint, methods and rule, like ``flask routes``."""
    found = _rules(unwrap(app))
    if found is None:
        from .http.wsgi import is_asgi_app

        kind = "an ASGI app" if is_asgi_app(unwrap(app)) else "a WSGI app"
        return (f"{type(unwrap(app)).__name__} is {kind} without a route map manypaths can read (a manypaths "
                "App, Flask, Starlette and FastAPI apps are listed): its routes are its own.")
    rows = [("Endpoint", "Methods", "Rule")]
    for endpoint, methods, rule in sorted(found, key=lambda r: (r[0], r[2])):
        rows.append((endpoint, ", ".join(sorted((methods or {"*"}) - {"HEAD", "OPTIONS"})) or "OPTIONS", rule))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    router = getattr(unwrap(app), "__dict__", {}).get("_events")
    if router:
        events = [("Trigger", "Matches", "Handler")]
        for handler in router:
            given = ", ".join(f"{k}={v}" for k, v in handler.match.items() if v is not None) or "anything"
            events.append((handler.kind + (" (batch)" if handler.batch else ""), given, handler.name))
        widths = [max(len(row[i]) for row in events) for i in range(3)]
        lines.append("")
        lines.extend("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in events[:1])
        lines.append("  ".join("-" * w for w in widths))
        lines.extend("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in events[1:])
    return "\n".join(lines)


def _serve(target: Any, host: str, port: int, prefix: str | None) -> None:
    from .platforms import as_wsgi
    from .serving import make_server, serve

    app = as_wsgi(unwrap(target), None)  # an ASGI app (FastAPI...) served through WSGIFromASGI
    if prefix is None:
        prefix = getattr(target, "prefix", None) or ""  # cloud_function(app, prefix="/fn") serves there
    try:
        server = make_server(app, host, port, prefix=prefix)
    except OSError as e:
        import errno

        if e.errno == errno.EADDRINUSE:
            raise CLIError(f"port {port} on {host} is already in use: stop the other server or pass --port "
                           f"{port + 1}") from None
        raise CLIError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    found = _rules(app)
    if found is not None:
        print(routes_table(app), file=sys.stderr)
        root = f"http://{host}:{server.server_port}{prefix.rstrip('/')}"
        tries = [rule for _, methods, rule in found if "<" not in rule and (methods is None or "GET" in methods)]
        print("\nTry:", *(f"  curl {root}{rule}" for rule in tries[:8]), sep="\n", file=sys.stderr)
    serve(server, host, prefix)


def _openapi(target: Any, output: str | None, server: str | None) -> None:
    import json

    app = unwrap(target)
    build = getattr(app, "openapi", None)
    if build is None or not hasattr(app, "_endpoints"):
        raise CLIError(f"{type(app).__name__} is not a manypaths App: only an App's routes are described")
    try:
        document = build(script_root=(server or "").rstrip("/"))
    except (ImportError, TypeError) as e:
        raise CLIError(f"cannot build the document: {e}") from None
    text = json.dumps(document, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise CLIError(f"cannot write {output!r}: {e.strerror or e}") from None
    print(f"wrote {output} ({len(document.get('paths', {}))} paths)", file=sys.stderr)


class _Context:
    """A stand-in for the Lambda context object (what a handler may read of it)."""

    def __init__(self, function_name: str) -> None:
        import uuid

        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def _invoke(target: Any, event_file: str, base_path: str | None, raw_handler: bool) -> str:
    import json

    from .platforms.aws import UnsupportedEvent, lambda_handler

    try:
        with open(event_file, encoding="utf-8") as f:
            event = json.load(f)
    except OSError as e:
        raise CLIError(f"cannot read the event file {event_file!r}: {e.strerror or e}") from None
    except ValueError as e:
        raise CLIError(f"the event file {event_file!r} is not JSON: {e}") from None
    if getattr(target, "manypaths_entry", None) == "lambda" or raw_handler:
        handler = target  # a Lambda handler already: call it as Lambda would
        if base_path is not None:
            raise CLIError("--base-path applies to a WSGI app; the handler has its own (lambda_handler(app, base_path=...))")
    else:
        handler = lambda_handler(unwrap(target), base_path=base_path)
    try:
        result = handler(event, _Context(getattr(target, "__name__", "function")))
    except UnsupportedEvent as e:
        raise CLIError(str(e)) from None
    except ValueError as e:
        if type(e).__name__ in ("UnroutableEvent", "MalformedEvent"):  # manypaths.events: what Lambda would retry
            raise CLIError(f"{type(e).__name__}: {e}") from None
        raise
    return json.dumps(result, indent=2)


def _build() -> str:
    # Which route matcher answers: the compiled one (and where it was loaded from), or pure Python.
    import os

    core = compiled_core()
    if core is not None:
        return f"compiled matcher: C extension {os.path.basename(core.__file__)}"
    why = "MANYPATHS_PURE is set" if os.environ.get("MANYPATHS_PURE") else "no compiled matcher built for this platform"
    return f"pure Python: {why}"


BUILTIN = ("routes", "serve", "invoke", "openapi", "bundle", "port-check")


def _app_spec(argv: list[str]) -> tuple[str | None, list[str]]:
    # ``--app X`` (or ``--app=X``) before the command, as Flask's CLI; else MANYPATHS_APP / FLASK_APP.
    import os

    rest, spec, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--app" and i + 1 < len(argv) and spec is None:
            spec, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--app=") and spec is None:
            spec, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    return spec or os.environ.get("MANYPATHS_APP") or os.environ.get("FLASK_APP"), rest


def _find_default_app() -> Any:
    # No --app: wsgi.py, then app.py, in the current folder (as Flask's CLI looks).
    import os

    for name in ("wsgi", "app"):
        if os.path.exists(f"{name}.py") or os.path.isdir(name):
            return load_app(name)
    raise CLIError("no app found: pass --app module[:name] (or set MANYPATHS_APP), or run where wsgi.py or "
                   "app.py is")


def run_app_command(spec: str | None, argv: list[str]) -> int:
    """An app's own command (``@app.cli.command``), run through click in the app's context."""
    try:
        target = load_app(spec) if spec else _find_default_app()
    except CLIError as e:
        print(f"manypaths: error: {e}", file=sys.stderr)
        return 2
    app = unwrap(target)
    if not hasattr(app, "cli") or not hasattr(app, "app_context"):
        print(f"manypaths: error: {type(app).__name__} has no commands of its own (only an App's app.cli "
              f"commands run this way); commands: {', '.join(BUILTIN)}", file=sys.stderr)
        return 2
    from .appcli import ScriptInfo

    group = app.cli
    group.name = "manypaths"
    try:
        group.main(args=argv, prog_name="manypaths", obj=ScriptInfo(create_app=lambda: app), standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors a user can fix print one line and exit 2."""
    import argparse

    argv = list(sys.argv[1:] if argv is None else argv)
    app_spec, argv = _app_spec(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command is not None and command not in BUILTIN:
        return run_app_command(app_spec, argv)
    if app_spec is not None and command in BUILTIN and command not in ("bundle", "port-check"):
        at = argv.index(command)
        if not any(not a.startswith("-") for a in argv[at + 1:]):
            argv.insert(at + 1, app_spec)  # manypaths --app X routes

    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="manypaths", description="One function, many paths.",
                                     formatter_class=formatter)
    class Version(argparse.Action):  # argparse's own would wrap the line at the terminal's width
        def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
            print(f"manypaths {__version__} ({_build()})")
            parser.exit()

    parser.add_argument("--version", nargs=0, action=Version, help="show the version and which matcher answers")
    parser.epilog = ("An app's own commands (@app.cli.command) run as: manypaths --app APP COMMAND [ARGS] "
                     "(or MANYPATHS_APP=APP; without either, wsgi.py or app.py in this folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    app_help = ("module:attribute or module (then app, application or create_app()): a manypaths App, a Flask app, "
                "any WSGI callable, or a cloud_function(...) / lambda_handler(...) entry point")
    routes = commands.add_parser("routes", help="list the app's routes", formatter_class=formatter)
    routes.add_argument("app", metavar="APP", help=app_help)
    serve = commands.add_parser("serve", help="serve the app locally (standard library server)",
                                formatter_class=formatter)
    serve.add_argument("app", metavar="APP", help=app_help)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="the port to listen on")
    serve.add_argument("--prefix", default=None,
                       help="mount the app under this path, e.g. /myfunction (default: a cloud_function's own "
                            "prefix, else none)")
    invoke = commands.add_parser("invoke", help="run a Lambda event through the app and print the response",
                                 formatter_class=formatter)
    invoke.add_argument("app", metavar="APP", help=app_help)
    invoke.add_argument("--event", required=True, help="a JSON file holding the Lambda event (required)")
    invoke.add_argument("--base-path", default=None, help="a custom domain's base-path mapping, e.g. /v1")
    invoke.add_argument("--lambda-handler", action="store_true",
                        help="APP is a Lambda handler(event, context) of another library: call it as is")
    spec = commands.add_parser("openapi", help="print (or write) the app's OpenAPI 3.1 document",
                               formatter_class=formatter)
    spec.add_argument("app", metavar="APP", help=app_help)
    spec.add_argument("--output", "-o", default=None, help="write the document to this file instead of printing it")
    spec.add_argument("--server", default=None, help="the URL the API is served under (servers[0].url), e.g. /prod")
    pack = commands.add_parser("bundle", help="write a deployable artifact for Lambda, Cloud Functions or Cloud Run",
                               formatter_class=formatter)
    pack.add_argument("app", metavar="APP", help="module:attribute or module (then app) of your App, under the current "
                                                 "folder; its top-level package or module is shipped")
    pack.add_argument("--platform", required=True, choices=("lambda", "gcf", "cloudrun"),
                      help="lambda: a zip (handler lambda_function.handler); gcf: a source folder (entry point main); "
                           "cloudrun: a folder with a Dockerfile")
    pack.add_argument("--python", default=None, help="the target's Python, e.g. 3.12 (default: this Python's)")
    pack.add_argument("--arch", default="x86_64", choices=("x86_64", "arm64"), help="Lambda's architecture")
    pack.add_argument("--requirements", "-r", default=None,
                      help="the app's requirements file (default: requirements.txt beside the app's module, else "
                           "in the current folder)")
    pack.add_argument("--include", action="append", default=[], metavar="PATH",
                      help="another file or folder to ship beside the app (repeatable)")
    pack.add_argument("--server", default=None, choices=("gunicorn", "uvicorn"),
                      help="Cloud Run's server (default: gunicorn for a WSGI app, uvicorn for an ASGI-only app)")
    pack.add_argument("--output", "-o", default=None,
                      help="where to write it (default: dist/lambda.zip, dist/gcf, dist/cloudrun)")
    if app_spec is not None and command is None and any(a in ("-h", "--help") for a in argv):
        parser.print_help()
        try:
            app = unwrap(load_app(app_spec))
        except CLIError as e:
            print(f"\nmanypaths: error: {e}", file=sys.stderr)
            return 2
        group = app.__dict__.get("_cli") if hasattr(app, "__dict__") else None
        if group is not None and group.commands:
            print(f"\ncommands of {app_spec} (manypaths --app {app_spec} COMMAND --help for one):")
            for name, found in sorted(group.commands.items()):
                print(f"  {name:<20} {(found.get_short_help_str(60) or '').strip()}")
        return 0
    check = commands.add_parser("port-check", help="list what of a Flask app would not work after a port by imports",
                                formatter_class=formatter)
    check.add_argument("paths", nargs="+", metavar="PATH", help="the app's source files or folders (read, not imported)")
    args = parser.parse_args(argv)

    if args.command == "port-check":
        from .portcheck import run

        return run(args.paths)
    if args.command == "bundle":
        from .bundle import BundleError, bundle

        try:
            out = bundle(args.app, args.platform, args.output, args.python, args.arch, args.requirements,
                         args.include, args.server)
        except BundleError as e:
            print(f"manypaths: error: {e}", file=sys.stderr)
            return 2
        print(out)
        return 0
    try:
        target = load_app(args.app)
        if not callable(target):
            raise CLIError(f"{args.app} is a {type(target).__name__}, not an app (a WSGI callable)")
        if args.command == "routes":
            print(routes_table(target))
        elif args.command == "serve":
            _serve(target, args.host, args.port, args.prefix)
        elif args.command == "openapi":
            _openapi(target, args.output, args.server)
        else:
            print(_invoke(target, args.event, args.base_path, args.lambda_handler))
    except CLIError as e:
        print(f"manypaths: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
