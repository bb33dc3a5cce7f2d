"""Request body parsers: JSON that can never become a 500.

A body over the size limit is a 413 naming the limit (read no further than the limit); JSON that
nests deeper than :data:`MAX_JSON_DEPTH` or holds a lone UTF-16 surrogate (``"\\ud800"``, which
no response could echo) is a 400, like any other malformed JSON."""

from __future__ import annotations

import json
import re
import zlib
from typing import IO, Any

from django.conf import settings
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from .errors import ErrorCode, InvalidInputError, RequestTooLargeError

#: Deeper than any product document or selection needs (a document nests 6 levels).
MAX_JSON_DEPTH = 64
_READ_CHUNK = 1024 * 1024
#: A ``\uD800``-``\uDFFF`` escape: only then can the parsed text hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB ({size:,} bytes)"


def body_too_large(*, limit: int, hint: str = "") -> RequestTooLargeError:
    return RequestTooLargeError(f"The request body is larger than the limit of {megabytes(limit)}.{hint}")


def _malformed(message: str) -> InvalidInputError:
    return InvalidInputError(f"The body is not valid JSON: {message}", code=ErrorCode.MALFORMED_REQUEST)


def declared_length(parser_context: dict[str, Any] | None) -> int | None:
    request = (parser_context or {}).get("request")
    if request is None:
        return None
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def read_limited(stream: IO[bytes], *, limit: int, hint: str = "") -> bytes:
    """The whole stream, or a 413 as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise body_too_large(limit=limit, hint=hint)
        chunks.append(chunk)
    return b"".join(chunks)


def gunzip_limited(data: bytes, *, limit: int, hint: str = "") -> bytes:
    """Decompress a gzip body, refusing one that inflates past ``limit`` (a gzip bomb) with a 413."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        inflated = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise InvalidInputError(
            f"The body is not valid gzip: {error}", code=ErrorCode.MALFORMED_REQUEST
        ) from None
    if len(inflated) > limit or inflater.unconsumed_tail:
        raise body_too_large(limit=limit, hint=hint)
    if not inflater.eof:
        raise InvalidInputError("The gzip body is truncated.", code=ErrorCode.MALFORMED_REQUEST)
    return inflated


def check_structure(data: Any, *, surrogates: bool) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and (when ``surrogates``) lone surrogates, without
    recursion."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            if depth > MAX_JSON_DEPTH:
                raise _malformed(f"it nests deeper than {MAX_JSON_DEPTH} levels.")
            for key, item in value.items():
                if surrogates:
                    _check_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_JSON_DEPTH:
                raise _malformed(f"it nests deeper than {MAX_JSON_DEPTH} levels.")
            pending.extend((item, depth + 1) for item in value)
        elif surrogates and isinstance(value, str):
            _check_text(value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _malformed(
            f"a string holds a lone surrogate \\u{ord(text[error.start]):04x}, which is not a character."
        ) from None


def parse_json(raw: bytes) -> Any:
    """Strict JSON (no NaN or Infinity) as UTF-8, checked by :func:`check_structure`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _malformed(f"it is not UTF-8 (byte {error.start}).") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _malformed(f"it nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as error:
        raise _malformed(f"{error}.") from None
    check_structure(data, surrogates=_SURROGATE_ESCAPE.search(raw) is not None)
    return data


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


class JSONParser(BaseParser):
    """JSON bodies up to ``max_bytes`` (default: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``).

    Not a subclass of DRF's JSONParser on purpose: DRF reads ``request.body`` for those, whose
    size check raises an error no handler turns into a 413. ``accept_gzip``: a body sent with
    ``Content-Encoding: gzip`` is inflated, up to ``max_bytes``."""

    media_type = "application/json"
    renderer_class = JSONRenderer
    max_bytes: int | None = None
    accept_gzip = False
    #: Added to the 413's message: where a larger body can go.
    too_large_hint = ""

    def limit(self) -> int:
        return self.max_bytes if self.max_bytes is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = self.limit()
        request = (parser_context or {}).get("request")
        encoding = (request.META.get("HTTP_CONTENT_ENCODING", "") if request is not None else "").lower()
        gzipped = encoding == "gzip"
        if encoding not in ("", "identity") and not (gzipped and self.accept_gzip):
            raise InvalidInputError(
                f"Content-Encoding {encoding!r} is not accepted here"
                + ("; send gzip or plain JSON." if self.accept_gzip else "; send plain JSON."),
                code=ErrorCode.MALFORMED_REQUEST,
            )
        length = declared_length(parser_context)
        if length is not None and length > limit:
            raise body_too_large(limit=limit, hint=self.too_large_hint)
        if stream is None:
            return {}
        raw = read_limited(stream, limit=limit, hint=self.too_large_hint)
        if request is not None:
            # What Django's HttpRequest.body keeps once it has read the stream itself, so that
            # whatever reads ``request.body`` later (logging, the contract tests) still can.
            request._request._body = raw
        if gzipped:
            raw = gunzip_limited(raw, limit=limit, hint=self.too_large_hint)
        return parse_json(raw)
