# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The sglang runtime image. BASE_IMAGE defaults to what a real Dynamo sglang build runs on (SGLang's
# runtime image for CUDA 12.9, v0.5.8-cu130-runtime for 13.0); the local pipeline passes its Python base.
ARG CUDA_VERSION=12.9
ARG BASE_IMAGE=docker.io/lmsysorg/sglang:v0.5.7-runtime
FROM ${BASE_IMAGE} AS runtime
ARG CUDA_VERSION
ARG DYNAMO_COMMIT_SHA=unknown
LABEL org.opencontainers.image.title="dynamo sglang runtime" \
      ai.dynamo.framework="sglang" \
      ai.dynamo.cuda-version="${CUDA_VERSION}"
COPY components/src/dynamo/common /opt/dynamo/common
COPY components/src/dynamo/sglang /opt/dynamo/sglang
# The tests where upstream's images keep them: /workspace is the WORKDIR and pytest's rootdir, so
# run-gpu-tests finds them without a workdir or a mounted checkout.
WORKDIR /workspace
COPY pyproject.toml /workspace/pyproject.toml
COPY tests /workspace/tests
COPY components/src /workspace/components/src
