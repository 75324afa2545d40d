# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Where components find each other: an endpoint's NATS subject and its instances in etcd.

The same layout as the Rust runtime (lib/runtime): `dyn://namespace.component.endpoint` answers on the
subject `namespace.component.endpoint`, and each live instance is the key
`v1/instances/<namespace>/<component>/<endpoint>/<lease id in hex>`, held by the instance's lease.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from dynamo.common.etcd import EtcdClient

_PART = re.compile(r"^[a-z0-9_-]+$")


@dataclass(frozen=True)
class Endpoint:
    namespace: str
    component: str
    name: str

    @classmethod
    def parse(cls, address: str) -> Endpoint:
        if not address.startswith("dyn://"):
            raise ValueError(f"{address!r}: an endpoint address starts with dyn://")
        parts = address[len("dyn://") :].split(".")
        if len(parts) != 3:
            raise ValueError(f"{address!r}: an endpoint address is namespace.component.endpoint")
        for part in parts:
            if not _PART.match(part):
                raise ValueError(f"{address!r}: {part!r} is not a valid name")
        return cls(parts[0], parts[1], parts[2])

    @property
    def subject(self) -> str:
        return f"{self.namespace}.{self.component}.{self.name}"

    @property
    def instances_prefix(self) -> str:
        return f"v1/instances/{self.namespace}/{self.component}/{self.name}/"

    def instance_key(self, lease: int) -> str:
        return f"{self.instances_prefix}{lease:x}"


def register(etcd: EtcdClient, endpoint: Endpoint, address: str, ttl_seconds: int = 10) -> int:
    """Register one instance under a new lease; revoking the lease unregisters it."""
    lease = etcd.grant_lease(ttl_seconds)
    etcd.put(endpoint.instance_key(lease), json.dumps({"subject": endpoint.subject, "address": address}), lease)
    return lease


def instances(etcd: EtcdClient, endpoint: Endpoint) -> list[dict[str, str]]:
    """The live instances of an endpoint, in lease order."""
    found = etcd.get_prefix(endpoint.instances_prefix)
    return [json.loads(value) for _, value in sorted(found.items())]
