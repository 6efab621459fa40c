"""The matcher: a state machine walked depth first, in werkzeug's order.

At each state the static transition is tried first, then the dynamic ones by weight;
the first rule reached whose methods fit (and whose converters accept the values) wins.
"""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from .rules import DynamicPart, Rule

    Match = tuple[Rule, dict[str, Any]]


class SlashRequired(Exception):
    """The path matches only with a trailing slash added (a strict-slashes rule)."""


class State:
    """A node: static transitions by exact text, dynamic ones in weight order, rules ending here."""

    __slots__ = ("static", "dynamic", "rules")

    def __init__(self) -> None:
        self.static: dict[str, State] = {}
        self.dynamic: list[tuple[DynamicPart, State]] = []
        self.rules: list[Rule] = []

    def add(self, rule: Rule) -> None:
        """Insert ``rule`` below this state."""
        state = self
        for part in rule.parts:
            if isinstance(part, str):
                state = state.static.setdefault(part, State())
                continue
            for existing, target in state.dynamic:
                if existing.key == part.key:
                    state = target
                    break
            else:
                target = State()
                state.dynamic.append((part, target))
                state = target
        state.rules.append(rule)

    def sort(self) -> None:
        """Order dynamic transitions by weight (stable: ties keep insertion order)."""
        stack = [self]  # no recursion: a rule may be deeper than the recursion limit
        while stack:
            state = stack.pop()
            state.dynamic.sort(key=lambda entry: entry[0].weight)
            stack.extend(state.static.values())
            stack.extend(child for _, child in state.dynamic)


# What one match collects, in a list because it is created on every match: the methods of
# rules that fit the path but not the method, the rules whose converters rejected the values
# (absent for the rest of this request: werkzeug's documented "the next rule is tried"), and
# whether to convert values (the merge-slashes pass only looks for a redirect target).
ALLOWED, REJECTED, CONVERT = 0, 1, 2


EMPTY: frozenset[Any] = frozenset()


def new_context() -> list[Any]:
    """A fresh match context: ``[allowed methods, rejected rules, convert?]``.

    The sets start as a shared empty frozenset and are replaced (never mutated) when a miss
    adds to them, so a hit allocates nothing but this list.
    """
    return [EMPTY, EMPTY, True]


def _accept(rule: Rule, values: tuple[str, ...], ctx: list[Any]) -> Match | None:
    if not ctx[CONVERT]:
        return None if rule in ctx[REJECTED] else (rule, {})
    if rule.plain:
        return rule, dict(zip(rule.names, values))
    args = rule.convert(values)
    if args is None:
        ctx[REJECTED] = ctx[REJECTED] | {rule}
        return None
    return rule, args


def _exists(rule: Rule, values: tuple[str, ...], ctx: list[Any]) -> bool:
    # Whether the rule's converters accept the values (converted even in the merge-slashes pass).
    if rule.plain:
        return True
    if rule in ctx[REJECTED]:
        return False
    if rule.convert(values) is None:
        ctx[REJECTED] = ctx[REJECTED] | {rule}
        return False
    return True


def walk(state: State, parts: list[str], i: int, method: str, ctx: list[Any], values: tuple[str, ...]) -> Match | None:
    """Match ``parts[i:]`` from ``state``; collect other rules' methods into the context.

    Raises:
        SlashRequired: a strict-slashes rule would match with a trailing slash.
    """
    if i == len(parts):
        found = _first(state.rules, method, ctx, values, False)
        if found is not None:
            return found
        slash = state.static.get("")
        if slash is not None:
            for rule in slash.rules:
                if rule.methods is None or method in rule.methods:
                    if rule.strict_slashes:
                        raise SlashRequired
                    found = _accept(rule, values, ctx)
                    if found is not None:
                        return found
        return None

    part = parts[i]
    following = state.static.get(part)
    if following is not None:
        found = walk(following, parts, i + 1, method, ctx, values)
        if found is not None:
            return found

    for dyn, following in state.dynamic:
        if dyn.any_segment:
            if not part:
                continue
            found = walk(following, parts, i + 1, method, ctx, (*values, part))
        elif dyn.final:
            found = walk_final(dyn, following, parts, i, method, ctx, values)
        elif dyn.str_test is not None:
            # A str method that decides the part's regex exactly (see rules._STR_TESTS).
            if not getattr(part, dyn.str_test)():
                continue
            found = walk(following, parts, i + 1, method, ctx, (*values, part))
        else:
            m = dyn.match(part)
            if m is None:
                continue
            found = walk(following, parts, i + 1, method, ctx, values + _groups(m, dyn.names))
        if found is not None:
            return found

    if part == "" and i + 1 == len(parts):
        # A trailing slash left over: rules without strict slashes match it.
        return _first(state.rules, method, ctx, values, True)
    return None


def walk_deep(state: State, parts: list[str], i: int, method: str, ctx: list[Any],
              values: tuple[str, ...]) -> Match | None:
    """``walk`` with an explicit stack instead of recursion: the same answer in the same order, for
    paths deeper than Python's recursion limit (a rule of 1,500 segments)."""
    stack: list[tuple[Any, ...]] = [(0, state, i, values)]
    n = len(parts)
    while stack:
        task = stack.pop()
        kind = task[0]
        if kind == 0:  # visit a state at part i
            _, state, i, values = task
            if i == n:
                found = walk(state, parts, i, method, ctx, values)  # the terminal checks: no recursion
                if found is not None:
                    return found
                continue
            part = parts[i]
            # Pushed in reverse: the static child first, then the dynamic ones, then a loose slash.
            if part == "" and i + 1 == n:
                stack.append((2, state, values))
            for dyn, following in reversed(state.dynamic):
                stack.append((1, dyn, following, i, values))
            child = state.static.get(part)
            if child is not None:
                stack.append((0, child, i + 1, values))
        elif kind == 1:  # a dynamic transition
            _, dyn, following, i, values = task
            part = parts[i]
            if dyn.any_segment:
                if part:
                    stack.append((0, following, i + 1, (*values, part)))
            elif dyn.final:
                found = walk_final(dyn, following, parts, i, method, ctx, values)
                if found is not None:
                    return found
            elif dyn.str_test is not None:
                if getattr(part, dyn.str_test)():
                    stack.append((0, following, i + 1, (*values, part)))
            else:
                m = dyn.match(part)
                if m is not None:
                    stack.append((0, following, i + 1, values + _groups(m, dyn.names)))
        else:  # a trailing slash left over
            found = _first(task[1].rules, method, ctx, task[2], True)
            if found is not None:
                return found
    return None


def _first(rules: list[Rule], method: str, ctx: list[Any], values: tuple[str, ...], loose_only: bool) -> Match | None:
    """The first of ``rules`` (in order) accepting ``method`` and the values; others' methods are collected."""
    for rule in rules:
        if loose_only and rule.strict_slashes:
            continue
        if rule.methods is not None and method not in rule.methods:
            # Only a rule that accepts the values makes the URL exist (405 rather than 404).
            if _exists(rule, values, ctx):
                ctx[ALLOWED] = ctx[ALLOWED] | rule.methods
            continue
        found = _accept(rule, values, ctx)
        if found is not None:
            return found
    return None


def walk_final(
    dyn: DynamicPart, following: State, parts: list[str], i: int, method: str, ctx: list[Any], values: tuple[str, ...]
) -> Match | None:
    """Follow a part that can hold slashes: it takes all that is left of the path."""
    m = dyn.match("/".join(parts[i:]))
    if m is None:
        return None
    if dyn.suffixed and m.group("_mpslash"):
        # "/<path:p>/" matched with its slash: what is left is the empty part after it.
        return walk(following, [""], 0, method, ctx, values + _groups(m, dyn.names))
    return walk(following, parts, len(parts), method, ctx, values + _groups(m, dyn.names))


def _groups(m: Any, names: tuple[str, ...]) -> tuple[str, ...]:
    if len(names) == 1:
        return (m.group(names[0]),)
    return tuple(m.group(*names))
