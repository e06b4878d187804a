//! The one error type of the simulator's Rust API. Answers to BBB API calls are not errors in
//! this sense: a `FAILED` document is a successful simulation of a failing call.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    #[error("no meeting with meetingID {0:?} on this simulator")]
    UnknownMeeting(String),
}
