//! bbb-gateway's front door: configuration, authentication, the HTTP server and the GraphQL
//! schema over BigBlueButton, plus the `bbb-gateway` command line. Domain rules live in the
//! service layer; this crate turns HTTP requests into calls to it and failures into coded
//! GraphQL errors.

pub mod app;
pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod dev;
pub mod election;
pub mod error;
pub mod graphql;
pub mod http;
pub mod telemetry;
