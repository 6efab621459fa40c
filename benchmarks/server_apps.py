"""The benchmarks' apps, importable by the servers: ``server_apps:manypaths_app`` (WSGI and ASGI:
gunicorn, granian), ``manypaths_asgi`` (its ASGI 3 callable, for uvicorn), ``flask_app``,
``falcon_app`` and ``fastapi_app`` (the ASGI benchmark's)."""

from __future__ import annotations

from wsgi import falcon_app as _falcon
from wsgi import flask_app as _flask
from wsgi import manypaths_app as _manypaths

manypaths_app = _manypaths()
manypaths_asgi = manypaths_app.asgi
flask_app = _flask()
falcon_app = _falcon()


def _fastapi() -> object:
    try:
        from asgi import fastapi_app
    except ImportError:  # FastAPI not installed: only the WSGI rows run
        return None
    return fastapi_app()


fastapi_app = _fastapi()
