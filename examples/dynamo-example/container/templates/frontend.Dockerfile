# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The frontend image.
FROM scratch
LABEL org.opencontainers.image.title="dynamo frontend"
COPY components/src/dynamo/frontend /opt/dynamo/frontend
