//! The BBB servers of each group, with decrypted secrets, cached for a moment: every proxied
//! call needs its server's URL and secret, and health changes written by the poller must still
//! be seen within about a second.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

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
    loaded_at: Instant,
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
    ttl: Duration,
    groups: RwLock<HashMap<i64, Arc<GroupServers>>>,
}

impl Fleet {
    pub fn new(ttl: Duration) -> Self {
        Fleet {
            ttl,
            groups: RwLock::default(),
        }
    }

    pub async fn group(
        &self,
        store: &Store,
        group_id: i64,
    ) -> Result<Arc<GroupServers>, EndpointError> {
        if let Some(group) = self
            .groups
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&group_id)
            .filter(|group| group.loaded_at.elapsed() < self.ttl)
        {
            return Ok(group.clone());
        }
        let servers = store.servers();
        let mut loaded = Vec::new();
        for row in servers.list(group_id).await? {
            let secret = servers.secret(&row)?;
            let api = bbb_client::Server::new(&row.api_url, secret.expose()).map_err(|error| {
                EndpointError::Internal(format!("server {} has an unusable URL: {error}", row.id))
            })?;
            loaded.push(Arc::new(Backend { row, api }));
        }
        let group = Arc::new(GroupServers {
            servers: loaded,
            loaded_at: Instant::now(),
        });
        self.groups
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(group_id, group.clone());
        Ok(group)
    }
}
