"""The OpenID providers the tests talk to over real HTTP on 127.0.0.1.

* ``start_provider(app_url)``: Node's certified ``oidc-provider`` (``provider.js``), with the app registered as a
  confidential client (PKCE required). Its node_modules come from ``npm ci`` (``.ci/run`` installs them first; else
  the first test does, offline from npm's cache when it can). Without ``node`` the tests skip, with the reason.
* ``FakeIssuer``: a small test-only issuer (discovery, JWKS, authorize, token with PKCE) that signs ID tokens
  with a chosen defect (wrong signature, audience, nonce, issuer, expired), to show that the app refuses them.
  The client library (Authlib) is never mocked: the app fetches and checks everything itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
NODE_MISSING = "node saknas: apt-get install nodejs npm (den riktiga OpenID-leverantören i tests/oidc körs av Node)"
CALLBACK = "/inloggning/oidc/callback"
SIGNED_OUT = "/utloggad"
MAPPING = """\
contact: "Regionens IT-servicedesk, telefon 010-100 00 00"
groups:
  - group: molnbedomning-arkitekter
    name: Molnbedömning – arkitekter
    roles: [architect]
  - group: molnbedomning-granskare-juridik
    roles: [reviewer]
    areas: [legal]
  - group: molnbedomning-admin
    roles: [admin]
"""


def ensure_node_modules() -> None:
    """Install the provider's packages from package-lock.json when they are missing."""
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(NODE_MISSING)
    for args in ([npm, "ci", "--offline", "--no-audit", "--no-fund"], [npm, "ci", "--no-audit", "--no-fund"]):
        done = subprocess.run(args, cwd=HERE, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
        if done.returncode == 0:
            return
    pytest.fail(f"npm ci in {HERE} failed:\n{done.stderr[-2000:]}", pytrace=False)


@dataclass
class NodeProvider:
    """A running oidc-provider: its issuer, the client registered for the app, and the people it knows."""

    issuer: str
    client_id: str
    client_secret: str
    accounts_file: Path
    process: subprocess.Popen[str]

    def set_person(self, login: str, *, name: str, email: str = "", groups: list[str] | None = None) -> None:
        """Say who a login name is at the provider (read again at every sign-in)."""
        people = json.loads(self.accounts_file.read_text())
        people[login] = {"name": name, "email": email or f"{login}@region.example", "groups": groups or []}
        self.accounts_file.write_text(json.dumps(people))

    def app_config(self, mapping_file: Path) -> dict[str, Any]:
        """Return the app settings that point it at this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_SCOPES": "openid profile email groups",
            "OIDC_GROUP_MAPPING_FILE": str(mapping_file),
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def start_provider(tmp_path: Path) -> Iterator[Callable[[str], NodeProvider]]:
    """Return a function that starts oidc-provider for an app served at the given base URL."""
    if NODE is None:
        if os.environ.get("CI"):
            pytest.fail(NODE_MISSING, pytrace=False)
        pytest.skip(NODE_MISSING)
    ensure_node_modules()
    started: list[NodeProvider] = []

    def _start(app_url: str) -> NodeProvider:
        folder = tmp_path / f"provider-{len(started)}"
        folder.mkdir()
        accounts = folder / "accounts.json"
        accounts.write_text("{}")
        settings = {
            "client_id": "molnbedomning",
            "client_secret": secrets.token_urlsafe(32),
            "redirect_uris": [app_url + CALLBACK],
            "post_logout_redirect_uris": [app_url + SIGNED_OUT],
            "accounts_file": str(accounts),
            "cookie_key": secrets.token_hex(16),
        }
        config = folder / "provider.json"  # the secret goes in a file only this user can read, never in argv
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(settings, handle)
        process = subprocess.Popen(  # noqa: S603
            [str(NODE), str(HERE / "provider.js"), str(config)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=10)
            pytest.fail(f"oidc-provider did not start (exit {process.returncode})", pytrace=False)
        provider = NodeProvider(
            json.loads(line)["issuer"], settings["client_id"], settings["client_secret"], accounts, process
        )
        started.append(provider)
        return provider

    yield _start
    for provider in started:
        provider.stop()


def write_mapping(folder: Path, text: str = MAPPING) -> Path:
    """Write a group mapping file and return its path."""
    path = folder / "groups.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- a test-only issuer that signs what it is told to -----------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class FakeIssuer:
    """An issuer on 127.0.0.1 whose token endpoint signs ID tokens with ``defect`` (None: a correct token)."""

    client_id: str = "molnbedomning"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    defect: str | None = None
    #: Seconds added to the token's iat and exp (a provider whose clock is ahead or behind).
    clock_offset: int = 0
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    seen_verifiers: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "good"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "good"})  # same kid, wrong key
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, data: Any, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/.well-known/openid-configuration":
                    self._json(issuer.metadata())
                elif parts.path == "/jwks":
                    self._json({"keys": [issuer.key.as_dict(private=False)]})
                elif parts.path == "/authorize":
                    self._authorize({k: v[0] for k, v in parse_qs(parts.query).items()})
                else:
                    self._json({"error": "not_found"}, 404)

            def _authorize(self, query: dict[str, str]) -> None:
                code = secrets.token_urlsafe(16)
                issuer.codes[code] = query
                target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                expected = "Basic " + base64.b64encode(f"{issuer.client_id}:{issuer.client_secret}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._json({"error": "invalid_client"}, 401)
                    return
                request = issuer.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = _b64(hashlib.sha256(verifier.encode()).digest())
                if request is None or request.get("code_challenge") != challenge:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                issuer.seen_verifiers.append(verifier)
                self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": issuer.id_token(request.get("nonce", "")),
                    }
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, nonce: str) -> str:
        from joserfc import jwt

        now = int(time.time()) + self.clock_offset
        claims = {
            "iss": self.url,
            "sub": "fake-person-1",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Fia Fejk",
            "email": "fia@region.example",
            "groups": ["molnbedomning-arkitekter"],
        }
        key = self.key
        if self.defect == "signature":
            key = self.other_key
        elif self.defect == "audience":
            claims["aud"] = "some-other-client"
        elif self.defect == "nonce":
            claims["nonce"] = "not-the-nonce-the-app-sent"
        elif self.defect == "issuer":
            claims["iss"] = "http://127.0.0.1:1"
        elif self.defect == "expired":
            claims["iat"], claims["exp"] = now - 900, now - 600
        return str(jwt.encode({"alg": "RS256", "kid": "good"}, claims, key))

    def app_config(self, mapping_file: Path) -> dict[str, Any]:
        return {
            "OIDC_ISSUER": self.url,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_GROUP_MAPPING_FILE": str(mapping_file),
        }

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def fake_issuer() -> Iterator[FakeIssuer]:
    """A test-only issuer that signs ID tokens with a chosen defect."""
    issuer = FakeIssuer()
    yield issuer
    issuer.stop()
