# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The trtllm runtime image. BASE_IMAGE defaults to what a real Dynamo trtllm build runs on (the CUDA DL
# runtime image); the local pipeline passes its Python base image (python3 + pytest).
ARG CUDA_VERSION=12.9
ARG BASE_IMAGE=nvcr.io/nvidia/cuda-dl-base:25.10-cuda13.0-runtime-ubuntu24.04
FROM ${BASE_IMAGE} AS runtime
ARG CUDA_VERSION
ARG DYNAMO_COMMIT_SHA=unknown
LABEL org.opencontainers.image.title="dynamo trtllm runtime" \
      ai.dynamo.framework="trtllm" \
      ai.dynamo.cuda-version="${CUDA_VERSION}"
COPY components/src/dynamo/common /opt/dynamo/common
COPY components/src/dynamo/trtllm /opt/dynamo/trtllm
# The tests where upstream's images keep them: /workspace is the WORKDIR and pytest's rootdir, so
# run-gpu-tests finds them without a workdir or a mounted checkout.
WORKDIR /workspace
COPY pyproject.toml /workspace/pyproject.toml
COPY tests /workspace/tests
COPY components/src /workspace/components/src
