/*
 * SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
 * SPDX-License-Identifier: Apache-2.0
 */

// Package controller holds the operator's decisions about a DynamoGraphDeployment: when it is
// ready, and which namespace names Kubernetes accepts.
package controller

import (
	"fmt"
	"regexp"
	"strings"
)

// Condition is one entry of a DynamoGraphDeployment's status.conditions.
type Condition struct {
	Type    string
	Status  string
	Reason  string
	Message string
}

// Service is one service of a graph with the replicas it asks for and those that are ready.
type Service struct {
	Name          string
	Replicas      int
	ReadyReplicas int
}

// Readiness is the operator's verdict on a graph.
type Readiness struct {
	Ready bool
	// Waiting names the services that do not have all their replicas yet, in the graph's order.
	Waiting []string
	Reason  string
}

// Evaluate decides whether a graph is ready: its Ready condition is True and every service has
// all the replicas it asks for. A False Ready condition's message is the reason.
func Evaluate(conditions []Condition, services []Service) Readiness {
	var waiting []string
	for _, service := range services {
		if service.ReadyReplicas < service.Replicas {
			waiting = append(waiting, service.Name)
		}
	}
	for _, condition := range conditions {
		if condition.Type != "Ready" {
			continue
		}
		if condition.Status == "True" && len(waiting) == 0 {
			return Readiness{Ready: true, Reason: "all services are ready"}
		}
		if condition.Status == "False" && condition.Message != "" {
			return Readiness{Waiting: waiting, Reason: condition.Message}
		}
	}
	if len(waiting) > 0 {
		return Readiness{Waiting: waiting, Reason: "waiting for " + strings.Join(waiting, ", ")}
	}
	return Readiness{Reason: "no Ready condition yet"}
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidateNamespace refuses a name Kubernetes would refuse for a namespace (an RFC 1123 label).
func ValidateNamespace(name string) error {
	if len(name) > 63 {
		return fmt.Errorf("namespace %q is %d characters long, the limit is 63", name, len(name))
	}
	if !dnsLabel.MatchString(name) {
		return fmt.Errorf("namespace %q must be lower-case letters, digits and '-', starting and ending with a letter or digit", name)
	}
	return nil
}
