"""The app's own commands, as Flask's: ``@app.cli.command("init-db")``, ``@bp.cli.command``,
``with_appcontext``, ``app.test_cli_runner()``; run as ``manypaths --app flaskr init-db``.

Built on click, imported only when ``app.cli`` is first used or the command line runs (an app that
declares no command never imports it). A command runs inside the app's application context, so
``current_app`` and ``g`` work in it (as Flask's since 2.2).
"""

from __future__ import annotations

import functools

import click
from click.testing import CliRunner as _ClickRunner

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class ScriptInfo:
    """What a command needs to find the app (Flask's name): ``create_app()`` returns it, once."""

    def __init__(self, app_import_path: str | None = None, create_app: Callable[..., Any] | None = None,
                 set_debug_flag: bool = True, load_dotenv_defaults: bool = True) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.data: dict[Any, Any] = {}
        self._loaded_app: Any = None

    def load_app(self) -> Any:
        if self._loaded_app is None:
            if self.create_app is None:
                raise click.UsageError("Could not locate the app: pass --app module:name (or set MANYPATHS_APP).")
            self._loaded_app = self.create_app()
        return self._loaded_app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def _enter_app_context(ctx: click.Context) -> None:
    info = ctx.find_object(ScriptInfo)
    if info is None or ctx.meta.get("manypaths.app_context"):
        return
    app = info.load_app()
    ctx.meta["manypaths.app_context"] = True
    ctx.with_resource(app.app_context())


def with_appcontext(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside the app's application context (``current_app``, ``g``)."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        _enter_app_context(ctx)
        return ctx.invoke(f, *args, **kwargs)

    return functools.update_wrapper(decorator, f)


class AppGroup(click.Group):
    """A click group whose commands run in the app's context (``app.cli``, ``bp.cli``)."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # A command added with add_command (a plain @click.command, as flaskr's init-db) runs in
        # the app's context too.
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _enter_app_context(ctx)
        return command


class CliRunner(_ClickRunner):
    """``app.test_cli_runner()``: ``runner.invoke(args=["init-db"])`` runs the app's command."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


def add_blueprint_commands(app: Any, blueprint: Any) -> None:
    """Put a blueprint's commands on the app's CLI: under its ``cli_group`` (its name by default),
    or at the top with ``cli_group=None``."""
    group = blueprint._cli
    if group is None or not group.commands:
        return
    if blueprint.cli_group is None:
        for name, command in group.commands.items():
            app.cli.add_command(command, name)
    else:
        group.name = blueprint.cli_group
        app.cli.add_command(group)
