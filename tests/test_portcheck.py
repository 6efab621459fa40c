"""``manypaths port-check``: reads an app's source (never imports it) and names, file:line, what
would not work after a port by imports. The clean case (Flask's own examples) is in
tests/app/test_flask_examples.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

MANYPATHS = str(Path(sys.executable).parent / "manypaths")

APPS = {
    "flask_httpauth": '''
from flask import Flask, jsonify
from flask_httpauth import HTTPBasicAuth
app = Flask(__name__)
auth = HTTPBasicAuth()

@auth.verify_password
def verify(username, password):
    return username == "ada"

@app.route("/")
@auth.login_required
def index():
    return jsonify(user=auth.current_user())
''',
    "flask_restful": '''
from flask import Flask
from flask_restful import Api, Resource
app = Flask(__name__)
api = Api(app)

class Todo(Resource):
    def get(self, todo_id):
        return {"id": todo_id}

api.add_resource(Todo, "/todos/<int:todo_id>")
''',
    "flask_login": '''
from flask import Flask, redirect, url_for
import flask_login
app = Flask(__name__)
login_manager = flask_login.LoginManager(app)

@app.route("/private")
@flask_login.login_required
def private():
    return "secret"
''',
    "flask_sqlalchemy": '''
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = SQLAlchemy(app)

class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
''',
}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MANYPATHS, "port-check", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.mark.parametrize("extension", sorted(APPS))
def test_apps_on_flask_extensions_are_flagged(tmp_path: Path, extension: str) -> None:
    app = tmp_path / "app.py"
    # The extension is not installed here: port-check reads the source, it never imports it.
    app.write_text(APPS[extension])
    done = run(str(tmp_path))
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    flagged = [line for line in lines if f"{extension} is a Flask extension" in line]
    assert flagged and flagged[0].startswith(f"{app}:"), done.stdout
    assert "keep Flask and serve the app unchanged with cloud_function(app) / lambda_handler(app)" in flagged[0]
    assert lines[-1].startswith("1 finding(s) in 1 file(s) would not work")


def test_names_flask_modules_and_attribute_access(tmp_path: Path) -> None:
    (tmp_path / "mixed.py").write_text(
        "import flask\nfrom flask import stream_with_context, request\nfrom flask.views import MethodView\n"
        "from flask_cors import CORS\n\n"
        "def view():\n    flask.request_started.connect(print)\n    return flask.jsonify(a=flask.request.args)\n")
    done = run(str(tmp_path / "mixed.py"))
    assert done.returncode == 1
    out = done.stdout
    assert "mixed.py:2: error: flask.stream_with_context has no manypaths equivalent" in out
    assert "mixed.py:3: note: flask.views: import MethodView from manypaths.views" in out
    assert "mixed.py:4: error: flask_cors: use App(cors=...)" in out
    assert "mixed.py:7: error: flask.request_started has no manypaths equivalent: use a before_request hook" in out
    assert "flask.jsonify" not in out and "flask.request " not in out  # those port


def test_bad_input(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    (tmp_path / "broken.py").write_text("def (:\n")
    broken = run(str(tmp_path))
    assert broken.returncode == 1 and "broken.py:1: error: not valid Python" in broken.stdout
