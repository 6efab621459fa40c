"""Templates, as Flask's: ``render_template``, ``render_template_string``, ``stream_template``,
template folders on the App and its Blueprints, context processors, filters, tests and globals.

Jinja2 (the ``templates`` extra), imported on the first render: an app that renders nothing never
loads it. Autoescaping as Flask's: on for ``.html``, ``.htm``, ``.xml``, ``.xhtml``, ``.svg`` and for
template strings. In every template: ``url_for``, ``get_flashed_messages``, ``config``, ``request``,
``session`` and ``g``. A template that does not exist is a ``jinja2.TemplateNotFound`` at render,
naming it and the folders searched.
"""

from __future__ import annotations

import os

import jinja2

from .context import current_app_object, current_request, g, request, reset_current, session, set_current
from .sessions import get_flashed_messages

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .app import App

TemplateNotFound = jinja2.TemplateNotFound


def _autoescape(name: str | None) -> bool:
    return name is None or name.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))


class AppLoader(jinja2.BaseLoader):
    """The app's template folder first, then each blueprint's, in the order they were registered."""

    def __init__(self, app: App) -> None:
        self.app = app

    def folders(self) -> list[str]:
        found = []
        app = self.app
        if app.template_folder:
            found.append(os.path.join(app.root_path, app.template_folder))
        for blueprint in app.blueprints.values():
            if blueprint.template_folder:
                found.append(os.path.join(blueprint.root_path, blueprint.template_folder))
        return found

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        for folder in self.folders():
            try:
                return jinja2.FileSystemLoader(folder).get_source(environment, template)
            except TemplateNotFound:
                continue
        searched = ", ".join(self.folders()) or "no template folder"
        raise TemplateNotFound(template, message=f"{template!r} is in none of the template folders ({searched})")

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for folder in self.folders():
            if os.path.isdir(folder):
                names.update(jinja2.FileSystemLoader(folder).list_templates())
        return sorted(names)


def create_environment(app: App) -> jinja2.Environment:
    """The app's Jinja environment (``app.jinja_env``), with the app's filters, tests and globals."""
    auto_reload = app.config.get("TEMPLATES_AUTO_RELOAD")
    env = jinja2.Environment(loader=AppLoader(app), autoescape=_autoescape,
                             auto_reload=bool(app.debug if auto_reload is None else auto_reload))
    env.globals.update(url_for=app.url_for, get_flashed_messages=get_flashed_messages, config=app.config,
                       request=request, session=session, g=g)
    env.policies["json.dumps_function"] = app.json.dumps
    extras = app.template_extras
    env.filters.update(extras["filters"])
    env.tests.update(extras["tests"])
    env.globals.update(extras["globals"])
    return env


def _context(app: App, context: dict[str, Any]) -> dict[str, Any]:
    # The context processors' values (the app's, then the request's blueprints', outermost first);
    # what the caller passes wins, as in Flask.
    values: dict[str, Any] = {}
    try:
        current = current_request()
    except RuntimeError:
        current = None
    if current is not None:
        values.update(request=current, session=session, g=g)
    scopes: list[str | None] = [None]
    if current is not None:
        scopes.extend(reversed(current.blueprints))
    for scope in scopes:
        for func in app.template_context_processors.get(scope, ()):
            values.update(func())
    values.update(context)
    return values


def _render(app: App, template: jinja2.Template, context: dict[str, Any]) -> str:
    import sys

    signals = sys.modules.get("manypaths.signals")  # loaded only by an app that imports a signal
    if signals is not None and signals.before_render_template.receivers:
        signals.before_render_template.send(app, template=template, context=context)
    rv = str(template.render(context))
    if signals is not None and signals.template_rendered.receivers:
        signals.template_rendered.send(app, template=template, context=context)
    return rv


def render_template(template_name_or_list: str | jinja2.Template | list[str | jinja2.Template],
                    **context: Any) -> str:
    """Render a template of the app's (or a blueprint's) template folder with ``context``."""
    app = current_app_object()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, _context(app, context))


def render_template_string(source: str, **context: Any) -> str:
    """Render ``source`` as a template (always autoescaped)."""
    app = current_app_object()
    return _render(app, app.jinja_env.from_string(source), _context(app, context))


def _streamed(chunks: Iterator[str]) -> Iterator[str]:
    # The template is rendered while the server sends the body: the request stays the current one
    # while each chunk is made (url_for, request, session in the template).
    try:
        current = current_request()
    except RuntimeError:
        yield from chunks
        return
    yield from _each_with(current, chunks)


def _each_with(current: Any, chunks: Iterator[str]) -> Iterator[str]:
    while True:
        token = set_current(current)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            try:
                reset_current(token)
            except ValueError:  # iterated in another context: leave it
                pass
        yield chunk


def stream_template(template_name_or_list: str | jinja2.Template | list[str | jinja2.Template],
                    **context: Any) -> Iterator[str]:
    """Render a template chunk by chunk (return it from a view to stream the page)."""
    app = current_app_object()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _streamed(template.generate(_context(app, context)))


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """``render_template_string``, chunk by chunk."""
    app = current_app_object()
    return _streamed(app.jinja_env.from_string(source).generate(_context(app, context)))
