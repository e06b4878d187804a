//! Orchestration of BBB servers: choosing a server, recording placements, creating, joining and
//! ending meetings on BBB, loading live state and recordings, and polling server health.
//!
//! [`Orchestrator`] is the entry point for everything that acts on behalf of an
//! [`Actor`](crate::Actor); [`placements`] is the one placement routine and re-placement policy
//! it shares with the BBB endpoint; [`poller`] runs on its own; [`balancer`] is pure selection
//! plus the in-memory reservation book every door shares with the poller.

pub mod balancer;
pub mod events;
pub mod live;
mod meetings;
pub mod placements;
pub mod poller;
pub mod recordings;

use std::sync::Arc;

use store::{Server, Store};

pub use balancer::{Balancer, BalancerSettings};
pub use live::{ServerMeetings, Unavailable};
pub use meetings::{GUEST_NAME_MAX_CHARS, JoinLink, RunningMeeting};
pub use placements::{PERSISTENT_NAMESPACE, Placer};
pub use recordings::{RecordingChange, RecordingsByMeeting};

use crate::ServiceError;

/// Acts on BBB for persistent meetings. Cheap to clone: the store, the HTTP client and the
/// balancer are shared.
#[derive(Clone)]
pub struct Orchestrator {
    store: Store,
    client: bbb_client::Client,
    balancer: Arc<Balancer>,
}

impl Orchestrator {
    /// `balancer` must be the one process-wide instance, so that reservations of concurrent
    /// requests see each other.
    pub fn new(store: Store, client: bbb_client::Client, balancer: Arc<Balancer>) -> Self {
        Orchestrator {
            store,
            client,
            balancer,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn client(&self) -> &bbb_client::Client {
        &self.client
    }

    /// The one placement routine, on this orchestrator's store, client and balancer.
    pub(crate) fn placer(&self) -> Placer<'_> {
        Placer::new(&self.store, &self.client, &self.balancer)
    }
}

/// The BBB endpoint of a stored server: its URL and decrypted secret, ready to sign calls.
/// Servers are written through the URL rule ([`crate::servers::validate_api_url`]), but an
/// older database may hold a URL no call can be made with: that server is unavailable (and
/// logged), which fails the calls that need it and nothing else. The service's own: a front
/// door gets a server's endpoint only through an actor-checked function (the placement
/// routine's [`placements::Landing::endpoint`], `servers::for_api_token`, …).
pub(crate) fn endpoint(store: &Store, server: &Server) -> Result<bbb_client::Server, ServiceError> {
    let secret = store.servers().secret(server).inspect_err(|error| {
        tracing::error!(
            server_id = server.id,
            server = %server.name,
            error = %crate::ErrorChain(error),
            "BBB server's secret cannot be decrypted"
        );
    })?;
    bbb_client::Server::new(&server.api_url, secret.expose()).map_err(|error| {
        tracing::error!(
            server_id = server.id,
            server = %server.name,
            %error,
            "BBB server has an unusable URL"
        );
        ServiceError::Bbb(error)
    })
}

/// `servers` without the rows no call can be made with (each logged by [`endpoint`]), for
/// choosing among a group's servers: one bad row must not be chosen, nor fail the others.
pub(crate) fn usable_servers(store: &Store, servers: Vec<Server>) -> Vec<Server> {
    servers
        .into_iter()
        .filter(|server| endpoint(store, server).is_ok())
        .collect()
}
