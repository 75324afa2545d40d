// SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
// SPDX-License-Identifier: Apache-2.0

//! The llm crate of the example.

/// The crate name.
pub fn name() -> &'static str {
    "llm"
}
