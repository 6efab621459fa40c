"""The apps of the driver conformance test (test_conformance.py), importable by functions-framework.

- ``plain``: no hooks, no post-processing: the fast paths (WSGI's str/dict answer, ASGI inline).
- ``logged``: the access log on and a custom ``response_class`` (a header set in its ``__init__``),
  still without hooks: the two cases the ASGI copy of the WSGI driver got wrong.
- ``full``: before/after/teardown hooks, CORS, compression, the access log, error handlers.
"""

from __future__ import annotations

from typing import Annotated, Any

from manypaths import App, Query, Response, abort, after_this_request, request, session, url_for
from manypaths.cors import CORS
from manypaths.platforms import cloud_function

#: (hook, path) of every hook call, in order: compared across drivers.
CALLS: list[tuple[str, str]] = []


class TaggedResponse(Response):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers.set("X-Response-Class", "tagged")


def _routes(app: App) -> App:
    @app.get("/")
    def index() -> str:
        return "hello"

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> Any:
        return {"id": user_id, "name": f"user{user_id}"}

    @app.get("/only-get")
    def only_get() -> str:
        return "get"

    @app.get("/dir/")
    def directory() -> str:
        return "dir"

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("view failed")

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403, "no entry")

    @app.get("/stream")
    def stream() -> Any:
        def chunks() -> Any:
            yield "one,"
            yield "two,"
            yield "three"
        return Response(chunks(), content_type="text/plain")

    @app.get("/astream")
    def astream() -> Any:
        async def chunks() -> Any:
            for part in ("async ", "chunks"):
                yield part
        return Response(chunks(), content_type="text/plain")

    @app.get("/cookie")
    def cookie() -> Any:
        response = app.make_response(("set", 201, {"X-Extra": "1"}))
        response.set_cookie("a", "1", httponly=True)
        response.set_cookie("b", "2", path="/x")
        return response

    @app.get("/typed")
    def typed(limit: Annotated[int, Query(ge=1)] = 10) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/where")
    def where() -> Any:
        return {"host": request.host, "url": url_for("where", _external=True)}

    @app.get("/args")
    def args() -> Any:
        return {"path": request.path, "args": request.args.to_dict(flat=False)}

    @app.post("/echo")
    def echo() -> Any:
        return {"json": request.get_json(), "length": request.content_length}

    @app.get("/big")
    def big() -> str:
        return "compress me " * 400

    @app.get("/made")
    def made() -> Any:
        return "made", 201

    @app.get("/accepted")
    def accepted() -> Any:
        return {"queued": True}, 202

    @app.get("/listed")
    def listed() -> Any:
        return [{"id": 1}, {"id": 2}]

    @app.get("/listed-created")
    def listed_created() -> Any:
        return [1, 2, 3], 201

    @app.get("/raw")
    def raw() -> Any:
        return b"\x00raw bytes"

    @app.get("/raw-created")
    def raw_created() -> Any:
        return b"raw", 201

    @app.get("/located")
    def located() -> Any:
        return "made", 201, {"Location": "/made/1", "X-Count": 3}

    @app.get("/tagged")
    def tagged() -> Any:
        return {"a": 1}, {"X-Tag": "t", "Content-Type": "application/vnd.api+json"}

    @app.get("/response")
    def response_object() -> Any:
        return Response("made by hand, grüße")  # (kept as text until read: dispatch.finish answers it)

    @app.get("/response-touched")
    def response_touched() -> Any:
        response = Response("touched")
        response.headers["X-Touched"] = "1"
        return response

    @app.get("/response-replaced")
    def response_replaced() -> Any:
        response = Response("old body")
        response.response = [b"new body"]  # (as long as the old: the Content-Length stays the old one's)
        return response

    @app.get("/response-status")
    def response_status() -> Any:
        response = Response("gone")
        response.status_code = 410
        return response

    @app.get("/bad-header")
    def bad_header() -> Any:
        return "x", 200, {"X-Bad": "a\r\nSet-Cookie: evil=1"}

    @app.get("/empty")
    def empty() -> Any:
        return "dropped", 204

    @app.get("/hook-boom")
    def hook_boom() -> str:
        return "never reached in the full app"

    @app.get("/session")
    def read_session() -> str:
        # A session opened (the cookie refused: an empty one) and saved: Vary: Cookie, no Set-Cookie.
        return str(session.get("user", "nobody"))

    @app.get("/after-this")
    def after_this() -> str:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers.set("X-After-This", "1")
            return response

        return "tagged later"

    @app.on_cloudevent(type="com.example.*")
    def cloudevent(event: Any) -> None:
        # A CloudEvent is a way in of its own: the same core on every driver (host check, hooks).
        CALLS.append(("cloudevent", event.id))
        if event.data == {"fail": True}:
            raise RuntimeError("handler failed")

    app.secret_key = "conformance"
    return app


def make(name: str) -> App:
    """A new app of that kind: every driver gets its own, so none inherits what another decided."""
    if name == "plain":
        app = _routes(App("conformance.plain", access_log=False))
        return app
    if name == "logged":
        app = App("conformance.logged", access_log=True)
        app.response_class = TaggedResponse
        return _routes(app)
    if name == "fastlog":  # the access log on the fast road (no hook, the stock Response)
        return _routes(App("conformance.fastlog", access_log=True))
    app = App("conformance.full", access_log=True, compress=True, cors=CORS(["https://app.example"]))
    app.response_class = TaggedResponse
    _routes(app)

    @app.before_request
    def before() -> None:
        CALLS.append(("before", request.path))
        if request.path == "/hook-boom":
            raise RuntimeError("hook failed")

    @app.after_request
    def after(response: Response) -> Response:
        CALLS.append(("after", request.path))
        response.headers.set("X-After", "1")
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        CALLS.append(("teardown", request.path))

    @app.errorhandler(403)
    def forbidden(error: Any) -> Any:
        return {"error": "forbidden", "detail": error.description}, 403

    return app


NAMES = ("plain", "logged", "fastlog", "full")

# functions-framework targets
plain_fn = cloud_function(make("plain"))
logged_fn = cloud_function(make("logged"))
fastlog_fn = cloud_function(make("fastlog"))
full_fn = cloud_function(make("full"))

# granian targets (RSGI, its native interface: App.__rsgi__)
plain_app = make("plain")
logged_app = make("logged")
fastlog_app = make("fastlog")
full_app = make("full")
