"""Fuzz the compiled matcher against the pure one: hypothesis-made paths and methods on the GitHub
API route set and a converter-heavy set, each asked three times (walked, remembered, recalled).
Every answer must be the same in both builds. ``make test-sanitize`` runs it with many more
examples (MANYPATHS_FUZZ_EXAMPLES) against the compiled core built with ASan and UBSan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manypaths.routing import Map, Rule
from tests.builds import needs_compiled, prepared
from tests.routing.test_differential import _ours

EXAMPLES = int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "200"))
GITHUB = Path(__file__).parents[2] / "benchmarks" / "routesets" / "github_api_werkzeug.txt"


def _github_rules() -> list[Rule]:
    rules = []
    for k, line in enumerate(GITHUB.read_text().splitlines()):
        if line.strip():
            method, rule = line.split()
            rules.append(Rule(rule, endpoint=f"e{k}", methods=[method]))
    return rules


def _converter_rules() -> list[Rule]:
    return [Rule("/i/<int:a>/<int(signed=True):b>", endpoint="ints"), Rule("/f/<float:f>", endpoint="float"),
            Rule("/p/<path:p>/end", endpoint="path"), Rule("/u/<uuid:u>", endpoint="uuid"),
            Rule("/s/<string(length=3):s>/", endpoint="len3"), Rule("/a/<any(x, y):c>", endpoint="any"),
            Rule("/m/<a>.<b>", endpoint="mixed", methods=["POST"]), Rule("/", endpoint="root")]


def _pair(make: Any) -> tuple[Map, Map]:
    return prepared(Map(make()), "pure"), prepared(Map(make()), "compiled")


segments = st.one_of(
    st.sampled_from(["repos", "users", "i", "f", "p", "u", "s", "a", "m", "end", "", "x", "y", "1", "-2", "1.5",
                     "123456789012345678", "1234567890123456789012", "a.b", "%41", "ü", "日本",
                     "0f8fad5b-d9cb-469f-a165-70867728950e", "abc"]),
    st.text(max_size=12),
    st.from_regex(r"\A[0-9]{1,25}\Z"),
)
paths = st.lists(segments, max_size=7).map(lambda parts: "/" + "/".join(parts))
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "BREW", ""])


_MAPS: dict[str, tuple[Map, Map]] = {}


def _maps(name: str) -> tuple[Map, Map]:
    if name not in _MAPS:
        _MAPS[name] = _pair(_github_rules if name == "github" else _converter_rules)
    return _MAPS[name]


@needs_compiled
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["github", "converters"]), paths, methods)
def test_compiled_matcher_agrees_with_the_pure_one(name: str, path: str, method: str) -> None:
    pure, compiled = _maps(name)
    expected = _ours(pure, path, method)
    for attempt in range(3):
        got = _ours(compiled, path, method)
        assert got == expected, (name, path, method, attempt)
        if got[0] == "match":
            got[2]["mutated by the caller"] = attempt  # never seen in the next answer
