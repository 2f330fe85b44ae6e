"""Where messages go: an SMTP server (`SMTP_URL`), or `.eml` files under `DATA_DIR/outbox/`."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SMTP_TIMEOUT_S = 30.0


class DeliveryFailed(Exception):
    """A message was not accepted; `temporary` says whether a later pass may succeed."""

    def __init__(self, answer: str, *, temporary: bool) -> None:
        super().__init__(answer)
        self.answer = answer[:500]
        self.temporary = temporary


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Write each message to `<folder>/<message id>.eml` (the same message, the same file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["Message-ID"]).strip("<>"))
        target = self.folder / f"{name}.eml"
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(message.as_bytes())
        os.replace(temporary, target)  # a reader never sees half a message

    def close(self) -> None:
        pass


def _smtp_answer(code: int, text: bytes | str) -> str:
    message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {message}".strip()


class SmtpTransport:
    """Deliver over SMTP: `smtp://` with STARTTLS (required unless the host is loopback or
    `?tls=none`), `smtps://` with TLS from the start; credentials from the URL."""

    def __init__(self, url: str, *, timeout: float = SMTP_TIMEOUT_S) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        options = parse_qs(parts.query)
        self.starttls_off = options.get("tls", [""])[0] == "none"
        self.timeout = timeout
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            client.ehlo()
            if client.has_extn("starttls") and not self.starttls_off:
                client.starttls(context=context)
                client.ehlo()
            elif not (self.starttls_off or self.host in LOOPBACK_HOSTS):
                client.close()
                raise DeliveryFailed(
                    f"{self.host} does not offer STARTTLS; refusing to send in clear "
                    "(add ?tls=none to SMTP_URL to allow it)",
                    temporary=True,
                )
        if self.username:
            client.login(self.username, self.password or "")
        return client

    def send(self, message: EmailMessage) -> None:
        try:
            if self._client is None:
                self._client = self._connect()
            self._client.send_message(message)
        except DeliveryFailed:
            self.close()
            raise
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise DeliveryFailed(_smtp_answer(code, text), temporary=code < 500) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            answer = _smtp_answer(error.smtp_code, error.smtp_error)
            raise DeliveryFailed(answer, temporary=error.smtp_code < 500) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # refused connection, timeout, dropped line: try again later
            raise DeliveryFailed(f"{type(error).__name__}: {error}", temporary=True) from error

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


def transport_from_settings(smtp_url: str, data_dir: Path) -> Transport:
    """Return the SMTP transport when SMTP_URL is set, else `.eml` files in DATA_DIR/outbox."""
    if smtp_url.strip():
        return SmtpTransport(smtp_url.strip())
    return FileTransport(data_dir / "outbox")
