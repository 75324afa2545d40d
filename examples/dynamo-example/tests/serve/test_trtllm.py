# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
"""Tests of the trtllm worker, marked the way upstream marks tests/serve/test_trtllm.py."""

import importlib

import pytest

worker = importlib.import_module("dynamo.trtllm.main")


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.trtllm
@pytest.mark.gpu_0
def test_trtllm_args_carry_the_model() -> None:
    assert worker.build_args("Qwen/Qwen3-0.6B")[:2] == ["--model", "Qwen/Qwen3-0.6B"]


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.trtllm
@pytest.mark.gpu_0
def test_trtllm_rejects_zero_tensor_parallel() -> None:
    with pytest.raises(ValueError):
        worker.build_args("Qwen/Qwen3-0.6B", tensor_parallel=0)


@pytest.mark.pre_merge
@pytest.mark.e2e
@pytest.mark.trtllm
@pytest.mark.gpu_1
def test_trtllm_serves_one_request_on_one_gpu() -> None:
    assert worker.FRAMEWORK == "trtllm"


@pytest.mark.pre_merge
@pytest.mark.e2e
@pytest.mark.trtllm
@pytest.mark.gpu_2
def test_trtllm_tensor_parallel_two() -> None:
    assert worker.build_args("m", tensor_parallel=2)[-1] == "2"


@pytest.mark.post_merge
@pytest.mark.integration
@pytest.mark.trtllm
@pytest.mark.gpu_0
def test_trtllm_post_merge_args_are_strings() -> None:
    assert all(isinstance(arg, str) for arg in worker.build_args("m", 4))


@pytest.mark.nightly
@pytest.mark.integration
@pytest.mark.trtllm
@pytest.mark.gpu_0
def test_trtllm_nightly_long_model_name() -> None:
    assert worker.build_args("org/" + "m" * 200)[1].startswith("org/")
