"""Rules: parsing werkzeug's rule syntax into matchable parts and buildable pieces."""

from __future__ import annotations

from .converters import PATH_SAFE, BaseConverter, is_validation_error, quote_segment
from .exceptions import RuleError

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
    from typing import Any

    from .map import Map

    Weight = tuple[int, tuple[tuple[int, int], ...], int, tuple[int, ...]]

# Rule text is read by hand, not with a regex: ``re`` (and ``enum`` under it) cost a cold start
# milliseconds, and most rules never need one (``<id>`` and ``<int:id>`` parts are tested with
# str methods). ``re`` is imported when a rule's converter or mixed part needs a regex.
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_ARG_PATTERN = r"""
    \s*((?P<name>\w+)\s*=\s*)?
    (?P<value>True|False|\d+.\d+|\d+.|\d+|[\w\d_.]+|[urUR]?(?P<stringval>"[^"]*?"|'[^']*'))
    \s*,
"""
_QUERY_SAFE = "!$'()*,/:;?@"
_CONSTANTS: dict[str, Any] = {"None": None, "True": True, "False": False}


def parse_converter_args(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse ``1, min=2, name='x'`` the way werkzeug does; raise ``ValueError`` on junk."""
    text = text.rstrip()
    if text.endswith(","):
        text = text[:-1]  # a trailing comma, as werkzeug accepts: ``any(a, b,)``
    if not text.strip():
        return (), {}
    import re

    text += ","
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    position = 0
    for item in re.finditer(_ARG_PATTERN, text, re.VERBOSE | re.UNICODE):
        if item.start() != position:
            raise ValueError(f"cannot parse converter argument {text[position:item.start()]!r}")
        raw = item.group("stringval")
        value = raw[1:-1] if raw is not None else _literal(item.group("value"))
        name = item.group("name")
        if name:
            if name in kwargs:
                raise ValueError(f"converter argument {name!r} given twice")
            kwargs[name] = value
        else:
            args.append(value)
        position = item.end()
    if position != len(text):
        raise ValueError(f"cannot parse converter argument {text[position:-1]!r}")
    return tuple(args), kwargs


def _name_end(text: str, pos: int) -> int:
    # The end of a name ([a-zA-Z_][a-zA-Z0-9_]*) starting at pos, or pos if none starts there.
    if pos >= len(text) or text[pos] not in _NAME_START:
        return pos
    end = pos + 1
    while end < len(text) and text[end] in _NAME_CHARS:
        end += 1
    return end


def _variable(text: str, pos: int) -> tuple[str | None, str | None, str, int] | None:
    """``<converter(arguments):name>`` at ``text[pos] == "<"``: (converter, arguments, name, end), as
    werkzeug's rule regex reads it; None if it is not one."""
    start = pos + 1
    end = _name_end(text, start)
    if end == start:
        return None
    following = text[end:end + 1]
    if following == "(":
        # The regex's lazy ``\((.*?)\):``: the first "):" after which a name and ">" follow,
        # with no line break inside the arguments.
        search = end + 1
        while (close := text.find("):", search)) >= 0 and "\n" not in text[end + 1:close]:
            name_end = _name_end(text, close + 2)
            if name_end > close + 2 and text[name_end:name_end + 1] == ">":
                return text[start:end], text[end + 1:close], text[close + 2:name_end], name_end + 1
            search = close + 1
        return None
    if following == ":":
        name_end = _name_end(text, end + 1)
        if name_end > end + 1 and text[name_end:name_end + 1] == ">":
            return text[start:end], None, text[end + 1:name_end], name_end + 1
        return None
    if following == ">":
        return None, None, text[start:end], end + 1
    return None


def tokenize(text: str, rule: str | None = None) -> Iterator[tuple[str, Any]]:
    """Rule text as werkzeug's rule regex reads it: ``("/", "/")``, ``("static", text)`` and
    ``("variable", (converter or None, arguments or None, name))``.

    Raises:
        RuleError: text that is none of these (``rule`` names the rule in the message).
    """
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "/":
            yield "/", "/"
            pos += 1
        elif char != "<":
            end = pos + 1
            while end < len(text) and text[end] not in "</":
                end += 1
            yield "static", text[pos:end]
            pos = end
        else:
            found = _variable(text, pos)
            if found is None:
                raise RuleError(rule or text, f"malformed at position {pos}: {text[pos:pos + 20]!r}")
            converter, arguments, variable, pos = found
            yield "variable", (converter, arguments, variable)


def merge_slashes(text: str) -> str:
    """Runs of slashes as one (``//a///b`` -> ``/a/b``)."""
    while "//" in text:
        text = text.replace("//", "/")
    return text


def _literal(value: str) -> Any:
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value




_ANY_SEGMENT = frozenset({r"(?P<_mp0>[^/]+)\Z", r"(?P<_mp0>[^/]{1,})\Z"})
# Parts whose whole regex a str method decides exactly: for str patterns "\d" is Unicode
# category Nd, which is what str.isdecimal() tests (and it is False for "").
_STR_TESTS = {r"(?P<_mp0>\d+)\Z": "isdecimal"}


# What re.escape escapes (Python 3.7+), without importing re.
_REGEX_SPECIAL = {i: "\\" + chr(i) for i in b"()[]{}?*+-|^$\\.&~# \t\n\r\v\f"}


def _escape(text: str) -> str:
    return text.translate(_REGEX_SPECIAL)


def _regex_match(content: str) -> Callable[[str], Any]:
    # The part's regex, compiled on first use: parts decided by a str test never need it.
    compiled: Any = None
    if content in _ANY_SEGMENT or content in _STR_TESTS:
        def match(text: str) -> Any:
            nonlocal compiled
            if compiled is None:
                import re

                compiled = re.compile(content).match
            return compiled(text)

        return match
    import re

    return re.compile(content).match


class DynamicPart:
    """One ``/``-delimited part holding converters (or, if ``final``, the rest of the path)."""

    __slots__ = ("content", "final", "suffixed", "weight", "key", "match", "names", "any_segment", "str_test")

    def __init__(self, content: str, final: bool, suffixed: bool, weight: Weight, count: int) -> None:
        self.content = content
        self.final = final
        self.suffixed = suffixed
        self.weight = weight
        self.key = (content, final, suffixed, weight)
        self.names = tuple(f"_mp{i}" for i in range(count))
        # The default converter alone in a part matches any non-empty segment: skip the regex.
        self.any_segment = not final and content in _ANY_SEGMENT
        self.str_test = None if final else _STR_TESTS.get(content)
        self.match: Callable[[str], Any] = _regex_match(content)


_SLASH = (False, "/")  # a "/" in a rule's trace

# A bound rule's URL-builder fields, made by Rule._compile_builder on first use.
_BUILDER_FIELDS = ("_template", "_fills", "build_pieces", "_required", "_query_excluded")


class Rule:
    """A URL rule: ``Rule("/post/<int:post_id>", endpoint="show_post", methods=["GET"])``.

    Args:
        string: the rule text, starting with ``/``; variables are ``<converter(args):name>``.
        endpoint: what a match returns (any hashable, usually the view's name).
        methods: the HTTP methods it accepts (case-insensitive; GET implies HEAD); None: all.
        defaults: values passed to the view for variables the rule text does not have.
        strict_slashes: override the map's: a rule ending in ``/`` requested without it redirects.
        merge_slashes: override the map's: ``//`` in a request path redirects to ``/``.
        redirect_to: a rule text (``"/new/<id>"``) or ``callable(map, **values)`` to redirect to.
        build_only: the rule builds URLs but never matches.

    Raises:
        RuleError: the text is malformed (reported with the rule when bound to a map).
    """

    __slots__ = (
        "rule", "endpoint", "methods", "defaults", "strict_slashes", "merge_slashes",
        "redirect_to", "build_only", "provide_automatic_options", "arguments", "map", "parts", "converters",
        "default_redirects",
        "_trace", "names", "plain", "inline", "_to_python", "_template", "_fills", "build_pieces", "_required", "_query_excluded",
    )  # fmt: skip

    def __init__(
        self,
        string: str,
        *,
        endpoint: Hashable = None,
        methods: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        build_only: bool = False,
    ) -> None:
        if not isinstance(string, str) or not string.startswith("/"):
            raise RuleError(str(string), "a rule must be a string starting with '/'")
        try:
            hash(endpoint)
        except TypeError:
            raise RuleError(string, f"endpoint {endpoint!r} is not hashable") from None
        self.rule = string
        self.endpoint: Any = endpoint
        self.methods: frozenset[str] | None = None
        if methods is not None:
            if isinstance(methods, str):
                raise TypeError(f"methods of rule {string!r} must be a list of strings, like ['GET'], "
                                f"not the string {methods!r}")
            upper = {str(m).upper() for m in methods}
            if not upper:
                raise RuleError(string, "methods is empty: the rule could never match")
            if "GET" in upper:
                upper.add("HEAD")
            self.methods = frozenset(upper)
        self.defaults: dict[str, Any] | None = dict(defaults) if defaults else None
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_to = redirect_to
        self.build_only = build_only
        #: Earlier rules of the endpoint whose defaults may make them this one's canonical URL (Map.add).
        self.default_redirects: tuple[Rule, ...] = ()
        #: Set by the App: OPTIONS on this rule is answered with ``Allow`` instead of calling the view.
        self.provide_automatic_options = False
        self.arguments: frozenset[str] = frozenset(self.defaults or ())
        self.map: Map | None = None
        self.parts: list[str | DynamicPart] = []
        self.converters: dict[str, BaseConverter] = {}

    def bind(self, map: Map) -> None:
        """Resolve converters and map-wide settings, and compile the rule for ``map``."""
        if self.map is not None and self.map is not map:
            raise RuleError(self.rule, "this rule already belongs to another map")
        rebound = self.map is not None
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        text = merge_slashes(self.rule) if self.merge_slashes else self.rule
        self.converters = {}
        self._trace: list[tuple[bool, str]] = []
        parts = self._parse_plain(text, map) if "(" not in text else None
        if parts is None:
            self.converters = {}
            self._trace = []
            parts = list(self._parse(text, map.converters))
        self.parts = parts
        self.arguments = frozenset(self.converters) | frozenset(self.defaults or ())
        self.names = tuple(self.converters)
        base_to_python = BaseConverter.to_python
        self._to_python = tuple(
            (name, conv.to_python)
            for name, conv in self.converters.items()
            if type(conv).to_python is not base_to_python
        )
        # A plain rule's values need no conversion: the matcher zips them with the names.
        self.plain = not self._to_python and not self.defaults
        # Conversions the generated matcher can write inline (int(v), float(v)), if all are such.
        # A converter class of werkzeug's (a ported app's) has no ``inline``: it is called, not inlined.
        inline = tuple(getattr(conv, "inline", None) for conv in self.converters.values())
        self.inline: tuple[str, ...] | None = None if self.defaults or None in inline else inline  # type: ignore[assignment]
        # The URL builder is made on the first build (url_for), not here: most rules of a function
        # are never built, and a cold start registers them all. A rebind forgets the old one.
        for field in _BUILDER_FIELDS if rebound else ():
            try:
                object.__delattr__(self, field)
            except AttributeError:  # never made
                pass

    # (No __getattr__ for the builder's lazy fields: a class with one has none of its attribute
    # reads specialised by CPython — rule.endpoint on every request cost ~45 ns more. The readers of
    # those fields make them, below.)
    def _ensure_builder(self) -> None:
        """Make the URL builder's fields if they are not made yet (a bound rule's first build)."""
        try:
            self._fills  # noqa: B018 (made with the others)
        except AttributeError:
            if self.map is None:
                raise AttributeError(f"{type(self).__name__} {self.rule!r} is not bound to a map: it cannot build "
                                     "URLs yet") from None
            self._compile_builder()

    def _parse_plain(self, text: str, map: Map) -> list[str | DynamicPart] | None:
        # The parts of a rule whose every segment is static text or one whole variable without
        # arguments ("/repos/<owner>/<int:id>"), as _parse makes them, from the map's parts of
        # such segments (a cold start registers hundreds of rules sharing a few). None for any
        # other rule (_parse reads it: the same answers, errors included).
        parts: list[str | DynamicPart] = [""]
        trace = self._trace
        converters = self.converters
        known = map._segment_parts
        segments = text.split("/")
        for i in range(1, len(segments)):
            segment = segments[i]
            trace.append(_SLASH)
            if "<" not in segment:
                if segment:
                    trace.append((False, segment))
                parts.append(segment)
                continue
            hit = known.get(segment)
            if hit is None:
                found = _variable(segment, 0) if segment[0] == "<" else None
                if found is None or found[3] != len(segment):
                    return None
                converter, _, variable, _ = found
                conv = self._converter(variable, converter or "default", None, map.converters)
                if not conv.part_isolating:
                    return None
                part = self._part(f"(?P<_mp0>{conv.regex})", False, False, False, [], [conv.weight], 1)
                if len(known) < 1024:
                    known[segment] = (part, variable, conv)
            else:
                part, variable, conv = hit
                if variable in converters:
                    raise RuleError(self.rule, f"variable {variable!r} appears twice")
                converters[variable] = conv
            trace.append((True, variable))
            parts.append(part)
        return parts

    def _parse(self, text: str, converters: Mapping[str, type[BaseConverter]]) -> Iterable[str | DynamicPart]:
        content = ""
        static = True
        final = False
        count = 0
        static_weights: list[tuple[int, int]] = []
        argument_weights: list[int] = []
        for kind, value in tokenize(text, self.rule):
            if kind == "/":
                self._trace.append((False, "/"))
                if final:
                    content += "/"
                else:
                    yield self._part(content, static, False, False, static_weights, argument_weights, count)
                    content, static, final, count = "", True, False, 0
                    static_weights, argument_weights = [], []
            elif kind == "static":
                static_weights.append((len(static_weights), -len(value)))
                self._trace.append((False, value))
                content += value if static else _escape(value)
            else:
                converter, arguments, variable = value
                if static:
                    content = _escape(content)
                static = False
                conv = self._converter(variable, converter or "default", arguments, converters)
                if not conv.part_isolating:
                    final = True
                content += f"(?P<_mp{count}>{conv.regex})"
                count += 1
                argument_weights.append(conv.weight)
                self._trace.append((True, variable))
        suffixed = final and content.endswith("/")
        if suffixed:
            # "/<path:p>/" matches with or without the slash; the slash is then checked apart.
            content = content[:-1] + "(?<!/)(?P<_mpslash>/?)"
        part = self._part(content, static, final, suffixed, static_weights, argument_weights, count)
        yield part
        if suffixed:
            yield ""

    def _part(
        self,
        content: str,
        static: bool,
        final: bool,
        suffixed: bool,
        static_weights: list[tuple[int, int]],
        argument_weights: list[int],
        count: int,
    ) -> str | DynamicPart:
        if static:
            return content
        # Orders the dynamic parts at one place: more static pieces first, longer static text first,
        # more converters first, then lower converter weights (werkzeug's Weighting).
        weight: Weight = (-len(static_weights), tuple(static_weights), -len(argument_weights), tuple(argument_weights))
        try:
            return DynamicPart(content + r"\Z", final, suffixed, weight, count)
        except ValueError as e:  # re.error
            raise RuleError(self.rule, f"a converter's regex does not compile: {e}") from None

    def _converter(
        self,
        variable: str,
        name: str,
        arguments: str | None,
        converters: Mapping[str, type[BaseConverter]],
    ) -> BaseConverter:
        if variable in self.converters:
            raise RuleError(self.rule, f"variable {variable!r} appears twice")
        # Converters do not change once built: a map shares one per spelling ("<owner>" x 100).
        shared = self.map._converter_cache if self.map is not None else {}
        key = (name, arguments)
        conv = shared.get(key)
        if conv is not None:
            self.converters[variable] = conv
            return conv
        cls = converters.get(name)
        if cls is None:
            known = ", ".join(sorted(converters))
            raise RuleError(self.rule, f"unknown converter {name!r} (known: {known})")
        try:
            args, kwargs = parse_converter_args(arguments or "")
            conv = cls(self.map, *args, **kwargs)
        except (TypeError, ValueError) as e:
            raise RuleError(self.rule, f"bad arguments for converter {name!r}: {e}") from None
        self.converters[variable] = shared[key] = conv
        return conv

    def _compile_builder(self) -> None:
        # Pre-quote static text and fold variables that have defaults into constants.
        defaults = self.defaults or {}
        ops: list[tuple[bool, str]] = []
        for dynamic, data in self._trace:
            if dynamic and data in defaults:
                dynamic, data = False, self.converters[data].to_url(defaults[data])
            elif not dynamic:
                data = quote_segment(data)
            if not dynamic and ops and not ops[-1][0]:
                ops[-1] = (False, ops[-1][1] + data)
            else:
                ops.append((dynamic, data))
        # A str.format template: static text pre-quoted (braces doubled), "{}" per variable.
        if any(dynamic for dynamic, _ in ops):
            self._template = "".join("{}" if dynamic else data.replace("{", "{{").replace("}", "}}")
                                     for dynamic, data in ops)
        else:
            self._template = "".join(data for _, data in ops)
        self._fills = tuple((data, self.converters[data].to_url) for dynamic, data in ops if dynamic)
        self.build_pieces: tuple[tuple[bool, str], ...] = tuple(ops)  # (is a variable, name or quoted text)
        self._required = self.arguments - frozenset(defaults)
        self._query_excluded = self.arguments

    def convert(self, values: tuple[str, ...]) -> dict[str, Any] | None:
        """The view arguments for matched ``values``, or None if a converter rejects one."""
        args = dict(zip(self.names, values))
        for name, to_python in self._to_python:
            try:
                args[name] = to_python(args[name])
            except ValueError as e:  # ours, or werkzeug's ValidationError from a ported app's converter
                if not is_validation_error(e):
                    raise
                return None
        if self.defaults:
            args.update(self.defaults)
        return args

    def suitable_for(self, values: Mapping[str, Any], method: str | None) -> bool:
        """Whether ``values`` (and ``method``) can build this rule (a None value counts as absent)."""
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        try:
            required = self._required
        except AttributeError:
            self._ensure_builder()
            required = self._required
        for key in required:
            if values.get(key) is None:
                return False
        if self.defaults:
            for key, value in self.defaults.items():
                given = values.get(key)
                if given is not None and given != value:
                    return False
        return True

    def build(self, values: Mapping[str, Any], append_unknown: bool = True) -> str:
        """The path (and query string) for ``values``; raise ``ValueError`` if a value does not fit."""
        try:
            fills = self._fills
        except AttributeError:
            self._ensure_builder()
            fills = self._fills
        path = self._template.format(*[to_url(values[name]) for name, to_url in fills]) if fills else self._template
        if append_unknown and not self._query_excluded.issuperset(values):
            query = [(k, v) for k, v in _multi_items(values) if k not in self._query_excluded and v is not None]
            if query:
                from urllib.parse import urlencode

                path += "?" + urlencode(query, safe=_QUERY_SAFE)
        return path

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods is not None else ""
        return f"<Rule {self.rule!r}{methods} -> {self.endpoint!r}>"

    def redirect_url(self, values: Mapping[str, Any]) -> str:
        """The target of ``redirect_to`` for matched ``values`` (relative to the app root)."""
        target = self.redirect_to
        if callable(target):
            return str(target(self.map, **values))
        import re

        return re.sub(r"<([^>]+)>", lambda m: self.converters[m.group(1)].to_url(values[m.group(1)]), str(target))


def _multi_items(values: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                yield key, item
        else:
            yield key, value


__all__ = ["PATH_SAFE", "DynamicPart", "Rule", "parse_converter_args"]
