"""The two builds of the route matcher, for tests that must hold for both: the compiled C matcher
(src/manypaths/routing/_speedups.c, built in place by ``make test``) and the pure-Python one.

``prepared(map, build)`` prepares a Map (its first match) with the compiled matcher on or off, and
checks that the build asked for is the one answering. Under ``make test`` (and so CI),
MANYPATHS_REQUIRE_COMPILED=1 makes a missing compiled matcher a failure, not a skip (``needs_compiled``).
"""

from __future__ import annotations

import os

import pytest

from manypaths.routing import Map, RoutingError
from manypaths.routing.compiler import compiled_core, use_compiled


def _environ_builder() -> object:
    from manypaths.asgi import environ

    return environ._compiled_environ


def _json_writer() -> object:
    try:
        from manypaths.http import _speedups as _json
    except ImportError:
        return None
    return _json.Encoder


# The compiled parts: the matcher, the ASGI environ builder (asgi/_environ.c) and the JSON writer
# (http/_speedups.c).
_MISSING = compiled_core() is None or _environ_builder() is None or _json_writer() is None
_REQUIRED = bool(os.environ.get("MANYPATHS_REQUIRE_COMPILED"))

#: A marker for tests of the compiled matcher: they skip only where it is not built and not
#: required (a machine without a C compiler); under make test / CI a missing build fails them.
needs_compiled = pytest.mark.skipif(_MISSING and not _REQUIRED,
                                    reason="the compiled matcher is not built here (make test builds it)")

BUILDS = ["pure", pytest.param("compiled", marks=needs_compiled)]


def prepared(m: Map, build: str) -> Map:
    """``m``, prepared for matching by the ``build`` matcher (``"pure"`` or ``"compiled"``)."""
    assert build == "pure" or compiled_core() is not None, \
        "the compiled matcher is not built (make test builds it: setup.py build_ext --inplace)"
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
