"""Finding 2: request values reached view parameters the developer never marked.

``def view(is_admin=False)`` on ``/x`` ran with ``is_admin="1"`` for ``GET /x?is_admin=1``; a
``url_value_preprocessor``'s loaded object was replaced by ``?user=admin``; a decorator that
supplies an argument itself had that argument read from the request through ``__wrapped__``.
In Flask a query value never reaches a view argument: only marked parameters are read.
"""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys
import textwrap
from typing import Annotated, Any

from manypaths import App, Query


@dataclasses.dataclass
class Account:
    name: str


def test_unmarked_parameter_never_filled_from_the_query() -> None:
    app = App(__name__)

    @app.route("/x")
    def x(is_admin=False):  # type: ignore[no-untyped-def]  # a Flask view, as ported
        return {"is_admin": is_admin}

    @app.route("/y")
    def y(is_admin: bool = False, limit: Annotated[int, Query()] = 5) -> dict[str, Any]:
        return {"is_admin": is_admin, "limit": limit}

    c = app.test_client()
    assert c.get("/x?is_admin=1").get_json() == {"is_admin": False}
    # A typed view (it marks limit): its unmarked parameter is still Flask's.
    assert c.get("/y?is_admin=1&limit=7").get_json() == {"is_admin": False, "limit": 7}
    assert "x" not in app._endpoints  # no fact about it: a plain Flask view


def test_preprocessor_values_are_never_replaced() -> None:
    app = App(__name__)

    @app.url_value_preprocessor
    def load(endpoint: Any, values: Any) -> None:
        if values and "uid" in values:
            values["user"] = Account(f"user{values.pop('uid')}")

    @app.route("/<int:uid>/a")
    def a(user: Account, verbose: Annotated[bool, Query()] = False) -> dict[str, Any]:
        return {"user": user.name, "verbose": verbose}

    @app.route("/<int:uid>/b")
    def b(user: Annotated[str, Query()] = "none") -> dict[str, Any]:
        return {"user": getattr(user, "name", user)}

    c = app.test_client()
    assert c.get("/3/a?user=admin&verbose=1").get_json() == {"user": "user3", "verbose": True}
    assert c.post("/3/a", json={"name": "admin"}).status_code == 405
    assert c.get("/3/b?user=admin").get_json() == {"user": "user3"}


def test_decorator_that_supplies_an_argument_is_not_read_through() -> None:
    app = App(__name__)

    def with_account(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("account", Account("from the session"))
            return func(*args, **kwargs)
        return wrapper

    @app.post("/me")
    @with_account
    def me(account: Account, verbose: Annotated[bool, Query()] = False) -> dict[str, Any]:
        return {"account": account.name, "verbose": verbose}

    r = app.test_client().post("/me?verbose=true", json={"name": "admin"})
    assert r.get_json() == {"account": "from the session", "verbose": True}


_NO_VALIDATION = """
import sys
sys.modules["msgspec"] = None  # the validation extra is not installed
from manypaths import App
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _NO_VALIDATION + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=60)


def test_flask_style_view_on_two_endpoints_works_without_the_validation_extra() -> None:
    out = _run("""
        app = App("flaskish")

        def echo(p=""):
            return "echo:" + p

        app.add_url_rule("/", "root", echo)
        app.add_url_rule("/<path:p>", "any", echo)
        c = app.test_client()
        print([(r.status_code, r.data) for r in (c.get("/?p=q"), c.get("/a/b"))])
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[(200, b'echo:'), (200, b'echo:a/b')]"


def test_typed_view_without_the_validation_extra_fails_at_registration() -> None:
    out = _run("""
        from typing import Annotated
        from manypaths import Query
        app = App("typed")
        try:
            @app.get("/s")
            def s(q: Annotated[str, Query()]):
                return q
        except ModuleNotFoundError as e:
            print("refused:", e)
    """)
    assert out.returncode == 0, out.stderr
    assert "refused: view 's'" in out.stdout and "pip install 'manypaths[validation]'" in out.stdout


def test_typed_views_ask_the_import_system_about_the_validation_extra_once() -> None:
    # Each asking walks sys.path (~0.1 ms): a 200-view app asked once per typed view and paid ~20 ms
    # of cold start for it. Asked of the finders once, nothing imported before the first typed request.
    out = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        asked = []

        class Counting:
            def find_spec(self, name, path=None, target=None):
                if name == "msgspec":
                    asked.append(name)
                return None

        sys.meta_path.insert(0, Counting())
        from typing import Annotated
        from manypaths import App, Query

        app = App("typed")
        for i in range(50):
            def view(n: Annotated[int, Query()] = 1):
                return str(n)
            app.add_url_rule(f"/v{i}", f"v{i}", view)
        print(len(asked), "msgspec" in sys.modules)
        print(app.test_client().get("/v49?n=7").data)
    """)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["1 False", "b'7'"]
