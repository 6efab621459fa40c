"""Rule text is read by hand (no regex at import); this pins it to werkzeug's own rule regex."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.routing import rules as werkzeug_rules

from manypaths.routing import Map, Rule, RuleError
from manypaths.routing.rules import merge_slashes, tokenize


def werkzeug_tokens(text: str) -> list[tuple[str, Any]] | None:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        m = werkzeug_rules._part_re.match(text, pos)
        if m is None:
            return None
        if m.group("slash") is not None:
            out.append(("/", "/"))
        elif m.group("static") is not None:
            out.append(("static", m.group("static")))
        else:
            out.append(("variable", (m.group("converter"), m.group("arguments"), m.group("variable"))))
        pos = m.end()
    return out


def our_tokens(text: str) -> list[tuple[str, Any]] | None:
    try:
        return list(tokenize(text))
    except RuleError:
        return None


# Few characters, most of them meaningful to the grammar, so that the odd cases come up often.
rule_text = st.text(alphabet="<>():/,=ab_1x'\"\n. ", max_size=30)
pieces = st.lists(st.sampled_from(["<", ">", "(", ")", "):", ":", "/", "a", "int", "x_1", "=", "'", "\n", "1"]),
                  max_size=14).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(rule_text, pieces))
def test_tokens_are_werkzeugs(text: str) -> None:
    assert our_tokens(text) == werkzeug_tokens(text)


@pytest.mark.parametrize(
    "text",
    [
        "/<int:id>", "/<id>", "/<any(a, b):x>/<path:rest>", "/<a(x):1(y):b>", "/<c(x)\n):d>", "/<c():d>",
        "/<c(a)b):d>", "/<1:x>", "/<x:>", "/<x", "/x>", "/<a:b:c>", "/<int(min=1):n>.json", "",
        "/<default(''):x>", "/<a()):b>",
    ],
)
def test_odd_rules_read_as_werkzeug_reads_them(text: str) -> None:
    assert our_tokens(text) == werkzeug_tokens(text)


@given(st.text(alphabet="/a", max_size=20))
def test_merge_slashes_is_the_regex(text: str) -> None:
    import re

    assert merge_slashes(text) == re.sub("/{2,}", "/", text)


class _General(Rule):
    """A rule always read by the general parser (never the shared-segment road)."""

    __slots__ = ()

    def _parse_plain(self, text: str, map: Any) -> None:
        return None


def _bound(cls: type[Rule], texts: list[str], **map_options: Any) -> list[Any]:
    # Each text bound in one map, in order: what the rule became, or the error it raised.
    target = Map(**map_options)
    out: list[Any] = []
    for i, text in enumerate(texts):
        rule = cls(text, endpoint=f"e{i}")
        try:
            rule.bind(target)
        except (RuleError, ValueError) as e:
            out.append((type(e).__name__, str(e)))
            continue
        parts = [p if isinstance(p, str) else (p.key, p.names, p.any_segment, p.str_test) for p in rule.parts]
        out.append((parts, rule._trace, {k: (type(v).__name__, v.regex) for k, v in rule.converters.items()},
                    rule.arguments, rule.names, rule.plain, rule.inline))
    return out


ROUTESETS = Path(__file__).parents[2] / "benchmarks" / "routesets"


@pytest.mark.parametrize("name", ["github_api_werkzeug.txt", "gplus_werkzeug.txt", "parse_api_werkzeug.txt",
                                  "static_werkzeug.txt"])
def test_rules_sharing_segments_read_as_the_general_parser_reads_them(name: str) -> None:
    texts = [line.split()[1] for line in (ROUTESETS / name).read_text().splitlines() if line.strip()]
    assert len(texts) > 10
    assert _bound(Rule, texts) == _bound(_General, texts)


ODD_RULES = [
    "/<int:id>", "/<id>/<id>", "/a/<int:id>/b/<int:id>", "/<path:rest>", "/x/<path:rest>/", "/<int:a>/<float:b>",
    "/<uuid:u>", "/<nope:x>", "/v<int:n>", "/<a>.json", "/<a><b>", "/a>b/<c>", "/<x", "/x>/", "/", "/a//b",
    "/<any(a, b):x>", "/<int(min=1):n>", "/<a:b:c>", "/<1:x>", "/<x:>", "/<string:s>/<s>", "/a/", "/<a>/",
    "/<default:x>/<x>/y", "/<int:id>", "/<id>",
]


@pytest.mark.parametrize("merge", [True, False])
def test_odd_rules_read_as_the_general_parser_reads_them(merge: bool) -> None:
    assert _bound(Rule, ODD_RULES, merge_slashes=merge) == _bound(_General, ODD_RULES, merge_slashes=merge)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["<a>", "<b>", "<int:a>", "<path:p>", "<x:y>", "a", "b<a>", "<", ">", ""]),
                         min_size=1, max_size=4).map("/".join).map(lambda t: "/" + t), min_size=1, max_size=5))
def test_any_rules_read_as_the_general_parser_reads_them(texts: list[str]) -> None:
    # Segments are remembered per map: a rule's reading never depends on the rules before it.
    assert _bound(Rule, texts) == _bound(_General, texts)
