"""Sending files: ``send_file``, ``send_from_directory``, ``safe_join``, ``secure_filename``, and what
``App(static_folder=...)`` serves (as Flask's and werkzeug's, same headers).

A file answer carries ``Last-Modified``, an ``ETag``, ``Cache-Control`` (``no-cache`` unless a
``max_age``), ``Accept-Ranges: bytes``; it answers 304 to a matching ``If-None-Match`` /
``If-Modified-Since`` and 206 to a single ``Range`` (416 when unsatisfiable). The body is read in
64 kB chunks, never whole. Paths from a client go through ``send_from_directory``: ``..``, absolute
paths, NUL, backslashes and symbolic links that lead out of the folder answer 404.
"""

from __future__ import annotations

import os

from .context import app_or_none, get_current
from .http.exceptions import NotFound
from .http.response import Response

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime
    from typing import IO, Any

CHUNK = 64 * 1024


class FileBody:
    """A response body read from a binary file in chunks (a byte range of it after ``set_range``);
    the server's ``close()`` closes the file."""

    def __init__(self, file: IO[bytes], chunk_size: int = CHUNK) -> None:
        self.file = file
        self.chunk_size = chunk_size
        self._start: int | None = None
        self._length: int | None = None

    def set_range(self, start: int, length: int) -> None:
        self._start, self._length = start, length

    def __iter__(self) -> Iterator[bytes]:
        if self._start is not None:
            self.file.seek(self._start)
        remaining = self._length
        while remaining is None or remaining > 0:
            data = self.file.read(self.chunk_size if remaining is None else min(self.chunk_size, remaining))
            if not data:
                break
            if remaining is not None:
                remaining -= len(data)
            yield data

    def close(self) -> None:
        self.file.close()


def send_file(
    path_or_file: os.PathLike[str] | str | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
    *,
    environ: dict[str, Any] | None = None,
    response_class: type[Response] | None = None,
) -> Response:
    """A response with a file's contents (as Flask's ``send_file``).

    Never pass a path that came from a client: use ``send_from_directory``. A relative path is
    relative to the current app's root folder (its module's folder). ``environ`` defaults to the
    current request's (needed for 304/206 answers); ``max_age`` defaults to the app's
    ``SEND_FILE_MAX_AGE_DEFAULT`` (None: ``Cache-Control: no-cache``).
    """
    import mimetypes

    app = app_or_none()
    if environ is None:
        request = get_current(None)
        environ = request.environ if request is not None else None
    if response_class is None:
        response_class = app.response_class if app is not None else Response
    if max_age is None and app is not None:
        max_age = app.get_send_file_max_age
    path: str | None = None
    file: IO[bytes] | None = None
    size: int | None = None
    mtime: float | None = None
    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.path.join(app.root_path, path_or_file) if app is not None else os.path.abspath(path_or_file)
        stat = os.stat(path)
        size, mtime = stat.st_size, stat.st_mtime
    else:
        file = path_or_file
    if download_name is None and path is not None:
        download_name = os.path.basename(path)
    headers: list[tuple[str, str]] = []
    if mimetype is None:
        if download_name is None:
            raise TypeError("send_file() cannot tell the file's type: pass mimetype=, download_name=, or a path.")
        mimetype, encoding = mimetypes.guess_type(download_name)
        mimetype = mimetype or "application/octet-stream"
        if encoding is not None and not as_attachment:
            headers.append(("Content-Encoding", encoding))  # not for downloads: browsers would unpack a .tar.gz
    if download_name is not None:
        headers.append(("Content-Disposition", content_disposition(download_name, as_attachment)))
    elif as_attachment:
        raise TypeError("send_file(as_attachment=True) needs download_name= (or a path) for the file's name.")
    if file is None:
        assert path is not None
        file = open(path, "rb")  # noqa: SIM115 - the response closes it
    elif hasattr(file, "getbuffer"):
        size = file.getbuffer().nbytes
    elif isinstance(file, _text_io()):
        raise ValueError("send_file() needs a file opened in binary mode ('rb') or a BytesIO.")
    response = response_class(FileBody(file), mimetype=mimetype, headers=headers)
    if size is not None:
        response.headers.set("Content-Length", str(size))
    if last_modified is not None:
        response.last_modified = last_modified
    elif mtime is not None:
        response.last_modified = int(mtime)
    response.cache_control.no_cache = True
    if callable(max_age):
        max_age = max_age(path)
    if max_age is not None:
        if max_age > 0:
            response.cache_control.no_cache = None
            response.cache_control.public = True
        response.cache_control.max_age = max_age
        import time

        response.expires = int(time.time() + max_age)
    if isinstance(etag, str):
        response.set_etag(etag)
    elif etag and path is not None:
        import zlib

        response.set_etag(f"{mtime}-{size}-{zlib.adler32(path.encode()) & 0xFFFFFFFF}")
    if conditional and environ is not None:
        try:
            response.make_conditional(environ, accept_ranges=True, complete_length=size)
        except BaseException:
            file.close()
            raise
    return response


def send_from_directory(directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: Any) -> Response:
    """Send ``path`` (a client's, say ``<path:filename>``) from inside ``directory``; anything that would
    leave the folder (``..``, an absolute path, NUL, a symbolic link pointing out) or is not a file
    answers 404. ``kwargs`` go to ``send_file``."""
    app = app_or_none()
    root = os.path.join(app.root_path, directory) if app is not None else os.fspath(directory)
    joined = safe_join(root, os.fspath(path))
    if joined is None:
        raise NotFound()
    try:
        real_root = os.path.realpath(root)
        real = os.path.realpath(joined)
        if os.path.commonpath([real_root, real]) != real_root or not os.path.isfile(real):
            raise NotFound()
    except (OSError, ValueError):
        raise NotFound() from None
    return send_file(joined, **kwargs)


def safe_join(directory: str, *pathnames: str) -> str | None:
    """``directory`` joined with untrusted ``pathnames``, or None if one would escape it (``..``, an
    absolute path, a backslash or NUL), as werkzeug's."""
    import posixpath

    parts = [directory or "."]
    for filename in pathnames:
        if not filename:
            continue  # an empty part adds nothing (werkzeug 3.1)
        filename = posixpath.normpath(filename)
        if (
            "\x00" in filename
            or "\\" in filename
            or (os.path.altsep is not None and os.path.altsep in filename)
            or os.path.isabs(filename)
            or filename.startswith("/")
            or filename == ".."
            or filename.startswith("../")
            or (os.name == "nt" and any(  # pragma: no cover - Windows: device names hang when read
                p.partition(":")[0].partition(".")[0].strip().upper() in _WINDOWS_DEVICES for p in filename.split("/")))
        ):
            return None
        parts.append(filename)
    return posixpath.join(*parts)


_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))]
)


def secure_filename(filename: str) -> str:
    """A name safe to store an upload under: ASCII letters, digits, ``_.-`` only, no folder parts, no
    leading dots (``"../../etc/passwd"`` -> ``"etc_passwd"``), as werkzeug's. May be empty: check."""
    import re
    import unicodedata

    filename = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    for sep in (os.sep, os.path.altsep):
        if sep:
            filename = filename.replace(sep, " ")
    filename = re.sub(r"[^A-Za-z0-9_.-]", "", "_".join(filename.split())).strip("._")
    if os.name == "nt" and filename and filename.split(".")[0].upper() in _WINDOWS_DEVICES:  # pragma: no cover
        filename = f"_{filename}"
    return filename


_TOKEN = frozenset("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~")


def content_disposition(name: str, as_attachment: bool) -> str:
    """``inline; filename=...`` or ``attachment; ...`` (RFC 6266; ``filename*`` for non-ASCII names)."""
    kind = "attachment" if as_attachment else "inline"
    if name.isascii():
        return f"{kind}; filename={_quoted(name)}"
    import unicodedata
    from urllib.parse import quote

    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return f"{kind}; filename={_quoted(simple)}; filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"


def _quoted(value: str) -> str:
    if value and set(value) <= _TOKEN:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text_io() -> type:
    import io

    return io.TextIOBase
