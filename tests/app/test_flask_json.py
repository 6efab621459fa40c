"""The JSON provider (issue 10), side by side with Flask: ``app.json`` settings, ``jsonify``, the
``json`` module helpers and the extra types, byte for byte."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import io
import json
import uuid
from types import SimpleNamespace
from typing import Any

import flask
import flask.json
import flask.json.provider
import pytest

import manypaths
import manypaths.json

FLASK = SimpleNamespace(App=flask.Flask, json=flask.json, jsonify=flask.jsonify, request=flask.request,
                        Provider=flask.json.provider.DefaultJSONProvider)
OURS = SimpleNamespace(App=manypaths.App, json=manypaths.json, jsonify=manypaths.jsonify, request=manypaths.request,
                       Provider=manypaths.json.DefaultJSONProvider)


@dataclasses.dataclass
class Point:
    x: int
    label: str


class Markup:
    def __html__(self) -> str:
        return "<b>safe</b>"


VALUES: dict[str, Any] = {
    "plain": {"b": 1, "a": [1, 2.5, None, True], "é": "ünïcode ✓"},
    "types": {"when": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc),
              "day": datetime.date(2024, 5, 1), "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
              "price": decimal.Decimal("10.50"), "point": Point(1, "p"), "html": Markup()},
    "list": [3, {"z": 1, "y": 2}],
    "string": "just a string",
    "nested": {"outer": {"inner": {"deep": [1, {"k": "v"}]}}},
}


def build(ns: Any, settings: dict[str, Any], debug: bool = False) -> Any:
    app = ns.App("jsonapp")
    app.debug = debug
    for key, value in settings.items():
        setattr(app.json, key, value)

    @app.route("/return/<name>")
    def returned(name: str) -> Any:
        value = VALUES[name]
        return value if isinstance(value, (dict, list)) else ns.jsonify(value)

    @app.route("/jsonify/args")
    def many() -> Any:
        return ns.jsonify(1, "two", {"b": 2, "a": 1})

    @app.route("/jsonify/kwargs")
    def keywords() -> Any:
        return ns.jsonify(z=1, a=Point(2, "q"))

    @app.route("/dumps", methods=["POST"])
    def dumps() -> Any:
        body = ns.request.get_json()
        return ns.json.dumps({"got": body, "loaded": ns.json.loads('{"x": [1, 2]}')})

    return app


SETTINGS = [
    {},
    {"sort_keys": False},
    {"ensure_ascii": False},
    {"compact": False},
    {"compact": True},
    {"mimetype": "application/vnd.api+json"},
    {"sort_keys": False, "ensure_ascii": False, "compact": False},
]
PATHS = [f"/return/{name}" for name in VALUES] + ["/jsonify/args", "/jsonify/kwargs"]


def _answer(app: Any, method: str, path: str, **kw: Any) -> tuple[int, str, bytes]:
    response = app.test_client().open(path, method=method, **kw)
    return response.status_code, response.headers["Content-Type"], response.data


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "stock")
def test_responses_like_flask(settings: dict[str, Any], debug: bool) -> None:
    ours, theirs = build(OURS, settings, debug), build(FLASK, settings, debug)
    for path in PATHS:
        assert _answer(ours, "GET", path) == _answer(theirs, "GET", path), path
    kw = {"data": '{"b": "é", "a": 1}', "content_type": "application/json"}
    assert _answer(ours, "POST", "/dumps", **kw) == _answer(theirs, "POST", "/dumps", **kw)


def test_the_stock_answer_is_flasks_exact_bytes() -> None:
    status, ctype, body = _answer(build(OURS, {}), "GET", "/return/types")
    assert (status, ctype) == (200, "application/json")
    assert body == (b'{"day":"Wed, 01 May 2024 00:00:00 GMT","html":"<b>safe</b>",'
                    b'"id":"12345678-1234-5678-1234-567812345678","point":{"label":"p","x":1},"price":"10.50",'
                    b'"when":"Wed, 01 May 2024 12:30:00 GMT"}\n')


@pytest.mark.parametrize("ns", [FLASK, OURS], ids=["flask", "manypaths"])
def test_custom_provider_class_and_assignment(ns: Any) -> None:
    class Sets(ns.Provider):  # type: ignore[misc,name-defined]
        @staticmethod
        def default(value: Any) -> Any:
            if isinstance(value, (set, frozenset)):
                return sorted(value)
            return ns.Provider.default(value)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            value = super().loads(s, **kwargs)
            return {"wrapped": value} if isinstance(value, dict) else value

    class MyApp(ns.App):  # type: ignore[misc,name-defined]
        json_provider_class = Sets

    app = MyApp("custom")

    @app.route("/set", methods=["POST"])
    def with_set() -> Any:
        return {"tags": {"b", "a"}, "day": datetime.date(2024, 1, 2), "body": ns.request.get_json()}

    response = app.test_client().post("/set", json={"k": 1})
    assert json.loads(response.data) == {"tags": ["a", "b"], "day": "Tue, 02 Jan 2024 00:00:00 GMT",
                                   "body": {"wrapped": {"k": 1}}}
    plain = ns.App("plain")
    plain.json = Sets(plain)

    @plain.route("/")
    def index() -> Any:
        return {"s": {3, 1}}

    assert plain.test_client().get("/").data == b'{"s":[1,3]}\n'


@pytest.mark.parametrize("ns", [FLASK, OURS], ids=["flask", "manypaths"])
def test_module_helpers_outside_and_inside_an_app(ns: Any) -> None:
    value = {"b": Point(1, "x"), "a": decimal.Decimal("1.5")}
    outside = ns.json.dumps(value)
    assert ns.json.loads(outside) == {"b": {"x": 1, "label": "x"}, "a": "1.5"}
    app = ns.App("mod")
    app.json.ensure_ascii = False
    with app.app_context():
        assert ns.json.dumps({"é": 1, "a": 2}) == '{"a": 2, "é": 1}'
        out = io.StringIO()
        ns.json.dump([1], out)
        assert out.getvalue() == "[1]" and ns.json.load(io.StringIO("[2]")) == [2]
        assert ns.jsonify(x=1).get_data() == b'{"x":1}\n'


def test_module_helpers_same_text_as_flask() -> None:
    value = {"b": Point(1, "x"), "a": decimal.Decimal("1.5"), "d": datetime.date(2020, 2, 29)}
    assert manypaths.json.dumps(value) == flask.json.dumps(value)
    assert manypaths.json.dumps(value, indent=1, sort_keys=True) == flask.json.dumps(value, indent=1, sort_keys=True)
    for app_ns in (OURS, FLASK):
        app_ns.app = app_ns.App("m")
    with OURS.app.app_context():
        ours = manypaths.json.dumps(value)
    with FLASK.app.app_context():
        theirs = flask.json.dumps(value)
    assert ours == theirs


def test_unserialisable_value_names_its_type() -> None:
    app = manypaths.App("bad")

    @app.route("/")
    def index() -> Any:
        return {"x": object()}

    app.testing = True
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        app.test_client().get("/")
