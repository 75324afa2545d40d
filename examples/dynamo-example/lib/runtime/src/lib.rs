// SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.
// SPDX-License-Identifier: Apache-2.0

//! The runtime crate of the example: how a component endpoint is named, and where it is found in
//! NATS (its request subject) and in etcd (its instance keys), as Dynamo's distributed runtime lays
//! them out.

use std::fmt;

/// Why an endpoint address was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// The address does not start with `dyn://`.
    MissingScheme,
    /// The address does not have exactly three dot-separated parts.
    WrongPartCount(usize),
    /// A part is empty or has a character outside `[a-z0-9_-]`.
    InvalidPart(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::MissingScheme => write!(f, "an endpoint address starts with dyn://"),
            EndpointError::WrongPartCount(count) => write!(
                f,
                "an endpoint address is namespace.component.endpoint, got {count} part(s)"
            ),
            EndpointError::InvalidPart(part) => write!(
                f,
                "{part:?} is not a valid name (lower-case letters, digits, '_' and '-')"
            ),
        }
    }
}

impl std::error::Error for EndpointError {}

/// One endpoint of one component in one namespace: `dyn://namespace.component.endpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub namespace: String,
    pub component: String,
    pub name: String,
}

const SCHEME: &str = "dyn://";

fn valid_part(part: &str) -> bool {
    !part.is_empty()
        && part.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-'
        })
}

impl Endpoint {
    /// Parse `dyn://namespace.component.endpoint`.
    pub fn parse(address: &str) -> Result<Self, EndpointError> {
        let path = address
            .strip_prefix(SCHEME)
            .ok_or(EndpointError::MissingScheme)?;
        let parts: Vec<&str> = path.split('.').collect();
        if parts.len() != 3 {
            return Err(EndpointError::WrongPartCount(parts.len()));
        }
        if let Some(bad) = parts.iter().find(|part| !valid_part(part)) {
            return Err(EndpointError::InvalidPart((*bad).to_string()));
        }
        Ok(Endpoint {
            namespace: parts[0].to_string(),
            component: parts[1].to_string(),
            name: parts[2].to_string(),
        })
    }

    /// The NATS subject requests to this endpoint are published on.
    pub fn subject(&self) -> String {
        format!("{}.{}.{}", self.namespace, self.component, self.name)
    }

    /// The etcd key prefix under which the live instances of this endpoint are registered.
    pub fn instances_prefix(&self) -> String {
        format!(
            "v1/instances/{}/{}/{}/",
            self.namespace, self.component, self.name
        )
    }

    /// The etcd key of one instance, named by its lease id in hex as Dynamo names it.
    pub fn instance_key(&self, lease_id: u64) -> String {
        format!("{}{lease_id:x}", self.instances_prefix())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}", self.subject())
    }
}
