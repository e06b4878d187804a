//! Live state of meetings, as BBB reports it. Never stored: asked for when needed, in batches
//! of one `getMeetings` per server, which front doors feed into per-request DataLoaders.

use std::collections::HashMap;
use std::sync::Arc;

use bbb_client::model::MeetingInfo;
use futures_util::future::join_all;
use store::{Placement, PlacementFilter, Server, ServerHealth, Store};

use crate::ServiceError;

/// A server that could not be asked. Cloneable, so one failure can answer every live field
/// that needed the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub server_id: i64,
    pub reason: String,
}

impl From<Unavailable> for ServiceError {
    fn from(unavailable: Unavailable) -> Self {
        ServiceError::BbbUnavailable(format!(
            "server {}: {}",
            unavailable.server_id, unavailable.reason
        ))
    }
}

/// What one `getMeetings` call returned, indexed by BBB meetingID.
#[derive(Debug, Clone)]
pub struct ServerMeetings {
    pub server: Server,
    meetings: HashMap<String, MeetingInfo>,
}

impl ServerMeetings {
    pub fn new(server: Server, meetings: Vec<MeetingInfo>) -> Self {
        let meetings = meetings
            .into_iter()
            .map(|meeting| (meeting.meeting_id.clone(), meeting))
            .collect();
        ServerMeetings { server, meetings }
    }

    /// The meeting with this BBB meetingID, unless BBB does not have it or it has ended
    /// (ended meetings linger in BBB's lists for a few seconds).
    pub fn live(&self, bbb_meeting_id: &str) -> Option<&MeetingInfo> {
        self.meetings
            .get(bbb_meeting_id)
            .filter(|meeting| !meeting.has_been_forcibly_ended)
    }
}

/// Asks one server for its meetings. Servers the poller found unhealthy are not asked: the
/// answer would most likely be a timeout, and a page should not wait for it.
pub async fn fetch_server_meetings(
    store: &Store,
    client: &bbb_client::Client,
    server: &Server,
) -> Result<ServerMeetings, Unavailable> {
    let unavailable = |reason: String| Unavailable {
        server_id: server.id,
        reason,
    };
    if server.health == ServerHealth::Unhealthy {
        return Err(unavailable("the server is unhealthy".to_owned()));
    }
    let endpoint = super::endpoint(store, server).map_err(|e| unavailable(e.to_string()))?;
    let meetings = client
        .get_meetings(&endpoint)
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    Ok(ServerMeetings::new(server.clone(), meetings))
}

/// The answer of one server, or why there is none.
pub type ServerAnswer = Result<Arc<ServerMeetings>, Unavailable>;

/// `getMeetings` of each server in `server_ids`, concurrently, one call per server. Ids of
/// servers that no longer exist are left out of the map.
pub async fn meetings_on_servers(
    store: &Store,
    client: &bbb_client::Client,
    server_ids: &[i64],
) -> Result<HashMap<i64, ServerAnswer>, ServiceError> {
    let servers = servers_by_id(store, server_ids).await?;
    let answers = join_all(servers.into_values().map(|server| async move {
        let answer = fetch_server_meetings(store, client, &server).await;
        (server.id, answer.map(Arc::new))
    }))
    .await;
    Ok(answers.into_iter().collect())
}

/// Servers by id, in one query; ids of removed servers are left out.
pub async fn servers_by_id(
    store: &Store,
    server_ids: &[i64],
) -> Result<HashMap<i64, Server>, ServiceError> {
    let servers = store.servers().get_many(server_ids).await?;
    Ok(servers.into_iter().map(|s| (s.id, s)).collect())
}

/// The live placement of each meeting that has one, by meeting id.
pub async fn live_placements(
    store: &Store,
    meeting_ids: &[i64],
) -> Result<HashMap<i64, Placement>, ServiceError> {
    Ok(placements_of_meetings(store, meeting_ids, true)
        .await?
        .into_iter()
        .filter_map(|placement| Some((placement.meeting_id?, placement)))
        .collect())
}

/// Every live placement of the fleet (every site, both front doors), in one query: for the
/// per-token figures of the metrics.
pub async fn every_live_placement(store: &Store) -> Result<Vec<Placement>, ServiceError> {
    Ok(store
        .placements()
        .list(&PlacementFilter {
            live_only: true,
            ..PlacementFilter::default()
        })
        .await?)
}

/// Every placement (only live ones with `live_only`) of the meetings, oldest first, in one
/// `IN (…)` query.
pub async fn placements_of_meetings(
    store: &Store,
    meeting_ids: &[i64],
    live_only: bool,
) -> Result<Vec<Placement>, ServiceError> {
    Ok(store
        .placements()
        .for_meetings(meeting_ids, live_only)
        .await?)
}
