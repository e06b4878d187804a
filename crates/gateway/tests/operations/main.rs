//! Running the gateway as a service: the admin CLI, probes and metrics, logs, leader election
//! across processes, graceful shutdown, and the README's configuration reference. Most tests
//! run the real `bbb-gateway` binary.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

// The shared harness; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;

mod cli;
mod dev_callbacks;
mod dev_cors;
mod failover;
mod logs;
mod probes;
mod process;
mod readme;
mod settings;
mod shutdown;
mod state;
