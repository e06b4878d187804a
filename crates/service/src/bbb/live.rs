//! Live state of meetings, as BBB reports it. Never stored: asked for when needed, in batches
//! of one `getMeetings` per server, which front doors feed into per-request DataLoaders.

use std::collections::HashMap;
use std::sync::Arc;

use bbb_client::model::MeetingInfo;
use futures_util::future::join_all;
use store::{Placement, PlacementFilter, Server, ServerHealth, Store};

use crate::ServiceError;

/// A server that could not be asked, and why. Cloneable (the cause is shared), so one failure
/// can answer every live field that needed the server.
#[derive(Debug, Clone, thiserror::Error)]
#[error("server {server_id}")]
pub struct Unavailable {
    pub server_id: i64,
    #[source]
    pub reason: UnavailableReason,
}

/// Why a server could not be asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UnavailableReason {
    /// The poller found it unhealthy, so it was not asked (no error lies below).
    #[error("the server is unhealthy")]
    Unhealthy,
    /// Its endpoint could not be built (secret, URL) or the call failed: that error.
    #[error(transparent)]
    Failed(Arc<ServiceError>),
}

impl Unavailable {
    /// `server_id` could not be asked because of `error`, kept as the source.
    pub fn failed(server_id: i64) -> impl Fn(ServiceError) -> Unavailable {
        move |error| Unavailable {
            server_id,
            reason: UnavailableReason::Failed(Arc::new(error)),
        }
    }
}

impl From<Unavailable> for ServiceError {
    fn from(unavailable: Unavailable) -> Self {
        ServiceError::ServerUnavailable(unavailable)
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
    if server.health == ServerHealth::Unhealthy {
        return Err(Unavailable {
            server_id: server.id,
            reason: UnavailableReason::Unhealthy,
        });
    }
    let unavailable = Unavailable::failed(server.id);
    let endpoint = super::endpoint(store, server).map_err(&unavailable)?;
    let meetings = client
        .get_meetings(&endpoint)
        .await
        .map_err(|error| unavailable(error.into()))?;
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;
    use crate::ErrorChain;

    #[test]
    fn an_unreachable_server_keeps_the_client_error() {
        let unavailable = Unavailable::failed(3)(bbb_client::Error::Timeout.into());
        let error = ServiceError::from(unavailable.clone());
        assert_eq!(error.code(), crate::ErrorCode::BbbUnavailable);
        let mut root: &dyn std::error::Error = &error;
        while let Some(source) = root.source() {
            root = source;
        }
        assert!(root.is::<bbb_client::Error>(), "{root:?}");
        assert_eq!(
            ErrorChain(&error).to_string(),
            format!(
                "BBB server unavailable: server 3: {}",
                bbb_client::Error::Timeout
            )
        );
    }

    #[test]
    fn an_unhealthy_server_says_so() {
        let error = ServiceError::from(Unavailable {
            server_id: 3,
            reason: UnavailableReason::Unhealthy,
        });
        assert_eq!(
            ErrorChain(&error).to_string(),
            "BBB server unavailable: server 3: the server is unhealthy"
        );
        assert!(error.source().and_then(|e| e.source()).is_some());
    }
}
