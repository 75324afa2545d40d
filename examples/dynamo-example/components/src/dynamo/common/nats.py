# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""A minimal NATS client over NATS's text protocol (publish, subscribe, request), standard library only.

The runtime's request plane: a component's endpoint listens on its NATS subject, and a caller sends a
request with a reply subject. Only what the example needs: no TLS, no auth, no JetStream, no headers.
"""

from __future__ import annotations

import json
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

CRLF = b"\r\n"


class NatsError(Exception):
    """The server refused something (an -ERR line) or the connection broke."""


@dataclass(frozen=True)
class Message:
    """One message delivered to a subscription."""

    subject: str
    sid: int
    reply_to: str | None
    payload: bytes


def parse_address(url: str) -> tuple[str, int]:
    """Host and port of the first server in a NATS_SERVER value (nats://host:port, comma-separated)."""
    first = url.split(",")[0].strip()
    if "://" not in first:
        first = "nats://" + first
    parts = urlsplit(first)
    if parts.scheme != "nats" or not parts.hostname:
        raise ValueError(f"{url!r} is not a NATS address like nats://localhost:4222")
    return parts.hostname, parts.port or 4222


def check_subject(subject: str) -> str:
    """A subject is non-empty and has no whitespace (the protocol separates fields with spaces)."""
    if not subject or any(character.isspace() for character in subject):
        raise ValueError(f"{subject!r} is not a valid NATS subject")
    return subject


def parse_msg_line(line: bytes) -> tuple[str, int, str | None, int]:
    """The fields of a `MSG <subject> <sid> [reply-to] <#bytes>` line."""
    fields = line.decode("utf-8").split()
    if fields[:1] != ["MSG"] or len(fields) not in (4, 5):
        raise NatsError(f"not a MSG line: {line!r}")
    reply_to = fields[3] if len(fields) == 5 else None
    return fields[1], int(fields[2]), reply_to, int(fields[-1])


class NatsClient:
    """One connection to a NATS server."""

    def __init__(self, sock: socket.socket, info: dict[str, object]) -> None:
        self._sock = sock
        self._buffer = b""
        self._next_sid = 1
        self._pending: list[Message] = []
        self.info = info

    @classmethod
    def connect(cls, url: str, name: str = "dynamo-example", timeout: float = 5.0) -> NatsClient:
        """Connect, read the server's INFO, send CONNECT, and make sure the server answers a PING."""
        host, port = parse_address(url)
        sock = socket.create_connection((host, port), timeout=timeout)
        client = cls(sock, {})
        line = client._read_line(time.monotonic() + timeout)
        if not line.startswith(b"INFO "):
            sock.close()
            raise NatsError(f"{url} did not greet with INFO: {line[:80]!r}")
        client.info = json.loads(line[5:])
        options = {"verbose": False, "pedantic": False, "name": name, "lang": "python", "protocol": 0}
        client._send(b"CONNECT " + json.dumps(options).encode() + CRLF)
        client.flush(timeout)
        return client

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> NatsClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def publish(self, subject: str, payload: bytes, reply_to: str | None = None) -> None:
        head = f"PUB {check_subject(subject)}"
        if reply_to is not None:
            head += f" {check_subject(reply_to)}"
        self._send(f"{head} {len(payload)}".encode() + CRLF + payload + CRLF)

    def subscribe(self, subject: str, queue: str | None = None) -> int:
        """Subscribe and return the subscription id (messages carry it)."""
        sid = self._next_sid
        self._next_sid += 1
        group = f" {check_subject(queue)}" if queue else ""
        self._send(f"SUB {check_subject(subject)}{group} {sid}".encode() + CRLF)
        return sid

    def unsubscribe(self, sid: int) -> None:
        self._send(f"UNSUB {sid}".encode() + CRLF)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until the server has processed everything sent so far (PING, then its PONG)."""
        self._send(b"PING" + CRLF)
        deadline = time.monotonic() + timeout
        while True:
            if self._read_one(deadline) == "PONG":
                return

    def next_message(self, timeout: float = 5.0) -> Message:
        """The next message for any subscription of this connection."""
        deadline = time.monotonic() + timeout
        while not self._pending:
            self._read_one(deadline)
        return self._pending.pop(0)

    def request(self, subject: str, payload: bytes, timeout: float = 5.0) -> Message:
        """Publish with a fresh inbox as the reply subject and wait for the first reply."""
        inbox = f"_INBOX.{secrets.token_hex(8)}"
        sid = self.subscribe(inbox)
        self.publish(subject, payload, reply_to=inbox)
        deadline = time.monotonic() + timeout
        try:
            while True:
                message = self.next_message(max(deadline - time.monotonic(), 0.001))
                if message.sid == sid:
                    return message
                self._pending.append(message)
        finally:
            self.unsubscribe(sid)

    def _send(self, data: bytes) -> None:
        self._sock.sendall(data)

    def _read_one(self, deadline: float) -> str:
        """Read one protocol message, answer PINGs, queue MSGs; return the operation's name."""
        line = self._read_line(deadline)
        operation = line.split(b" ", 1)[0].upper().decode()
        if operation == "MSG":
            subject, sid, reply_to, size = parse_msg_line(line)
            payload = self._read_exactly(size + len(CRLF), deadline)[:size]
            self._pending.append(Message(subject, sid, reply_to, payload))
        elif operation == "PING":
            self._send(b"PONG" + CRLF)
        elif operation == "-ERR":
            raise NatsError(line.decode("utf-8", "replace"))
        return operation

    def _read_line(self, deadline: float) -> bytes:
        while CRLF not in self._buffer:
            self._fill(deadline)
        line, self._buffer = self._buffer.split(CRLF, 1)
        return line

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the NATS server in time")
        self._sock.settimeout(remaining)
        try:
            chunk = self._sock.recv(65536)
        except socket.timeout as error:
            raise TimeoutError("no answer from the NATS server in time") from error
        if not chunk:
            raise NatsError("the NATS server closed the connection")
        self._buffer += chunk
