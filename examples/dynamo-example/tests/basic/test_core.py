# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Core tests that need no framework runtime (upstream's `none` marker)."""

import pytest

from dynamo.common.utils import served_model_name


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.none
@pytest.mark.parallel
@pytest.mark.gpu_0
def test_served_model_name_drops_the_org() -> None:
    assert served_model_name("Qwen/Qwen3-0.6B") == "qwen3-0.6b"


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.none
@pytest.mark.gpu_0
def test_served_model_name_without_org() -> None:
    assert served_model_name("gpt2") == "gpt2"


@pytest.mark.pre_merge
@pytest.mark.integration
@pytest.mark.none
@pytest.mark.gpu_1
def test_runtime_sees_a_gpu() -> None:
    assert served_model_name("a/B") == "b"
