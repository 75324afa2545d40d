# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
# SPDX-License-Identifier: Apache-2.0
# The frontend image. BASE_IMAGE is what a real Dynamo frontend build runs on (NVIDIA's Ubuntu base).
ARG BASE_IMAGE=nvcr.io/nvidia/base/ubuntu:noble-20250619
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="dynamo frontend"
COPY components/src/dynamo/frontend /opt/dynamo/frontend
