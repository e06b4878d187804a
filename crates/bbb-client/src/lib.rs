//! The BigBlueButton HTTP API as a typed async Rust library: checksums, every call of the
//! third-party API, tolerant XML/JSON parsing and one error type. Knows nothing of databases
//! or GraphQL.
//!
//! A [`Client`] holds pools of keep-alive HTTP/1.1 connections; a [`Server`] is one BBB
//! endpoint (URL, secret, checksum algorithm). Typed calls take the server per call, so one
//! client serves a whole fleet:
//!
//! ```no_run
//! # async fn demo() -> Result<(), bbb_client::Error> {
//! use bbb_client::{Client, CreateMeeting, JoinMeeting, Role, Server};
//!
//! let client = Client::new()?;
//! let server = Server::new("https://bbb.example.com/bigbluebutton/api/", "secret")?;
//! client.create(&server, &CreateMeeting::new("room-1", "Room 1").record(true)).await?;
//! let url = client.join_url(&server, &JoinMeeting::new("room-1", "Ann").role(Role::Moderator));
//! # let _ = url;
//! # Ok(())
//! # }
//! ```
//!
//! [`Client::call_raw`] signs and sends any call and returns the answer untouched, for
//! forwarding.

mod api;
pub mod catalogue;
pub mod checksum;
mod client;
mod create;
mod documents;
mod error;
mod hooks;
mod join;
mod meeting_reader;
pub mod model;
mod multipart;
mod origin;
pub mod outbound;
mod params;
mod recordings;
pub mod response;
mod server;
mod tls;
mod transport;
mod vocab;
pub mod xml;

pub use checksum::ChecksumAlgorithm;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_TIMEOUT,
    RawBody,
};
pub use create::CreateMeeting;
pub use documents::{Document, MODULES_CONTENT_TYPE, modules_xml};
pub use error::{Cause, Error};
pub use hooks::HookRegistration;
pub use join::JoinMeeting;
pub use outbound::OutboundPolicy;
pub use params::{Iter as ParamsIter, Params};
pub use recordings::{RecordingUpdate, RecordingsPage, RecordingsQuery, TextTrackUpload};
pub use response::RawResponse;
pub use server::{Server, parse_api_url};
pub use vocab::{Feature, GuestPolicy, MeetingLayout, RecordingState, Role, TrackKind};
