# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the example components."""


def served_model_name(model: str) -> str:
    """The name a model is served under."""
    return model.split("/")[-1].lower()
