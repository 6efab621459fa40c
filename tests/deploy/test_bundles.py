"""The deploy kits, proven as each platform runs them (no cloud account needed).

- The README's ``manypaths bundle`` commands are run word for word, in a copy of ``examples/``.
- Lambda: the zip is unpacked into an empty folder and run by AWS's own runtime interface client
  (``awslambdaric``, installed from the package index into ``.cache/``) in a clean ``python -I -S``
  whose path is only that folder and the client (as ``/var/task`` and ``/var/runtime``), against a
  runtime API on 127.0.0.1; every example event and every HTTP fixture event is answered exactly as
  ``lambda_handler(app)`` answers it in-process.
- Cloud Functions: a fresh venv installs only the folder's ``requirements.txt`` and the real
  functions-framework serves it with ``--source``/``--target``.
- Cloud Run: a fresh venv installs only the folder's ``requirements.txt`` and the ``Dockerfile``'s own
  command starts the server.
- The SAM template validates with cfn-lint and points at the bundle.
"""

from __future__ import annotations

import http.server
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EVENTS = sorted((ROOT / "examples/api/events").glob("*.json")) + sorted((ROOT / "tests/fixtures/aws-events").glob("*.json"))
CACHE = ROOT / ".cache"
RIC_VERSION = "4.2.2"


def readme_bundle_commands() -> dict[str, str]:
    """The ``manypaths bundle`` commands of the README's deploy section, by platform."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {}
    for line in re.findall(r"(?m)^(manypaths bundle .+)$", text):
        found[re.search(r"--platform (\w+)", line).group(1)] = line.strip()  # type: ignore[union-attr]
    return found


COMMANDS = readme_bundle_commands()


def test_the_readme_has_a_bundle_command_for_each_platform() -> None:
    assert set(COMMANDS) == {"lambda", "gcf", "cloudrun"}, COMMANDS
    # The docs show the same commands, word for word: the ones these tests run.
    for page in sorted((ROOT / "docs").glob("*.md")):
        for line in re.findall(r"(?m)^(manypaths bundle .+?)(?:\s+#.*)?$", page.read_text(encoding="utf-8")):
            assert line.strip() in COMMANDS.values(), (page.name, line)


def run_bundle(platform: str, workdir: Path) -> Path:
    """Run the README's command for ``platform`` word for word in ``workdir`` (a copy of the examples)."""
    if not (workdir / "examples").exists():
        shutil.copytree(ROOT / "examples", workdir / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    argv = shlex.split(COMMANDS[platform])
    argv[0] = str(BIN / "manypaths")
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = Path(done.stdout.strip())
    assert out.exists() and out.is_relative_to(workdir), (out, done.stderr)
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bundles")


def reference_answers(events: list[Path]) -> list[Any]:
    """What ``lambda_handler(app)`` answers in-process (a fresh process: the app's state is new)."""
    code = ("import json, sys; from manypaths.platforms import lambda_handler; from examples.api.app import app; "
            "from manypaths.cli import _Context; h = lambda_handler(app); "
            "print(json.dumps([h(json.load(open(p)), _Context('api')) for p in sys.argv[1:]]))")
    done = subprocess.run([sys.executable, "-c", code, *map(str, events)], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


# ---------------------------------------------------------------------------------------------- Lambda


class RuntimeAPI:
    """Lambda's runtime API (2018-06-01) on 127.0.0.1: hands out the queued events, collects the answers."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.pending: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        for i, event in enumerate(events):
            self.pending.put((f"request-{i}", event))
        self.answers: dict[str, Any] = {}
        self.errors: list[Any] = []
        self.done = threading.Event()
        self.expected = len(events)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                assert self.path == "/2018-06-01/runtime/invocation/next", self.path
                request_id, event = api.pending.get()  # blocks as the real API does between invocations
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:000000000000:function:api")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                # (awslambdaric 4.2.2 crashes on a next-invocation answer without a Content-Type.)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client was stopped while this request waited
                    pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                parts = self.path.strip("/").split("/")
                if parts[-1] == "response":
                    api.answers[parts[-2]] = json.loads(data)
                else:  # .../error or /runtime/init/error
                    api.errors.append((self.path, data.decode(errors="replace")))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if len(api.answers) + len(api.errors) >= api.expected or parts[-2:] == ["init", "error"]:
                    api.done.set()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        for _ in range(4):  # wake a blocked GET so the server can stop
            self.pending.put(("closing", {}))
        self.server.shutdown()
        self.server.server_close()


def runtime_client() -> Path:
    """AWS's runtime interface client, from the package index, cached under .cache/ (not site-packages)."""
    target = CACHE / f"awslambdaric-{RIC_VERSION}-py{sys.version_info.major}{sys.version_info.minor}"
    if not (target / "awslambdaric" / "bootstrap.py").exists():
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target",
                        str(target), f"awslambdaric=={RIC_VERSION}"], check=True, timeout=600)
    return target


def clean_python(task: Path, extra: list[Path], code: str, **kwargs: Any) -> subprocess.Popen[str]:
    """``python -I -S``: no site-packages, no environment paths; only ``task`` and ``extra`` importable."""
    paths = [str(task), *map(str, extra)]
    prelude = (f"import sys; sys.path[:0] = {paths!r}; "
               "assert not [p for p in sys.path if 'site-packages' in p or 'dist-packages' in p], sys.path; ")
    return subprocess.Popen([sys.executable, "-I", "-S", "-c", prelude + code], cwd=task, text=True, **kwargs)


def test_lambda_zip_runs_under_awslambdaric(workdir: Path, tmp_path: Path) -> None:
    bundle = run_bundle("lambda", workdir)
    assert bundle.suffix == ".zip"
    task = tmp_path / "task"
    task.mkdir()
    with zipfile.ZipFile(bundle) as z:
        z.extractall(task)
    assert (task / "lambda_function.py").is_file()
    # The bundle's manypaths (built for Python 3.11 x86_64, this machine's: the compiled matcher) loads from the task folder.
    probe = clean_python(task, [], "import manypaths; from manypaths.routing.compiler import compiled_core; "
                                   "print(manypaths.__file__, compiled_core() is not None)", stdout=subprocess.PIPE)
    out, _ = probe.communicate(timeout=60)
    where, compiled = out.split()
    assert Path(where).is_relative_to(task), where
    assert compiled == "True", "the bundle for this machine's Python and architecture carries the compiled matcher"

    events = [json.loads(p.read_text()) for p in EVENTS]
    expected = reference_answers(EVENTS)
    api = RuntimeAPI(events)
    client = clean_python(task, [runtime_client()],
                          "from awslambdaric.__main__ import main; main(['awslambdaric', 'lambda_function.handler'])",
                          env={"AWS_LAMBDA_RUNTIME_API": api.address, "LAMBDA_TASK_ROOT": str(task),
                               "AWS_LAMBDA_FUNCTION_NAME": "api", "PATH": os.environ.get("PATH", "")},
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert api.done.wait(120), "the runtime client did not answer every event"
    finally:
        client.kill()
        log, _ = client.communicate(timeout=30)
        api.close()
    assert not api.errors, (api.errors, log)
    for i, (path, want) in enumerate(zip(EVENTS, expected)):
        got = api.answers[f"request-{i}"]
        assert got == want, (path.name, got, want)
    statuses = {p.name: a.get("statusCode") for p, a in zip(EVENTS, expected)}
    assert statuses["rest-api-stage.json"] == 200 and statuses["alb.json"] == 201, statuses
    # The queue trigger through AWS's runtime client: the message without a name fails alone.
    signups = expected[[p.name for p in EVENTS].index("sqs-signups.json")]
    assert signups == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_lambda_bundle_for_another_target_has_its_wheels(tmp_path: Path) -> None:
    # Python 3.12 on arm64 from this x86_64 3.11 machine: the target's Linux wheels, manypaths' pure build.
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([str(BIN / "manypaths"), "bundle", "examples.api.app:app", "--platform", "lambda",
                           "--python", "3.12", "--arch", "arm64"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "pure Python build (the target runs Python 3.12" in done.stderr
    with zipfile.ZipFile(tmp_path / "dist/lambda.zip") as z:
        names = z.namelist()
        wheel = z.read("manypaths-0.1.0.dist-info/WHEEL").decode()
    compiled = [n for n in names if n.endswith(".so")]
    assert compiled and all("cpython-312-aarch64-linux-gnu" in n for n in compiled), compiled
    assert not any(n.startswith("manypaths/") and n.endswith(".so") for n in names)
    assert "Tag: py3-none-any" in wheel


# --------------------------------------------------------------------------------- HTTP servers (gcf, run)


def fresh_venv(where: Path, folder: Path) -> Path:
    """A new venv that installs only ``folder/requirements.txt`` (from inside the folder, as the platform does)."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=300)
    done = subprocess.run([str(where / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           "-r", "requirements.txt"], cwd=folder, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return where / "bin"


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()[0]}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url}")


REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/", None),
    ("GET", "/users/1", None),
    ("GET", "/users/99", None),
    ("GET", "/users/?limit=-1", None),
    ("POST", "/users/", {"name": "Edsger"}),
    ("GET", "/users/3", None),
    ("GET", "/files/docs/readme.txt", None),
    ("DELETE", "/users/1", None),
    ("GET", "/nowhere", None),
]


def answers_over_http(base: str) -> list[tuple[int, Any]]:
    found = []
    for method, path, body in REQUESTS:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            found.append((status, json.loads(raw)))
        except ValueError:
            found.append((status, raw.decode()))
    return found


def answers_in_process(base: str) -> list[tuple[int, Any]]:
    """The same requests through the test client, in a fresh process (the app's own state is new)."""
    code = ("import json, sys; from examples.api.app import app; c = app.test_client(); out = []\n"
            f"for m, p, b in json.loads(sys.argv[1]):\n"
            f"    r = c.open(p, method=m, json=b, base_url={base!r})\n"
            "    out.append((r.status_code, r.get_json() if r.is_json else r.get_data(as_text=True)))\n"
            "print(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(REQUESTS)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return [tuple(pair) for pair in json.loads(done.stdout)]  # type: ignore[misc]


def check_server(folder: Path, bin_dir: Path, argv: list[str], port: int, env: dict[str, str] | None = None) -> None:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(argv, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})})
    try:
        wait_for(base + "/users/1", process)
        got = answers_over_http(base)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert got == answers_in_process(base)
    assert [status for status, _ in got] == [200, 200, 404, 422, 201, 200, 200, 405, 404]


def test_cloud_functions_folder_serves_under_functions_framework(workdir: Path, tmp_path: Path) -> None:
    folder = run_bundle("gcf", workdir)
    assert (folder / "main.py").is_file() and list((folder / "vendor").glob("manypaths-*.whl"))
    requirements = (folder / "requirements.txt").read_text()
    assert "functions-framework" in requirements and "./vendor/manypaths-" in requirements
    bin_dir = fresh_venv(tmp_path / "venv", folder)
    port = free_port()
    check_server(folder, bin_dir, [str(bin_dir / "functions-framework"), "--source", "main.py", "--target", "main",
                                   "--host", "127.0.0.1", "--port", str(port)], port)


def test_cloud_run_folder_serves_with_its_dockerfile_command(workdir: Path, tmp_path: Path) -> None:
    folder = run_bundle("cloudrun", workdir)
    dockerfile = (folder / "Dockerfile").read_text()
    command = re.search(r"(?m)^CMD exec (.+)$", dockerfile).group(1)  # type: ignore[union-attr]
    assert command.startswith("gunicorn ") and "examples.api.app:app" in command
    assert re.search(r"(?m)^FROM python:3\.11-slim$", dockerfile)
    assert (folder / "Procfile").read_text() == f"web: {command}\n"
    bin_dir = fresh_venv(tmp_path / "venv", folder)
    port = free_port()
    # The container's command as Cloud Run runs it: a shell expands $PORT.
    check_server(folder, bin_dir, ["sh", "-c", f"exec {command}"], port, env={"PORT": str(port)})


# ----------------------------------------------------------------------------------------------- SAM


def test_sam_template_validates_and_points_at_the_bundle() -> None:
    template = ROOT / "examples/api/template.yaml"
    done = subprocess.run([str(BIN / "cfn-lint"), str(template)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    text = template.read_text()
    code_uri = re.search(r"(?m)^\s+CodeUri: (\S+)$", text).group(1)  # type: ignore[union-attr]
    assert (template.parent / code_uri).resolve() == (ROOT / "dist/lambda.zip").resolve()
    lambda_command = COMMANDS["lambda"]
    assert "-o dist/lambda.zip" in lambda_command or "--platform lambda" in lambda_command
    python = re.search(r"--python (\S+)", lambda_command).group(1)  # type: ignore[union-attr]
    assert re.search(rf"(?m)^\s+Runtime: python{re.escape(python)}$", text)
    assert re.search(r"(?m)^\s+Handler: lambda_function\.handler$", text)
    assert "Type: HttpApi" in text and "/{proxy+}" in text
    # The queue the app's on_sqs("signups") handler takes, with partial batch responses.
    assert "QueueName: signups" in text and "ReportBatchItemFailures" in text


def test_cfn_lint_rejects_the_old_flow_mapping(tmp_path: Path) -> None:
    # The check above can fail: the template shipped before had `{ Path: /{proxy+}, ... }`, invalid YAML.
    bad = tmp_path / "template.yaml"
    bad.write_text((ROOT / "examples/api/template.yaml").read_text().replace(
        'Path: "/{proxy+}"\n            Method: ANY', "{ Path: /{proxy+}, Method: ANY }"))
    done = subprocess.run([str(BIN / "cfn-lint"), str(bad)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("argv", "message"), [
    (["nowhere:app", "--platform", "lambda"], "no module 'nowhere'"),
    (["examples.api.app:app", "--platform", "lambda", "--python", "3.9"], "lambda offers Python 3.10"),
    (["examples.api.app:app", "--platform", "gcf", "--arch", "arm64"], "gcf runs on x86_64 only"),
    (["main:app", "--platform", "gcf"], "the bundle writes main.py itself"),
    (["examples.api.app:app", "--platform", "lambda", "-r", "missing.txt"], "no requirements file 'missing.txt'"),
    (["json:app", "--platform", "lambda"], "outside"),
    (["a..b", "--platform", "lambda"], "APP must be"),
])
def test_bundle_says_what_is_wrong(tmp_path: Path, argv: list[str], message: str) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "main.py").write_text("app = None\n")
    done = subprocess.run([str(BIN / "manypaths"), "bundle", *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("manypaths: error: ") and message in done.stderr, done.stderr
    assert not (tmp_path / "dist").exists()


def test_requirements_naming_manypaths_are_rewritten(tmp_path: Path) -> None:
    from manypaths.bundle import read_requirements

    file = tmp_path / "requirements.txt"
    file.write_text("# deps\nManyPaths[multipart, validation] >= 0.1  # ours\nmsgspec>=0.18\n\nrequests==2.*\n")
    assert read_requirements(file) == (["msgspec>=0.18", "requests==2.*"], "[multipart,validation]")
    file.write_text("-r base.txt\n")
    from manypaths.bundle import BundleError

    with pytest.raises(BundleError, match="nested requirement files"):
        read_requirements(file)
