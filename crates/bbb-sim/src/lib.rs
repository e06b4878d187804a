//! bbb-sim: a BigBlueButton server simulator that behaves like bbb-web (checksums, every
//! third-party API call, messageKeys, element order) and bbb-webhooks, for tests, demos,
//! docker-compose setups and benchmarks. A client that works against it should work against a
//! real BBB server. Several simulated servers can run in one process, each with its own port
//! and state, and knobs (latency, error rate, outage, capacity, simulated attendees) prepare
//! fault and load tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bbb_sim::SimError> {
//! let sim = bbb_sim::SimServer::spawn(bbb_sim::SimConfig::default())?;
//! println!("BBB API at {} with secret {}", sim.api_url(), sim.secret());
//! sim.set_latency(std::time::Duration::from_millis(20));
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod callbacks;
mod config;
mod control;
mod counts;
mod documents;
mod error;
mod ids;
mod knobs;
mod multipart;
mod pages;
mod params;
mod reply;
mod request;
mod server;
mod sim;
mod state;
mod validate;

pub use config::SimConfig;
pub use error::SimError;
pub use server::{SimHandle, SimServer};
pub use state::{
    Attendee, ChatMessage, Document, GuestPolicy, Meeting, Recording, RecordingState, Role,
    TextTrackFile,
};
