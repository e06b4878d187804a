//! The BBB servers of each group, with decrypted secrets, cached for a moment: every proxied
//! call needs its server's URL and secret, and health changes written by the poller must still
//! be seen within about a second. Concurrent requests of a group whose entry expired wait for
//! one load instead of each reading the group's servers.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use service::bbb::balancer::keeps_meetings;
use store::Store;

use crate::error::EndpointError;

/// One server of a group: its row (state, health, load) and the client-side endpoint.
pub struct Backend {
    pub row: store::Server,
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

    pub fn rows(&self) -> Vec<store::Server> {
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

    pub async fn group(
        &self,
        store: &Store,
        group_id: i64,
    ) -> Result<Arc<GroupServers>, EndpointError> {
        match &self.groups {
            Some(groups) => groups
                .try_get_with(group_id, load(store, group_id))
                .await
                .map_err(unshared),
            None => load(store, group_id).await,
        }
    }
}

async fn load(store: &Store, group_id: i64) -> Result<Arc<GroupServers>, EndpointError> {
    let servers = store.servers();
    let mut loaded = Vec::new();
    for row in servers.list(group_id).await? {
        // A row no call can be made with (an older database's URL, a secret under another
        // key) is left out, logged as an error by `endpoint`: the group's other servers keep
        // serving, and the balancer never picks the bad one.
        if let Ok(api) = service::bbb::endpoint(store, &row) {
            loaded.push(Arc::new(Backend { row, api }));
        }
    }
    Ok(Arc::new(GroupServers { servers: loaded }))
}

/// A load's error as the one caller that waited for it receives it, or as text when several
/// callers waited for the same load.
fn unshared(error: Arc<EndpointError>) -> EndpointError {
    Arc::try_unwrap(error).unwrap_or_else(|error| EndpointError::Internal(error.to_string()))
}
