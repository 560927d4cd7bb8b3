"""What every request passes through: input hygiene, size limits, the write lock, headers, safe error logs.

* Ids in URLs are bounded to the database's integer range, so an id too large for a column is a 404, not an
  overflow (``/arenden/99999999999999999999``).
* Control characters (NUL and the other C0 characters but tab and line breaks, DEL) are removed from every form
  field and query parameter before anything reads them: PostgreSQL refuses NUL in text and no person types the
  others. Both databases therefore store the same thing.
* A body sent in chunks, without a length, is counted against the size limit like any other: over it the
  request gets 413 and nothing of it is processed.
* A request that may write (anything but GET, HEAD and OPTIONS) begins its transactions with the write lock.
"""

from __future__ import annotations

import io
import re
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Request, current_app, g, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from assess.extensions import write_intent

#: The largest id any table can hold (PostgreSQL's integer).
MAX_ID = 2**31 - 1
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The endpoints that take an uploaded file (multipart form data), with EVIDENCE_MAX_BYTES as their limit.
FILE_ENDPOINTS = frozenset({"evidence.upload", "evidence.import_sheet"})
#: What a file upload's form may add to the file itself (fields, boundaries), in bytes.
FORM_OVERHEAD = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Return text without control characters (tab, line feed and carriage return are kept)."""
    return _CONTROL.sub("", value)


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` of at most ten digits; `_refuse_out_of_range_ids` turns what no table can hold into a 404.

    (A converter that refused the value itself would make werkzeug answer 405 for a route that has the same
    path with another method, so the range is checked right after routing instead.)
    """

    regex = r"\d{1,10}"


def _refuse_out_of_range_ids() -> None:
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            from werkzeug.exceptions import NotFound

            raise NotFound()


def _cleaned(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict(
        [(clean_text(key), clean_text(value)) for key, items in values.lists() for value in items]
    )


class CleanRequest(Request):
    """A request whose form fields and query parameters carry no control characters."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _cleaned(form)

    @property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        cached = self.__dict__.get("_clean_args")
        if cached is None:
            cached = self.__dict__["_clean_args"] = _cleaned(super().args)
        return cached


class ChunkedBodyLimit:
    """WSGI middleware: read a body sent without Content-Length (chunked) up to the limit, or answer 413.

    Werkzeug applies ``MAX_CONTENT_LENGTH`` to a declared length; a chunked body has none, and a form parser
    reading such a stream stops at the limit and goes on with what it has. Buffering it here (at most the limit)
    and giving it a length lets the usual checks see it whole.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: Callable[[], int | None]) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        limit = self.limit()
        if limit is not None and chunked and not environ.get("CONTENT_LENGTH"):
            stream = environ["wsgi.input"]
            body = bytearray()
            while len(body) <= limit:
                piece = stream.read(min(65536, limit + 1 - len(body)))
                if not piece:
                    break
                body += piece
            if len(body) > limit:
                environ["assess.too_large"] = True
                body = bytearray()
            environ["wsgi.input"] = io.BytesIO(bytes(body))
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)


def _declare_write_intent() -> None:
    g._write_intent_token = write_intent.set(request.method not in SAFE_METHODS)


def _refuse_too_large() -> None:
    if request.environ.get("assess.too_large"):
        from werkzeug.exceptions import RequestEntityTooLarge

        raise RequestEntityTooLarge()
    if request.mimetype == "application/json" and not request.path.startswith("/api/"):
        # The pages' forms take form data; a JSON body would be read as form data by Flask-WTF, field by field.
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType()
    if request.endpoint == "exchange.import_assessment" and request.method == "POST" and set(request.files) <= {"fil"}:
        return  # the exchange import's one file field, "fil" (within MAX_CONTENT_LENGTH; its own limit in the view)
    if request.endpoint in FILE_ENDPOINTS and request.method == "POST":
        # The pages that take a file: their own (larger) limit, a little above the largest file for the form.
        request.max_content_length = int(current_app.config["EVIDENCE_MAX_BYTES"]) + FORM_OVERHEAD
        return
    if request.method not in SAFE_METHODS and request.mimetype == "multipart/form-data" and request.files:
        # No other page takes a file: Flask-WTF would hand the file to a text field in place of the text.
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType()


def _forget_write_intent(exc: BaseException | None) -> None:
    token = g.pop("_write_intent_token", None)
    if token is not None:
        write_intent.reset(token)


def done_writing() -> None:
    """Let the rest of this request read without the write lock (after its one commit)."""
    write_intent.set(False)


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
        "payment=(), usb=(), interest-cohort=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["ENVIRONMENT"] != "development":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        # Pages show answers as they are now: never reuse a stored copy (Back must not resurrect an old form).
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def log_unexpected(app: Flask, error: BaseException) -> None:
    """Log an unexpected error without anything the user sent: the type, the route and the code path only."""
    rule = request.url_rule.rule if request.url_rule is not None else "-"
    frames = "".join(traceback.format_tb(error.__traceback__))
    app.logger.error("Unexpected %s on %s %s\n%s", type(error).__qualname__, request.method, rule, frames)


def init_security(app: Flask) -> None:
    """Install the converter, the request class, the chunked-body limit and the per-request hooks."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = CleanRequest
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, lambda: app.config.get("MAX_CONTENT_LENGTH"))  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_out_of_range_ids)
    app.before_request_funcs[None].insert(0, _refuse_too_large)
    app.before_request_funcs[None].insert(0, _declare_write_intent)
    app.teardown_request(_forget_write_intent)
    app.after_request(_headers)
