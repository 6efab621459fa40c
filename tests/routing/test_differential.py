"""Map.match agrees with werkzeug's MapAdapter.match on generated rule sets and requests.

Two deliberate differences are emulated, not loosened:

- when a converter's ``to_python`` raises ValidationError (or ``int()`` refuses more digits
  than Python's limit), manypaths tries the next rule (werkzeug's documented behaviour) while
  werkzeug >= 2.2 answers 404 (500 for the digits). The reference answer for such a case is
  werkzeug's own answer with the rejecting rule removed, repeated until no converter rejects.
- a 405 lists only methods for which some rule accepts the URL (its converters included);
  werkzeug also counts rules whose converters would reject the values. The reference drops a
  rule whose converters reject the values for one of werkzeug's ``Allow`` methods (as above) and
  asks again; it keeps a method of werkzeug's ``Allow`` only if werkzeug (with the emulation
  above) matches the request with that method, and answers 404 when none is left.
"""

from __future__ import annotations

import random
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from werkzeug import routing as wz
from werkzeug.exceptions import MethodNotAllowed as WzMethodNotAllowed
from werkzeug.exceptions import NotFound as WzNotFound

from manypaths.routing import (
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    Map,
    MethodNotAllowed,
    NotFound,
    RequestRedirect,
    Rule,
    RuleError,
    UnicodeConverter,
    ValidationError,
    compiler,
)
from tests.builds import BUILDS, prepared

RULE_SETS = 400
REQUESTS_PER_SET = 60  # 24,000 compared requests

STATICS = ["a", "b", "ab", "users", "u", "ü", "日本", "x-y", "a.b", "v1", "1", "me", "%", "a b"]
VALUES = ["a", "b", "ab", "zz", "ü", "日本", "x.y", "1", "12", "-3", "007", "1.5", "me", "a b", "%41", "١٢"]
METHODS = ["GET", "POST", "PUT", "DELETE"]
CONVERTERS = [
    "<{n}>",
    "<string:{n}>",
    "<string(length=2):{n}>",
    "<string(minlength=2, maxlength=3):{n}>",
    "<int:{n}>",
    "<int(min=1, max=50):{n}>",
    "<int(fixed_digits=3):{n}>",
    "<int(signed=True):{n}>",
    "<float:{n}>",
    "<float(min=1.5, signed=True):{n}>",
    "<path:{n}>",
    "<uuid:{n}>",
    "<any(a, b, ab):{n}>",
    "<{n}>.<{m}>",
    "v<int:{n}>",
    "<{n}>-x",
    # Subclassed built-in converters (defined below for both maps): an overridden to_python that
    # rejects a value and returns a record, an overridden regex, weight and part_isolating.
    "<acct:{n}>",
    "<half:{n}>",
    "<digits3:{n}>",
    "<light:{n}>",
    "<pair:{n}>",
]
rejections: list[Any] = []


class _Recorder:
    def to_python(self, value: str) -> Any:
        try:
            return super().to_python(value)  # type: ignore[misc]
        except wz.ValidationError:
            rejections.append(self)
            raise
        except ValueError:  # int() past sys.get_int_max_str_digits(): we reject the value
            rejections.append(self)
            raise wz.ValidationError() from None


class WzInt(_Recorder, wz.IntegerConverter):
    pass


class WzFloat(_Recorder, wz.FloatConverter):
    pass


def _account(value: str) -> Any:
    try:
        number = int(value)
    except ValueError:  # more digits than Python converts
        raise ValidationError from None
    if number == 13:
        raise ValidationError
    return ("account", number)


def _half(value: str) -> Any:
    number = float(value)
    if number > 5:
        raise ValidationError
    return number / 2


class Account(IntegerConverter):
    def to_python(self, value: str) -> Any:
        return _account(value)


class Half(FloatConverter):
    def to_python(self, value: str) -> Any:
        return _half(value)


class Digits3(IntegerConverter):
    regex = r"\d{3}"


class Light(UnicodeConverter):
    weight = 10


class Pair(BaseConverter):
    regex = r"[^/]+/[^/]+"
    part_isolating = False


OUR_CONVERTERS: dict[str, type[BaseConverter]] = {
    "acct": Account, "half": Half, "digits3": Digits3, "light": Light, "pair": Pair}


class WzAccount(_Recorder, wz.IntegerConverter):
    def to_python(self, value: str) -> Any:
        try:
            return _account(value)
        except ValidationError:
            rejections.append(self)
            raise wz.ValidationError() from None


class WzHalf(_Recorder, wz.FloatConverter):
    def to_python(self, value: str) -> Any:
        try:
            return _half(value)
        except ValidationError:
            rejections.append(self)
            raise wz.ValidationError() from None


class WzDigits3(_Recorder, wz.IntegerConverter):
    regex = r"\d{3}"


class WzLight(wz.UnicodeConverter):
    weight = 10


class WzPair(wz.BaseConverter):
    regex = r"[^/]+/[^/]+"
    part_isolating = False


WZ_CONVERTERS: dict[str, type[wz.BaseConverter]] = {
    "int": WzInt, "float": WzFloat, "acct": WzAccount, "half": WzHalf, "digits3": WzDigits3, "light": WzLight,
    "pair": WzPair}


def _segment(rnd: random.Random, names: list[str], tag: str) -> str:
    if rnd.random() < 0.6:
        return rnd.choice(STATICS)
    pattern = rnd.choice(CONVERTERS)
    n, m = f"{tag}v{len(names)}", f"{tag}v{len(names) + 1}"
    names.extend([n, m] if "{m}" in pattern else [n])
    return pattern.format(n=n, m=m)


def _rule_text(rnd: random.Random, tag: str) -> str:
    names: list[str] = []
    text = "/" + "/".join(_segment(rnd, names, tag) for _ in range(rnd.randint(0, 4)))
    if text != "/" and rnd.random() < 0.3:
        text += "/"
    return text


def _rule_set(rnd: random.Random) -> list[dict[str, Any]]:
    specs = []
    prefix_pool: list[str] = []
    for k in range(rnd.randint(2, 12)):
        text = _rule_text(rnd, f"r{k}")
        if prefix_pool and rnd.random() < 0.4:
            # Overlapping prefixes: extend or reuse a rule text already in the set.
            base = rnd.choice(prefix_pool).rstrip("/")
            text = base + text if rnd.random() < 0.7 else rnd.choice(prefix_pool)
        prefix_pool.append(text)
        methods = None if rnd.random() < 0.15 else rnd.sample(METHODS, rnd.randint(1, 2))
        spec: dict[str, Any] = {"string": text, "endpoint": f"e{k}", "methods": methods}
        if rnd.random() < 0.15:
            spec["strict_slashes"] = False
        specs.append(spec)
    return specs


def _concrete(rnd: random.Random, rule_text: str) -> str:
    out = []
    i = 0
    while i < len(rule_text):
        if rule_text[i] != "<":
            out.append(rule_text[i])
            i += 1
            continue
        j = rule_text.index(">", i)
        spec = rule_text[i + 1 : j]
        i = j + 1
        if spec.startswith("acct"):
            out.append(rnd.choice(["13", "5", "013", "x", "130"]))
        elif spec.startswith("half"):
            out.append(rnd.choice(["1.5", "5.5", "4.0", "3"]))
        elif spec.startswith("digits3"):
            out.append(rnd.choice(["123", "12", "1234", "013"]))
        elif spec.startswith("pair"):
            out.append(rnd.choice(["a/b", "a", "x/y/z"]))
        elif spec.startswith("int"):
            out.append(rnd.choice(["5", "0", "51", "123", "1234", "-7", "x", "42", "9" * 4400]))
        elif spec.startswith("float"):
            out.append(rnd.choice(["1.5", "0.5", "-2.5", "3", "10.25"]))
        elif spec.startswith("path"):
            out.append(rnd.choice(["a", "a/b", "x/y/z", "ü/日本", ""]))
        elif spec.startswith("uuid"):
            out.append(rnd.choice([str(uuid.UUID(int=rnd.getrandbits(128))), "not-a-uuid"]))
        elif spec.startswith("any"):
            out.append(rnd.choice(["a", "b", "ab", "c"]))
        else:
            out.append(rnd.choice(VALUES))
    return "".join(out)


def _mutate(rnd: random.Random, path: str) -> str:
    r = rnd.random()
    if r < 0.35:
        return path
    if r < 0.5:
        return path[:-1] if path.endswith("/") else path + "/"
    if r < 0.6:
        k = rnd.randrange(len(path))
        return path[:k] + "/" + path[k:] if path[k:k + 1] == "/" else path.replace("/", "//", 1)
    if r < 0.7:
        return "//" + path.lstrip("/")
    if r < 0.8:
        segments = path.split("/")
        segments[rnd.randrange(len(segments))] = rnd.choice(VALUES + STATICS + [""])
        return "/".join(segments)
    if r < 0.9:
        return path + "/" + rnd.choice(VALUES)
    return rnd.choice(["", "/", "//", "/a", "/a/", "/日本/ü"])


_adapters: dict[str, tuple[wz.Map, wz.MapAdapter]] = {}


def _adapter(specs: list[dict[str, Any]]) -> tuple[wz.Map, wz.MapAdapter]:
    key = repr(specs)
    if key not in _adapters:
        if len(_adapters) > 64:
            _adapters.clear()
        wmap = wz.Map([wz.Rule(**s) for s in specs], converters=WZ_CONVERTERS)
        _adapters[key] = (wmap, wmap.bind("localhost"))
    return _adapters[key]


def _werkzeug(specs: list[dict[str, Any]], path: str, method: str, filter_allowed: bool = True) -> tuple[Any, ...]:
    live = list(specs)
    while True:
        wmap, adapter = _adapter(live)
        rejections.clear()
        try:
            endpoint, args = adapter.match(path, method)
            return ("match", endpoint, args)
        except wz.RequestRedirect as e:
            url = urlsplit(e.new_url)
            return ("redirect", url.path + (f"?{url.query}" if url.query else ""))
        except WzMethodNotAllowed as e:
            if not rejections:
                allowed = frozenset(e.valid_methods or ())
                # werkzeug lists a rule's methods without converting; a rule whose converters
                # reject the values is absent for this request (as above), so drop it and ask again.
                for other in sorted(allowed):
                    try:
                        adapter.match(path, other)
                    except (wz.RequestRedirect, WzMethodNotAllowed, WzNotFound):
                        pass
                    if rejections:
                        break
                else:
                    if filter_allowed:
                        allowed = frozenset(m for m in allowed if _reaches_a_rule(specs, path, m))
                    return ("405", allowed) if allowed else ("404",)
        except WzNotFound:
            if not rejections:
                return ("404",)
        # The documented difference: drop the rule whose converter rejected, and ask again.
        rejected = rejections[-1]
        rule = next(r for r in wmap.iter_rules() if rejected in r._converters.values())
        live = [s for s in live if s["endpoint"] != rule.endpoint]


def _reaches_a_rule(specs: list[dict[str, Any]], path: str, method: str) -> bool:
    # The request gets an answer with this method: a match, a trailing-slash redirect (the method
    # is served there), or a match after a merged-slashes redirect.
    answer = _werkzeug(specs, path, method, filter_allowed=False)
    if answer[0] == "redirect" and "//" in path:
        answer = _werkzeug(specs, unquote(answer[1].partition("?")[0]), method, filter_allowed=False)
    return answer[0] in ("match", "redirect")


def _ours(m: Map, path: str, method: str) -> tuple[Any, ...]:
    try:
        endpoint, args = m.match(path, method)
        return ("match", endpoint, args)
    except RequestRedirect as e:
        return ("redirect", e.new_url)
    except MethodNotAllowed as e:
        return ("405", e.allowed)
    except NotFound:
        return ("404",)


def _build_pair(specs: list[dict[str, Any]], compiled: bool = False) -> tuple[Map, list[dict[str, Any]]]:
    ours = Map(converters=OUR_CONVERTERS)
    if compiled:
        ours.compile_after = -1  # the generated matcher from the first dynamic match on
    kept = []
    for s in specs:
        try:
            ours.add(Rule(**s))
        except RuleError as e:
            assert "already registered" in str(e), e
            continue
        kept.append(s)
    return ours, kept


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("matcher", ["interpreted", "compiled", "compiled-dispatch"])
@pytest.mark.parametrize("chunk", range(8))
def test_match_agrees_with_werkzeug(chunk: int, matcher: str, build: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # build: the C matcher in front ("compiled") or not ("pure"); matcher: what answers behind it
    # (or alone): the interpreted walk, the generated function, the generated dispatch tables.
    if matcher == "compiled-dispatch":
        # Every state with a static child dispatches through a dict of sub-functions.
        monkeypatch.setattr(compiler, "WIDE", 0)
    compared = 0
    for seed in range(chunk * RULE_SETS // 8, (chunk + 1) * RULE_SETS // 8):
        rnd = random.Random(seed)
        ours, specs = _build_pair(_rule_set(rnd), compiled=matcher != "interpreted")
        if matcher == "interpreted":
            ours.compile_after = 10**9
        prepared(ours, build)
        for _ in range(REQUESTS_PER_SET):
            spec = rnd.choice(specs)
            path = _mutate(rnd, _concrete(rnd, spec["string"]))
            method = rnd.choice([*METHODS, "HEAD", "get"])
            expected = _werkzeug(specs, path, method.upper())
            for attempt in range(3):  # walked; remembered (seen twice); recalled (compiled build)
                got = _ours(ours, path, method)
                assert got == expected, f"seed={seed} rules={specs} {method} {path!r} (attempt {attempt})"
                if got[0] == "match":
                    got[2]["changed by the caller"] = attempt  # never seen in the next answer
            compared += 1
    assert compared == RULE_SETS // 8 * REQUESTS_PER_SET


def test_differential_covers_every_outcome() -> None:
    outcomes: dict[str, int] = {}
    for seed in range(60):
        rnd = random.Random(seed)
        ours, specs = _build_pair(_rule_set(rnd))
        for _ in range(REQUESTS_PER_SET):
            spec = rnd.choice(specs)
            path = _mutate(rnd, _concrete(rnd, spec["string"]))
            kind = _ours(ours, path, rnd.choice(METHODS))[0]
            outcomes[kind] = outcomes.get(kind, 0) + 1
    # The generator is only useful if it reaches every kind of answer often.
    assert set(outcomes) == {"match", "redirect", "405", "404"}
    assert min(outcomes.values()) > 50, outcomes


@pytest.mark.parametrize("build", BUILDS)
def test_subclassed_converters_checked_on_every_request(build: str) -> None:
    # Maps prepared as an app prepares them (the compiled matcher and the generated one come in
    # after the first 16 matches): every path is asked 20 times, and every answer is werkzeug's.
    from manypaths.routing.compiler import use_compiled

    compared = 0
    for seed in range(40):
        rnd = random.Random(10_000 + seed)
        specs = _rule_set(rnd)
        for spec in specs:  # every rule set uses a subclassed converter
            spec["string"] = spec["string"].rstrip("/") + "/" + rnd.choice(CONVERTERS[-5:]).format(n="sub", m="sub2")
        ours, specs = _build_pair(specs)
        use_compiled(build == "compiled")
        try:
            paths = [(_concrete(rnd, rnd.choice(specs)["string"]), rnd.choice(METHODS)) for _ in range(12)]
            for _ in range(20):
                for path, method in paths:
                    assert _ours(ours, path, method) == _werkzeug(specs, path, method), f"seed={seed} {specs} {path}"
                    compared += 1
        finally:
            use_compiled(True)
        # Past 16 matches the compiled matcher answers (compiled build), the generated one (pure).
        assert (type(ours.__dict__.get("match")).__name__ == "FastMatch") == (build == "compiled")
    assert compared == 40 * 12 * 20
