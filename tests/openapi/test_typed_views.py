"""Typed views: values read from the request by the view's annotations, validated (422 with RFC 9457
problem details naming each failing value), and the return value checked and sent as JSON."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from typing import Annotated, Any, TypedDict

import msgspec
import pydantic
import pytest

from manypaths import App, Body, Cookie, Header, Path, Query, Response
from manypaths.exceptions import RequestValidationError
from tests.aio.asgi_client import call


@dataclasses.dataclass
class Address:
    city: str
    zip: str


@dataclasses.dataclass
class NewUser:
    name: str
    age: int = 0
    addresses: list[Address] = dataclasses.field(default_factory=list)


class UserTD(TypedDict):
    id: int
    name: str


class Point(msgspec.Struct):
    x: float
    y: float


class Order(pydantic.BaseModel):
    item: str
    quantity: int = pydantic.Field(ge=1)
    price: float


def make_app() -> App:
    app = App(__name__)

    @app.get("/search")
    def search(q: Annotated[str, Query()], limit: Annotated[int, Query(ge=1, le=50)] = 10,
               exact: Annotated[bool, Query()] = False, tags: Annotated[tuple[str, ...], Query()] = (), page_size: Annotated[int | None, Query(alias="page-size")] = None) -> dict[str, Any]:
        return {"q": q, "limit": limit, "exact": exact, "tags": tags, "page_size": page_size}

    @app.get("/whoami")
    def whoami(x_api_key: Annotated[str, Header()], session: Annotated[str | None, Cookie()] = None,
               agent: Annotated[str, Header(alias="User-Agent")] = "?") -> dict[str, Any]:
        return {"key": x_api_key, "session": session, "agent": agent}

    @app.post("/users", status=201)
    def create_user(user: NewUser) -> UserTD:
        return {"id": 7, "name": user.name}

    @app.post("/points")
    def add_point(point: Point) -> Point:
        return Point(point.x + 1, point.y + 1)

    @app.post("/orders")
    def order(order: Order) -> Order:
        return order

    @app.post("/numbers")
    def numbers(values: Annotated[list[int], Body()]) -> int:
        return sum(values)

    @app.post("/maybe")
    def maybe(user: NewUser | None = None) -> dict[str, Any]:
        return {"user": None if user is None else user.name}

    @app.get("/items/<item_id>")
    def item(item_id: Annotated[int, Path(ge=1)], verbose: Annotated[bool, Query()] = False) -> dict[str, Any]:
        return {"item_id": item_id, "verbose": verbose}

    @app.get("/typed/<int:n>")
    def typed(n: int) -> list[UserTD]:
        return [{"id": i, "name": f"u{i}"} for i in range(n)]

    @app.get("/broken")
    def broken() -> UserTD:
        return {"id": "seven", "name": "x"}  # type: ignore[typeddict-item]

    @app.get("/text")
    def text(name: Annotated[str, Query()] = "you") -> str:
        return f"hello {name}"

    @app.get("/response")
    def response(code: Annotated[int, Query()] = 200) -> Response:
        return Response("custom", status=code)

    @app.get("/pair")
    def pair() -> tuple[UserTD, int]:
        return {"id": 1, "name": "a"}, 202

    @app.get("/async")
    async def async_view(delay: Annotated[float, Query()] = 0.0) -> list[int]:
        await asyncio.sleep(delay)
        return [1, 2, 3]

    return app


@pytest.fixture
def client() -> Any:
    return make_app().test_client()


def errors(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.data
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    return list(problem["errors"])


def test_query_parameters_are_converted_and_defaulted(client: Any) -> None:
    r = client.get("/search?q=lamp&limit=5&exact=true&tags=a&tags=b&page-size=3")
    assert r.status_code == 200
    assert r.get_json() == {"q": "lamp", "limit": 5, "exact": True, "tags": ["a", "b"], "page_size": 3}
    assert client.get("/search?q=x").get_json() == {"q": "x", "limit": 10, "exact": False, "tags": [], "page_size": None}


def test_every_failing_query_value_is_listed(client: Any) -> None:
    found = errors(client.get("/search?limit=500&exact=maybe&page-size=x"))
    by_path = {e["path"]: e for e in found}
    assert set(by_path) == {"q", "limit", "exact", "page-size"}
    assert all(e["location"] == "query" for e in found)
    assert by_path["q"]["message"] == "Missing required query parameter"
    assert "<= 50" in by_path["limit"]["message"]
    assert "bool" in by_path["exact"]["message"]


def test_headers_and_cookies(client: Any) -> None:
    client.set_cookie("session", "s1")
    r = client.get("/whoami", headers={"X-Api-Key": "k", "User-Agent": "probe"})
    assert r.get_json() == {"key": "k", "session": "s1", "agent": "probe"}
    found = errors(client.get("/whoami"))
    assert found == [{"location": "header", "path": "x-api-key", "message": "Missing required header parameter"}]


def test_dataclass_body_and_status(client: Any) -> None:
    r = client.post("/users", json={"name": "Ada", "addresses": [{"city": "London", "zip": "N1"}]})
    assert r.status_code == 201 and r.get_json() == {"id": 7, "name": "Ada"}
    assert r.headers["Content-Type"] == "application/json"
    found = errors(client.post("/users", json={"name": "Ada", "addresses": [{"city": "London", "zip": 1}]}))
    assert found == [{"location": "body", "path": "addresses[0].zip", "message": "Expected `str`, got `int`"}]
    found = errors(client.post("/users", json={"age": 3}))
    assert found[0]["location"] == "body" and "name" in found[0]["message"]


def test_malformed_missing_and_mistyped_bodies(client: Any) -> None:
    found = errors(client.post("/users", data=b'{"name": ', content_type="application/json"))
    assert found[0]["location"] == "body" and found[0]["message"].startswith("Invalid JSON")
    found = errors(client.post("/users"))
    assert found == [{"location": "body", "path": "", "message": "Missing request body (JSON)"}]
    r = client.post("/users", data={"name": "Ada"})  # a form, not JSON
    assert r.status_code == 415 and b"application/json" in r.data
    assert client.post("/users", data=b'{"name": "x"}', content_type="application/vnd.api+json").status_code == 201
    assert client.post("/maybe").get_json() == {"user": None}  # optional body: absent is fine
    assert client.post("/maybe", json={"name": "Lin"}).get_json() == {"user": "Lin"}


def test_struct_typeddict_and_scalar_bodies(client: Any) -> None:
    assert client.post("/points", json={"x": 1, "y": 2.5}).get_json() == {"x": 2.0, "y": 3.5}
    assert client.post("/numbers", json=[1, 2, 3]).get_json() == 6
    found = errors(client.post("/numbers", json=[1, "two"]))
    assert found == [{"location": "body", "path": "[1]", "message": "Expected `int`, got `str`"}]


def test_pydantic_model_lists_every_error(client: Any) -> None:
    r = client.post("/orders", json={"item": "lamp", "quantity": 2, "price": 9.5})
    assert r.status_code == 200 and r.get_json() == {"item": "lamp", "quantity": 2, "price": 9.5}
    found = errors(client.post("/orders", json={"item": "lamp", "quantity": 0}))
    assert {e["path"] for e in found} == {"quantity", "price"}
    assert all(e["location"] == "body" for e in found)
    found = errors(client.post("/orders", data=b"{nope", content_type="application/json"))
    assert found[0]["location"] == "body"


def test_path_values_validated_against_annotations(client: Any) -> None:
    assert client.get("/items/12?verbose=1").get_json() == {"item_id": 12, "verbose": True}
    assert errors(client.get("/items/abc"))[0]["location"] == "path"
    assert errors(client.get("/items/0"))[0] == {"location": "path", "path": "item_id", "message": "Expected `int` >= 1"}
    assert client.get("/typed/2").get_json() == [{"id": 0, "name": "u0"}, {"id": 1, "name": "u1"}]


def test_return_values(client: Any, caplog: Any) -> None:
    assert client.get("/text?name=Lin").data == b"hello Lin"  # text stays text
    r = client.get("/response?code=418")
    assert r.status_code == 418 and r.data == b"custom"
    r = client.get("/pair")
    assert r.status_code == 202 and r.get_json() == {"id": 1, "name": "a"}
    with caplog.at_level(logging.ERROR):
        r = client.get("/broken")
    assert r.status_code == 500  # the server's fault, not the client's: never a 422
    assert b"seven" not in r.data and b"Traceback" not in r.data
    assert any("does not match its return annotation" in str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info)


def test_async_typed_view_under_wsgi_and_asgi() -> None:
    app = make_app()
    assert app.test_client().get("/async?delay=0").get_json() == [1, 2, 3]
    assert app.test_client().get("/async?delay=soon").status_code == 422
    answer = asyncio.run(call(app, "GET", "/async?delay=0"))
    assert answer.status == 200 and answer.json() == [1, 2, 3]
    answer = asyncio.run(call(app, "POST", "/users", body=b'{"name": 5}', headers=[("content-type", "application/json")]))
    assert answer.status == 422 and answer.json()["errors"][0]["path"] == "name"


def test_validation_errors_can_be_handled() -> None:
    app = make_app()

    @app.errorhandler(RequestValidationError)
    def invalid(error: RequestValidationError) -> Any:
        return {"bad": [e["path"] for e in error.errors]}, 400

    r = app.test_client().get("/search?limit=0")
    assert r.status_code == 400 and r.get_json() == {"bad": ["q", "limit"]}
    other = make_app()
    other.register_error_handler(422, lambda e: ("nope", 422))
    assert other.test_client().get("/search").data == b"nope"


def test_flask_views_stay_untyped() -> None:
    # A Flask idiom: one view, two rules, the variable defaulted. Not a query parameter.
    app = App(__name__)

    @app.route("/page", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n: int) -> str:
        return f"page {n}"

    @app.route("/opt")
    @app.route("/opt/<x>")
    def opt(x: str | None = None) -> str:
        return f"x={x}"

    def login_required(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)
        return wrapper

    @app.route("/guarded/<name>")
    @login_required
    def guarded(name: str) -> dict[str, str]:
        return {"name": name}

    c = app.test_client()
    assert c.get("/page?n=5").data == b"page 1"
    assert c.get("/opt?x=5").data == b"x=None"
    assert c.get("/guarded/a").get_json() == {"name": "a"}
    assert not app._any_typed and not any(known.typed for known in app._endpoints.values())


def test_decorated_and_method_views_are_typed_through_their_wrappers() -> None:
    app = App(__name__)

    def logged(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)
        return wrapper

    @app.get("/double")
    @logged
    def double(n: Annotated[int, Query()]) -> int:
        return n * 2

    class Resource:
        def triple(self, n: Annotated[int, Query()]) -> int:
            return n * 3

    app.add_url_rule("/triple", view_func=Resource().triple)
    c = app.test_client()
    assert c.get("/double?n=4").get_json() == 8
    assert c.get("/triple?n=4").get_json() == 12
    assert errors(c.get("/triple?n=x"))[0]["path"] == "n"


def test_programming_errors_name_the_view() -> None:
    app = App(__name__)
    app.testing = True

    @app.post("/two")
    def two(a: NewUser, b: NewUser) -> str:
        return "?"

    @app.get("/unknown")
    def unknown(x: Annotated[NoSuchType, Query()]) -> str:  # type: ignore[name-defined]  # noqa: F821
        return "?"

    with pytest.raises(TypeError, match="'two' reads the JSON body into both 'a' and 'b'"):
        app.test_client().post("/two", json={})
    with pytest.raises(TypeError, match="annotations of view 'unknown'"):
        app.test_client().get("/unknown")
    with pytest.raises(TypeError, match="status for '/x' must be an HTTP status code"):
        app.add_url_rule("/x", "x", lambda: "", status="201")


@dataclasses.dataclass
class Note:
    text: str


def test_route_status_applies_to_an_untyped_value_with_headers() -> None:
    # route(status=201) on a typed view whose return is not annotated: (value, headers) is answered
    # with the route's status (as with an annotation); a status the view gives itself still wins.
    app = App(__name__)

    @app.post("/notes", status=201)
    def create(note: Note):  # type: ignore[no-untyped-def]
        if note.text == "exists":
            return {"error": "exists"}, 409, {"X-Why": "duplicate"}
        return {"text": note.text}, {"Location": "/notes/1"}

    client = app.test_client()
    created = client.post("/notes", json={"text": "a"})
    assert (created.status_code, created.headers["Location"], created.get_json()) == (201, "/notes/1", {"text": "a"})
    clash = client.post("/notes", json={"text": "exists"})
    assert (clash.status_code, clash.headers["X-Why"]) == (409, "duplicate")
