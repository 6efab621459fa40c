"""Rule syntax, converters and the errors a bad rule raises at add()."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from manypaths.routing import BaseConverter, Map, Rule, RuleError, ValidationError


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("/a/<int:id", "malformed"),
        ("/a/<>", "malformed"),
        ("/a/<int:>", "malformed"),
        ("/a/<nope:x>", "unknown converter 'nope'"),
        ("/a/<int(min=):x>", "bad arguments"),
        ("/a/<int(bogus=1):x>", "bad arguments"),
        ("/a/<string(length=-1):x>", "bad arguments"),
        ("/a/<any():x>", "bad arguments"),
        ("/<x>/<x>", "variable 'x' appears twice"),
        ("no-slash", "starting with '/'"),
    ],
)
def test_rule_bad_text_fails_at_add_with_rule_quoted(text: str, problem: str) -> None:
    with pytest.raises(RuleError) as info:
        Map([Rule(text, endpoint="e")])
    assert problem in str(info.value)
    assert repr(text) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_rule_same_text_and_method_twice_fails() -> None:
    m = Map([Rule("/p/<int:id>", endpoint="show", methods=["GET"])])
    m.add(Rule("/p/<int:id>", endpoint="update", methods=["POST"]))  # other method: fine
    with pytest.raises(RuleError, match="already registered for GET, HEAD"):
        m.add(Rule("/p/<int:id>", endpoint="again", methods=["get"]))
    with pytest.raises(RuleError, match="already registered for all methods"):
        m.add(Rule("/p/<int:id>", endpoint="any"))


def test_rule_methods_string_and_empty_rejected() -> None:
    with pytest.raises(TypeError, match="not the string"):
        Rule("/", endpoint="e", methods="GET")
    with pytest.raises(RuleError, match="never match"):
        Rule("/", endpoint="e", methods=[])


def test_rule_methods_case_insensitive_and_get_implies_head() -> None:
    rule = Rule("/", endpoint="e", methods=["get", "Post"])
    assert rule.methods == {"GET", "HEAD", "POST"}


def test_rule_shared_url_dispatches_by_method() -> None:
    m = Map([Rule("/post/<id>", endpoint="show", methods=["GET"]),
             Rule("/post/<id>", endpoint="update", methods=["POST"])])
    assert m.match("/post/7", "GET") == ("show", {"id": "7"})
    assert m.match("/post/7", "post") == ("update", {"id": "7"})
    assert m.match("/post/7", "HEAD") == ("show", {"id": "7"})


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        ("/<int(min=1):id>", "/5", {"id": 5}),
        ("/<int(signed=True):n>", "/-5", {"n": -5}),
        ("/<int(fixed_digits=3):n>", "/007", {"n": 7}),
        ("/<float:f>", "/2.5", {"f": 2.5}),
        ("/<string(length=2):cc>", "/de", {"cc": "de"}),
        ("/<any(about, help):page>", "/help", {"page": "help"}),
        ("/<path:rest>", "/a/b/c", {"rest": "a/b/c"}),
        ("/f/<a>.<b>", "/f/x.y", {"a": "x", "b": "y"}),
        ("/<uuid:u>", "/12345678-1234-5678-1234-567812345678",
         {"u": uuid.UUID("12345678-1234-5678-1234-567812345678")}),
    ],
)
def test_converters_convert_matched_text(rule: str, path: str, expected: dict[str, Any]) -> None:
    assert Map([Rule(rule, endpoint="e")]).match(path) == ("e", expected)


class SlugConverter(BaseConverter):
    regex = r"[a-z0-9-]+"

    def to_python(self, value: str) -> str:
        if value.startswith("-"):
            raise ValidationError
        return value


def test_custom_converter_per_map_and_validation_error_tries_next_rule() -> None:
    m = Map(
        [Rule("/<slug:s>", endpoint="slug"), Rule("/<other>", endpoint="other")],
        converters={"slug": SlugConverter},
    )
    assert m.match("/hello-1") == ("slug", {"s": "hello-1"})
    assert m.match("/-bad") == ("other", {"other": "-bad"})
    with pytest.raises(RuleError, match="unknown converter 'slug'"):
        Map([Rule("/<slug:s>", endpoint="e")])  # no global registry


def test_custom_converter_with_slash_spans_segments() -> None:
    class Everything(BaseConverter):
        regex = r"[a-z]+(?:/[a-z]+)*"

    assert Everything.part_isolating is False
    m = Map([Rule("/x/<all:v>", endpoint="e")], converters={"all": Everything})
    assert m.match("/x/a/b") == ("e", {"v": "a/b"})


def test_int_fast_test_equals_the_regex_on_every_code_point() -> None:
    import re

    # The generated matcher tests <int> parts with str.isdecimal() instead of the regex \d+.
    pattern = re.compile(r"\d+\Z")
    disagree = [c for c in map(chr, range(0x110000)) if bool(pattern.match(c)) != c.isdecimal()]
    assert disagree == []


def test_a_rule_makes_its_url_builder_on_first_use() -> None:
    rule = Rule("/posts/<int:post_id>", endpoint="post")
    with pytest.raises(AttributeError, match=r"/posts/<int:post_id>.* is not bound to a map"):
        rule.build({"post_id": 1})  # unbound: nothing to build with, said with the rule
    first = Map([rule])
    assert rule.suitable_for({"post_id": 1}, None) and not rule.suitable_for({}, None)  # made here
    assert rule.build({"post_id": 7, "q": "x"}) == "/posts/7?q=x"
    assert first.build("post", {"post_id": 7}) == "/posts/7"
    other = Rule("/drafts/<int:post_id>", endpoint="draft")
    Map([other])
    assert other.build({"post_id": 8}) == "/drafts/8"  # made by build itself
