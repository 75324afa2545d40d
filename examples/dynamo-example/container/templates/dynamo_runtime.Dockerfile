# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The core runtime image (container validation). FROM scratch: see the framework images.
FROM scratch AS runtime
ARG CUDA_VERSION=12.9
LABEL org.opencontainers.image.title="dynamo runtime" ai.dynamo.cuda-version="${CUDA_VERSION}"
COPY components/src/dynamo/common /opt/dynamo/common
COPY lib /opt/dynamo/lib
