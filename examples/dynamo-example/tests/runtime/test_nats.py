# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""The request plane against the real NATS server CI started (NATS_SERVER)."""

import secrets
import threading

import pytest

from dynamo.common.discovery import Endpoint
from dynamo.common.nats import NatsClient, parse_address, parse_msg_line


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.none
@pytest.mark.parallel
@pytest.mark.gpu_0
def test_nats_protocol_lines_parse() -> None:
    assert parse_address("nats://nats.dynamo.svc:4223,nats://other:4222") == ("nats.dynamo.svc", 4223)
    assert parse_address("localhost") == ("localhost", 4222)
    assert parse_msg_line(b"MSG dynamo.backend.generate 7 _INBOX.ab 12") == (
        "dynamo.backend.generate",
        7,
        "_INBOX.ab",
        12,
    )
    with pytest.raises(ValueError):
        parse_address("http://localhost:4222")


@pytest.mark.pre_merge
@pytest.mark.integration
@pytest.mark.none
@pytest.mark.parallel
@pytest.mark.gpu_0
def test_nats_publish_reaches_a_subscriber(nats_server: str) -> None:
    subject = f"dynamo.test.{secrets.token_hex(6)}"
    with NatsClient.connect(nats_server) as subscriber, NatsClient.connect(nats_server) as publisher:
        sid = subscriber.subscribe(subject)
        subscriber.flush()
        publisher.publish(subject, b"hello\r\nworld")
        publisher.flush()
        message = subscriber.next_message(timeout=5)
    assert (message.subject, message.sid, message.payload) == (subject, sid, b"hello\r\nworld")


@pytest.mark.pre_merge
@pytest.mark.integration
@pytest.mark.none
@pytest.mark.parallel
@pytest.mark.gpu_0
def test_nats_request_gets_the_workers_reply(nats_server: str) -> None:
    endpoint = Endpoint.parse(f"dyn://test{secrets.token_hex(4)}.backend.generate")
    with NatsClient.connect(nats_server, name="worker") as worker, NatsClient.connect(nats_server) as caller:
        worker.subscribe(endpoint.subject, queue="workers")
        worker.flush()

        def serve_one() -> None:
            request = worker.next_message(timeout=5)
            assert request.reply_to is not None
            worker.publish(request.reply_to, request.payload.upper())
            worker.flush()

        thread = threading.Thread(target=serve_one)
        thread.start()
        reply = caller.request(endpoint.subject, b'{"prompt": "hi"}', timeout=5)
        thread.join(timeout=5)
    assert reply.payload == b'{"PROMPT": "HI"}'
