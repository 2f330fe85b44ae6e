"""A real SMTP server for tests (aiosmtpd on loopback) that records what it accepts and can be
told to refuse the next messages with a given answer (451, 550 …)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """The server's handler: keeps accepted messages, refuses while `refusals` lasts."""

    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"

    def refuse_next(self, answer: str, times: int = 1) -> None:
        with self.lock:
            self.refusals.extend([answer] * times)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.refusals.clear()

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [item.message for item in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
