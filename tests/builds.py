"""The two builds of the route matcher, for tests that must hold for both: the compiled C matcher
(src/manypaths/routing/_speedups.c, built in place by ``make test``) and the pure-Python one.

``prepared(map, build)`` prepares a Map (its first match) with the compiled matcher on or off, and
checks that the build asked for is the one answering. Under ``make test`` (and so CI),
MANYPATHS_REQUIRE_COMPILED=1 makes a missing compiled matcher a failure, not a skip.
"""

from __future__ import annotations

import os

import pytest

from manypaths.routing import Map, RoutingError
from manypaths.routing.compiler import compiled_core, use_compiled

BUILDS = ["pure", "compiled"]


def require(build: str) -> None:
    if build == "compiled" and compiled_core() is None:
        if os.environ.get("MANYPATHS_REQUIRE_COMPILED"):
            pytest.fail("the compiled matcher is not built (make test builds it: setup.py build_ext --inplace)")
        pytest.skip("the compiled matcher is not built here (make test builds it)")


def prepared(m: Map, build: str) -> Map:
    """``m``, prepared for matching by the ``build`` matcher (``"pure"`` or ``"compiled"``)."""
    require(build)
    m.fast_after = 0  # the compiled matcher from the first match on (not after 16)
    use_compiled(build == "compiled")
    try:
        try:
            m.match("/")
        except RoutingError:
            pass
    finally:
        use_compiled(True)
    compiled = type(m.__dict__.get("match")).__name__ == "FastMatch"
    assert compiled == (build == "compiled"), f"asked for the {build} matcher"
    return m
