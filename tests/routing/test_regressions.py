"""Routing fixes with werkzeug's semantics, one regression test each (issue 9)."""

from __future__ import annotations

import pytest
from werkzeug import routing as wz

from manypaths.routing import (
    BaseConverter,
    BuildError,
    Map,
    MethodNotAllowed,
    NotFound,
    Rule,
    RuleError,
    ValidationError,
)


def _both_matchers(m: Map, path: str, method: str = "GET") -> list[object]:
    """The outcome of the interpreted walk, then of the generated matcher (forced on)."""
    outcomes: list[object] = []
    for compile_after in (10**9, -1):
        m.compile_after = compile_after
        m._compiled = None
        m._walks = 0
        try:
            outcomes.append(m.match(path, method))
        except (NotFound, MethodNotAllowed) as e:
            outcomes.append((type(e).__name__, sorted(getattr(e, "allowed", ()))))
    return outcomes


def test_map_405_only_when_a_rule_accepts_the_values() -> None:
    m = Map([Rule("/<int(min=1, max=100):v>/", endpoint="a", methods=["GET", "PUT"]),
             Rule("/<int(min=1, max=100):v>/", endpoint="b", methods=["POST"])])
    assert _both_matchers(m, "/0/", "POST") == [("NotFound", [])] * 2
    assert _both_matchers(m, "/5/", "DELETE") == [("MethodNotAllowed", ["GET", "HEAD", "POST", "PUT"])] * 2
    assert _both_matchers(m, "/5/", "POST") == [("b", {"v": 5})] * 2


def test_map_converter_arguments_make_rules_different() -> None:
    m = Map([Rule("/<int(max=9):v>", endpoint="small"), Rule("/<int:v>", endpoint="big")])
    assert _both_matchers(m, "/7") == [("small", {"v": 7})] * 2
    assert _both_matchers(m, "/70") == [("big", {"v": 70})] * 2
    with pytest.raises(RuleError, match="already registered"):
        m.add(Rule("/<int(max=9):v>", endpoint="again"))


@pytest.mark.parametrize("text", ["<int(min=x):id>", "<int(max='9'):id>", "<float(min=True):f>", "<int(signed=1):n>",
                                  "<int(fixed_digits=-1):n>", "<string(length='a'):s>"])
def test_rule_bad_converter_arguments_fail_at_add(text: str) -> None:
    with pytest.raises(RuleError, match="bad arguments"):
        Map([Rule(f"/{text}", endpoint="x")])


def test_map_int_past_python_digit_limit_is_not_found() -> None:
    m = Map([Rule("/<int:n>", endpoint="n"), Rule("/f/<int:n>", endpoint="f", methods=["POST"])])
    huge = "9" * 5000
    assert _both_matchers(m, f"/{huge}") == [("NotFound", [])] * 2
    assert _both_matchers(m, f"/f/{huge}") == [("NotFound", [])] * 2
    fallback = Map([Rule("/<int:n>", endpoint="n"), Rule("/<path:p>", endpoint="p")])
    assert _both_matchers(fallback, f"/{huge}") == [("p", {"p": huge})] * 2


def test_build_error_says_each_clause_once() -> None:
    class Picky(BaseConverter):
        def to_url(self, value: object) -> str:
            raise ValidationError()

    m = Map([Rule("/a/<picky:x>", endpoint="e"), Rule("/b/<picky:x>", endpoint="e")], converters={"picky": Picky})
    with pytest.raises(BuildError) as info:
        m.build("e", {"x": 1})
    message = str(info.value)
    assert message.count("'/a/<picky:x>'") == 1 and message.count("'/b/<picky:x>'") == 1, message


def test_build_picks_the_rule_using_most_values_as_werkzeug() -> None:
    texts = [("/posts/", {}), ("/posts/<int:page>", {})]
    ours = Map([Rule(t, endpoint="posts") for t, _ in texts])
    theirs = wz.Map([wz.Rule(t, endpoint="posts") for t, _ in texts]).bind("localhost")
    for values in ({"page": 2}, {}, {"page": 3, "q": "x"}):
        assert ours.build("posts", values) == theirs.build("posts", values), values
        assert ours.build("posts", values) == theirs.build("posts", values), values  # the generated builder


def test_build_lets_a_converters_value_error_out() -> None:
    class Strict(BaseConverter):
        def to_url(self, value: object) -> str:
            raise ValueError("not for URLs")

    m = Map([Rule("/s/<strict:x>", endpoint="s")], converters={"strict": Strict})
    for _ in range(2):  # generated builder, then the generic path
        with pytest.raises(ValueError, match="not for URLs"):
            m.build("s", {"x": 1})


def test_rule_without_endpoint_is_allowed_as_in_werkzeug() -> None:
    m = Map([Rule("/x")])
    rule, args = m.match("/x", return_rule=True)
    assert rule.rule == "/x" and rule.endpoint is None and args == {}


def test_rule_any_with_trailing_comma() -> None:
    m = Map([Rule("/<any(a, b,):v>", endpoint="x")])
    assert m.match("/b") == ("x", {"v": "b"})
    with pytest.raises(NotFound):
        m.match("/c")


def test_rule_methods_as_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        Rule("/x", endpoint="x", methods="GET")


def test_rule_with_1500_variables_builds_and_matches() -> None:
    names = [f"v{i}" for i in range(1500)]
    m = Map([Rule("/" + "/".join(f"<{n}>" for n in names), endpoint="deep", methods=["POST"])])
    url = m.build("deep", {n: "a" for n in names})
    assert url == "/" + "/".join("a" * 1 for _ in names)
    for _ in range(20):  # the walk, then the generated matcher
        assert m.match(url, "POST") == ("deep", {n: "a" for n in names})
    with pytest.raises(MethodNotAllowed):
        m.match(url, "GET")


def test_build_external_without_scheme_is_scheme_relative() -> None:
    m = Map([Rule("/foo", endpoint="foo")])
    theirs = wz.Map([wz.Rule("/foo", endpoint="foo")]).bind("example.org", url_scheme="")
    assert m.build("foo", force_external=True, url_scheme="", host="example.org") == "//example.org/foo"
    assert theirs.build("foo", force_external=True) == "//example.org/foo"
