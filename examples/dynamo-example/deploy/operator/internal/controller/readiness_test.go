/*
 * SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
 * SPDX-License-Identifier: Apache-2.0
 */

package controller

import (
	"reflect"
	"strings"
	"testing"
)

func TestEvaluateReadyGraph(t *testing.T) {
	got := Evaluate(
		[]Condition{{Type: "Ready", Status: "True"}},
		[]Service{{Name: "Frontend", Replicas: 1, ReadyReplicas: 1}, {Name: "VllmDecodeWorker", Replicas: 2, ReadyReplicas: 2}},
	)
	if !got.Ready {
		t.Fatalf("Evaluate() = %+v, want ready", got)
	}
}

func TestEvaluateWaitsForEveryReplica(t *testing.T) {
	got := Evaluate(
		[]Condition{{Type: "Ready", Status: "True"}},
		[]Service{{Name: "Frontend", Replicas: 1, ReadyReplicas: 1}, {Name: "VllmDecodeWorker", Replicas: 2, ReadyReplicas: 1}},
	)
	if got.Ready || !reflect.DeepEqual(got.Waiting, []string{"VllmDecodeWorker"}) {
		t.Fatalf("Evaluate() = %+v, want waiting for VllmDecodeWorker", got)
	}
}

func TestEvaluateReportsTheConditionMessage(t *testing.T) {
	got := Evaluate([]Condition{{Type: "Ready", Status: "False", Message: "image pull backoff"}}, nil)
	if got.Ready || got.Reason != "image pull backoff" {
		t.Fatalf("Evaluate() = %+v, want the condition's message", got)
	}
}

func TestValidateNamespace(t *testing.T) {
	for _, name := range []string{"ci-4242-1-vllm-agg", "a", strings.Repeat("a", 63)} {
		if err := ValidateNamespace(name); err != nil {
			t.Errorf("ValidateNamespace(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "CI", "-ci", "ci-", "ci_run", strings.Repeat("a", 64)} {
		if err := ValidateNamespace(name); err == nil {
			t.Errorf("ValidateNamespace(%q) = nil, want an error", name)
		}
	}
}
