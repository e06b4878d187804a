//! The gateway through HTTP, as clients see it.

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
