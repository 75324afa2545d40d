// SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
// SPDX-License-Identifier: Apache-2.0

//! Served model names and worker endpoints.

use dynamo_llm::{generate_endpoint, served_model_name};

#[cfg(not(feature = "keep-org"))]
#[test]
fn drops_the_organization() {
    assert_eq!(served_model_name("Qwen/Qwen3-0.6B"), "qwen3-0.6b");
    assert_eq!(served_model_name("gpt2"), "gpt2");
}

#[cfg(feature = "keep-org")]
#[test]
fn keeps_the_organization() {
    assert_eq!(served_model_name("Qwen/Qwen3-0.6B"), "qwen/qwen3-0.6b");
}

#[test]
fn names_the_worker_endpoint() {
    let endpoint = generate_endpoint("dynamo", "vllm").unwrap();
    assert_eq!(endpoint.subject(), "dynamo.vllm-worker.generate");
    assert!(generate_endpoint("Dynamo", "vllm").is_err());
}
