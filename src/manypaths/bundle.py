"""``manypaths bundle APP --platform lambda|gcf|cloudrun``: a deployable artifact, built for the platform.

- ``lambda``: a zip holding the app's source, ``lambda_function.py`` (handler ``lambda_function.handler``),
  manypaths and the app's requirements installed from Linux wheels for the target Python and
  architecture (``pip install --target --platform --only-binary``): never this machine's packages.
- ``gcf``: a Cloud Functions source folder: the app, ``main.py`` (entry point ``main``), a
  ``requirements.txt`` the platform installs, and manypaths as a vendored wheel (``vendor/``).
- ``cloudrun``: a Cloud Run folder: the app, a ``Dockerfile`` whose command starts the server
  (gunicorn for a WSGI app or a manypaths App, uvicorn for an ASGI-only app), a ``Procfile``,
  ``requirements.txt`` and the vendored wheel.

manypaths itself is built from the source tree it runs from: the compiled matcher is included when
the target's Python and architecture are this machine's (the wheel checked and tagged manylinux by
auditwheel, from the ``bundle`` extra); the pure build otherwise, and the report says which and why.
"""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class BundleError(Exception):
    """A problem the user can fix (the CLI prints it as one line)."""


# What each platform runs: the Python versions it offers and its OS's glibc (the newest symbol
# version a compiled wheel may need). Lambda: Amazon Linux 2 (3.10, 3.11), Amazon Linux 2023 (3.12+).
# Cloud Functions: Ubuntu 22.04. Cloud Run: the python:X-slim image (Debian 12).
PYTHONS = {
    "lambda": {"3.10": (2, 26), "3.11": (2, 26), "3.12": (2, 34), "3.13": (2, 34), "3.14": (2, 34)},
    "gcf": {"3.10": (2, 35), "3.11": (2, 35), "3.12": (2, 35), "3.13": (2, 35)},
    "cloudrun": {"3.10": (2, 36), "3.11": (2, 36), "3.12": (2, 36), "3.13": (2, 36), "3.14": (2, 36)},
}
ARCHES = {"x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}
ENTRY = {"lambda": "lambda_function", "gcf": "main", "cloudrun": None}
SERVERS = ("gunicorn", "uvicorn")
# Files and folders never copied with the app's source.
SKIPPED = {"__pycache__", ".git", ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules",
           ".DS_Store"}
_MANYPATHS_LINE = re.compile(r"^\s*manypaths\s*(\[[^\]]*\])?\s*(?:[<>=!~@;].*)?$", re.IGNORECASE)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _run(command: Sequence[str], what: str, cwd: str | None = None, env: dict[str, str] | None = None) -> None:
    import subprocess

    done = subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])
        raise BundleError(f"{what} failed (exit {done.returncode}):\n{tail}")


def locate_app(spec: str) -> tuple[str, str, Path]:
    """(module, attribute, path of the top-level package or module) for ``module[:attribute]``, found
    under the current folder without importing it."""
    import importlib.util
    from pathlib import Path

    module, _, attribute = spec.partition(":")
    if not module or not re.fullmatch(r"[A-Za-z_][\w.]*", module) or ".." in module or module.endswith("."):
        raise BundleError(f"APP must be 'module:attribute' or 'module' (like 'examples.api.app:app'), not {spec!r}")
    attribute = attribute or "app"
    top = module.split(".")[0]
    cwd = Path.cwd().resolve()
    sys.path.insert(0, str(cwd))
    try:
        found = importlib.util.find_spec(top)
    finally:
        sys.path.remove(str(cwd))
    if found is None or found.origin in (None, "built-in", "frozen"):
        raise BundleError(f"no module {top!r} in {cwd} (run from the folder that holds your app)")
    locations = list(found.submodule_search_locations or ())
    path = Path(locations[0] if locations else str(found.origin)).resolve()
    if not path.is_relative_to(cwd):
        raise BundleError(f"{top!r} is {path}, outside {cwd}: bundle your own source, from the folder that holds it")
    return module, attribute, path


def read_requirements(path: Path | None) -> tuple[list[str], str]:
    """The requirement lines without manypaths, and the extras manypaths was named with (``[a,b]``)."""
    if path is None:
        return [], ""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise BundleError(f"cannot read {path}: {e.strerror or e}") from None
    kept, extras = [], ""
    for line in text.splitlines():
        bare = line.split("#", 1)[0].strip()
        match = _MANYPATHS_LINE.match(bare) if bare else None
        if match:
            extras = (match.group(1) or "").replace(" ", "")
            continue
        if bare.startswith(("-r", "-c", "--requirement", "--constraint")):
            raise BundleError(f"{path}: nested requirement files ({bare!r}) are not followed: list the packages here")
        if bare:
            kept.append(bare)
    return kept, extras


def _source_root() -> Path | None:
    # The manypaths source tree this package runs from (an editable install or a clone), if any.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and re.search(r'(?m)^name\s*=\s*"manypaths"', pyproject.read_text(encoding="utf-8")):
        return root
    return None


def _local_arch() -> str:
    import platform

    return ARCHES.get(platform.machine(), platform.machine())


def build_wheel(out: Path, python: str, arch: str) -> tuple[Path | None, str]:
    """manypaths' wheel for the target, written to ``out``: (wheel, why this kind). (None, why) when
    manypaths does not run from a source tree: the target then installs it from the package index."""
    import shutil
    import tempfile
    from pathlib import Path

    root = _source_root()
    if root is None:
        return None, f"manypaths=={_version()} from the package index (not running from a source tree)"
    local = f"{sys.version_info.major}.{sys.version_info.minor}"
    reason = ""
    if python != local:
        reason = f"the target runs Python {python}, this machine {local}"
    elif arch != _local_arch():
        reason = f"the target is {arch}, this machine {_local_arch()}"
    elif _auditwheel() is None:
        reason = "auditwheel is not installed (pip install 'manypaths[bundle]') to check the compiled one"
    with tempfile.TemporaryDirectory(prefix="manypaths-wheel-") as scratch:
        tree = Path(scratch) / "src-tree"
        tree.mkdir()
        for name in ("src", "setup.py", "pyproject.toml", "README.md", "LICENSE"):
            source = root / name
            if source.is_dir():
                shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd",
                                                                                   "*.egg-info"))
            elif source.exists():
                shutil.copy2(source, tree / name)
        built = Path(scratch) / "built"
        pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(built)]
        try:
            import setuptools  # type: ignore[import-untyped]  # noqa: F401  (present: no download)

            pip.append("--no-build-isolation")
        except ImportError:
            pass
        if not reason:
            try:
                _run([*pip, str(tree)], "building manypaths' compiled wheel")
                wheel = next(built.glob("*.whl"))
                if not any(n.endswith(".so") for n in _names(wheel)):
                    raise BundleError("no C compiler here: the wheel came out pure")
                return _repair(wheel, out, arch), "compiled matcher (manylinux wheel built here, checked by auditwheel)"
            except BundleError as e:
                reason = str(e).splitlines()[0]
                shutil.rmtree(built, ignore_errors=True)
        env = dict(os.environ, MANYPATHS_PURE_BUILD="1")
        _run([*pip, str(tree)], "building manypaths' pure wheel", env=env)
        wheel = next(built.glob("*.whl"))
        out.mkdir(parents=True, exist_ok=True)
        target = out / wheel.name
        shutil.copy2(wheel, target)
        return target, f"pure Python build ({reason})"


def _names(wheel: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        return z.namelist()


def _auditwheel() -> str | None:
    # This environment's auditwheel first (the bundle extra), else one on the PATH.
    import shutil

    return shutil.which("auditwheel", path=os.path.dirname(sys.executable)) or shutil.which("auditwheel")


def _repair(wheel: Path, out: Path, arch: str) -> Path:
    # auditwheel checks every symbol the extension needs against the manylinux_2_17 policy (older
    # than every target's glibc) and tags the wheel with it; a wheel it refuses is not shipped.
    import shutil

    tool = _auditwheel() or "auditwheel"
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    repaired = wheel.parent / "repaired"
    _run([tool, "repair", "--plat", f"manylinux_2_17_{arch}", "-w", str(repaired), str(wheel)],
         "auditwheel (checking the compiled wheel's glibc symbols)", env=env)
    found = next(repaired.glob("*.whl"))
    out.mkdir(parents=True, exist_ok=True)
    target = out / found.name
    shutil.copy2(found, target)
    return target


def _copy_app(source: Path, dest: Path) -> None:
    import shutil

    if source.is_dir():
        shutil.copytree(source, dest / source.name, ignore=lambda _d, names: [
            n for n in names if n in SKIPPED or n.endswith((".pyc", ".pyo"))])
    else:
        shutil.copy2(source, dest / source.name)


def _entry_source(platform: str, module: str, attribute: str) -> str:
    if platform == "lambda":
        return (f'"""Written by `manypaths bundle`: the Lambda handler is lambda_function.handler."""\n\n'
                f"from manypaths.platforms import lambda_handler\n\nfrom {module} import {attribute} as app\n\n"
                f"handler = lambda_handler(getattr(app, 'wsgi_app', app) if getattr(app, 'manypaths_entry', None) "
                f"else app)\n")
    return (f'"""Written by `manypaths bundle`: the Cloud Functions entry point is main."""\n\n'
            f"from manypaths.platforms import cloud_function\n\nfrom {module} import {attribute} as app\n\n"
            f"main = app if getattr(app, 'manypaths_entry', None) == 'gcf' else cloud_function(app)\n")


def _server_for(module: str, attribute: str) -> tuple[str, str]:
    # gunicorn for a WSGI app (a manypaths App is one); uvicorn for an ASGI-only app. The app is
    # imported here to tell: when it cannot be, gunicorn, and the report says so.
    import importlib

    from .http.wsgi import is_asgi_app

    sys.path.insert(0, os.getcwd())
    try:
        app = getattr(importlib.import_module(module), attribute)
    except Exception as e:
        return "gunicorn", f"gunicorn (could not import {module}:{attribute} to check: {type(e).__name__}; " \
                           "pass --server uvicorn for an ASGI app)"
    finally:
        sys.path.remove(os.getcwd())
    if is_asgi_app(app) and not hasattr(app, "wsgi_app") and not hasattr(app, "url_map"):
        return "uvicorn", "uvicorn (an ASGI app)"
    return "gunicorn", "gunicorn gthread (a WSGI app)"


SERVER_COMMANDS = {
    "gunicorn": "gunicorn --bind 0.0.0.0:$PORT --workers 1 --threads 8 --timeout 0 {app}",
    "uvicorn": "uvicorn --host 0.0.0.0 --port $PORT --workers 1 {app}",
}
SERVER_REQUIREMENTS = {"gunicorn": "gunicorn>=22", "uvicorn": "uvicorn>=0.30"}


def server_command(server: str, module: str, attribute: str) -> str:
    """The command the Cloud Run container runs (``$PORT`` is Cloud Run's)."""
    return SERVER_COMMANDS[server].format(app=f"{module}:{attribute}")


def bundle(spec: str, platform: str, output: str | None = None, python: str | None = None, arch: str = "x86_64",
           requirements: str | None = None, include: Sequence[str] = (), server: str | None = None) -> Path:
    """Write the artifact for ``platform`` and return its path (the zip for Lambda, a folder otherwise)."""
    import shutil
    import tempfile
    from pathlib import Path

    if platform not in PYTHONS:
        raise BundleError(f"--platform must be one of {', '.join(PYTHONS)}, not {platform!r}")
    python = python or f"{sys.version_info.major}.{sys.version_info.minor}"
    if python not in PYTHONS[platform]:
        raise BundleError(f"{platform} offers Python {', '.join(PYTHONS[platform])}; not {python!r}")
    if arch not in ARCHES:
        raise BundleError(f"--arch must be x86_64 or arm64, not {arch!r}")
    arch = ARCHES[arch]
    if platform != "lambda" and arch != "x86_64":
        raise BundleError(f"{platform} runs on x86_64 only: --arch applies to Lambda")
    if server is not None and server not in SERVERS:
        raise BundleError(f"--server must be one of {', '.join(SERVERS)}, not {server!r}")
    module, attribute, source = locate_app(spec)
    entry = ENTRY[platform]
    if entry is not None and source.name in (entry, entry + ".py"):
        raise BundleError(f"the bundle writes {entry}.py itself: rename your {source.name} (e.g. to app.py)")
    if requirements is not None:
        found: Path | None = Path(requirements)
        if not found.is_file():  # type: ignore[union-attr]
            raise BundleError(f"no requirements file {requirements!r}")
    else:
        near = (Path.cwd() / module.replace(".", "/")).parent
        found = next((p for p in (near / "requirements.txt", Path.cwd() / "requirements.txt") if p.is_file()), None)
    lines, extras = read_requirements(found)
    extra_files = [Path(p) for p in include]
    for p in extra_files:
        if not p.exists():
            raise BundleError(f"--include {p}: no such file or folder")
    default_out = {"lambda": "dist/lambda.zip", "gcf": "dist/gcf", "cloudrun": "dist/cloudrun"}[platform]
    out = Path(output or default_out).resolve()

    with tempfile.TemporaryDirectory(prefix="manypaths-bundle-") as scratch:
        stage = Path(scratch) / "stage"
        stage.mkdir()
        vendor = stage / "vendor" if platform != "lambda" else Path(scratch) / "vendor"
        wheel, why = build_wheel(vendor, python, arch)
        _say(f"manypaths: {why}")
        own = f"{wheel}{extras}" if wheel is not None else f"manypaths{extras}=={_version()}"
        if platform == "lambda":
            _lambda_install(stage, [*lines, own], python, arch)
        else:
            if wheel is not None:
                own = f"./vendor/{wheel.name}{extras}"
            added: list[str] = []
            if platform == "gcf":
                added.append("functions-framework>=3.5,<4")
                chosen, note = None, ""
            else:
                chosen, note = (server, server) if server else _server_for(module, attribute)
                added.append(SERVER_REQUIREMENTS[chosen])
            names = {re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0].lower() for line in lines}
            added = [a for a in added if re.split(r"[<>=]", a)[0] not in names]
            (stage / "requirements.txt").write_text(
                "# Written by `manypaths bundle`: the app's requirements, manypaths (vendored wheel) and the server.\n"
                + "\n".join([*lines, *added, own]) + "\n", encoding="utf-8")
            if platform == "cloudrun":
                assert chosen is not None
                _say(f"manypaths: server {note}")
                command = server_command(chosen, module, attribute)
                (stage / "Dockerfile").write_text(_dockerfile(python, command), encoding="utf-8")
                (stage / "Procfile").write_text(f"web: {command}\n", encoding="utf-8")
                (stage / ".dockerignore").write_text("__pycache__\n*.pyc\n", encoding="utf-8")
        _copy_app(source, stage)
        for p in extra_files:
            _copy_app(p.resolve(), stage)
        if entry is not None:
            (stage / f"{entry}.py").write_text(_entry_source(platform, module, attribute), encoding="utf-8")
        if platform == "lambda":
            out.parent.mkdir(parents=True, exist_ok=True)
            _zip(stage, out)
        else:
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(stage, out)
    return out


def _version() -> str:
    # The installed distribution's version (the package's __init__ would import the App: a layer above).
    from importlib.metadata import version

    return version("manypaths")


def _lambda_install(stage: Path, requirements: list[str], python: str, arch: str) -> None:
    # Linux wheels for the runtime's Python and architecture, whatever this machine is: pip's
    # --platform/--python-version with binary wheels only (a package with no such wheel is named).
    import shutil

    glibc = PYTHONS["lambda"][python]
    platforms = [f"manylinux2014_{arch}"] + [f"manylinux_2_{minor}_{arch}" for minor in range(18, glibc[1] + 1)]
    command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
               "--target", str(stage), "--implementation", "cp", "--python-version", python,
               "--only-binary=:all:", *(arg for p in platforms for arg in ("--platform", p)), *requirements]
    _run(command, f"installing the requirements for Lambda (Python {python}, {arch})")
    shutil.rmtree(stage / "bin", ignore_errors=True)  # console scripts: nothing runs them on Lambda


def _zip(stage: Path, out: Path) -> None:
    # Sorted entries, fixed dates and modes: the same input gives the same zip (and Lambda can read
    # every file: 0644, folders 0755).
    import zipfile

    tmp = out.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(stage.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            info = zipfile.ZipInfo(path.relative_to(stage).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    os.replace(tmp, out)


def _dockerfile(python: str, command: str) -> str:
    return (
        "# Written by `manypaths bundle --platform cloudrun`. Cloud Run sets $PORT.\n"
        f"FROM python:{python}-slim\n"
        "ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1\n"
        "WORKDIR /srv\n"
        "COPY requirements.txt ./\n"
        "COPY vendor ./vendor\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . .\n"
        "USER nobody\n"
        f"CMD exec {command}\n"
    )
