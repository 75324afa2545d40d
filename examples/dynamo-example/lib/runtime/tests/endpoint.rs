// SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
// SPDX-License-Identifier: Apache-2.0

//! The endpoint address, its NATS subject and its etcd keys.

use dynamo_runtime::{Endpoint, EndpointError};

#[test]
fn parses_and_prints_an_address() {
    let endpoint = Endpoint::parse("dyn://dynamo.backend.generate").unwrap();
    assert_eq!(endpoint.namespace, "dynamo");
    assert_eq!(endpoint.component, "backend");
    assert_eq!(endpoint.name, "generate");
    assert_eq!(endpoint.to_string(), "dyn://dynamo.backend.generate");
}

#[test]
fn lays_out_the_subject_and_the_instance_keys() {
    let endpoint = Endpoint::parse("dyn://dynamo.prefill-worker.generate").unwrap();
    assert_eq!(endpoint.subject(), "dynamo.prefill-worker.generate");
    assert_eq!(
        endpoint.instance_key(0x694d_9a3c_2e1b_0001),
        "v1/instances/dynamo/prefill-worker/generate/694d9a3c2e1b0001"
    );
}

#[test]
fn refuses_malformed_addresses() {
    assert_eq!(
        Endpoint::parse("dynamo.backend.generate"),
        Err(EndpointError::MissingScheme)
    );
    assert_eq!(
        Endpoint::parse("dyn://dynamo.backend"),
        Err(EndpointError::WrongPartCount(2))
    );
    assert_eq!(
        Endpoint::parse("dyn://dynamo.Backend.generate"),
        Err(EndpointError::InvalidPart("Backend".to_string()))
    );
    assert_eq!(
        Endpoint::parse("dyn://dynamo..generate"),
        Err(EndpointError::InvalidPart(String::new()))
    );
}
