# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Command line of the sglang worker: the flags the deployment profiles pass."""

FRAMEWORK = "sglang"


def build_args(model: str, tensor_parallel: int = 1) -> list[str]:
    """The engine arguments for a model, as the worker would start it."""
    if tensor_parallel < 1:
        raise ValueError("tensor_parallel must be at least 1")
    return ["--model", model, "--tensor-parallel-size", str(tensor_parallel)]
