"""A test client: real WSGI calls in-process, with cookies kept and redirects followed."""

from __future__ import annotations

import io
import json as _json
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlencode, urlsplit

from . import __version__
from .context import reset_current, set_current
from .http.datastructures import Headers
from .http.request import Request
from .http.response import Response
from .http.wsgi import call_wsgi

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from contextvars import Token
    from typing import Any


_REDIRECTS = (301, 302, 303, 307, 308)


class TestResponse(Response):
    """What the app answered: ``status_code``, ``headers``, ``data``, ``text``, ``json``; ``request``
    (the Request that was sent) and ``history`` (the redirects followed to get here)."""

    __test__ = False  # not a pytest test class

    request_path: str = ""
    history: tuple[TestResponse, ...] = ()
    request: Request


def _app_base_url(app: Any) -> str:
    # As Flask's test client: SERVER_NAME, APPLICATION_ROOT and PREFERRED_URL_SCHEME are the defaults.
    config = getattr(app, "config", None)
    if not isinstance(config, dict):
        return "http://localhost"
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    host = config.get("SERVER_NAME") or "localhost"
    root = str(config.get("APPLICATION_ROOT") or "/").rstrip("/")
    return f"{scheme}://{host}{root}"


class Cookie:
    """A cookie the client holds (``client.get_cookie("session").value``)."""

    def __init__(self, key: str, value: str) -> None:
        self.key = key
        self.value = value

    def __repr__(self) -> str:
        return f"<Cookie {self.key}={self.value!r}>"


class TestClient:
    """Calls a WSGI app like a server would: ``client.get("/users/1", query_string={"x": 1})``.

    Args:
        app: any WSGI callable (a manypaths App, a Flask app...).
        base_url: scheme, host and mount point of the app, e.g. ``"https://example.com/fn"``.

    ``environ_base`` holds the environ values every request starts from (``REMOTE_ADDR``,
    ``HTTP_USER_AGENT``). Inside ``with client:`` the last request's context stays active after the
    response, so ``request`` and ``g`` can be checked; it ends with the block (or the next request).
    """

    __test__ = False

    def __init__(self, app: Callable[..., Iterable[bytes]], base_url: str | None = None,
                 use_cookies: bool = True) -> None:
        self.app = app
        if base_url is None:
            base_url = _app_base_url(app)
        self.use_cookies = use_cookies
        parts = urlsplit(base_url)
        self.scheme = parts.scheme or "http"
        self.host = parts.netloc or "localhost"
        self.script_name = parts.path.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.environ_base: dict[str, Any] = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": f"manypaths/{__version__}"}
        self._preserving = False
        self._kept: Token[Any] | None = None

    # -- with client: ---------------------------------------------------------------------------

    def __enter__(self) -> TestClient:
        if self._preserving:
            raise RuntimeError("Cannot nest 'with client:' blocks of the same client.")
        self._preserving = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._preserving = False
        self._release()

    def _release(self) -> None:
        if self._kept is not None:
            reset_current(self._kept)
            self._kept = None

    def _keep(self, request: Any) -> None:
        # Called by App.wsgi_app once the request is over: make it the current request again.
        self._release()
        self._kept = set_current(request)

    # -- requests -------------------------------------------------------------------------------

    def open(
        self,
        path: str | Mapping[str, Any] = "/",
        method: str = "GET",
        *,
        base_url: str | None = None,
        query_string: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        data: Mapping[str, Any] | str | bytes | None = None,
        json: Any = None,
        content_type: str | None = None,
        mimetype: str | None = None,
        auth: tuple[str, str] | str | None = None,
        follow_redirects: bool = False,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        buffered: bool = False,
        url_scheme: str | None = None,
    ) -> TestResponse:
        """Send one request (and follow redirects if asked); ``path`` may also be a whole environ.

        The arguments are werkzeug's ``EnvironBuilder``'s: ``query_string`` (a string or a mapping,
        lists for repeated keys), ``headers`` (a mapping or pairs), ``data`` (a body, or form fields
        where a file object or ``(file, filename[, content_type])`` makes it multipart), ``json``,
        ``content_type``/``mimetype``, ``auth`` (``(user, password)`` for Basic), ``base_url`` (scheme,
        host and script root of this request), ``environ_base``/``environ_overrides``.
        """
        if not isinstance(path, str):
            return self.call(dict(path))
        if "://" in path.split("?", 1)[0]:
            # A full URL, as werkzeug's client takes it: its scheme and host for this request.
            whole = urlsplit(path)
            if base_url is None:
                base_url = f"{whole.scheme}://{whole.netloc}{self.script_name}"
            path = whole.path or "/"
            if self.script_name and path.startswith(self.script_name):
                path = path[len(self.script_name):] or "/"
            if whole.query and query_string is None:
                query_string = whole.query
        if base_url is None:
            base_url = f"{url_scheme or self.scheme}://{self.host}{self.script_name}"
        elif url_scheme is not None:
            base_url = url_scheme + "://" + base_url.split("://", 1)[-1]
        script_name = urlsplit(base_url).path.rstrip("/")
        pairs: list[tuple[str, str]] = list(
            headers.items() if isinstance(headers, Mapping) else headers or ())
        if auth is not None:
            pairs.append(("Authorization", _authorization(auth)))
        base = {**self.environ_base, **(environ_base or {})}
        history: list[TestResponse] = []
        while True:
            environ = build_environ(
                path, method, base_url=base_url, query_string=query_string, headers=pairs, data=data, json=json,
                content_type=content_type or mimetype, environ_overrides=environ_overrides,
                cookies=self.cookies if self.use_cookies else {},
                environ_base=base,
            )
            response = self.call(environ)
            if not (follow_redirects and response.status_code in _REDIRECTS and response.location):
                break
            if len(history) >= 20:
                raise RuntimeError(f"more than 20 redirects from {response.request_path!r}")
            history.append(response)
            target = urlsplit(response.location)
            if response.status_code not in (307, 308):
                method = "HEAD" if method == "HEAD" else "GET"
                data = json = content_type = mimetype = None
            path = target.path
            if script_name and path.startswith(script_name):
                path = path[len(script_name):]
            query_string = target.query
        response.history = tuple(history)
        return response

    def call(self, environ: dict[str, Any]) -> TestResponse:
        """Call the app with a prepared environ and collect the whole response."""
        if self._preserving:
            environ["manypaths.preserve_context"] = self._keep
        status, headers, body = call_wsgi(self.app, environ)
        response = TestResponse(status=status)
        # Exactly what the app sent: no Content-Type or Content-Length added.
        response.headers = Headers(headers)
        response.response = [body]
        response.request_path = environ["PATH_INFO"]
        response.request = Request(environ)
        self._store_cookies(response)
        return response

    def _store_cookies(self, response: Response) -> None:
        if not self.use_cookies:
            return
        for header in response.headers.getlist("Set-Cookie"):
            first, *attributes = header.split(";")
            name, _, value = first.strip().partition("=")
            expired = any(
                a.strip().lower().startswith("max-age=") and a.strip()[8:].lstrip("-").isdigit()
                and int(a.strip()[8:]) <= 0 for a in attributes
            )
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def session_transaction(self, *args: Any, **kwargs: Any) -> Any:
        """``with client.session_transaction() as session:`` — read or change the session the client's
        cookie holds, as Flask's; the change is stored in the client's cookie when the block ends.
        Takes ``test_request_context``'s arguments (``path``, ``base_url``...)."""
        import contextlib

        app = self.app
        if not self.use_cookies:
            raise TypeError("session_transaction needs a client with use_cookies=True")
        if not hasattr(app, "session_interface"):
            raise TypeError(f"session_transaction needs a manypaths App, not {type(app).__name__}")

        @contextlib.contextmanager
        def transaction() -> Any:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            headers = dict(kwargs.pop("headers", None) or {})
            if cookie:
                headers["Cookie"] = cookie
            with app.test_request_context(*args, headers=headers, **kwargs) as ctx:  # type: ignore[attr-defined]
                interface = app.session_interface
                session = interface.open_session(app, ctx.request)
                if session is None:
                    raise RuntimeError("Session backend did not open a session (is SECRET_KEY set?)")
                yield session
                response = app.response_class()  # type: ignore[attr-defined]
                if not interface.is_null_session(session):
                    interface.save_session(app, session, response)
            self._store_cookies(response)

        return transaction()

    def set_cookie(self, key: str, value: str = "", **attributes: Any) -> None:
        """Hold a cookie to send with the following requests (``domain``/``path`` are accepted and ignored:
        the client sends every cookie it holds)."""
        self.cookies[key] = value

    def get_cookie(self, key: str, **attributes: Any) -> Cookie | None:
        """The cookie ``key`` the client holds, or None."""
        value = self.cookies.get(key)
        return None if value is None else Cookie(key, value)

    def delete_cookie(self, key: str, **attributes: Any) -> None:
        """Forget the cookie ``key``."""
        self.cookies.pop(key, None)

    def get(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "GET", **kw)

    def post(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "POST", **kw)

    def put(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "PUT", **kw)

    def patch(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "PATCH", **kw)

    def delete(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "DELETE", **kw)

    def head(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "HEAD", **kw)

    def options(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "OPTIONS", **kw)

    def trace(self, path: str = "/", **kw: Any) -> TestResponse:
        return self.open(path, "TRACE", **kw)


def _authorization(auth: tuple[str, str] | str) -> str:
    if isinstance(auth, str):
        return auth
    import base64

    user, password = auth
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def build_environ(
    path: str = "/",
    method: str = "GET",
    *,
    base_url: str = "http://localhost",
    query_string: Mapping[str, Any] | str | None = None,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    data: Mapping[str, Any] | str | bytes | None = None,
    json: Any = None,
    content_type: str | None = None,
    environ_overrides: Mapping[str, Any] | None = None,
    cookies: Mapping[str, str] | None = None,
    environ_base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The WSGI environ a server would give the app for this request.

    ``path`` may carry a query (``"/search?q=x"``) unless ``query_string`` is given (a string or a
    mapping, lists giving repeated keys); ``base_url`` is the scheme, host and mount point
    (``SCRIPT_NAME``); ``data`` is a body (bytes/str) or form fields (file-like values make it
    multipart); ``json`` a value sent as JSON; ``environ_base`` values come first (any other key
    replaces them), ``environ_overrides`` last.
    """
    target = urlsplit(base_url)
    scheme = target.scheme or "http"
    netloc = target.netloc or "localhost"
    path, _, inline_query = path.partition("?")
    if query_string is None:
        query = inline_query
    elif isinstance(query_string, str):
        query = query_string
    else:
        query = urlencode(list(_pairs(query_string)), doseq=True)
    body = b""
    if json is not None:
        body = _json.dumps(json).encode("utf-8")
        content_type = content_type or "application/json"
    elif isinstance(data, (bytes, str)):
        body = data.encode("utf-8") if isinstance(data, str) else data
    elif data is not None:
        items = list(_pairs(data))
        if any(_is_file(v) for _, v in items):
            body, content_type = _encode_multipart(items)
        else:
            body = urlencode(items).encode("ascii")
            content_type = content_type or "application/x-www-form-urlencoded"
    host, _, port = netloc.partition(":")
    environ: dict[str, Any] = dict(environ_base or ())
    environ.update({
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": target.path.rstrip("/"),
        # WSGI: the percent-decoded path, as latin-1 code points of its UTF-8 bytes.
        "PATH_INFO": unquote(path, encoding="latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    })
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    if body or method.upper() in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if headers:
        pairs = headers.items() if hasattr(headers, "items") else headers
        given: set[str] = set()
        for key, value in pairs:
            if "_" in key:
                continue  # dropped, as every server and platform adapter drops such a name
            name = key.upper().replace("-", "_")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = "HTTP_" + name
            if name in given and name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[name] = f"{environ[name]}, {value}"  # a repeated header: one line, as a server joins it
            else:
                environ[name] = value
                given.add(name)
    if environ_overrides:
        environ.update(environ_overrides)
    return environ


def _pairs(values: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def _is_file(value: Any) -> bool:
    return hasattr(value, "read") or (isinstance(value, tuple) and len(value) >= 2 and hasattr(value[0], "read"))


def _encode_multipart(items: list[tuple[str, Any]]) -> tuple[bytes, str]:
    import uuid

    boundary = f"manypaths-{uuid.uuid4().hex}"
    out = io.BytesIO()
    for name, value in items:
        out.write(f"--{boundary}\r\n".encode())
        if _is_file(value):
            stream, filename, ctype = (value + (None, None))[:3] if isinstance(value, tuple) else (
                value, getattr(value, "name", "file"), None)
            filename = str(filename).rsplit("/", 1)[-1]
            content = stream.read()
            if isinstance(content, str):
                content = content.encode("utf-8")
            out.write(f'Content-Disposition: form-data; name="{quote(name)}"; filename="{quote(filename)}"\r\n'.encode())
            if ctype is None:
                import mimetypes

                ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            out.write(f"Content-Type: {ctype}\r\n\r\n".encode())
            out.write(content)
        else:
            out.write(f'Content-Disposition: form-data; name="{quote(name)}"\r\n\r\n'.encode())
            out.write(str(value).encode("utf-8"))
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# -- events: real-shaped trigger events for tests, without JSON files (see manypaths.events) ------------


def _arn(service: str, name: str, region: str = "us-east-1", account: str = "123456789012") -> str:
    return f"arn:aws:{service}:{region}:{account}:{name}"


def sqs_event(*bodies: Any, queue: str = "queue", fifo: bool = False) -> dict[str, Any]:
    """An SQS batch of ``bodies`` (a non-str body is sent as JSON) from ``queue`` (``.fifo`` added
    when ``fifo``), as Lambda delivers it; message ids ``m0``, ``m1``..."""
    import json as _json

    name = queue + (".fifo" if fifo and not queue.endswith(".fifo") else "")
    records = []
    for i, body in enumerate(bodies):
        records.append({
            "messageId": f"m{i}", "receiptHandle": f"handle-{i}",
            "body": body if isinstance(body, str) else _json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000",
                           **({"MessageGroupId": "g", "SequenceNumber": str(i)} if fifo else {})},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": _arn("sqs", name), "awsRegion": "us-east-1",
        })
    return {"Records": records}


def sns_event(message: Any, topic: str = "topic", subject: str | None = None) -> dict[str, Any]:
    """An SNS notification of ``message`` on ``topic``."""
    import json as _json

    return {"Records": [{"EventVersion": "1.0", "EventSource": "aws:sns",
                         "EventSubscriptionArn": _arn("sns", f"{topic}:sub"),
                         "Sns": {"Type": "Notification", "MessageId": "sns-1", "TopicArn": _arn("sns", topic),
                                 "Subject": subject, "Timestamp": "2026-01-01T00:00:00.000Z",
                                 "Message": message if isinstance(message, str) else _json.dumps(message),
                                 "MessageAttributes": {}}}]}


def s3_event(bucket: str, key: str, event_name: str = "ObjectCreated:Put", size: int = 0) -> dict[str, Any]:
    """An S3 notification for ``bucket``/``key`` (the key URL-encoded, as S3 sends it)."""
    from urllib.parse import quote_plus

    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                         "eventTime": "2026-01-01T00:00:00.000Z", "eventName": event_name,
                         "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                "object": {"key": quote_plus(key, safe="/"), "size": size, "sequencer": "0A1B"}}}]}


def eventbridge_event(source: str, detail_type: str, detail: Any = None) -> dict[str, Any]:
    """An EventBridge event (``schedule_event()`` for a scheduled rule's)."""
    return {"version": "0", "id": "eb-1", "detail-type": detail_type, "source": source,
            "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [], "detail": detail if detail is not None else {}}


def schedule_event(rule: str = "every-hour") -> dict[str, Any]:
    """What an EventBridge scheduled rule sends."""
    event = eventbridge_event("aws.events", "Scheduled Event")
    event["resources"] = [_arn("events", f"rule/{rule}")]
    return event


def kinesis_event(*payloads: Any, stream: str = "stream") -> dict[str, Any]:
    """A Kinesis batch (payloads base64-encoded; a non-bytes/str payload as JSON); sequence numbers ``0``, ``1``..."""
    import base64
    import json as _json

    records = []
    for i, payload in enumerate(payloads):
        raw = payload if isinstance(payload, bytes) else (
            payload.encode() if isinstance(payload, str) else _json.dumps(payload).encode())
        records.append({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": str(i),
                                    "data": base64.b64encode(raw).decode(), "approximateArrivalTimestamp": 1.0},
                        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"shardId-0:{i}",
                        "eventName": "aws:kinesis:record", "eventSourceARN": _arn("kinesis", f"stream/{stream}"),
                        "awsRegion": "us-east-1"})
    return {"Records": records}


def kafka_event(*values: Any, topic: str = "topic", partition: int = 0, cluster: str | None = "cluster",
                key: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An Amazon MSK batch (self-managed Kafka with ``cluster=None``): one partition's records, offsets
    ``0``, ``1``..., values base64-encoded (a non-bytes/str value as JSON), headers as Lambda sends
    them (lists of byte values)."""
    import base64
    import json as _json

    records = []
    for offset, value in enumerate(values):
        raw = value if isinstance(value, bytes) else (
            value.encode() if isinstance(value, str) else _json.dumps(value).encode())
        record: dict[str, Any] = {"topic": topic, "partition": partition, "offset": offset,
                                  "timestamp": 1767225600000 + offset, "timestampType": "CREATE_TIME",
                                  "value": base64.b64encode(raw).decode(),
                                  "headers": [{name: list(text.encode())} for name, text in (headers or {}).items()]}
        if key is not None:
            record["key"] = base64.b64encode(key.encode()).decode()
        records.append(record)
    event: dict[str, Any] = {"eventSource": "aws:kafka" if cluster else "SelfManagedKafka",
                             "bootstrapServers": "b-1.example:9092", "records": {f"{topic}-{partition}": records}}
    if cluster:
        event["eventSourceArn"] = _arn("kafka", f"cluster/{cluster}/0000-1")
    return event


def cloudevent(type: str, source: str, data: Any = None, *, subject: str | None = None, id: str = "ce-1",
               structured: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``client.post("/", **cloudevent(...))``: a CloudEvent in binary mode
    (``ce-`` headers, the data as the JSON body) or structured mode (``application/cloudevents+json``)."""
    import json as _json

    attributes = {"specversion": "1.0", "type": type, "source": source, "id": id, "time": "2026-01-01T00:00:00Z"}
    if subject is not None:
        attributes["subject"] = subject
    if structured:
        return {"data": _json.dumps({**attributes, "datacontenttype": "application/json", "data": data}),
                "content_type": "application/cloudevents+json"}
    return {"data": _json.dumps(data) if data is not None else b"", "content_type": "application/json",
            "headers": {f"ce-{k}": v for k, v in attributes.items()}}


def pubsub_cloudevent(topic: str, data: Any, *, attributes: dict[str, str] | None = None, project: str = "project",
                      structured: bool = False) -> dict[str, Any]:
    """A Pub/Sub message as Eventarc delivers it (``message.data`` base64)."""
    import base64
    import json as _json

    raw = data if isinstance(data, bytes) else (data.encode() if isinstance(data, str) else _json.dumps(data).encode())
    body = {"subscription": f"projects/{project}/subscriptions/sub",
            "message": {"data": base64.b64encode(raw).decode(), "messageId": "ps-1", "attributes": attributes or {},
                        "publishTime": "2026-01-01T00:00:00Z"}}
    return cloudevent("google.cloud.pubsub.topic.v1.messagePublished",
                      f"//pubsub.googleapis.com/projects/{project}/topics/{topic}", body, structured=structured)


def storage_cloudevent(bucket: str, name: str, kind: str = "finalized", *, structured: bool = False) -> dict[str, Any]:
    """A Cloud Storage object event as Eventarc delivers it."""
    body = {"bucket": bucket, "name": name, "contentType": "application/octet-stream", "size": "0"}
    return cloudevent(f"google.cloud.storage.object.v1.{kind}", f"//storage.googleapis.com/projects/_/buckets/{bucket}",
                      body, subject=f"objects/{name}", structured=structured)
