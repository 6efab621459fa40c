"""Real Flask apps nobody here wrote, ported by changing their imports: the Flask tutorial
("flaskr") and ``examples/javascript`` from Flask's source distribution on the package index.

The sdist is downloaded at test time (``pip download --no-binary :all: flask==3.1.3``) and cached
under ``.cache/`` (ignored; its code is never copied into this repository). Each example is copied
twice: as it is (on Flask) and with ``from flask import`` rewritten to ``from manypaths import``.
Then (1) the example's own tests run against the port, and (2) the same requests go to both and
must get the same statuses, bodies, ``Location`` headers and ``Set-Cookie`` headers (the session
cookie compared by what it holds, as its signature carries a timestamp).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "flask-sdist"
VERSION = "3.1.3"


def sdist() -> Path:
    """Flask's source distribution, unpacked (downloaded once into .cache/)."""
    unpacked = CACHE / f"flask-{VERSION}"
    if not (unpacked / "examples" / "tutorial" / "flaskr").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        "--no-binary", ":all:", f"flask=={VERSION}", "-d", str(CACHE)], check=True, timeout=600)
        with tarfile.open(CACHE / f"flask-{VERSION}.tar.gz") as archive:
            archive.extractall(CACHE, filter="data")
    return unpacked


def copies(example: str, tmp: Path) -> tuple[Path, Path]:
    """(the example on Flask, the example ported by its imports)."""
    source = sdist() / "examples" / example
    original, ported = tmp / "original" / example, tmp / "ported" / example
    shutil.copytree(source, original)
    shutil.copytree(source, ported)
    for path in ported.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^from flask import", "from manypaths import", text), encoding="utf-8")
    return original, ported


def run_tests(folder: Path, package: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    # The port does not import Flask at all.
    probe = subprocess.run([sys.executable, "-c", f"import sys, {package}; assert 'flask' not in sys.modules, "
                            "sorted(m for m in sys.modules if m.startswith('flask'))"],
                           cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


SIDE_BY_SIDE = r"""
import json, os, sys, tempfile
from itsdangerous import URLSafeTimedSerializer
target, steps = sys.argv[1], json.loads(sys.argv[2])
if target == "flaskr":
    from flaskr import create_app
    from flaskr.db import get_db, init_db
    fd, path = tempfile.mkstemp()
    app = create_app({"TESTING": True, "DATABASE": path})
    with app.app_context():
        init_db()
        get_db().executescript(open("tests/data.sql", "rb").read().decode())
else:
    from js_example import app
    app.testing = True
reader = URLSafeTimedSerializer(app.config.get("SECRET_KEY") or "-", salt="cookie-session",
                                signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1})
client = app.test_client()
out = []
for method, url, data in steps:
    r = client.open(url, method=method, data=data)
    cookies = []
    for header in r.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        value, _, attributes = rest.partition(";")
        attributes = sorted(a.strip() for a in attributes.split(";") if a.strip() and not a.strip().startswith("Expires"))
        held = reader.loads(value) if value else None
        cookies.append([name, held, attributes])
    body = r.get_data(as_text=True) if r.status_code < 400 else ""
    out.append([method, url, r.status_code, r.headers.get("Content-Type"), r.headers.get("Location"), body, cookies])
print(json.dumps(out))
"""


def side_by_side(original: Path, ported: Path, target: str, steps: list[list[object]]) -> list[list[object]]:
    answers = []
    for folder in (original, ported):
        done = subprocess.run([sys.executable, "-c", SIDE_BY_SIDE, target, json.dumps(steps)], cwd=folder,
                              env={**os.environ, "PYTHONPATH": str(folder)}, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        answers.append(json.loads(done.stdout))
    flask_answers, our_answers = answers
    for theirs, ours in zip(flask_answers, our_answers):
        assert ours == theirs, (theirs[:2], theirs[2:], ours[2:])
    return flask_answers


def test_flaskr_ported_by_imports(tmp_path: Path) -> None:
    original, ported = copies("tutorial", tmp_path)
    summary = run_tests(ported, "flaskr")
    assert re.search(r"\b2[0-9] passed\b", summary), summary  # flaskr's own 24 tests
    steps = [
        ["GET", "/hello", None], ["GET", "/", None], ["GET", "/auth/register", None],
        ["POST", "/auth/register", {"username": "", "password": ""}],
        ["POST", "/auth/register", {"username": "ada", "password": "pw"}],
        ["POST", "/auth/register", {"username": "ada", "password": "pw"}],
        ["POST", "/auth/login", {"username": "ada", "password": "wrong"}],
        ["POST", "/auth/login", {"username": "ada", "password": "pw"}],
        ["GET", "/", None], ["GET", "/create", None],
        ["POST", "/create", {"title": "", "body": "x"}],
        ["POST", "/create", {"title": "Hello", "body": "first post"}],
        ["GET", "/", None], ["GET", "/1/update", None], ["GET", "/2/update", None],
        ["POST", "/2/update", {"title": "Hello again", "body": "edited"}],
        ["POST", "/2/delete", None], ["GET", "/99/update", None], ["GET", "/auth/logout", None],
        ["GET", "/create", None], ["GET", "/nowhere", None],
    ]
    answers = side_by_side(original, ported, "flaskr", steps)
    statuses = [a[2] for a in answers]
    assert statuses == [200, 200, 200, 200, 302, 200, 200, 302, 200, 200, 200, 302, 200, 403, 200, 302, 302,
                        404, 302, 302, 404]
    assert answers[7][6][0][1]["user_id"] == 3  # (data.sql holds two users) the login's session cookie holds the user, on both


def test_js_example_ported_by_imports(tmp_path: Path) -> None:
    original, ported = copies("javascript", tmp_path)
    summary = run_tests(ported, "js_example")
    assert "8 passed" in summary, summary
    steps = [["GET", "/", None], ["GET", "/xhr", None], ["GET", "/jquery", None], ["GET", "/fetch", None],
             ["GET", "/plain", None], ["POST", "/add", {"a": "2", "b": "3"}], ["POST", "/add", {"a": "2.5", "b": "x"}],
             ["POST", "/add", None], ["GET", "/add", None]]
    answers = side_by_side(original, ported, "js_example", steps)
    # /fetch is the "/" rule's default: a 308 to "/" (werkzeug's redirect_defaults), as under Flask.
    assert [a[2] for a in answers] == [200, 200, 200, 308, 404, 200, 200, 200, 405]


@pytest.mark.parametrize("example", ["tutorial", "javascript"])
def test_the_ported_examples_are_clean_for_port_check(example: str, tmp_path: Path) -> None:
    # manypaths port-check on the unchanged examples: nothing that would fail after a port.
    original = sdist() / "examples" / example
    done = subprocess.run([str(Path(sys.executable).parent / "manypaths"), "port-check", str(original)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ports by imports" in done.stdout
