# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""The discovery plane against the real etcd CI started (ETCD_ENDPOINTS)."""

import secrets

import pytest

from dynamo.common.discovery import Endpoint, instances, register
from dynamo.common.etcd import EtcdClient, first_endpoint, prefix_end


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.none
@pytest.mark.parallel
@pytest.mark.gpu_0
def test_endpoint_layout_matches_the_rust_runtime() -> None:
    endpoint = Endpoint.parse("dyn://dynamo.prefill-worker.generate")
    assert endpoint.subject == "dynamo.prefill-worker.generate"
    assert endpoint.instance_key(0x694D9A3C2E1B0001) == "v1/instances/dynamo/prefill-worker/generate/694d9a3c2e1b0001"
    assert prefix_end(b"v1/a") == b"v1/b"
    assert prefix_end(b"a\xff") == b"b"
    assert first_endpoint("etcd:2379,http://other:2379") == "http://etcd:2379"
    with pytest.raises(ValueError):
        Endpoint.parse("dyn://dynamo.Backend.generate")


@pytest.mark.pre_merge
@pytest.mark.integration
@pytest.mark.none
@pytest.mark.gpu_0
def test_instances_live_and_die_with_their_lease(etcd_endpoints: str) -> None:
    etcd = EtcdClient(etcd_endpoints)
    endpoint = Endpoint.parse(f"dyn://test{secrets.token_hex(4)}.backend.generate")
    first = register(etcd, endpoint, "10.0.0.1:9000")
    second = register(etcd, endpoint, "10.0.0.2:9000")
    try:
        assert sorted(instance["address"] for instance in instances(etcd, endpoint)) == [
            "10.0.0.1:9000",
            "10.0.0.2:9000",
        ]
        etcd.revoke_lease(first)
        assert [instance["address"] for instance in instances(etcd, endpoint)] == ["10.0.0.2:9000"]
    finally:
        etcd.revoke_lease(second)
    assert instances(etcd, endpoint) == []


@pytest.mark.pre_merge
@pytest.mark.integration
@pytest.mark.none
@pytest.mark.gpu_0
def test_put_get_and_delete_a_prefix(etcd_endpoints: str) -> None:
    etcd = EtcdClient(etcd_endpoints)
    prefix = f"test/{secrets.token_hex(6)}/"
    etcd.put(prefix + "a", "1")
    etcd.put(prefix + "b", b"\x00\xff")
    assert etcd.get(prefix + "a") == b"1"
    assert etcd.get_prefix(prefix) == {prefix + "a": b"1", prefix + "b": b"\x00\xff"}
    assert etcd.delete_prefix(prefix) == 2
    assert etcd.get(prefix + "a") is None
