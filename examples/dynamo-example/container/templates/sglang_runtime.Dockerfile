# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The sglang runtime image. FROM scratch so that buildah builds it anywhere (no base image to pull).
FROM scratch AS runtime
ARG CUDA_VERSION=12.9
ARG DYNAMO_COMMIT_SHA=unknown
LABEL org.opencontainers.image.title="dynamo sglang runtime" \
      ai.dynamo.framework="sglang" \
      ai.dynamo.cuda-version="${CUDA_VERSION}"
COPY components/src/dynamo/common /opt/dynamo/common
COPY components/src/dynamo/sglang /opt/dynamo/sglang
