"""``manypaths port-check PATH``: what of a Flask app would not work after a port by imports.

Reads the app's source (``ast``; nothing is imported or run) and lists, ``file:line``, every Flask
name, Flask module or Flask extension that manypaths does not provide, with the replacement or the
advice to keep Flask and serve the app unchanged behind ``cloud_function(app)`` /
``lambda_handler(app)``. Notes (things that work but have a manypaths spelling) are listed too and
do not fail the check. Exit status: 0 clean (notes only), 1 findings, 2 a path that cannot be read.
"""

from __future__ import annotations

import ast
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TextIO

KEEP_FLASK = ("keep Flask and serve the app unchanged with cloud_function(app) / lambda_handler(app) "
              "(every path, stage and URL correct)")

# Flask extensions with a manypaths equivalent (else: they import flask.request / current_app).
EXTENSIONS = {
    "flask_cors": "use App(cors=...) or manypaths.cors.CORS (per app, blueprint or route)",
    "flask_compress": "use App(compress=True) (gzip, brotli, zstd)",
}
# Flask's submodules and what to import instead; None: the names are checked one by one.
MODULES: dict[str, str | None] = {
    "flask": None,
    "flask.views": "manypaths.views",
    "flask.json": "manypaths.json",
    "flask.sessions": "manypaths.sessions",
    "flask.signals": "manypaths.signals",
    "flask.cli": "manypaths.appcli",
    "flask.testing": "manypaths.testing",
    "flask.wrappers": "manypaths",
    "flask.globals": "manypaths",
    "flask.helpers": "manypaths",
    "flask.templating": "manypaths",
    "flask.blueprints": "manypaths",
    "flask.config": "manypaths",
    "flask.ctx": "manypaths",
}
# Names of those modules manypaths has under the replacement (else a finding).
PROVIDED = {
    "flask.views": {"View", "MethodView"},
    "flask.json": {"dumps", "loads", "dump", "load", "jsonify", "JSONProvider", "DefaultJSONProvider", "provider"},
    "flask.sessions": {"SessionInterface", "SecureCookieSessionInterface", "SecureCookieSession", "SessionMixin",
                       "NullSession", "TaggedJSONSerializer", "session_json_serializer"},
    "flask.signals": {"template_rendered", "before_render_template", "message_flashed"},
    "flask.cli": {"with_appcontext", "AppGroup", "ScriptInfo", "pass_script_info"},
    "flask.testing": {"FlaskClient", "FlaskCliRunner"},
}
RENAMED = {"FlaskClient": "manypaths.testing.TestClient", "FlaskCliRunner": "manypaths.appcli.CliRunner",
           "Flask": "manypaths.App (Flask is an alias of it)"}
# Flask names with no equivalent, and what to do instead.
MISSING_ADVICE = {
    "stream_with_context": "return a generator: the request stays current while stream_template renders; for "
                           "other generators read what they need from request before returning",
    "copy_current_request_context": "pass the values the thread needs as arguments",
    "request_started": "use a before_request hook", "request_finished": "use an after_request hook",
    "request_tearing_down": "use a teardown_request hook", "got_request_exception": "use an errorhandler(Exception)",
    "appcontext_pushed": "use a before_request hook", "appcontext_popped": "use teardown_appcontext",
    "appcontext_tearing_down": "use teardown_appcontext", "signals_available": "signals need blinker: "
                           "manypaths has template_rendered, before_render_template and message_flashed",
    "get_template_attribute": "render a macro with render_template_string('{% from ... import m %}{{ m() }}')",
    "Markup": "import Markup from markupsafe", "escape": "import escape from markupsafe",
    "FlaskGroup": "use manypaths --app APP COMMAND (app.cli commands)",
}


def _our_names() -> set[str]:
    # manypaths' public names, read from its __init__ (not imported: this module stays a leaf).
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__init__.py")
    with open(source, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    names: set[str] = {"json", "views", "exceptions", "sessions", "signals", "testing", "routing", "cors"}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names.update(ast.literal_eval(node.value))
    return names


class Finding:
    def __init__(self, path: str, line: int, kind: str, message: str) -> None:
        self.path, self.line, self.kind, self.message = path, line, kind, message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.message}"


def _python_files(path: str) -> Iterator[str]:
    if os.path.isfile(path):
        yield path
        return
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("__pycache__", "node_modules", "venv"))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def check_source(text: str, path: str, ours: set[str] | None = None) -> list[Finding]:
    """The findings for one file's source."""
    ours = _our_names() if ours is None else ours
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        return [Finding(path, e.lineno or 0, "error", f"not valid Python: {e.msg}")]
    found: list[Finding] = []
    flask_aliases: set[str] = set()

    def name_check(module: str, name: str, line: int) -> None:
        if module == "flask":
            if name in ours or name == "Flask":
                if name == "Flask":
                    found.append(Finding(path, line, "note", "Flask: from manypaths import Flask (an alias of App)"))
                return
            advice = MISSING_ADVICE.get(name, KEEP_FLASK)
            found.append(Finding(path, line, "error", f"flask.{name} has no manypaths equivalent: {advice}"))
            return
        replacement = MODULES.get(module)
        provided = PROVIDED.get(module)
        if provided is not None and name not in provided:
            advice = MISSING_ADVICE.get(name, KEEP_FLASK)
            found.append(Finding(path, line, "error", f"{module}.{name} has no manypaths equivalent: {advice}"))
        elif name in RENAMED:
            found.append(Finding(path, line, "note", f"{module}.{name}: use {RENAMED[name]}"))
        elif replacement is not None and replacement != "manypaths":
            found.append(Finding(path, line, "note", f"{module}: import {name} from {replacement}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top == "flask" or node.module.startswith("flask."):
                if node.module not in MODULES:
                    found.append(Finding(path, node.lineno, "error", f"{node.module} has no manypaths equivalent: "
                                                                     f"{KEEP_FLASK}"))
                    continue
                for alias in node.names:
                    name_check(node.module, alias.name, node.lineno)
            elif top.startswith(("flask_", "flaskext")):
                found.append(_extension(path, node.lineno, top))
            elif node.module == "werkzeug.exceptions":
                found.append(Finding(path, node.lineno, "note", "werkzeug.exceptions works as it is (its errors "
                                                                "answer their code); manypaths.exceptions has the same "
                                                                "names without werkzeug"))
            elif node.module == "werkzeug.utils" and any(a.name == "secure_filename" for a in node.names):
                found.append(Finding(path, node.lineno, "note", "secure_filename: from manypaths import "
                                                                "secure_filename (no werkzeug needed)"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if alias.name == "flask" or alias.name.startswith("flask."):
                    flask_aliases.add(alias.asname or "flask")
                    if alias.name not in MODULES:
                        found.append(Finding(path, node.lineno, "error",
                                             f"{alias.name} has no manypaths equivalent: {KEEP_FLASK}"))
                elif top.startswith(("flask_", "flaskext")):
                    found.append(_extension(path, node.lineno, top))
    if flask_aliases:  # import flask; flask.request...
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in flask_aliases):
                name_check("flask", node.attr, node.lineno)
    unique = {(f.line, f.kind, f.message): f for f in found}
    return sorted(unique.values(), key=lambda f: (f.line, f.message))


def _extension(path: str, line: int, module: str) -> Finding:
    if module in EXTENSIONS:
        return Finding(path, line, "error", f"{module}: {EXTENSIONS[module]}")
    return Finding(path, line, "error", f"{module} is a Flask extension (it imports flask.request / current_app "
                                        f"and fails outside Flask): {KEEP_FLASK}")


def run(paths: list[str], out: TextIO | None = None) -> int:
    """Check every ``.py`` file under ``paths``; print the findings and a verdict."""
    stream = out if out is not None else sys.stdout
    ours = _our_names()
    findings: list[Finding] = []
    files = 0
    for path in paths:
        if not os.path.exists(path):
            print(f"manypaths: error: no such file or folder: {path}", file=sys.stderr)
            return 2
        for file in _python_files(path):
            files += 1
            try:
                with open(file, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError) as e:
                findings.append(Finding(file, 0, "error", f"cannot read it: {e}"))
                continue
            findings.extend(check_source(text, file, ours))
    for finding in findings:
        print(finding, file=stream)
    errors = sum(1 for f in findings if f.kind == "error")
    notes = len(findings) - errors
    if errors:
        print(f"{errors} finding(s) in {files} file(s) would not work after a port by imports"
              f"{f' ({notes} note(s))' if notes else ''}: replace them, or {KEEP_FLASK}.", file=stream)
        return 1
    print(f"{files} file(s) checked: ports by imports (replace 'from flask import' with 'from manypaths "
          f"import'){f'; {notes} note(s) above' if notes else ''}.", file=stream)
    return 0
