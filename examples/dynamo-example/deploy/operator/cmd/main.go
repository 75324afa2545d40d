/*
 * SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
 * SPDX-License-Identifier: Apache-2.0
 */

// The operator's entry point: validates the namespace it is asked to watch and reports itself.
package main

import (
	"fmt"
	"os"

	"github.com/ai-dynamo/dynamo/deploy/operator/internal/controller"
)

func main() {
	namespace := os.Getenv("WATCH_NAMESPACE")
	if namespace != "" {
		if err := controller.ValidateNamespace(namespace); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Println("dynamo operator (example), watching", namespaceOrAll(namespace))
}

func namespaceOrAll(namespace string) string {
	if namespace == "" {
		return "all namespaces"
	}
	return namespace
}
