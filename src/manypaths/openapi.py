"""The OpenAPI 3.1 document of an App, and the Swagger UI page that shows it.

Built from what the App already knows: each rule becomes a path template (``/users/<int:id>`` ->
``/users/{id}``) with its parameters typed from the converters, each method an operation
(``operationId`` = the endpoint, ``tags`` = the blueprint, summary and description from the
docstring); a typed view (see ``manypaths.validation``) adds its query/header/cookie parameters,
its JSON body and its return type, with JSON Schemas from msgspec (or pydantic for pydantic
models). Error handlers registered for a status code add that response to every operation they
cover, described by their docstring. Imported only when the document is first asked for.
"""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

from .blueprints import blueprint_names
from .http.exceptions import STATUS_TEXT
from .routing import converters as conv
from .routing.rules import tokenize

if typing.TYPE_CHECKING:
    from .app import App

#: Where the docs page loads Swagger UI from by default (``DOCS_ASSETS_URL`` or ``enable_docs(assets_url=)``).
SWAGGER_UI_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
_REF = "#/components/schemas/{name}"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` lists each value that failed validation.",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["location", "path", "message"],
            "properties": {"location": {"type": "string", "enum": ["path", "query", "header", "cookie", "body"]},
                           "path": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "required": ["title", "status"],
}


def path_template(rule: Any) -> str:
    """werkzeug rule text as an OpenAPI path: ``/users/<int:id>`` -> ``/users/{id}``."""
    out = []
    for kind, data in tokenize(rule.rule, rule.rule):
        out.append("{" + data[2] + "}" if kind == "variable" else data)
    return "".join(out)


def converter_schema(converter: Any) -> dict[str, Any]:
    """The JSON Schema of the values a converter matches (a converter may set its own: ``openapi``)."""
    own = getattr(converter, "openapi", None)
    if isinstance(own, dict):
        return dict(own)
    if isinstance(converter, conv.NumberConverter):
        schema: dict[str, Any] = {"type": "integer" if isinstance(converter, conv.IntegerConverter) else "number"}
        minimum = converter.min
        if minimum is None and not converter.signed:
            minimum = 0
        if minimum is not None:
            schema["minimum"] = minimum
        if converter.max is not None:
            schema["maximum"] = converter.max
        return schema
    if isinstance(converter, conv.UUIDConverter):
        return {"type": "string", "format": "uuid"}
    if isinstance(converter, conv.AnyConverter):
        return {"type": "string", "enum": list(converter.choices)}
    if isinstance(converter, conv.PathConverter):
        return {"type": "string", "description": "may contain /"}
    if isinstance(converter, conv.UnicodeConverter):
        schema = {"type": "string", "minLength": converter.minlength}
        if converter.maxlength is not None:
            schema["maxLength"] = converter.maxlength
        return schema
    return {"type": "string"}


def _docstring(func: Any) -> tuple[str | None, str | None]:
    doc = inspect.getdoc(func)
    if not doc:
        return None, None
    summary, _, rest = doc.partition("\n\n")
    return " ".join(summary.split()), rest.strip() or None


class _Schemas:
    """Collects the types the document needs and writes their schemas once, into components."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"ValidationProblem": _PROBLEM}
        self._msgspec: list[Any] = []
        self._slots: list[tuple[dict[str, Any], str, Any, str]] = []

    def want(self, target: dict[str, Any], key: str, tp: Any, mode: str = "validation") -> None:
        """Put the schema of ``tp`` at ``target[key]`` once every type is known (``finish``)."""
        self._slots.append((target, key, tp, mode))

    def finish(self) -> None:
        import msgspec

        from .validation import _involves_pydantic

        plain = [tp for _, _, tp, _ in self._slots if not _involves_pydantic(tp)]
        found: dict[int, Any] = {}
        if plain:
            schemas, components = msgspec.json.schema_components(plain, ref_template=_REF)
            self.components.update(components)
            for tp, schema in zip(plain, schemas):
                found[id(tp)] = schema
        for target, key, tp, mode in self._slots:
            if id(tp) in found:
                target[key] = found[id(tp)]
                continue
            from pydantic import TypeAdapter

            from .validation import is_pydantic_model

            schema = TypeAdapter(tp).json_schema(ref_template=_REF.replace("{name}", "{model}"), mode=typing.cast(Any, mode))
            self.components.update(schema.pop("$defs", {}))
            if is_pydantic_model(tp):  # a model: into components, referenced (as msgspec does)
                self.components[tp.__name__] = schema
                schema = {"$ref": _REF.format(name=tp.__name__)}
            target[key] = schema


def document(app: App, script_root: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app`` (``servers`` names ``script_root`` when the app is mounted)."""
    from .validation import binder_for

    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    hidden = {name for name, known in app._endpoints.items() if known.hidden}
    tags: dict[str, None] = {}
    entries: list[tuple[str, str, Any, dict[str, Any]]] = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if rule.build_only or rule.redirect_to is not None or endpoint in hidden or endpoint == "static":
            continue
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        known = app._endpoints.get(endpoint)
        binder = binder_for(app, endpoint) if known is not None and known.typed else None
        methods = sorted(rule.methods or {"GET", "POST", "PUT", "PATCH", "DELETE"})
        template = path_template(rule)
        item = paths.setdefault(template, {})
        for method in methods:
            if method == "HEAD" and "GET" in methods:
                continue
            if method == "OPTIONS" and rule.provide_automatic_options:
                continue
            if method.lower() not in _METHODS:
                continue
            operation = _operation(app, rule, view, binder, schemas)
            blueprint = endpoint.rpartition(".")[0] if isinstance(endpoint, str) else ""
            if blueprint:
                operation["tags"] = [blueprint]
                tags[blueprint] = None
            item[method.lower()] = operation
            entries.append((str(endpoint), method.lower(), rule, operation))
    _operation_ids(entries)
    schemas.finish()
    config = app.config
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": config.get("OPENAPI_TITLE") or app.name, "version": str(config.get("OPENAPI_VERSION") or "0.1.0")},
    }
    description = config.get("OPENAPI_DESCRIPTION")
    if description:
        doc["info"]["description"] = description
    if script_root:
        doc["servers"] = [{"url": script_root}]
    doc["paths"] = {key: paths[key] for key in paths if paths[key]}
    if tags:
        doc["tags"] = [{"name": name} for name in tags]
    doc["components"] = {"schemas": schemas.components}
    return doc


def _operation_ids(entries: list[tuple[str, str, Any, dict[str, Any]]]) -> None:
    # operationId is the endpoint; an endpoint with several operations gets the method (and a number) added.
    counts: dict[str, int] = {}
    for endpoint, _, _, _ in entries:
        counts[endpoint] = counts.get(endpoint, 0) + 1
    used: set[str] = set()
    for endpoint, method, _, operation in entries:
        name = endpoint if counts[endpoint] == 1 else f"{endpoint}_{method}"
        base, n = name, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        operation["operationId"] = name


def _operation(app: App, rule: Any, view: Any, binder: Any, schemas: _Schemas) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    summary, description = _docstring(getattr(view, "view_class", view))
    if summary:
        operation["summary"] = summary
    if description:
        operation["description"] = description
    parameters: list[dict[str, Any]] = []
    declared = {p.name: p for p in binder.params} if binder is not None else {}
    for name, converter in rule.converters.items():
        param: dict[str, Any] = {"name": name, "in": "path", "required": True, "schema": converter_schema(converter)}
        typed = declared.get(name)
        if typed is not None and typed.description:
            param["description"] = typed.description
        parameters.append(param)
    if binder is not None:
        for p in binder.params:
            if p.location in ("path", "body"):
                continue
            param = {"name": p.key, "in": p.location, "required": p.required}
            if p.description:
                param["description"] = p.description
            if p.marker is not None and p.marker.deprecated:
                param["deprecated"] = True
            if p.marker is not None and p.marker.example is not None:
                param["example"] = p.marker.example
            schemas.want(param, "schema", p.codec.schema_type)
            parameters.append(param)
        if binder.body is not None:
            media: dict[str, Any] = {}
            schemas.want(media, "schema", binder.body.codec.schema_type)
            operation["requestBody"] = {"required": binder.body.required, "content": {"application/json": media}}
    if parameters:
        operation["parameters"] = parameters
    responses: dict[str, Any] = {}
    known = app._endpoints.get(rule.endpoint)
    status = known.status if known is not None and known.status is not None else 200
    ok: dict[str, Any] = {"description": STATUS_TEXT.get(status, "OK")}
    if binder is not None and binder.returns is not None:
        media = {}
        schemas.want(media, "schema", binder.returns, "serialization")
        ok["content"] = {"application/json": media}
    responses[str(status)] = ok
    if binder is not None and any(p.location != "path" or p.convert for p in binder.params):
        responses["422"] = {"description": "The request failed validation",
                            "content": {"application/problem+json": {"schema": {"$ref": _REF.format(name="ValidationProblem")}}}}
    for code, handler in _documented_handlers(app, rule.endpoint):
        summary, _ = _docstring(handler)
        responses.setdefault(str(code), {"description": summary or STATUS_TEXT.get(code, "Error")})
    operation["responses"] = responses
    return operation


def _documented_handlers(app: App, endpoint: Any) -> list[tuple[int, Any]]:
    # Error handlers for a status code that apply to the endpoint (its blueprints' and the app's).
    found: dict[int, Any] = {}
    scopes = [*blueprint_names(endpoint), None] if isinstance(endpoint, str) else [None]
    for scope in scopes:
        for key, handler in app._error_handlers.get(scope, {}).items():
            if isinstance(key, int) and key >= 400:
                found.setdefault(key, handler)
    return sorted(found.items())


def document_json(app: App, script_root: str = "") -> bytes:
    """The document as JSON bytes, built once per script root (and again after routes change)."""
    key = (script_root, len(app.url_map), len(app.view_functions), sum(known.typed for known in app._endpoints.values()))
    cached = app._openapi_cache.get(key)
    if cached is None:
        cached = json.dumps(document(app, script_root), separators=(",", ":")).encode()
        app._openapi_cache.clear()
        app._openapi_cache[key] = cached
    return cached


def docs_page(title: str, spec_url: str, assets_url: str) -> str:
    """The Swagger UI page: assets from ``assets_url``, the document from ``spec_url``."""
    from html import escape

    assets = escape(assets_url.rstrip("/"), quote=True)
    # json.dumps gives a JS string literal; "</" is escaped so it can never close the script element.
    spec = json.dumps(spec_url).replace("</", "<\\/")
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n"
        f"<link rel=\"stylesheet\" href=\"{assets}/swagger-ui.css\">\n</head>\n<body>\n"
        "<div id=\"swagger-ui\"></div>\n"
        f"<script src=\"{assets}/swagger-ui-bundle.js\"></script>\n"
        f"<script>window.ui = SwaggerUIBundle({{url: {spec}, dom_id: \"#swagger-ui\", deepLinking: true}});</script>\n"
        "</body>\n</html>\n"
    )
