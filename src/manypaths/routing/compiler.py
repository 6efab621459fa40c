"""Generates one Python function that walks the state machine exactly as ``matcher.walk`` does.

It is built once, lazily, for the whole map (never per rule at ``add()``): static transitions
become string comparisons (or, where a state has many, a dict of sub-functions, so the cost
does not grow with the routes), default converters a truth test, other converters one regex
call, and terminal states inline method checks and dict literals. Parts that can hold slashes
(``path``) are handed to the interpreter. The differential test runs both against werkzeug.
"""

from __future__ import annotations

from .converters import _PLAIN, PATH_SAFE, BaseConverter, quote_segment
from .matcher import SlashRequired, walk, walk_final

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .matcher import Match, State
    from .rules import Rule

# Past this many static children, a state dispatches through a dict instead of comparisons.
WIDE = 8
MAX_DEPTH = 60


class _Emitter:
    def __init__(self) -> None:
        self.constants: dict[str, Any] = {"SlashRequired": SlashRequired, "_final": walk_final, "_walk": walk}
        self._ids: dict[int, str] = {}
        self.functions: list[list[str]] = []
        # Dispatch tables of wide states: text -> sub-function name, resolved after exec.
        self._tables: list[dict[str, Any]] = []
        self._pending: list[tuple[str, State, int, list[str]]] = []

    def const(self, value: Any, prefix: str) -> str:
        key = id(value)
        name = self._ids.get(key)
        if name is None:
            name = f"{prefix}{len(self._ids)}"
            self._ids[key] = name
            self.constants[name] = value
        return name

    def function(self, name: str, state: State, i: int, values: list[str]) -> None:
        params = ", ".join(["parts", "n", "method", "ctx", *values])
        lines = [f"def {name}({params}):"]
        self._state(lines, state, i, values, 1)
        lines.append("    return None")
        self.functions.append(lines)

    def run(self) -> None:
        while self._pending:
            self.function(*self._pending.pop())

    def _state(self, out: list[str], state: State, i: int, values: list[str], depth: int) -> None:
        pad = "    " * depth
        if depth > MAX_DEPTH:
            # Python allows 100 levels of indentation: a very deep rule goes to the interpreter.
            s = self.const(state, "S")
            out.append(f"{pad}r = _walk({s}, parts, {i}, method, ctx, ({''.join(v + ', ' for v in values)}))")
            out.append(f"{pad}if r is not None:")
            out.append(f"{pad}    return r")
            return
        terminal: list[str] = []
        self._terminal(terminal, state, values, depth + 1)
        if terminal:
            out.append(f"{pad}if n == {i}:")
            out.extend(terminal)
            out.append(f"{pad}else:")
        else:
            out.append(f"{pad}if n != {i}:")
        inner = "    " * (depth + 1)
        p = f"p{i}"
        out.append(f"{inner}{p} = parts[{i}]")
        statics = list(state.static.items())
        if len(statics) > WIDE:
            table: dict[str, Any] = {}
            for text, child in statics:
                name = f"_s{len(self.constants)}_{len(table)}"
                self._pending.append((name, child, i + 1, values))
                table[text] = name
            tname = self.const(table, "T")
            out.append(f"{inner}f = {tname}.get({p})")
            out.append(f"{inner}if f is not None:")
            args = ", ".join(["parts", "n", "method", "ctx", *values])
            out.append(f"{inner}    r = f({args})")
            out.append(f"{inner}    if r is not None:")
            out.append(f"{inner}        return r")
            self._tables.append(table)
        else:
            for k, (text, child) in enumerate(statics):
                out.append(f"{inner}{'if' if k == 0 else 'elif'} {p} == {text!r}:")
                self._state(out, child, i + 1, values, depth + 2)
        for dyn, child in state.dynamic:
            if dyn.final:
                d, c = self.const(dyn, "D"), self.const(child, "S")
                out.append(f"{inner}r = _final({d}, {c}, parts, {i}, method, ctx, ({''.join(v + ', ' for v in values)}))")
                out.append(f"{inner}if r is not None:")
                out.append(f"{inner}    return r")
            elif dyn.any_segment:
                out.append(f"{inner}if {p}:")
                self._state(out, child, i + 1, [*values, p], depth + 2)
            elif dyn.str_test is not None:
                out.append(f"{inner}if {p}.{dyn.str_test}():")
                self._state(out, child, i + 1, [*values, p], depth + 2)
            else:
                matcher = self.const(dyn.match, "M")
                out.append(f"{inner}m = {matcher}({p})")
                out.append(f"{inner}if m is not None:")
                names = []
                for k, group in enumerate(dyn.names):
                    name = f"v{i}_{k}"
                    out.append(f"{inner}    {name} = m.group({group!r})")
                    names.append(name)
                self._state(out, child, i + 1, values + names, depth + 2)
        trailing = [r for r in state.rules if not r.strict_slashes]
        if trailing:
            out.append(f"{inner}if n == {i + 1} and {p} == '':")
            for rule in trailing:
                self._rule(out, rule, values, depth + 2, record_allowed=True)

    def _terminal(self, out: list[str], state: State, values: list[str], depth: int) -> None:
        for rule in state.rules:
            self._rule(out, rule, values, depth, record_allowed=True)
        slash = state.static.get("")
        if slash is None:
            return
        pad = "    " * depth
        for rule in slash.rules:
            cond = "True" if rule.methods is None else f"method in {self.const(rule.methods, 'A')}"
            out.append(f"{pad}if {cond}:")
            if rule.strict_slashes:
                out.append(f"{pad}    raise SlashRequired")
            else:
                self._accept(out, rule, values, depth + 1)

    def _rule(self, out: list[str], rule: Rule, values: list[str], depth: int, *, record_allowed: bool) -> None:
        pad = "    " * depth
        if rule.methods is None:
            self._accept(out, rule, values, depth)
            return
        allowed = self.const(rule.methods, "A")
        r = self.const(rule, "R")
        out.append(f"{pad}if method in {allowed}:")
        self._accept(out, rule, values, depth + 1)
        if record_allowed:
            out.append(f"{pad}else:")
            if rule._to_python:
                # The URL exists for other methods only if this rule's converters accept the values.
                out.append(f"{pad}    if {r}.convert(({''.join(v + ', ' for v in values)})) is not None:")
                out.append(f"{pad}        ctx[0] = ctx[0] | {allowed}")
                out.append(f"{pad}    else:")
                out.append(f"{pad}        ctx[1] = ctx[1] | {{{r}}}")
            else:
                out.append(f"{pad}    ctx[0] = ctx[0] | {allowed}")

    def _accept(self, out: list[str], rule: Rule, values: list[str], depth: int) -> None:
        # The generated matcher serves the converting pass only (the merge-slashes pass walks).
        pad = "    " * depth
        r = self.const(rule, "R")
        if rule.inline is not None:
            items = ", ".join(
                f"{name!r}: {f'{call}({v})' if call else v}" for name, v, call in zip(rule.names, values, rule.inline)
            )
            if "int" in rule.inline:
                # int() refuses more digits than sys.get_int_max_str_digits(): the rule rejects the
                # value (404 or the next rule), as NumberConverter.to_python does.
                out.append(f"{pad}try:")
                out.append(f"{pad}    return {r}, {{{items}}}")
                out.append(f"{pad}except ValueError:")
                out.append(f"{pad}    ctx[1] = ctx[1] | {{{r}}}")
            else:
                out.append(f"{pad}return {r}, {{{items}}}")
        else:
            out.append(f"{pad}a = {r}.convert(({''.join(v + ', ' for v in values)}))")
            out.append(f"{pad}if a is not None:")
            out.append(f"{pad}    return {r}, a")
            out.append(f"{pad}ctx[1] = ctx[1] | {{{r}}}")



def compile_matcher(start: State) -> Callable[[list[str], int, str, list[Any]], Match | None]:
    """A function ``(parts, len(parts), method, ctx) -> match`` walking from ``start`` at part 1."""
    emitter = _Emitter()
    emitter.function("match", start, 1, [])
    emitter.run()
    source = "\n".join("\n".join(lines) for lines in reversed(emitter.functions))
    namespace = dict(emitter.constants)
    exec(compile(source, "<manypaths routing>", "exec"), namespace)
    # The dispatch tables name sub-functions: resolve the names now that they exist.
    for table in emitter._tables:
        for text, name in table.items():
            table[text] = namespace[name]
    matcher: Any = namespace["match"]
    matcher.source = source
    return matcher  # type: ignore[no-any-return]


_CORE: list[Any] = []  # [the _speedups module, or None], once looked up


def compiled_core() -> Any:
    """The compiled matcher module (``manypaths.routing._speedups``), or None: not built for this
    platform, or turned off with ``MANYPATHS_PURE=1`` in the environment."""
    if not _CORE:
        core: Any = None
        if may_compile():
            try:
                from . import _speedups as core
            except ImportError:
                core = None
        _CORE.append(core)
    return _CORE[0]


def may_compile() -> bool:
    """Whether the compiled matcher may be there, without loading it (that waits for its first use)."""
    if _CORE:
        return _CORE[0] is not None
    import os

    return not os.environ.get("MANYPATHS_PURE")


def use_compiled(enabled: bool) -> None:
    """Turn the compiled matcher on or off for maps prepared from now on (tests run both builds)."""
    _CORE.clear()
    if not enabled:
        _CORE.append(None)


_INLINE_CODES = {"": 0, "int": 1, "float": 2}
# Up to this many static transitions, the compiled walk compares bytes; past it, a dict lookup.
NARROW = 32


def speedups_program(start: State) -> tuple[Any, ...]:
    """The state machine below ``start`` as the nested tuples ``_speedups.FastMatch`` walks (its
    layout is described in _speedups.c). Built without recursion: rules may be very deep."""
    order: list[State] = []
    stack = [start]
    while stack:
        state = stack.pop()
        order.append(state)
        stack.extend(state.static.values())
        stack.extend(child for _, child in state.dynamic)
    nodes: dict[int, tuple[Any, ...]] = {}
    for state in reversed(order):  # children before their parents
        dynamic = []
        for dyn, child in state.dynamic:
            kind = 0 if dyn.any_segment else 1 if dyn.str_test == "isdecimal" else 2
            dynamic.append((kind, nodes[id(child)]))
        slash = state.static.get("")
        nodes[id(state)] = (
            {text: nodes[id(child)] for text, child in state.static.items()},
            tuple(dynamic),
            tuple(_entry(rule) for rule in state.rules),
            bool(slash is not None and slash.rules),
            any(not rule.strict_slashes for rule in state.rules),
            tuple((text.encode("ascii"), nodes[id(child)]) for text, child in state.static.items() if text.isascii())
            if len(state.static) <= NARROW else None,
        )
    return nodes[id(start)]


def _entry(rule: Rule) -> tuple[Any, ...]:
    arg: Any
    if rule.redirect_to is not None:
        mode, arg = 3, None
    elif rule.plain:
        mode, arg = 0, None
    elif rule.inline is not None and all(code in _INLINE_CODES for code in rule.inline):
        mode, arg = 1, tuple(_INLINE_CODES[code] for code in rule.inline)
    else:
        mode, arg = 2, rule.convert
    return (rule, rule.methods, rule.names, mode, arg, rule.endpoint)


def compile_builder(rules: list[Rule]) -> Callable[[Any], str | None]:
    """A function building the common case of one endpoint's URLs, or None for the generic path.

    The common case: no method asked, the values are exactly the first suitable rule's variables
    (no extras, no None), and that rule has no defaults. The rules are tested in the generic
    path's order (those accepting GET first), so the first suitable rule decides as it would there.
    """
    constants: dict[str, Any] = {"PLAIN": _PLAIN, "SAFE": PATH_SAFE, "quote_segment": quote_segment}
    lines = ["def build(values):", "    get = values.get", "    n = len(values)"]
    seen: dict[str, str] = {}
    for k, rule in enumerate(r for r in rules if r.methods is None or "GET" in r.methods):
        rule._ensure_builder()
        required = sorted(rule._required)
        for name in required:
            if name not in seen:
                seen[name] = f"v{len(seen)}"
                lines.append(f"    {seen[name]} = get({name!r})")
        present = " and ".join(f"{seen[name]} is not None" for name in required) or "True"
        if rule.defaults:
            lines.append(f"    if {present}:")
            lines.append("        return None")
            continue
        pieces = []
        for is_var, data in rule.build_pieces:
            if not is_var:
                pieces.append(repr(data))
                continue
            conv = rule.converters[data]
            if type(conv).to_url is BaseConverter.to_url:
                # The default to_url, inline: str() and a set test; quote() only if needed.
                pieces.append(f"quote_segment(str({seen[data]}))")
            else:
                fn = f"to_url_{k}_{data}"
                constants[fn] = conv.to_url
                pieces.append(f"{fn}({seen[data]})")
        lines.append(f"    if {present}:")
        lines.append(f"        if n != {len(required)}:")
        lines.append("            return None")
        # A long chain of "+" nests in the compiler's tree (RecursionError past ~1,000 pieces).
        joined = " + ".join(pieces) if len(pieces) <= 32 else f"''.join(({', '.join(pieces)},))"
        lines.append(f"        return {joined or repr('')}")
    lines.append("    return None")
    namespace = dict(constants)
    exec(compile("\n".join(lines), "<manypaths url builder>", "exec"), namespace)
    return namespace["build"]  # type: ignore[no-any-return]
