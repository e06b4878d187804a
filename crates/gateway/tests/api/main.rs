//! The gateway through HTTP, as clients see it.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod cors;
mod graphiql;
mod graphql;
mod harness;
mod http;
mod login;
mod persisted;
mod servers;
