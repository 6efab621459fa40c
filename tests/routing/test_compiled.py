"""The compiled matcher (routing/_speedups.c) against the pure one, on the cases where it must hand
over or decide a miss itself: every answer (hit, 404, 405, redirect, error) is the same in both
builds, and where the answer is known it is asserted too."""

from __future__ import annotations

import traceback
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
    for _ in range(3):  # the pure fallback walks, then generated; the compiled: walked, remembered, recalled
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


# -- remembered answers (the compiled build's cache, see remember() in _speedups.c) ------------------


def _cache(m: Map) -> dict[str, dict[str, Any]]:
    """The compiled matcher's remembered answers: method -> {path: answer}."""
    import gc

    held = gc.get_referents(m.__dict__["match"])
    return next(o for o in held if isinstance(o, dict) and o is not m._static)


@needs_compiled
@pytest.mark.parametrize("path", ["/users/7", "/users/", "/users/ann/posts/3", "/about"])
def test_a_remembered_answer_is_a_fresh_dict_whatever_the_caller_did(path: str) -> None:
    m = prepared(Map([*rules(), Rule("/about", endpoint="about", defaults={"lang": "en"}, methods=["GET"])]), "compiled")
    expected = m.match(path)
    m.match(path)  # seen twice: remembered
    assert path in _cache(m)["GET"]
    for change in (lambda d: d.update(extra=1), lambda d: d.clear(), lambda d: d.update({k: "x" for k in d}),
                   lambda d: d.popitem() if d else d.update(added=2)):
        _, args = m.match(path)
        change(args)
        del args  # dropped by the caller: the answer object may be handed out again, never its changes
        assert m.match(path) == expected
    held = [m.match(path) for _ in range(3)]  # held by the caller: distinct dicts
    assert len({id(a[1]) for a in held}) == 3 and all(a == expected for a in held)
    held[0][1]["changed"] = True
    assert m.match(path) == expected


@needs_compiled
def test_a_remembered_path_answers_each_method_and_form() -> None:
    m = prepared(Map(rules()), "compiled")
    for _ in range(3):
        assert m.match("/users/7") == ("user", {"user_id": 7})
        assert m.match("/users/7", "DELETE") == ("delete_user", {"user_id": 7})
        rule, args = m.match("/users/7", return_rule=True)
        assert (rule.rule, rule.endpoint, args) == ("/users/<int:user_id>", "user", {"user_id": 7})
        with pytest.raises(MethodNotAllowed) as info:
            m.match("/users/7", "POST")
        assert info.value.allowed == frozenset({"GET", "HEAD", "PUT", "DELETE"})
        with pytest.raises(MethodNotAllowed) as info:
            m.match("/only-post/x")  # a plain rule: the 405 is decided (and remembered) in C
        assert info.value.allowed == frozenset({"POST"}) and info.value.method == "GET"
        with pytest.raises(NotFound) as missing:
            m.match("/users/7/x")
        assert missing.value.path == "/users/7/x"
    cache = _cache(m)
    assert "/users/7" in cache["GET"] and "/users/7" in cache["DELETE"]
    assert "/only-post/x" in cache["GET"] and "/users/7/x" in cache["GET"]


@needs_compiled
def test_a_remembered_miss_is_raised_afresh() -> None:
    m = prepared(Map(rules()), "compiled")
    raised = []
    for _ in range(4):
        with pytest.raises(NotFound) as info:
            m.match("/nothing")
        raised.append(info.value)
    assert len({id(e) for e in raised}) == 4  # a new exception each time: no traceback piles up
    assert len({len(traceback.extract_tb(e.__traceback__)) for e in raised}) == 1
    assert [str(e) for e in raised] == ["no rule matches '/nothing'"] * 4


@needs_compiled
def test_only_paths_seen_twice_are_remembered_and_the_table_stays_bounded() -> None:
    m = prepared(Map(rules()), "compiled")
    for k in range(5000):  # a scanner, or unique ids: each path once
        m.match(f"/users/{k}")
        with pytest.raises(NotFound):
            m.match(f"/scan/{k}")
    assert len(_cache(m).get("GET", {})) == 0
    for k in range(5000):  # every path twice: remembered, and the table is emptied when full
        for _ in range(2):
            assert m.match(f"/users/{k}") == ("user", {"user_id": k})
    assert 0 < len(_cache(m)["GET"]) <= 1024
    long_path = "/users/ann/posts/" + "1" * 300
    for _ in range(3):  # too long to remember, answered all the same
        assert m.match(long_path) == ("post", {"name": "ann", "n": int("1" * 300)})
    assert long_path not in _cache(m)["GET"]


@needs_compiled
def test_answers_of_converters_and_added_rules_are_never_stale() -> None:
    calls: list[str] = []

    class Lookup(BaseConverter):  # as a converter loading a record: called for every request
        def to_python(self, value: str) -> dict[str, str]:
            calls.append(value)
            return {"record": value}

    m = prepared(Map([Rule("/r/<lookup:x>", endpoint="r"), Rule("/users/<int:n>", endpoint="user")],
                     converters={"lookup": Lookup}), "compiled")
    for _ in range(3):
        assert m.match("/r/a") == ("r", {"x": {"record": "a"}})
        with pytest.raises(NotFound):
            m.match("/later/1")
    assert calls == ["a", "a", "a"]
    m.add(Rule("/later/<int:n>", endpoint="later"))  # a new rule: the remembered 404 is gone with the old matcher
    assert m.match("/later/1") == ("later", {"n": 1})


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
