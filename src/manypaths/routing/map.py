"""The Map: a set of rules, matched in time that does not grow with their number."""

from __future__ import annotations

from .compiler import compile_builder, compile_matcher, compiled_core, may_compile, speedups_program
from .converters import DEFAULT_CONVERTERS, PATH_SAFE, is_validation_error
from .exceptions import BuildError, MethodNotAllowed, NotFound, RequestRedirect, RuleError
from .matcher import ALLOWED, CONVERT, EMPTY, SlashRequired, State, new_context, walk, walk_deep
from .rules import merge_slashes

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Iterator, Mapping
    from typing import Any, NoReturn

    from .converters import BaseConverter
    from .matcher import Match
    from .rules import Rule

_OPTIONS = frozenset({"OPTIONS"})
_UPPER = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
if TYPE_CHECKING:
    # A static path's winner for one method: (endpoint, rule, defaults).
    StaticHit = tuple[Any, Rule, dict[str, Any] | None]


def _default_redirects(siblings: list[Rule]) -> None:
    # werkzeug's redirect_defaults: a rule of the same endpoint, with the same arguments, whose
    # defaults give the matched values is the canonical URL ("/" with defaults js="fetch" for
    # "/<js>" asked as /fetch). Candidates are the rules werkzeug orders first for building: more
    # defaults first, then the order they were added.
    order = {id(r): i for i, r in enumerate(siblings)}

    def key(r: Rule) -> tuple[int, int, int]:
        return (-len(r.arguments), -len(r.defaults or ()), order[id(r)])

    for rule in siblings:
        if rule.build_only:
            continue
        rule.default_redirects = tuple(
            r for r in sorted(siblings, key=key)
            if r is not rule and not r.build_only and r.defaults and r.arguments == rule.arguments
            and key(r) < key(rule))


class Map:
    """A set of rules: ``Map([Rule("/", endpoint="index"), ...])``.

    Dynamic paths are matched by walking the rules' state machine; after ``compile_after``
    such walks (so that a cold start pays nothing for it), a matcher generated for the whole
    map takes over. Where the compiled matcher is built (``routing/_speedups.c``; ``manypaths
    --version`` says), it becomes this map's ``match`` after ``fast_after`` matches: it answers
    hits and plain 404/405 in C and hands everything else to the method below, with the same
    answers (``MANYPATHS_PURE=1`` turns it off).

    Args:
        rules: the rules to add, in order (order breaks ties between equal rules).
        converters: extra converters by name, e.g. ``{"slug": SlugConverter}``.
        strict_slashes: a rule ending in ``/`` requested without it redirects (default True).
        merge_slashes: a request path with ``//`` redirects to the merged path (default True).
    """

    compile_after: int = 16
    #: Matches answered in Python before the compiled matcher (where built) takes over this map; 0:
    #: from the first. Building it costs about a millisecond for 200 routes: not on the cold start.
    fast_after: int = 16

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        strict_slashes: bool = True,
        merge_slashes: bool = True,
    ) -> None:
        self.converters: dict[str, type[BaseConverter]] = {**DEFAULT_CONVERTERS, **(converters or {})}
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self._rules: list[Rule] = []
        self._converter_cache: dict[tuple[str, str | None], BaseConverter] = {}
        # A segment that is one whole variable ("<owner>") -> its part, name and converter (Rule._parse_plain).
        self._segment_parts: dict[str, tuple[Any, str, BaseConverter]] = {}
        self._by_endpoint: dict[Hashable, list[Rule]] = {}
        self._by_text: dict[tuple[Any, ...], list[Rule]] = {}
        self._root = State()
        self._static: dict[str, dict[str, StaticHit]] | None = None
        self._compiled: Any = None
        self._builders: dict[Hashable, Any] = {}
        self._build_rules: dict[Hashable, list[Rule]] = {}
        self._walks = 0
        self._fast_countdown = 0
        self._start: State | None = None
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        """Add ``rule``.

        Raises:
            RuleError: the rule is malformed, or the same rule text is already there for one
                of its methods.
        """
        rule.bind(self)
        # Same parts (static text, converter regexes) means the same URLs: a clash.
        # Converters are shared per spelling, so their identities tell `<int(max=9):v>` from `<int:v>`.
        shape = (*(p if isinstance(p, str) else p.key for p in rule.parts), *map(id, rule.converters.values()))
        same = self._by_text.setdefault(shape, []) if not rule.build_only else []  # a build-only rule never clashes
        for other in same:
            if rule.methods is None or other.methods is None:
                raise RuleError(rule.rule, f"already registered for all methods (endpoint {other.endpoint!r})")
            shared = rule.methods & other.methods
            if rule.provide_automatic_options and other.provide_automatic_options:
                shared -= _OPTIONS  # both answer OPTIONS the same way, with the URL's Allow
            if shared:
                raise RuleError(rule.rule, f"already registered for {', '.join(sorted(shared))} "
                                           f"(endpoint {other.endpoint!r})")
        same.append(rule)
        self._rules.append(rule)
        siblings = self._by_endpoint.setdefault(rule.endpoint, [])
        siblings.append(rule)
        if rule.defaults or any(r.defaults for r in siblings):
            _default_redirects(siblings)
        if not rule.build_only:
            self._root.add(rule)
            self._static = None
            self._compiled = None
            self.__dict__.pop("match", None)  # the compiled build's match (see _prepare)
            self._walks = 0
        self._builders.pop(rule.endpoint, None)
        self._build_rules.pop(rule.endpoint, None)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def default_redirect(self, rule: Rule, values: Mapping[str, Any], method: str, query_string: str = "") -> str | None:
        """The canonical URL (path and query) when an earlier rule of ``rule``'s endpoint has defaults
        equal to ``values`` (werkzeug's ``redirect_defaults``), else None."""
        for other in rule.default_redirects:
            if other.methods is not None and method.upper() not in other.methods:
                continue
            defaults = other.defaults or {}
            if all(key in values and values[key] == value for key, value in defaults.items()):
                try:
                    path = other.build(values, append_unknown=False)
                except (ValueError, KeyError, LookupError):
                    continue
                return path + ("?" + query_string if query_string else "")
        return None

    def iter_rules(self, endpoint: Hashable | None = None) -> Iterator[Rule]:
        """The rules (of ``endpoint``, if given) in the order they were added."""
        if endpoint is None:
            return iter(self._rules)
        return iter(self._by_endpoint.get(endpoint, ()))

    def is_endpoint_expecting(self, endpoint: Hashable, *arguments: str) -> bool:
        """Whether some rule of ``endpoint`` takes all of ``arguments`` (as werkzeug's; a KeyError
        for an unknown endpoint). ``url_defaults`` functions use it to add only values a URL takes."""
        wanted = frozenset(arguments)
        return any(wanted <= rule.arguments for rule in self._by_endpoint[endpoint])

    def _prepare(self) -> dict[str, dict[str, StaticHit]]:
        # Sort once, and index fully static paths: a static hit is two dict lookups.
        self._root.sort()
        table: dict[str, dict[str, StaticHit]] = {}
        stack: list[tuple[State, list[str]]] = [(self._root, [])]
        while stack:
            state, texts = stack.pop()
            path = "/".join(texts)
            # Paths a request can only reach after normalising ("//x") stay out of the table.
            if state.rules and len(texts) > 1 and not path.startswith("//"):
                table[path] = _static_hits(state.rules)
            for text, child in state.static.items():
                stack.append((child, [*texts, text]))
        self._start = self._root.static.get("")
        self._static = table
        self._fast_countdown = 0
        if self._start is not None and type(self).match is Map.match and may_compile():
            self._fast_countdown = self.fast_after + 1
        return table

    def _install_fast(self) -> None:
        # The compiled build: this map's match becomes the C hot path (hits, plain 404/405), which
        # hands everything else to the method below with the same arguments.
        self._fast_countdown = 0
        core = compiled_core()
        if core is not None and self._static is not None and self._start is not None:
            self.__dict__["match"] = core.FastMatch(
                self._static, speedups_program(self._start), _UPPER, Map.match.__get__(self), NotFound,
                MethodNotAllowed)

    def match(
        self,
        path: str,
        method: str = "GET",
        *,
        return_rule: bool = False,
        query_string: str = "",
    ) -> tuple[Any, dict[str, Any]]:
        """Match a (percent-decoded) path: ``(endpoint, args)``, or ``(rule, args)``.

        Raises:
            NotFound: no rule matches.
            MethodNotAllowed: rules match the path, but not for ``method`` (see ``.allowed``).
            RequestRedirect: the canonical URL differs (trailing or doubled slashes,
                ``redirect_to``); ``.new_url`` keeps ``query_string``.
        """
        table = self._static
        if table is None:
            table = self._prepare()
        if self._fast_countdown:  # 0 unless the compiled matcher is built and not yet installed
            self._fast_countdown -= 1
            if self._fast_countdown == 0:
                self._install_fast()
        methods = table.get(path)
        if methods is not None:
            hit = methods.get(method)
            if hit is not None:
                return (hit[1] if return_rule else hit[0]), (dict(hit[2]) if hit[2] else {})
        found = None
        compiled = self._compiled
        if compiled is not None and method in _UPPER:
            parts = path.split("/")
            # A normal path: one leading slash (anything else is normalised by the walk below).
            if len(parts) > 1 and not parts[0] and (len(parts) == 2 or parts[1]):
                ctx = [EMPTY, EMPTY, True]
                try:
                    found = compiled(parts, len(parts), method, ctx)
                except SlashRequired:
                    raise _slash_redirect(path + "/", query_string) from None
                except RecursionError:
                    found = None  # the walk below takes over with an explicit stack
                else:
                    if found is None:
                        self._miss(path, method, ctx, query_string)
        if found is None:
            found = self._walk(path, method.upper(), query_string)
        rule, args = found
        if rule.redirect_to is not None:
            target = rule.redirect_url(args)
            if "://" not in target:
                target = "/" + target.lstrip("/")
            raise RequestRedirect(target)
        return (rule if return_rule else rule.endpoint), args

    def _walk(self, path: str, method: str, query_string: str) -> Match:
        parts = path.split("/")
        if parts[0] or (len(parts) > 2 and not parts[1]):
            # As werkzeug: leading slashes collapse to one, and a missing one is added.
            path = "/" + path.lstrip("/")
            parts = path.split("/")
        ctx = new_context()
        try:
            if len(parts) > 1:
                # Every rule starts with the empty text before its first "/": skip that step.
                compiled = self._compiled
                if compiled is not None:
                    found = compiled(parts, len(parts), method, ctx)
                elif self._start is None:
                    found = None
                else:
                    self._walks += 1
                    if self._walks > self.compile_after:
                        self._compiled = compiled = compile_matcher(self._start)
                        found = compiled(parts, len(parts), method, ctx)
                    else:
                        found = walk(self._start, parts, 1, method, ctx, ())
            else:
                found = walk(self._root, parts, 0, method, ctx, ())
        except SlashRequired:
            raise _slash_redirect(path + "/", query_string) from None
        except RecursionError:
            # A rule deeper than the recursion limit: walk again with an explicit stack.
            ctx = new_context()
            try:
                found = walk_deep(self._root, parts, 0, method, ctx, ())
            except SlashRequired:
                raise _slash_redirect(path + "/", query_string) from None
        if found is None:
            self._miss(path, method, ctx, query_string)
        return found  # type: ignore[no-any-return]

    def _miss(self, path: str, method: str, ctx: list[Any], query_string: str) -> NoReturn:
        """No rule matched: a merged-slashes redirect, 405 or 404, from what the walk collected."""
        if self.merge_slashes and "//" in path:
            merged = merge_slashes(path)
            ctx[CONVERT] = False
            try:
                found = walk(self._root, merged.split("/"), 0, method, ctx, ())
            except SlashRequired:
                raise _slash_redirect(merged + "/", query_string) from None
            if found is not None and found[0].merge_slashes:
                raise _slash_redirect(merged, query_string)
        if ctx[ALLOWED]:
            raise MethodNotAllowed(ctx[ALLOWED], path, method)
        raise NotFound(path)

    def allowed_methods(self, path: str) -> frozenset[str]:
        """The methods some rule accepts for ``path`` (empty if none matches it)."""
        try:
            self.match(path, "\x00")
        except MethodNotAllowed as e:
            return e.allowed
        except (NotFound, RequestRedirect):
            return frozenset()
        return frozenset()  # a rule accepting every method matched

    def build(
        self,
        endpoint: Hashable,
        values: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        script_name: str = "",
        append_unknown: bool = True,
        force_external: bool = False,
        url_scheme: str = "http",
        host: str | None = None,
    ) -> str:
        """Build the URL of ``endpoint`` from ``values``; unknown values go to the query string.

        Raises:
            BuildError: no rule of the endpoint fits the values and method; the message says
                what is missing and suggests the endpoint you probably meant.
        """
        # A None value counts as absent (rules and query string alike); values are not copied.
        if values is None:
            values = {}
        if method is None and not force_external:
            builder = self._builders.get(endpoint)
            if builder is None and endpoint in self._by_endpoint:
                builder = self._builders[endpoint] = compile_builder(self._build_order(endpoint))
            if builder is not None:
                try:
                    path: str | None = builder(values)
                except ValueError:
                    path = None  # the generic path below reports it
                if path is not None:
                    return f"{script_name.rstrip('/')}{path}" if script_name else path
        if method is not None:
            method = method.upper()
        rules = self._build_order(endpoint)
        if not rules:
            raise BuildError(endpoint, values, method, reason="no such endpoint.", suggestion=self._suggest(endpoint))
        path = None
        rejected: list[str] = []
        # As werkzeug: the rules accepting GET first, then any; a converter's ValidationError in
        # to_url passes to the next rule, any other exception (ValueError...) reaches the caller.
        for candidate_method in ("GET", None) if method is None else (method,):
            for rule in rules:
                if not rule.suitable_for(values, candidate_method):
                    continue
                try:
                    path = rule.build(values, append_unknown)
                except ValueError as e:
                    if not is_validation_error(e):
                        raise
                    if rule.rule not in rejected:
                        rejected.append(rule.rule)
                    continue
                break
            if path is not None:
                break
        if path is None:
            present = {k: v for k, v in values.items() if v is not None}
            raise BuildError(endpoint, present, method, reason=_why_not(rules, present, method, rejected))
        if not force_external:
            if not script_name:
                return path
            return f"{script_name.rstrip('/')}/{path.lstrip('/')}"
        root = script_name.rstrip("/")
        if not host:
            raise ValueError("force_external=True needs the host to build an absolute URL")
        # No scheme: a scheme-relative URL ("//host/path"), as werkzeug builds it.
        scheme = f"{url_scheme}:" if url_scheme else ""
        return f"{scheme}//{host}{root}/{path.lstrip('/')}"

    def _build_order(self, endpoint: Hashable) -> list[Rule]:
        # werkzeug's build order: the rules using more values (then more defaults) first, so
        # url_for("posts", page=2) picks "/posts/<int:page>" over "/posts/". Stable: ties keep
        # the order added.
        rules = self._build_rules.get(endpoint)
        if rules is None:
            rules = sorted(self._by_endpoint.get(endpoint, ()),
                           key=lambda r: (-len(r.arguments), -len(r.defaults or ())))
            self._build_rules[endpoint] = rules
        return rules

    def _suggest(self, endpoint: Hashable) -> Hashable | None:
        import difflib

        names = {str(e): e for e in self._by_endpoint}
        close = difflib.get_close_matches(str(endpoint), list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None

    def __repr__(self) -> str:
        return f"<Map {len(self._rules)} rules>"


def _static_hits(rules: list[Rule]) -> dict[str, StaticHit]:
    # The first rule (in order added) accepting a method wins it, as in the state machine.
    # Methods won by a rule accepting all methods, or by a redirect, take the full walk.
    hits: dict[str, StaticHit] = {}
    for rule in rules:
        if rule.methods is None:
            break
        for m in rule.methods:
            if m not in hits:
                hits[m] = (rule.endpoint, rule, rule.defaults)
    return {m: hit for m, hit in hits.items() if hit[1].redirect_to is None}


def _redirect(path: str, query_string: str) -> str:
    from urllib.parse import quote

    url = quote(path, safe=PATH_SAFE)
    return f"{url}?{query_string}" if query_string else url


def _slash_redirect(path: str, query_string: str) -> RequestRedirect:
    # The same path with its slashes right: the request's query goes with it (``keeps_query``).
    error = RequestRedirect(_redirect(path, query_string))
    error.keeps_query = True
    return error


def _why_not(rules: list[Rule], values: Mapping[str, Any], method: str | None, rejected: list[str]) -> str:
    if rejected:
        return f"the converters of {', '.join(repr(r) for r in rejected)} rejected the values (ValidationError)."
    methods = {m for r in rules for m in (r.methods or ())}
    if method is not None and not any(r.methods is None or method in r.methods for r in rules):
        return f"no rule of it accepts method {method} (it has: {', '.join(sorted(methods))})."
    gaps: list[frozenset[str]] = [r.arguments - set(values) - set(r.defaults or ()) for r in rules]
    gaps.sort(key=lambda gap: len(gap))
    missing = sorted(gaps[0])
    if missing:
        return f"missing value(s) for {', '.join(repr(m) for m in missing)}."
    return "the values conflict with the rule's defaults."

