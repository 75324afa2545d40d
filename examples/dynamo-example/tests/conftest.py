# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Makes the components importable as `dynamo.*` without installing them, and hands the tests the
NATS server and etcd endpoint CI started for them, read the way Dynamo's runtime reads them
(NATS_SERVER, ETCD_ENDPOINTS)."""

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "components" / "src"))


@pytest.fixture
def nats_server() -> str:
    """The NATS_SERVER address (nats://host:port); the test is skipped without one."""
    address = os.environ.get("NATS_SERVER", "")
    if not address:
        pytest.skip("NATS_SERVER is not set: start nats-server and export NATS_SERVER=nats://host:port")
    return address


@pytest.fixture
def etcd_endpoints() -> str:
    """The ETCD_ENDPOINTS value (http://host:port[,...]); the test is skipped without one."""
    endpoints = os.environ.get("ETCD_ENDPOINTS", "")
    if not endpoints:
        pytest.skip("ETCD_ENDPOINTS is not set: start etcd and export ETCD_ENDPOINTS=http://host:port")
    return endpoints
