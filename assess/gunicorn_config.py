"""gunicorn's settings for Molnbedömning: `gunicorn -c python:assess.gunicorn_config "assess:create_app()"`.

Each can be changed through the environment: ASSESS_BIND (default 127.0.0.1:8000, behind the proxy),
ASSESS_WORKERS (default 2 × CPUs + 1, at most 8), ASSESS_THREADS (default 4), ASSESS_TIMEOUT (default 60 s).
The access log names the path without its query string, and never cookies or other headers: a query string or a
cookie can carry what a user typed or a session.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else default


bind = os.environ.get("ASSESS_BIND", "127.0.0.1:8000")
workers = _int("ASSESS_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = _int("ASSESS_THREADS", 4)
timeout = _int("ASSESS_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then, so that memory a long run gathers is given back.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Client, time, method, path (no query string), protocol, status, bytes, milliseconds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# The app itself reads X-Forwarded-* from as many proxies as ASSESS_TRUSTED_PROXIES says; gunicorn trusts none.
forwarded_allow_ips = ""
limit_request_line = 8190


def post_worker_init(worker: Any) -> None:
    """Set what the worker loaded (the app, the rule sets' compiled tables, the templates) aside from the garbage
    collector's scans: a full collection over it took about 0.1 s, once every hundred or so requests, in the middle
    of whichever request met it; after this it scans only what requests made (issue 14)."""
    gc.collect()
    gc.freeze()
