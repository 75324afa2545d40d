# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The core runtime image (container validation). BASE_IMAGE is what a real Dynamo build runs on (the
# CUDA DL devel image); the local pipeline builds it FROM its Python base image in its own registry.
ARG BASE_IMAGE=nvcr.io/nvidia/cuda-dl-base:25.01-cuda12.8-devel-ubuntu24.04
FROM ${BASE_IMAGE} AS runtime
ARG CUDA_VERSION=12.9
LABEL org.opencontainers.image.title="dynamo runtime" ai.dynamo.cuda-version="${CUDA_VERSION}"
COPY components/src/dynamo/common /opt/dynamo/common
COPY lib /opt/dynamo/lib
# The tests where upstream's images keep them: /workspace is the WORKDIR and pytest's rootdir, so
# run-gpu-tests finds them without a workdir or a mounted checkout.
WORKDIR /workspace
COPY pyproject.toml /workspace/pyproject.toml
COPY tests /workspace/tests
COPY components/src /workspace/components/src
