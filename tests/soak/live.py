"""The app under gunicorn on a real socket, and a plain HTTP client that signs in and saves as a browser does.

Shared by the reliability tests (`tests/assess/test_reliability.py`, a short run in `make test`) and the soak
run (`make soak`, the long one). Nothing here mocks the app: requests go through gunicorn's workers to SQLite or
PostgreSQL exactly as in production, with production's session cookies and CSRF checks.
"""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SELECTED_RE = re.compile(r'<option\b[^>]*selected[^>]*value="([^"]*)"|<option\b[^>]*value="([^"]*)"[^>]*selected')
FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment the served app runs with: production but for plain HTTP cookies and cheap argon2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSESS_")}
    env.update(
        {
            "ASSESS_SECRET_KEY": "soak-secret-key-" + "x" * 32,
            "ASSESS_DATABASE_URL": database_url,
            "ASSESS_INSTANCE_PATH": str(instance),
            "ASSESS_ENVIRONMENT": "test",
            "ASSESS_PASSWORD_HASH_TIME_COST": "1",
            "ASSESS_PASSWORD_HASH_MEMORY_KIB": "1024",
            "ASSESS_PASSWORD_HASH_PARALLELISM": "1",
            "ASSESS_LOGIN_MAX_FAILURES_IP": "100000",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    """Run `flask --app assess ...` with the served app's environment; return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "assess", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Gunicorn:
    """A gunicorn master serving the app; its workers can be listed and killed."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """Return the pids of the master's worker processes (from /proc)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def kill_a_worker(self, n: int) -> int | None:
        """Kill one worker with SIGKILL (no cleanup, as a crash or the OOM killer would); return its pid."""
        workers = sorted(self.workers())
        if not workers:
            return None
        pid = workers[n % len(workers)]
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid


@contextmanager
def gunicorn(env: dict[str, str], folder: Path, workers: int = 4, threads: int = 4) -> Iterator[Gunicorn]:
    """Serve the app with gunicorn (gthread workers) on a free port until the block ends."""
    port = free_port()
    log = folder / "gunicorn.log"
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "assess:create_app()",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = Gunicorn(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/logga-in", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        handle.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class _TlsTerminated(DefaultCookiePolicy):
    """Send Secure cookies over the plain connection behind a TLS-terminating proxy (as nginx would)."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


class Browser:
    """One person's cookies and requests, as a browser sends them (no redirects followed).

    With `behind_tls`, every request looks as it does behind nginx terminating TLS: `X-Forwarded-Proto: https`,
    a same-site `Referer`, and the session's Secure cookie sent back.
    """

    def __init__(self, base: str, behind_tls: bool = False) -> None:
        self.base = base
        self.behind_tls = behind_tls
        self.jar = CookieJar(policy=_TlsTerminated() if behind_tls else None)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None, timeout: float = 60
    ) -> Reply:
        body = None
        if data is not None:
            body = data if isinstance(data, bytes) else urllib.parse.urlencode(data, doseq=True).encode("utf-8")
        headers = dict(headers or {})
        if self.behind_tls:
            headers.setdefault("X-Forwarded-Proto", "https")
            headers.setdefault("Referer", self.base.replace("http://", "https://", 1) + "/")
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)  # noqa: S310
        if body is not None and not isinstance(data, bytes):
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return Reply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers or {}))

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return self.request("POST", path, data, headers)

    def sign_in(self, username: str, password: str) -> None:
        token = csrf_of(self.get("/logga-in").text())
        reply = self.post("/logga-in", {"csrf_token": token, "username": username, "password": password})
        if reply.status != 302:
            raise RuntimeError(f"sign-in as {username} failed: {reply.status}")


def csrf_of(page: str) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return html.unescape(match.group(1))


def form_of(page: str) -> dict[str, Any]:
    """Return the questionnaire form's fields as a browser would post them."""
    start = page.index('<form id="questionnaire"')
    part = page[start : page.index("</form>", start)]
    data: dict[str, Any] = {}
    for match in re.finditer(r"<input\b([^>]*)>", part):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        flags = set(re.findall(r"\s(checked|disabled)(?=[\s>/]|$)", match.group(1)))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or "disabled" in flags:
            continue
        if kind in ("radio", "checkbox"):
            if "checked" in flags:
                data[name] = html.unescape(attrs.get("value", "y"))
        else:
            data[name] = html.unescape(attrs.get("value", ""))
    for match in re.finditer(r"<textarea\b([^>]*)>(.*?)</textarea>", part, re.S):
        name = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1))).get("name")
        if name:
            data[name] = html.unescape(match.group(2).removeprefix("\r\n").removeprefix("\n"))
    for match in re.finditer(r"<select\b([^>]*)>(.*?)</select>", part, re.S):
        name = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1))).get("name")
        selected = re.search(
            r'<option\b[^>]*selected[^>]*value="([^"]*)"|<option\b[^>]*value="([^"]*)"[^>]*selected', match.group(2)
        )
        if name:
            value = next((g for g in selected.groups() if g is not None), "") if selected else ""
            data[name] = html.unescape(value)
    return data


def digests_of(raw: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in raw.split(";") if ":" in part)


def accounts(instance: Path) -> dict[str, str]:
    """Return the demo accounts' passwords by username (from instance/demo-accounts.txt)."""
    lines = (instance / "demo-accounts.txt").read_text().splitlines()
    return {parts[0]: parts[1] for parts in (line.split() for line in lines) if parts}
