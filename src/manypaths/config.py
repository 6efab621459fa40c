"""``app.config``: a dict with Flask's loaders (mapping, object, prefixed environment, file)."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import IO, Any


class Config(dict):  # type: ignore[type-arg]
    """The app's settings: upper-case keys (``DEBUG``, ``TESTING``, ``MAX_CONTENT_LENGTH``...).

    As Flask's ``Config``, only upper-case names are taken from objects, mappings and files.
    """

    #: Keys whose change calls ``on_change(key)`` (the App: which road requests take is decided
    #: again). Reads cost nothing extra: only writes are watched.
    watched: frozenset[str] = frozenset()
    on_change: Callable[[str], None] | None = None

    def __init__(self, root_path: str = ".", defaults: Mapping[str, Any] | None = None) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if key in self.watched and self.on_change is not None:
            self.on_change(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        if key in self.watched and self.on_change is not None:
            self.on_change(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Take the upper-case keys of ``mapping`` and ``kwargs``."""
        items = {**(mapping or {}), **kwargs}
        for key, value in items.items():
            if key.isupper():
                self[key] = value
        return True

    def from_object(self, obj: object | str) -> None:
        """Take the upper-case attributes of an object, a class or a module (or its import path,
        ``"package.settings"`` / ``"package.settings:Production"``)."""
        if isinstance(obj, str):
            obj = _import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_prefixed_env(self, prefix: str = "MANYPATHS", *, loads: Callable[[str], Any] | None = None) -> bool:
        """Take environment variables named ``PREFIX_KEY`` as ``KEY``; values are JSON-decoded when they
        parse (``"true"`` -> True, ``"5"`` -> 5), else kept as text. ``PREFIX_A__B`` sets ``self["A"]["B"]``.
        """
        import os

        if loads is None:
            import json

            loads = json.loads
        start = f"{prefix}_"
        for key in sorted(os.environ):
            if not key.startswith(start):
                continue
            raw = os.environ[key]
            try:
                value = loads(raw)
            except Exception:  # not JSON: the text itself, as Flask
                value = raw
            name = key[len(start):]
            if "__" not in name:
                self[name] = value
                continue
            current: dict[str, Any] = self
            *parents, last = name.split("__")
            for part in parents:
                if part not in current:
                    current[part] = {}
                current = current[part]
            current[last] = value
        return True

    def from_file(self, filename: str, load: Callable[[IO[Any]], Mapping[str, Any]], silent: bool = False,
                  text: bool = True) -> bool:
        """Load a file with ``load`` (``json.load``, ``tomllib.load`` with ``text=False``) and take its
        upper-case keys; ``filename`` is relative to ``root_path``. ``silent``: a missing file is False."""
        import os

        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as f:
                data = load(f)
        except OSError as e:
            if silent and e.errno in (2, 21, 20):  # ENOENT, EISDIR, ENOTDIR
                return False
            raise OSError(e.errno, f"Unable to load configuration file ({e.strerror})", path) from None
        return self.from_mapping(data)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """``from_pyfile`` the file an environment variable names."""
        import os

        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(f"The environment variable {variable_name!r} is not set: set it to the path of a "
                               "configuration file.")
        return self.from_pyfile(path, silent=silent)

    def from_pyfile(self, filename: str, silent: bool = False) -> bool:
        """Run a Python file and take its upper-case names."""
        import os

        path = os.path.join(self.root_path, filename)
        namespace: dict[str, Any] = {"__file__": path}
        try:
            with open(path, "rb") as f:
                exec(compile(f.read(), path, "exec"), namespace)
        except OSError as e:
            if silent and e.errno in (2, 21, 20):
                return False
            raise OSError(e.errno, f"Unable to load configuration file ({e.strerror})", path) from None
        self.from_mapping({k: v for k, v in namespace.items() if k.isupper()})
        return True

    def get_namespace(self, namespace: str, lowercase: bool = True, trim_namespace: bool = True) -> dict[str, Any]:
        """The keys starting with ``namespace`` (``"MAIL_"``), trimmed and lower-cased."""
        out: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace):] if trim_namespace else key
            out[name.lower() if lowercase else name] = value
        return out

    def __repr__(self) -> str:
        return f"<Config {dict.__repr__(self)}>"


def _import_string(path: str) -> Any:
    # "package.module", "package.module:Attribute" or "package.module.Attribute".
    import importlib

    if ":" in path:
        module_name, attribute = path.split(":", 1)
        return getattr(importlib.import_module(module_name), attribute)
    try:
        return importlib.import_module(path)
    except ImportError:
        module_name, _, attribute = path.rpartition(".")
        if not module_name:
            raise
        return getattr(importlib.import_module(module_name), attribute)
