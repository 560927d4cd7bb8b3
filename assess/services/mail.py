"""Sending e-mail through SMTP (standard library only), configured by ASSESS_MAIL_* and off by default.

Nothing here knows what a mail says: `services/notifications.py` composes the notices and reminders. Without
MAIL_SERVER no mail is sent and nothing fails. The password is read from the configuration only (ASSESS_MAIL_PASSWORD
or ASSESS_MAIL_PASSWORD_FILE), never logged and never part of an error message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    """How to reach the mail server, who sends, and the app's address for links."""

    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str = field(repr=False)
    sender: str
    timeout: float
    base_url: str


@dataclass(frozen=True)
class OutgoingMail:
    """One plain-text mail to one address, in one language."""

    to: str
    subject: str
    body: str
    language: str


class MailError(RuntimeError):
    """The mail server could not be reached or refused a mail (the message names no secret)."""


def mail_settings(config: Mapping[str, Any] | None = None) -> MailSettings | None:
    """Return the mail settings of the app (checked by config.finish_config), or None when mail is off."""
    config = current_app.config if config is None else config
    server = str(config.get("MAIL_SERVER") or "").strip()
    if not server:
        return None
    return MailSettings(
        server=server,
        port=int(config.get("MAIL_PORT") or 25),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")),
        username=str(config.get("MAIL_USERNAME") or ""),
        password=str(config.get("MAIL_PASSWORD") or ""),
        sender=str(config.get("MAIL_FROM") or ""),
        timeout=float(config.get("MAIL_TIMEOUT") or 10),
        base_url=str(config.get("BASE_URL") or "").rstrip("/"),
    )


def is_configured() -> bool:
    """Tell whether mail is switched on (ASSESS_MAIL_SERVER is set)."""
    return mail_settings() is not None


def configured_base_url() -> str:
    """Return ASSESS_BASE_URL without a trailing slash ("" when unset)."""
    return str(current_app.config.get("BASE_URL") or "").rstrip("/")


def absolute_url(endpoint: str, base_url: str, **values: Any) -> str:
    """Return the absolute address of an endpoint under the app's base URL (works outside a request)."""
    parts = urlsplit(base_url)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return str(adapter.build(endpoint, values, force_external=True))


def build_message(mail: OutgoingMail, settings: MailSettings) -> EmailMessage:
    """Return the mail as a MIME message: UTF-8 plain text with its language named."""
    if not mail.to or any(c in mail.to for c in "\r\n,;") or "@" not in mail.to:
        raise MailError("not a single e-mail address")
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to
    message["Subject"] = " ".join(mail.subject.split())  # one line: a title can never add a header
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=urlsplit(settings.base_url).hostname or "molnbedomning.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, charset="utf-8")
    message["Content-Language"] = mail.language  # after set_content, which clears the Content-* headers
    return message


def _safe_error(exc: BaseException) -> str:
    """Return what went wrong without anything the client sent (the server's reply code and class only)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _reply in exc.recipients.values()})
        return f"SMTPRecipientsRefused {', '.join(str(c) for c in codes)}"
    return type(exc).__name__ + (f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror else "")


class Mailer:
    """One connection to the mail server for a batch of mails: `with Mailer(settings) as m: m.send(mail)`."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        try:
            if s.use_ssl:
                self._smtp = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                self._smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
                if s.use_tls:
                    self._smtp.starttls(context=ssl.create_default_context())
            if s.username:
                self._smtp.login(s.username, s.password)
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            raise MailError(f"{s.server}:{s.port}: {_safe_error(exc)}") from None
        return self

    def send(self, mail: OutgoingMail) -> None:
        """Send one mail; raise MailError when the server refuses it."""
        assert self._smtp is not None, "use Mailer as a context manager"
        message = build_message(mail, self.settings)
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"{self.settings.server}:{self.settings.port}: {_safe_error(exc)}") from None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._close()

    def _close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None
