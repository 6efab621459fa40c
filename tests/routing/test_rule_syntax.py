"""Rule text is read by hand (no regex at import); this pins it to werkzeug's own rule regex."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.routing import rules as werkzeug_rules

from manypaths.routing import RuleError
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
