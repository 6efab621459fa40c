"""Typed views: request values read and validated from the view's annotations, the return value
checked and sent as JSON.

A parameter is filled from the request only when the developer marked it: ``Query``, ``Header``,
``Cookie``, ``Body`` or ``Path`` in ``typing.Annotated``, or a model type (a dataclass,
``TypedDict``, ``msgspec.Struct``, pydantic model, or a list of them) read from the JSON body — the
latter not behind a decorator, which may supply the argument itself. Every other parameter is
Flask's: a URL variable, a rule default, or its Python default; no query value ever reaches it.
A view is *typed* when it has a marked parameter or its return annotation names a model; other
views are called exactly as Flask calls them. This module, msgspec and pydantic are imported
when the first typed request arrives (or the OpenAPI document is built), never at cold start.

Validation is done by msgspec (dataclasses, ``TypedDict``, Structs, builtins), or by pydantic
when the annotation involves a pydantic model. A request that fails answers 422 with RFC 9457
problem details listing each failing value; a return value that fails its annotation is a
server error (``ResponseValidationError``: logged, 500), never blamed on the client.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Annotated, Any, Union

try:
    import msgspec
except ModuleNotFoundError as e:  # pragma: no cover - depends on the installation
    raise ModuleNotFoundError("typed views and the OpenAPI document need msgspec: pip install 'manypaths[validation]'"
                              f" ({e})", name=e.name) from e

from .http.exceptions import HTTPError, RequestValidationError, ResponseValidationError, UnsupportedMediaType
from .http.response import Response
from .params import Param
from .registration import record, view_target
from .routing import converters

if typing.TYPE_CHECKING:
    from collections.abc import Callable

    from .app import App
    from .http.request import Request

_SEQUENCES = (list, tuple, set, frozenset)
_LOCATIONS = ("path", "query", "header", "cookie", "body")
_NOT_JSON = (str, bytes, bytearray)


def _unwrap(tp: Any) -> tuple[Any, Param | None, tuple[Any, ...]]:
    # Annotated[T, marker, ...] -> (T, the marker, the other metadata).
    if typing.get_origin(tp) is Annotated:
        base, *meta = typing.get_args(tp)
        marker = next((m for m in meta if isinstance(m, Param)), None)
        return base, marker, tuple(m for m in meta if not isinstance(m, Param))
    return tp, None, ()


def _optional_inner(tp: Any) -> Any:
    # X | None -> X (for deciding what kind of value it is).
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _annotated(tp: Any, meta: tuple[Any, ...]) -> Any:
    # Annotated[tp, *meta] (that spelling needs Python 3.11).
    if not meta:
        return tp
    args = (tp, *meta)
    return Annotated[args]


def is_model(tp: Any) -> bool:
    """A class whose instances are JSON objects with declared fields."""
    if not isinstance(tp, type):
        return False
    return (dataclasses.is_dataclass(tp) or issubclass(tp, msgspec.Struct) or typing.is_typeddict(tp)
            or is_pydantic_model(tp))


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and any(
        cls.__name__ == "BaseModel" and cls.__module__.startswith("pydantic") for cls in tp.__mro__)


def _involves_pydantic(tp: Any) -> bool:
    return is_pydantic_model(tp) or any(_involves_pydantic(arg) for arg in typing.get_args(tp))


def is_model_type(tp: Any) -> bool:
    """A model, or a list/optional/union of models: what an unmarked parameter reads from the JSON body."""
    tp = _optional_inner(_unwrap(tp)[0])
    if is_model(tp):
        return True
    origin = typing.get_origin(tp)
    if origin in _SEQUENCES or origin in (Union, types.UnionType):
        return any(is_model_type(arg) for arg in typing.get_args(tp) if arg is not Ellipsis)
    return False


def _is_sequence(tp: Any) -> bool:
    tp = _optional_inner(tp)
    return tp in _SEQUENCES or typing.get_origin(tp) in _SEQUENCES


def _error_path(message: str) -> tuple[str, str]:
    # msgspec: "Expected `int`, got `str` - at `$.items[0].id`" -> ("items[0].id", "Expected `int`, got `str`")
    text, sep, where = message.rpartition(" - at `")
    if not sep:
        return "", message
    path = where.rstrip("`")
    path = path[1:] if path.startswith("$") else path
    return path[1:] if path.startswith(".") else path, text


def _pydantic_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Codec:
    """Validation, conversion and JSON for one annotation, by msgspec or (for pydantic models) pydantic."""

    def __init__(self, tp: Any, meta: tuple[Any, ...] = ()) -> None:
        self.type = tp
        self.pydantic = _involves_pydantic(tp)
        if self.pydantic:
            from pydantic import TypeAdapter

            self._adapter: Any = TypeAdapter(_annotated(tp, meta))
            self._decoder: Any = None
            from pydantic import ValidationError

            #: The exceptions a failed check raises (caught as the client's or the view's fault).
            self.failures: tuple[type[Exception], ...] = (ValidationError, RecursionError)
            self.schema_type: Any = tp
        else:
            self._target = _annotated(tp, meta)
            self._decoder = msgspec.json.Decoder(self._target)
            # RecursionError: a body nested deeper than the parser goes (a client's fault: 422).
            self.failures = (msgspec.ValidationError, msgspec.DecodeError, RecursionError)
            self.schema_type = self._target  # what the OpenAPI document describes (constraints included)
        self._dump_failures: tuple[type[Exception], ...] = (*self.failures, TypeError, ValueError)

    def errors(self, error: Exception) -> list[tuple[str, str]]:
        """(path, message) of each failure in a validation error of this codec's library."""
        if isinstance(error, msgspec.ValidationError):
            return [_error_path(str(error))]
        if isinstance(error, msgspec.DecodeError):
            return [("", f"Invalid JSON: {error}")]
        if isinstance(error, RecursionError):
            return [("", "The JSON document is nested too deeply.")]
        return [(_pydantic_path(tuple(e.get("loc", ()))), str(e.get("msg", ""))) for e in error.errors()]  # type: ignore[attr-defined]

    def from_json(self, data: bytes) -> Any:
        if self.pydantic:
            return self._adapter.validate_json(data)
        return self._decoder.decode(data)

    def from_python(self, value: Any) -> Any:
        """A decoded payload (dicts, lists, strings...) checked and converted to the type (strict)."""
        if self.pydantic:
            return self._adapter.validate_python(value)
        return msgspec.convert(value, self._target)

    def from_text(self, value: Any) -> Any:
        """A value from the URL, query string, a header or a cookie: strings converted to the type."""
        if self.pydantic:
            return self._adapter.validate_python(value)
        return msgspec.convert(value, self._target, strict=False)

    def dump(self, value: Any) -> bytes:
        """``value`` as JSON, after checking that it is what the annotation says."""
        if self.pydantic:
            return bytes(self._adapter.dump_json(self._adapter.validate_python(value, from_attributes=True)))
        data = msgspec.json.encode(value)
        self._decoder.decode(data)  # what goes out is exactly what was checked
        return data


@dataclasses.dataclass
class Parameter:
    name: str
    location: str  # path, query, header, cookie or body
    key: str  # its name in the request
    type: Any
    required: bool
    multi: bool
    codec: Codec
    marker: Param | None
    convert: bool = True  # False: a URL variable the converter already made of the annotated type

    @property
    def description(self) -> str | None:
        return self.marker.description if self.marker is not None else None


def _meta(marker: Param | None, meta: tuple[Any, ...], pydantic: bool) -> tuple[Any, ...]:
    if marker is None or not marker.constraints:
        return meta
    if pydantic:
        from pydantic import Field

        constraints: dict[str, Any] = marker.constraints
        return (*meta, Field(**constraints))
    constraints = marker.constraints
    return (*meta, msgspec.Meta(**constraints))


def _plain_return(tp: Any) -> bool:
    # A return annotation Flask's rules already cover (text, a Response, anything): sent as Flask would.
    if tp in (Any, object, str, bytes, None, type(None)) or isinstance(tp, (str, typing.ForwardRef)):
        return True
    if isinstance(tp, type) and issubclass(tp, (Response, HTTPError)):
        return True
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return any(_plain_return(arg) for arg in typing.get_args(tp))
    # Iterator[str], Generator[...], AsyncIterator[...]: a streamed body
    return origin is not None and getattr(origin, "__module__", "") == "collections.abc"


class Binder:
    """How one typed view is called: where each parameter comes from, and what it returns."""

    def __init__(self, app: App, endpoint: str, func: Callable[..., Any]) -> None:
        self.endpoint = endpoint
        self.func = func
        # Behind a decorator only marked parameters are read: the decorator may supply the others.
        target, wrapped = view_target(func)
        try:
            hints = typing.get_type_hints(target, include_extras=True)
        except Exception as e:
            raise TypeError(f"the annotations of view {endpoint!r} cannot be evaluated: {type(e).__name__}: {e}") from e
        code = target.__code__
        names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        positional = code.co_varnames[:code.co_argcount]
        if hasattr(target, "__self__"):
            names = names[1:]  # a bound method's self
        defaults = dict(zip(positional[len(positional) - len(target.__defaults__ or ()):], target.__defaults__ or ()))
        defaults.update(target.__kwdefaults__ or {})
        url_args: set[str] = set()
        path_types: dict[str, type] = {}
        for rule in app.url_map.iter_rules(endpoint):
            url_args |= rule.arguments
            path_types.update((name, type(conv)) for name, conv in rule.converters.items())
        self.params: list[Parameter] = []
        self.body: Parameter | None = None
        for name in names:
            annotation = hints.get(name, Any)
            base, marker, meta = _unwrap(annotation)
            if marker is not None:
                location = marker.location
            elif name in url_args:
                location = "path"
            elif not wrapped and is_model_type(base):
                location = "body"
            else:
                # Not marked: Flask's rules (a URL variable, a rule default or the Python default),
                # never a request value the developer did not ask for.
                continue
            if location == "path" and name not in url_args:
                raise TypeError(f"view {endpoint!r}: parameter {name!r} is marked Path() but no rule of the endpoint "
                                f"has a variable <{name}>")
            key = (marker.alias if marker is not None and marker.alias else
                   name.replace("_", "-") if location == "header" else name)
            codec = Codec(base, _meta(marker, meta, _involves_pydantic(base)))
            multi = location in ("query", "header") and _is_sequence(base)
            param = Parameter(name, location, key, base, name not in defaults, multi, codec, marker)
            if location == "path":
                # The converter did the work when it yields the annotated type (<int:id> and id: int).
                conv = path_types.get(name)
                made = _converter_yields(conv) if conv is not None else None
                param.convert = base is not Any and not (made is base and not meta and marker is None)
            if location == "body":
                if self.body is not None:
                    raise TypeError(f"view {endpoint!r} reads the JSON body into both {self.body.name!r} and {name!r}; "
                                    "a request has one body: make one parameter a model holding both")
                self.body = param
            self.params.append(param)
        returns = hints.get("return")
        returns = returns if returns is not None else Any
        if typing.get_origin(returns) is tuple and typing.get_args(returns):
            returns = typing.get_args(returns)[0]  # -> tuple[User, int]: the body is a User
        self.returns = None if _plain_return(returns) else returns
        self.return_codec = Codec(returns) if self.returns is not None else None
        self._response_class = app.response_class
        known = app._endpoints.get(endpoint)
        self.status = known.status if known is not None else None

    def __call__(self, view: Callable[..., Any], request: Request) -> Any:
        values = dict(request.view_args or {})
        errors: list[dict[str, str]] = []
        for param in self.params:
            location = param.location
            if location == "path":
                if not param.convert or param.name not in values:
                    continue
                raw: Any = values[param.name]
            elif param.name in values:
                # Set by the rule or a url_value_preprocessor (a loaded object): never replaced
                # by a request value.
                continue
            elif location == "body":
                raw = self._body(request, param, errors)
                if raw is None:
                    continue
                values[param.name] = raw
                continue
            elif location == "query":
                raw = request.args.getlist(param.key) if param.multi else request.args.get(param.key)
            elif location == "header":
                raw = request.headers.getlist(param.key) if param.multi else request.headers.get(param.key)
            else:
                raw = request.cookies.get(param.key)
            if raw is None or (param.multi and not raw):
                if param.required:
                    errors.append({"location": location, "path": param.key,
                                   "message": f"Missing required {location} parameter"})
                continue
            try:
                values[param.name] = param.codec.from_text(raw)
            except param.codec.failures as e:
                for path, message in param.codec.errors(e):
                    errors.append({"location": location, "path": param.key + (f".{path}" if path else ""),
                                   "message": message})
        if errors:
            raise RequestValidationError(errors)
        rv = view(**values)
        if self.return_codec is None and self.status is None:
            return rv
        if type(rv) is types.CoroutineType:
            return self._finish(rv)
        return self.respond(rv)

    async def _finish(self, coroutine: Any) -> Any:
        return self.respond(await coroutine)

    def _body(self, request: Request, param: Parameter, errors: list[dict[str, str]]) -> Any:
        data = request.get_data(cache=True)
        if not data:
            if param.required:
                errors.append({"location": "body", "path": "", "message": "Missing request body (JSON)"})
            return None
        mimetype = request.mimetype
        if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
            raise UnsupportedMediaType(f"Send the request body as JSON (Content-Type: application/json), "
                                       f"not {mimetype}.")
        try:
            return param.codec.from_json(data)
        except param.codec.failures as e:
            for path, message in param.codec.errors(e):
                errors.append({"location": "body", "path": path, "message": message})
            return None

    def respond(self, rv: Any) -> Any:
        """The view's value as a JSON response, once checked against the return annotation."""
        codec = self.return_codec
        if codec is None:  # an untyped value with route(status=...): Flask's rules, that status
            if type(rv) is tuple:
                # (value, headers) gets the route's status too; a status the view gave wins
                if len(rv) == 2 and not isinstance(rv[1], int) and _jsonable(rv[0]) and rv[0] is not None:
                    return rv[0], self.status, rv[1]
                return rv
            return rv if not _jsonable(rv) else (rv, self.status)
        rest: tuple[Any, ...] = ()
        if type(rv) is tuple:
            rv, *more = rv
            rest = tuple(more)
        if isinstance(rv, _NOT_JSON) or rv is None or not _jsonable(rv):
            return (rv, *rest) if rest else rv  # a Response, text or error: the view chose its answer
        try:
            data = codec.dump(rv)
        except codec._dump_failures as e:
            raise ResponseValidationError(
                f"view {self.endpoint!r} returned a value that does not match its return annotation "
                f"{_type_name(self.returns)}: {e}") from e
        response = self._response_class(data, content_type="application/json")
        if rest:
            if len(rest) == 1 and self.status is not None and not isinstance(rest[0], int):
                return response, self.status, rest[0]  # (value, headers) with route(status=...)
            return (response, *rest)
        if self.status is not None:
            response.status_code = self.status
        return response


def _jsonable(rv: Any) -> bool:
    return not isinstance(rv, (Response, HTTPError)) and not hasattr(rv, "__next__") and not hasattr(rv, "__aiter__")


def _type_name(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")


def _converter_yields(conv: type) -> Any:
    # The Python type a converter's to_python gives, for the stock ones.
    import uuid

    for cls, result in ((converters.IntegerConverter, int), (converters.FloatConverter, float),
                        (converters.UUIDConverter, uuid.UUID)):
        if issubclass(conv, cls):
            return result
    return str


def binder_for(app: App, endpoint: str) -> Binder:
    """The Binder of ``endpoint``'s view, built on its first typed request (and kept)."""
    known = record(app._endpoints, endpoint)
    binder = known.binder
    view = app.view_functions[endpoint]
    if binder is None or binder.func is not view:
        binder = known.binder = Binder(app, endpoint, view)
    return binder  # type: ignore[no-any-return]
