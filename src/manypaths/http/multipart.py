"""multipart/form-data bodies, parsed by python-multipart (imported on first use)."""

from __future__ import annotations

from .datastructures import FileStorage, MultiDict
from .exceptions import BadRequest, RequestEntityTooLarge

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any



def parse_multipart(
    stream: IO[bytes],
    boundary: str,
    length: int | None,
    *,
    max_memory: int | None,
    max_parts: int | None,
) -> tuple[MultiDict, MultiDict]:
    """Parse a multipart body into (form, files); 400 for a malformed or truncated body."""
    try:
        import python_multipart
        from python_multipart.exceptions import FormParserError
    except ImportError:  # pragma: no cover - the extra is part of the test and demo installs
        raise RuntimeError(
            "multipart bodies need python-multipart: pip install 'manypaths[multipart]'"
        ) from None
    if not boundary:
        raise BadRequest("The multipart body has no boundary in its Content-Type.")
    form, files = MultiDict(), MultiDict()
    count = 0
    if max_parts is None:
        max_parts = 1 << 62

    def on_field(field: Any) -> None:
        nonlocal count
        count += 1
        if count > max_parts:
            raise RequestEntityTooLarge(f"Too many parts in the multipart body (the limit is {max_parts}).")
        name = (field.field_name or b"").decode("utf-8", "replace")
        value = field.value or b""
        if max_memory is not None and len(value) > max_memory:
            raise RequestEntityTooLarge(f"The form field {name[:60]!r} is larger than {max_memory} bytes "
                                        "(MAX_FORM_MEMORY_SIZE).")
        form.add(name, value.decode("utf-8", "replace"))

    def on_file(file: Any) -> None:
        nonlocal count
        count += 1
        if count > max_parts:
            raise RequestEntityTooLarge(f"Too many parts in the multipart body (the limit is {max_parts}).")
        handle = file.file_object
        handle.seek(0)
        name = (file.field_name or b"").decode("utf-8", "replace")
        filename = file.file_name.decode("utf-8", "replace") if file.file_name is not None else None
        content_type = getattr(file, "content_type", None)
        if isinstance(content_type, bytes):
            content_type = content_type.decode("latin-1")
        files.add(name, FileStorage(handle, filename, name, content_type or "application/octet-stream"))

    ended = False

    def on_end() -> None:
        nonlocal ended
        ended = True

    try:
        # The constructor checks the boundary too (a boundary past 70 bytes or so raises): a 400.
        parser = python_multipart.FormParser(
            "multipart/form-data", on_field, on_file, on_end, boundary=boundary.encode("latin-1", "replace"),
            config={"MAX_MEMORY_FILE_SIZE": 500_000 if max_memory is None else max_memory,
                    "MAX_BODY_SIZE": float("inf")},
        )
        while True:
            chunk = stream.read(64 * 1024)
            if not chunk:
                break
            parser.write(chunk)
        parser.finalize()
    except FormParserError as e:
        raise BadRequest(f"The multipart body is malformed: {e}") from None
    except (ValueError, UnicodeError) as e:
        raise BadRequest(f"The multipart body is malformed: {e}") from None
    inner = getattr(parser, "parser", None)
    state = getattr(inner, "state", None)
    if state is not None and getattr(state, "name", "END") != "END":
        raise BadRequest("The multipart body ends before its closing boundary.")
    return form, files
