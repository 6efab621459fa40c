"""The compiled matcher (routing/_speedups.c) against the pure one, on the cases where it must hand
over or decide a miss itself: every answer (hit, 404, 405, redirect, error) is the same in both
builds, and where the answer is known it is asserted too."""

from __future__ import annotations

from typing import Any

import pytest

from manypaths.routing import Map, MethodNotAllowed, NotFound, RequestRedirect, Rule
from manypaths.routing.converters import BaseConverter
from tests.builds import needs_compiled, prepared


def rules() -> list[Rule]:
    return [
        Rule("/", endpoint="index"),
        Rule("/users/", endpoint="users"),
        Rule("/users/<int:user_id>", endpoint="user", methods=["GET", "PUT"]),
        Rule("/users/<int:user_id>", endpoint="delete_user", methods=["DELETE"]),
        Rule("/users/<name>/posts/<int:n>", endpoint="post"),
        Rule("/loose/", endpoint="loose", strict_slashes=False),
        Rule("/caf\u00e9/<x>", endpoint="cafe"),
        Rule("/f/<float:f>", endpoint="float"),
        Rule("/id/<uuid:u>", endpoint="uuid"),
        Rule("/files/<path:p>", endpoint="files"),
        Rule("/pages/", endpoint="page", defaults={"page": 1}),
        Rule("/pages/<int:page>", endpoint="page"),
        Rule("/old/<x>", endpoint="old", redirect_to="/new/<x>"),
        Rule("/new/<x>", endpoint="new"),
        Rule("/only-post/<x>", endpoint="only_post", methods=["POST"]),
        Rule("/conv/<int(max=9):d>", endpoint="small", methods=["POST"]),
        Rule("/s/<a>-<b>", endpoint="dash"),
        Rule("/deep/" + "/".join(f"s{i}" for i in range(200)) + "/<x>", endpoint="deep"),
        Rule("/many/" + "/".join(f"<v{i}>" for i in range(70)), endpoint="many"),
    ]


def answer(m: Map, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    try:
        return ("match", *m.match(*args, **kwargs))
    except RequestRedirect as e:
        return ("redirect", e.new_url)
    except MethodNotAllowed as e:
        return ("405", e.allowed, e.path, e.method, str(e))
    except NotFound as e:
        return ("404", e.path, str(e))
    except Exception as e:  # a programming error: the same one in both builds
        return ("error", type(e).__name__)


CASES: list[tuple[tuple[Any, ...], dict[str, Any], tuple[Any, ...] | None]] = [
    (("/",), {}, ("match", "index", {})),
    (("/users/7",), {}, ("match", "user", {"user_id": 7})),
    (("/users/7", "DELETE"), {}, ("match", "delete_user", {"user_id": 7})),
    (("/users/7", "POST"), {}, ("405", frozenset({"GET", "HEAD", "PUT", "DELETE"}), "/users/7", "POST",
                                "POST '/users/7' not allowed; allowed: DELETE, GET, HEAD, PUT")),
    (("/users/ann/posts/3",), {}, ("match", "post", {"name": "ann", "n": 3})),
    (("/users/" + "9" * 5000,), {}, ("404", "/users/" + "9" * 5000, f"no rule matches {'/users/' + '9' * 5000!r}")),
    (("/users/\u0663",), {}, ("match", "user", {"user_id": 3})),  # an Arabic-Indic digit, as werkzeug
    (("/users",), {"query_string": "a=1"}, ("redirect", "/users/?a=1")),
    (("/loose",), {}, ("match", "loose", {})),
    (("/loose/",), {}, ("match", "loose", {})),
    (("/caf\u00e9/x",), {}, ("match", "cafe", {"x": "x"})),
    (("/caf\u00e9/",), {}, None),
    (("/f/1.5",), {}, ("match", "float", {"f": 1.5})),
    (("/id/12345678-1234-5678-1234-567812345678",), {}, None),
    (("/files/a/b/c.txt",), {}, ("match", "files", {"p": "a/b/c.txt"})),
    (("/pages/",), {}, ("match", "page", {"page": 1})),
    (("/pages/4",), {}, ("match", "page", {"page": 4})),
    (("/old/x",), {}, ("redirect", "/new/x")),
    (("/only-post/x", "GET"), {}, None),
    (("/conv/5", "GET"), {}, ("405", frozenset({"POST"}), "/conv/5", "GET", "GET '/conv/5' not allowed; allowed: POST")),
    (("/conv/55", "GET"), {}, None),  # the converter rejects the value: the URL does not exist
    (("/s/a-b",), {}, ("match", "dash", {"a": "a", "b": "b"})),
    (("/deep/" + "/".join(f"s{i}" for i in range(200)) + "/x",), {}, ("match", "deep", {"x": "x"})),
    (("/many/" + "/".join(str(i) for i in range(70)),), {}, ("match", "many", {f"v{i}": str(i) for i in range(70)})),
    (("//users//7",), {}, ("redirect", "/users/7")),
    (("/nothing",), {}, ("404", "/nothing", "no rule matches '/nothing'")),
    (("/users/7", "get"), {}, ("match", "user", {"user_id": 7})),
    (("/users/7",), {"method": "PUT"}, ("match", "user", {"user_id": 7})),
    (("/users/7",), {"return_rule": True}, None),
    (("/users/7", "GET"), {"return_rule": True, "query_string": "q"}, None),
    (("/users/7",), {"unknown": 1}, ("error", "TypeError")),
    ((b"/users/7",), {}, None),
    ((), {}, ("error", "TypeError")),
    (("/users/7", "GET", True), {}, ("error", "TypeError")),
]


@needs_compiled
@pytest.mark.parametrize(("args", "kwargs", "expected"), CASES, ids=[repr(c[0])[:60] + repr(c[1]) for c in CASES])
def test_both_builds_give_the_same_answer(args: tuple[Any, ...], kwargs: dict[str, Any],
                                          expected: tuple[Any, ...] | None) -> None:
    pure, compiled = prepared(Map(rules()), "pure"), prepared(Map(rules()), "compiled")
    for _ in range(2):  # once while the pure fallback walks, once generated
        got_pure, got_compiled = answer(pure, *args, **kwargs), answer(compiled, *args, **kwargs)
        if got_pure[0] == "match" and kwargs.get("return_rule"):
            got_pure, got_compiled = (got_pure[0], got_pure[1].rule, got_pure[2]), (
                got_compiled[0], got_compiled[1].rule, got_compiled[2])
        assert got_compiled == got_pure
        if expected is not None:
            assert got_compiled == expected
        pure.compile_after = compiled.compile_after = -1


@needs_compiled
def test_answers_are_fresh_dicts() -> None:
    m = prepared(Map(rules()), "compiled")
    first = m.match("/pages/")[1]
    first["page"] = 99
    assert m.match("/pages/") == ("page", {"page": 1})


@needs_compiled
def test_a_rule_added_after_the_first_match_is_matched() -> None:
    m = prepared(Map(rules()), "compiled")
    with pytest.raises(NotFound):
        m.match("/later/1")
    m.add(Rule("/later/<int:n>", endpoint="later"))
    assert "match" not in m.__dict__  # the compiled match is dropped with the rest of the preparation
    assert m.match("/later/1") == ("later", {"n": 1})
    assert type(m.__dict__["match"]).__name__ == "FastMatch"


@needs_compiled
def test_a_map_subclass_overriding_match_keeps_its_own() -> None:
    class Counting(Map):
        calls = 0

        def match(self, *args: Any, **kwargs: Any) -> Any:
            Counting.calls += 1
            return super().match(*args, **kwargs)

    m = Counting(rules())
    assert m.match("/users/7") == ("user", {"user_id": 7}) and m.match("/users/8")[1] == {"user_id": 8}
    assert Counting.calls == 2 and "match" not in m.__dict__


@needs_compiled
def test_a_custom_converter_is_called_in_both_builds() -> None:
    seen: list[str] = []

    class Upper(BaseConverter):
        def to_python(self, value: str) -> str:
            seen.append(value)
            return value.upper()

    for build in ("pure", "compiled"):
        m = prepared(Map([Rule("/u/<upper:x>", endpoint="u")], converters={"upper": Upper}), build)
        assert m.match("/u/abc") == ("u", {"x": "ABC"})
    assert seen == ["abc", "abc"]


def test_version_names_the_active_matcher(capsys: pytest.CaptureFixture[str]) -> None:
    from manypaths.cli import main
    from manypaths.routing.compiler import compiled_core

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code in (0, None)
    out = capsys.readouterr().out
    assert out.startswith("manypaths ")
    if compiled_core() is not None:
        assert "compiled matcher: C extension" in out and "_speedups" in out
    else:
        assert "pure Python" in out
