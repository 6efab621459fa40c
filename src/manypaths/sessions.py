"""``session``: Flask's signed-cookie session, cookie-compatible with Flask's, and ``flash``.

The cookie is what Flask writes: itsdangerous' ``URLSafeTimedSerializer`` with the salt
``"cookie-session"``, HMAC key derivation and SHA-1, over Flask's tagged JSON (tuples, bytes,
``Markup``, UUIDs and datetimes keep their types). So a user signed in under Flask stays signed in
after the port, and back. ``SECRET_KEY`` signs it; ``SECRET_KEY_FALLBACKS`` still read older ones.
A tampered, expired or malformed cookie is an empty session (logged at INFO), never an error page.

Loaded with the first ``session`` access (itsdangerous from the ``sessions`` extra); an app that
never touches the session never imports it. ``app.session_interface`` swaps the storage, as Flask's.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64decode, b64encode
from datetime import datetime, timedelta, timezone

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .app import App
    from .http.request import Request
    from .http.response import Response


class SessionMixin:
    """What every session has: ``permanent``, ``new``, ``modified``, ``accessed``."""

    modified = False
    accessed = False
    new = False

    @property
    def permanent(self) -> bool:
        return bool(self.get("_permanent", False))  # type: ignore[attr-defined]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)  # type: ignore[index]


class SecureCookieSession(dict, SessionMixin):  # type: ignore[type-arg]
    """A dict that notes when it is read (``accessed``: the answer varies by cookie) and changed
    (``modified``: the cookie is written). Changing a mutable value inside it is not seen: set
    ``session.modified = True`` then, as with Flask."""

    def __init__(self, initial: Any = None) -> None:
        super().__init__(initial or ())
        self.modified = False
        self.accessed = False

    def __getitem__(self, key: Any) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.accessed = True
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.accessed = self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.accessed = self.modified = True
        super().__delitem__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.accessed = self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> Any:
        self.accessed = self.modified = True
        return super().popitem()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.accessed = self.modified = True
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.accessed = self.modified = True
        super().clear()


class NullSession(SecureCookieSession):
    """The session of an app without ``SECRET_KEY``: readable (empty), and any change is an error
    that says so."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("The session is unavailable because no secret key was set. Set SECRET_KEY (or "
                           "app.secret_key) to a long random value.")

    __setitem__ = __delitem__ = clear = popitem = update = pop = setdefault = _fail


# -- Flask's tagged JSON ------------------------------------------------------------------------------
# One-key objects {" t": ...} carry the types JSON has not: the format Flask's sessions use.


def _tag(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        if len(value) == 1:
            (key,) = value
            if isinstance(key, str) and key in _TAGS:
                return {" di": {f"{key}__": _tag(value[key])}}
        return {k: _tag(v) for k, v in value.items()}
    if kind is tuple:
        return {" t": [_tag(item) for item in value]}
    if kind is list:
        return [_tag(item) for item in value]
    if kind is bytes:
        return {" b": b64encode(value).decode("ascii")}
    if callable(getattr(value, "__html__", None)):
        return {" m": str(value.__html__())}
    if type(value).__name__ == "UUID" and hasattr(value, "hex"):
        return {" u": value.hex}
    if isinstance(value, datetime):
        from .http.response import http_date

        return {" d": http_date(value)}
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == " t":
                return tuple(inner)
            if key == " b":
                return b64decode(inner)
            if key == " m":
                from markupsafe import Markup

                return Markup(inner)
            if key == " u":
                from uuid import UUID

                return UUID(inner)
            if key == " d":
                from email.utils import parsedate_to_datetime

                return parsedate_to_datetime(inner)
            if key == " di":
                ((tagged_key, item),) = inner.items()
                return {tagged_key[:-2]: item}
        return value
    return value


_TAGS = frozenset({" di", " t", " b", " m", " u", " d"})


class TaggedJSONSerializer:
    """Flask's session serializer: JSON with one-key tags for tuples, bytes, Markup, UUID, datetime."""

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(_tag(value), separators=(",", ":"), sort_keys=True, ensure_ascii=True)

    @staticmethod
    def loads(value: str | bytes) -> Any:
        return json.loads(value, object_hook=_untag)


session_json_serializer = TaggedJSONSerializer()


# -- the interface -----------------------------------------------------------------------------------


class SessionInterface:
    """How sessions are opened and saved (``app.session_interface``); the cookie's settings from
    the ``SESSION_COOKIE_*`` config, as Flask's."""

    null_session_class = NullSession

    def make_null_session(self, app: App) -> NullSession:
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: App) -> str:
        return str(app.config.get("SESSION_COOKIE_NAME") or "session")

    def get_cookie_domain(self, app: App) -> str | None:
        return app.config.get("SESSION_COOKIE_DOMAIN") or None

    def get_cookie_path(self, app: App) -> str:
        return str(app.config.get("SESSION_COOKIE_PATH") or app.config.get("APPLICATION_ROOT") or "/")

    def get_cookie_httponly(self, app: App) -> bool:
        return bool(app.config.get("SESSION_COOKIE_HTTPONLY", True))

    def get_cookie_secure(self, app: App) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE", False))

    def get_cookie_samesite(self, app: App) -> str | None:
        return app.config.get("SESSION_COOKIE_SAMESITE")

    def get_cookie_partitioned(self, app: App) -> bool:
        return bool(app.config.get("SESSION_COOKIE_PARTITIONED", False))

    def get_expiration_time(self, app: App, session: SessionMixin) -> datetime | None:
        if session.permanent:
            return datetime.now(timezone.utc) + _lifetime(app)
        return None

    def should_set_cookie(self, app: App, session: SessionMixin) -> bool:
        return session.modified or (session.permanent and bool(app.config.get("SESSION_REFRESH_EACH_REQUEST", True)))

    def open_session(self, app: App, request: Request) -> Any:
        raise NotImplementedError

    def save_session(self, app: App, session: Any, response: Response) -> None:
        raise NotImplementedError


def _lifetime(app: App) -> timedelta:
    value = app.config.get("PERMANENT_SESSION_LIFETIME", timedelta(days=31))
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


class SecureCookieSessionInterface(SessionInterface):
    """The session in a signed cookie, exactly as Flask's (same salt, key derivation, digest and
    serializer: the cookies are interchangeable)."""

    salt = "cookie-session"
    digest_method = staticmethod(hashlib.sha1)
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: App) -> Any:
        secret = app.config.get("SECRET_KEY")
        if not secret:
            return None
        try:
            from itsdangerous import URLSafeTimedSerializer
        except ImportError:  # pragma: no cover - part of the test extra
            raise RuntimeError("sessions need itsdangerous: pip install 'manypaths[sessions]'") from None
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or ()), secret]  # the newest last: it signs
        return URLSafeTimedSerializer(keys, salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})

    def open_session(self, app: App, request: Request) -> SecureCookieSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        from itsdangerous import BadSignature

        try:
            data = signer.loads(value, max_age=int(_lifetime(app).total_seconds()))
        except BadSignature as e:  # tampered, expired, from another key, or not ours at all
            app.logger.info("session cookie refused (%s): a new session", type(e).__name__)
            return self.session_class()
        except (ValueError, TypeError, KeyError, UnicodeError) as e:  # signed but not a session we can read
            app.logger.info("session cookie unreadable (%s): a new session", type(e).__name__)
            return self.session_class()
        return self.session_class(data if isinstance(data, dict) else None)

    def save_session(self, app: App, session: Any, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:  # emptied: the client drops the cookie
                response.delete_cookie(name, domain=domain, path=path, secure=secure, partitioned=partitioned,
                                       samesite=samesite, httponly=httponly)
                response.vary.add("Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        signer = self.get_signing_serializer(app)
        value = signer.dumps(dict(session))
        response.set_cookie(name, value, expires=self.get_expiration_time(app, session), httponly=httponly,
                            domain=domain, path=path, secure=secure, partitioned=partitioned, samesite=samesite)
        response.vary.add("Cookie")


def open_session(app: App, request: Request) -> Any:
    """The request's session, opened by the app's interface (a NullSession without a secret key)."""
    interface = app.session_interface
    found = interface.open_session(app, request)
    return interface.make_null_session(app) if found is None else found


def save_session(app: App, request: Request, response: Response) -> Response:
    session = request.session_obj
    interface = app.session_interface
    if session is not None and not interface.is_null_session(session):
        interface.save_session(app, session, response)
    return response


# -- flash -----------------------------------------------------------------------------------------------


def flash(message: Any, category: str = "message") -> None:
    """Keep ``message`` for the next request that reads ``get_flashed_messages()`` (in the session)."""
    from .context import session

    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    import sys

    signals = sys.modules.get("manypaths.signals")
    if signals is not None and signals.message_flashed.receivers:
        from .context import current_app_object

        signals.message_flashed.send(current_app_object(), message=message, category=category)


def get_flashed_messages(with_categories: bool = False, category_filter: Any = ()) -> list[Any]:
    """The messages flashed for this request (taken from the session on the first call, then the
    same list for the rest of the request); ``(category, message)`` pairs with ``with_categories``,
    only the given categories with ``category_filter``."""
    from .context import current_request, session

    request = current_request()
    flashes = request._cache.get("flashes")
    if flashes is None:
        flashes = session.pop("_flashes") if "_flashes" in session else []
        request._cache["flashes"] = flashes
    if category_filter:
        flashes = [item for item in flashes if item[0] in category_filter]
    if not with_categories:
        return [item[1] for item in flashes]
    return list(flashes)
