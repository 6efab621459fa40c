"""Finding 1: a subclassed built-in converter's checks ran only until the map was compiled.

A subclass of ``IntegerConverter``/``FloatConverter`` that overrides ``to_python`` (to refuse
values, or to load a record) was inlined as plain ``int()``/``float()`` once the map had served
16 matches: the 17th request for a refused id reached the view. Every request must be checked.
"""

from __future__ import annotations

from typing import Any

import pytest

from manypaths import App
from manypaths.routing import FloatConverter, IntegerConverter, Map, NotFound, Rule, ValidationError
from manypaths.routing.compiler import use_compiled
from tests.builds import BUILDS


class AccountId(IntegerConverter):
    def to_python(self, value: str) -> Any:
        if int(value) == 13:
            raise ValidationError()
        return {"account": int(value)}


class Positive(FloatConverter):
    def to_python(self, value: str) -> Any:
        number = float(value)
        if number > 100:
            raise ValidationError()
        return ("price", number)


class ThreeDigits(IntegerConverter):
    regex = r"\d{3}"


class DeclaredSafe(IntegerConverter):
    inline_safe = True  # promises to_python is int(): may be inlined


@pytest.mark.parametrize("build", BUILDS)
def test_overridden_to_python_runs_on_every_request(build: str) -> None:
    use_compiled(build == "compiled")
    try:
        app = App(__name__, converters={"account": AccountId})

        @app.route("/acct/<account:a>")
        def acct(a: Any) -> Any:
            return {"a": repr(a)}

        c = app.test_client()
        assert [c.get("/acct/13").status_code for _ in range(40)] == [404] * 40
        answers = [c.get("/acct/5").get_json() for _ in range(40)]
        assert answers == [{"a": repr({"account": 5})}] * 40
    finally:
        use_compiled(True)


@pytest.mark.parametrize("build", BUILDS)
def test_subclass_never_inlined_in_the_map(build: str) -> None:
    use_compiled(build == "compiled")
    try:
        m = Map([Rule("/p/<price:p>", endpoint="p"), Rule("/n/<three:n>", endpoint="n"),
                 Rule("/s/<safe:n>", endpoint="s")],
                converters={"price": Positive, "three": ThreeDigits, "safe": DeclaredSafe})
        for _ in range(40):
            assert m.match("/p/1.5") == ("p", {"p": ("price", 1.5)})
            with pytest.raises(NotFound):
                m.match("/p/101.5")
            assert m.match("/n/123") == ("n", {"n": 123})
            with pytest.raises(NotFound):
                m.match("/n/1234")
            assert m.match("/s/7") == ("s", {"n": 7})
    finally:
        use_compiled(True)
    rules = {r.endpoint: r for r in m.iter_rules()}
    assert rules["p"].inline is None and rules["n"].inline is None
    assert rules["s"].inline == ("int",)  # declared in its own body: inlined


def test_inline_safe_is_not_inherited() -> None:
    class Child(DeclaredSafe):
        def to_python(self, value: str) -> Any:
            raise ValidationError()

    assert Child().inline is None
    assert IntegerConverter().inline == "int" and FloatConverter().inline == "float"
