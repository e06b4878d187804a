//! The BigBlueButton HTTP API as a typed async Rust library: checksums, every call of the
//! third-party API, tolerant XML/JSON parsing and one error type. Knows nothing of databases
//! or GraphQL.

pub mod checksum;
pub mod model;
pub mod xml;
