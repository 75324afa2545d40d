// SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
// SPDX-License-Identifier: Apache-2.0

//! The llm crate of the example: the name a model is served under and the endpoint a model's
//! workers answer on, built on the runtime crate.

use dynamo_runtime::{Endpoint, EndpointError};

/// The name a model is served under: `Qwen/Qwen3-0.6B` becomes `qwen3-0.6b` (with the `keep-org`
/// feature, `qwen/qwen3-0.6b`).
pub fn served_model_name(model: &str) -> String {
    let name = if cfg!(feature = "keep-org") {
        model
    } else {
        model.rsplit('/').next().unwrap_or(model)
    };
    name.to_lowercase()
}

/// The generate endpoint of a framework's workers in a namespace.
pub fn generate_endpoint(namespace: &str, framework: &str) -> Result<Endpoint, EndpointError> {
    Endpoint::parse(&format!("dyn://{namespace}.{framework}-worker.generate"))
}
