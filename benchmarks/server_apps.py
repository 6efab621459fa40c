"""The WSGI benchmark's apps, importable by gunicorn: ``server_apps:manypaths_app`` and so on."""

from __future__ import annotations

from wsgi import falcon_app as _falcon
from wsgi import flask_app as _flask
from wsgi import manypaths_app as _manypaths

manypaths_app = _manypaths()
flask_app = _flask()
falcon_app = _falcon()
