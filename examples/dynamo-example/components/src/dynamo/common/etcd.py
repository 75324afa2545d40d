# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""A minimal etcd v3 client over etcd's HTTP/JSON gateway (put, range, delete, leases), standard library only.

The runtime's discovery plane: live instances are keys under a lease, and disappear with it. Keys and
values travel base64-encoded, 64-bit numbers as JSON strings, as the gateway's protobuf-to-JSON mapping
has them.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any, cast


class EtcdError(Exception):
    """The gateway answered with an error, or could not be reached."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def prefix_end(prefix: bytes) -> bytes:
    """The range_end that makes a range request cover every key starting with prefix."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"


def first_endpoint(endpoints: str) -> str:
    """The first URL of an ETCD_ENDPOINTS value (comma-separated, http://host:port)."""
    first = endpoints.split(",")[0].strip().rstrip("/")
    if not first.startswith(("http://", "https://")):
        first = "http://" + first
    return first


class EtcdClient:
    """One etcd endpoint's gateway."""

    def __init__(self, endpoints: str, timeout: float = 5.0) -> None:
        self.url = first_endpoint(endpoints)
        self.timeout = timeout

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return cast(dict[str, Any], json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            raise EtcdError(f"{path}: HTTP {error.code}: {error.read()[:200]!r}") from error
        except urllib.error.URLError as error:
            raise EtcdError(f"{self.url} is not reachable: {error.reason}") from error

    def put(self, key: str, value: str | bytes, lease: int | None = None) -> int:
        """Store a value; returns the revision it was written at."""
        body: dict[str, Any] = {"key": _b64(_bytes(key)), "value": _b64(_bytes(value))}
        if lease is not None:
            body["lease"] = str(lease)
        return int(self._call("/v3/kv/put", body)["header"]["revision"])

    def get(self, key: str) -> bytes | None:
        kvs = self._call("/v3/kv/range", {"key": _b64(_bytes(key))}).get("kvs", [])
        return base64.b64decode(kvs[0].get("value", "")) if kvs else None

    def get_prefix(self, prefix: str) -> dict[str, bytes]:
        """Every key under prefix with its value, in key order."""
        start = _bytes(prefix)
        answer = self._call("/v3/kv/range", {"key": _b64(start), "range_end": _b64(prefix_end(start))})
        return {
            base64.b64decode(kv["key"]).decode("utf-8"): base64.b64decode(kv.get("value", ""))
            for kv in answer.get("kvs", [])
        }

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under prefix; returns how many were deleted."""
        start = _bytes(prefix)
        answer = self._call("/v3/kv/deleterange", {"key": _b64(start), "range_end": _b64(prefix_end(start))})
        return int(answer.get("deleted", 0))

    def grant_lease(self, ttl_seconds: int) -> int:
        return int(self._call("/v3/lease/grant", {"TTL": str(ttl_seconds)})["ID"])

    def revoke_lease(self, lease: int) -> None:
        """Revoke a lease: every key attached to it is deleted."""
        self._call("/v3/lease/revoke", {"ID": str(lease)})
