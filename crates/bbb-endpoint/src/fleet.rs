//! The BBB servers of each group, with decrypted secrets, cached for a moment: every proxied
//! call needs its server's URL and secret, and health changes written by the poller must still
//! be seen within about a second. Concurrent requests of a group whose entry expired wait for
//! one load instead of each reading the group's servers.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use service::bbb::balancer::keeps_meetings;
use service::model::Server;
use service::{Actor, Store};

use crate::deferred;
use crate::error::EndpointError;

/// One server of a group: its row (state, health, load) and the client-side endpoint.
pub struct Backend {
    pub row: Server,
    pub api: bbb_client::Server,
}

impl Backend {
    /// Serves the meetings it has: cordoned servers do, disabled and unhealthy ones do not.
    pub fn keeps_meetings(&self) -> bool {
        keeps_meetings(&self.row)
    }
}

pub struct GroupServers {
    pub servers: Vec<Arc<Backend>>,
}

impl GroupServers {
    pub fn get(&self, server_id: i64) -> Option<&Arc<Backend>> {
        self.servers
            .iter()
            .find(|server| server.row.id == server_id)
    }

    pub fn rows(&self) -> Vec<Server> {
        self.servers
            .iter()
            .map(|server| server.row.clone())
            .collect()
    }
}

pub struct Fleet {
    /// Group id → its servers; `None` when the TTL is zero (every call reads them).
    groups: Option<Cache<i64, Arc<GroupServers>>>,
}

/// Groups kept: one entry per group that requests name, and groups are made by operators.
const GROUPS_CAPACITY: u64 = 10_000;

impl Fleet {
    pub fn new(ttl: Duration) -> Self {
        Fleet {
            groups: (!ttl.is_zero()).then(|| {
                Cache::builder()
                    .max_capacity(GROUPS_CAPACITY)
                    .time_to_live(ttl)
                    .build()
            }),
        }
    }

    /// The servers of the group `actor`'s API token works in.
    pub async fn group(
        &self,
        store: &Store,
        actor: &Actor,
    ) -> Result<Arc<GroupServers>, EndpointError> {
        match (&self.groups, actor.api_token_used()) {
            (Some(groups), Some(token)) => Ok(groups
                .try_get_with(token.group_id, deferred(|| load(store, actor)))
                .await?),
            // No cache, or no token (which the service refuses).
            _ => Ok(deferred(|| load(store, actor)).await?),
        }
    }
}

async fn load(store: &Store, actor: &Actor) -> Result<Arc<GroupServers>, service::ServiceError> {
    let servers = service::servers::for_api_token(store, actor)
        .await?
        .into_iter()
        .map(|(row, api)| Arc::new(Backend { row, api }))
        .collect();
    Ok(Arc::new(GroupServers { servers }))
}
