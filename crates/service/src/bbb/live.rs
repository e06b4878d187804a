//! Live state of meetings, as BBB reports it. Never stored: asked for when needed, in batches
//! of one `getMeetings` per server, which front doors feed into per-request DataLoaders.
//! Concurrent requests share a call in flight ([`MeetingCalls`]) instead of each making its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use bbb_client::model::MeetingInfo;
use futures_util::future::{BoxFuture, FutureExt as _, Shared, join_all};
use store::{LiveLocation, Placement, PlacementFilter, Server, ServerHealth, Store};

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

/// What one `getMeetings` call returned, indexed by BBB meetingID. Shared (behind an `Arc`) by
/// every request that waited for the call, so each meeting is behind its own `Arc` too: a
/// caller keeps the one it needs without copying it.
#[derive(Debug, Default)]
pub struct MeetingsById(HashMap<String, Arc<MeetingInfo>>);

impl From<Vec<MeetingInfo>> for MeetingsById {
    fn from(meetings: Vec<MeetingInfo>) -> Self {
        MeetingsById(
            meetings
                .into_iter()
                .map(|meeting| (meeting.meeting_id.clone(), Arc::new(meeting)))
                .collect(),
        )
    }
}

/// One server's meetings as its `getMeetings` answered, with the server as the request read it.
#[derive(Debug, Clone)]
pub struct ServerMeetings {
    pub server: Server,
    meetings: Arc<MeetingsById>,
}

impl ServerMeetings {
    /// The meeting with this BBB meetingID, unless BBB does not have it or it has ended
    /// (ended meetings linger in BBB's lists for a few seconds).
    pub fn live(&self, bbb_meeting_id: &str) -> Option<&Arc<MeetingInfo>> {
        self.meetings
            .0
            .get(bbb_meeting_id)
            .filter(|meeting| !meeting.has_been_forcibly_ended)
    }
}

/// Servers the poller found unhealthy are not asked: the answer would most likely be a
/// timeout, and a page should not wait for it.
fn refuse_unhealthy(server: &Server) -> Result<(), Unavailable> {
    if server.health == ServerHealth::Unhealthy {
        return Err(Unavailable {
            server_id: server.id,
            reason: UnavailableReason::Unhealthy,
        });
    }
    Ok(())
}

/// One `getMeetings` call to `server`, decoded.
async fn call_get_meetings(
    store: &Store,
    client: &bbb_client::Client,
    server: &Server,
) -> Result<Arc<MeetingsById>, Unavailable> {
    let unavailable = Unavailable::failed(server.id);
    let endpoint = super::endpoint(store, server).map_err(&unavailable)?;
    let meetings = client
        .get_meetings(&endpoint)
        .await
        .map_err(|error| unavailable(error.into()))?;
    Ok(Arc::new(meetings.into()))
}

/// The outcome of one `getMeetings` call, as every request that waited for it gets it.
type CallOutcome = Result<Arc<MeetingsById>, Unavailable>;
type SharedCall = Shared<BoxFuture<'static, CallOutcome>>;

/// Single flight for `getMeetings`: requests that need a server's meetings while a call to it
/// is in flight wait for that call and share its decoded answer, instead of each asking BBB
/// and decoding the same list again (on a busy page, most of the cost of live fields).
///
/// Only calls in flight are shared, never kept: a call's entry leaves the map before its
/// answer reaches anyone, so a request that starts after a call finished always makes a new
/// one, and live data is as fresh as when every request asked for itself. A failure is shared
/// the same way. The call runs as its own task, so it goes on for the other waiters when the
/// request that started it is dropped, and its entry leaves the map when it ends however it
/// ends (answer, error, panic, runtime shutdown): the map holds at most one entry per server.
///
/// One per application (cloning shares it), handed to every request.
#[derive(Debug, Clone, Default)]
pub struct MeetingCalls {
    in_flight: Arc<InFlightCalls>,
    /// Tells a call's entry from a later one for the same server, so that a call ending
    /// removes its own entry only.
    next_call: Arc<AtomicU64>,
}

/// The calls in flight, by server id. An entry is never dropped while the lock is held: dropping
/// a call that never started drops its [`LeaveMapWhenDone`], which takes the lock.
type InFlightCalls = Mutex<HashMap<i64, InFlight>>;

/// A call in flight to one server, and what it was made with: a request that reads the server
/// with another URL or secret (changed meanwhile) must not take an answer from the old ones.
struct InFlight {
    call_id: u64,
    api_url: String,
    secret_ciphertext: String,
    call: SharedCall,
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlight")
            .field("call_id", &self.call_id)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

impl InFlight {
    fn made_for(&self, server: &Server) -> bool {
        self.api_url == server.api_url && self.secret_ciphertext == server.secret_ciphertext
    }
}

/// Removes a call's entry when the call's task ends, or is dropped without ending. Weak: the
/// map holds the calls, which hold this.
struct LeaveMapWhenDone {
    in_flight: Weak<InFlightCalls>,
    server_id: i64,
    call_id: u64,
}

impl Drop for LeaveMapWhenDone {
    fn drop(&mut self) {
        let Some(in_flight) = self.in_flight.upgrade() else {
            return; // the map is gone, and its entries with it
        };
        let removed = {
            let mut in_flight = lock(&in_flight);
            if in_flight
                .get(&self.server_id)
                .is_some_and(|entry| entry.call_id == self.call_id)
            {
                in_flight.remove(&self.server_id)
            } else {
                None
            }
        };
        drop(removed); // after the lock is released, see `InFlightCalls`
    }
}

/// Nothing panics while the lock is held, so a poisoned map is still consistent.
fn lock(in_flight: &InFlightCalls) -> MutexGuard<'_, HashMap<i64, InFlight>> {
    in_flight.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MeetingCalls {
    /// `getMeetings` of each server in `server_ids`, concurrently, at most one call per server,
    /// shared with concurrent requests. Ids of servers that no longer exist are left out.
    pub async fn meetings_on_servers(
        &self,
        store: &Store,
        client: &bbb_client::Client,
        server_ids: &[i64],
    ) -> Result<HashMap<i64, ServerAnswer>, ServiceError> {
        let servers = servers_by_id(store, server_ids).await?;
        let answers = join_all(servers.into_values().map(|server| async move {
            let server_id = server.id;
            let answer = match refuse_unhealthy(&server) {
                Ok(()) => self
                    .join_or_call(store, client, &server)
                    .await
                    .map(|meetings| Arc::new(ServerMeetings { server, meetings })),
                Err(unhealthy) => Err(unhealthy),
            };
            (server_id, answer)
        }))
        .await;
        Ok(answers.into_iter().collect())
    }

    /// The answer of the call to `server` in flight, or of a new one.
    async fn join_or_call(
        &self,
        store: &Store,
        client: &bbb_client::Client,
        server: &Server,
    ) -> CallOutcome {
        let (call, replaced) = {
            let mut in_flight = lock(&self.in_flight);
            match in_flight.get(&server.id) {
                Some(entry) if entry.made_for(server) => (entry.call.clone(), None),
                // None, or a call made with the server's old URL or secret: a new call, whose
                // entry replaces the old one (whose waiters keep their handle on it).
                _ => {
                    let call_id = self.next_call.fetch_add(1, Ordering::Relaxed);
                    let call = self.new_call(store, client, server, call_id);
                    let entry = InFlight {
                        call_id,
                        api_url: server.api_url.clone(),
                        secret_ciphertext: server.secret_ciphertext.clone(),
                        call: call.clone(),
                    };
                    (call, in_flight.insert(server.id, entry))
                }
            }
        };
        drop(replaced); // after the lock is released, see `InFlightCalls`
        call.await
    }

    /// The call, to be started by its first waiter. It runs as its own task, spawned on that
    /// first poll (outside the map's lock: a task refused by a runtime shutting down is
    /// dropped on the spot, and its [`LeaveMapWhenDone`] takes the lock). The task removes
    /// the call's entry before the answer is out.
    fn new_call(
        &self,
        store: &Store,
        client: &bbb_client::Client,
        server: &Server,
        call_id: u64,
    ) -> SharedCall {
        let leave_map = LeaveMapWhenDone {
            in_flight: Arc::downgrade(&self.in_flight),
            server_id: server.id,
            call_id,
        };
        let server_id = server.id;
        let (store, client, server) = (store.clone(), client.clone(), server.clone());
        async move {
            let task = tokio::spawn(async move {
                let outcome = call_get_meetings(&store, &client, &server).await;
                drop(leave_map);
                outcome
            });
            // A task that panicked or was cancelled (runtime shutting down) answers no one:
            // an error for every waiter, with the cause kept.
            task.await.unwrap_or_else(|error| {
                Err(Unavailable::failed(server_id)(ServiceError::internal(
                    error,
                )))
            })
        }
        .boxed()
        .shared()
    }
}

/// The answer of one server, or why there is none.
pub type ServerAnswer = Result<Arc<ServerMeetings>, Unavailable>;

/// `getMeetings` of each server in `server_ids`, concurrently, one call per server, made for
/// this caller alone: [`MeetingCalls::meetings_on_servers`] over calls of its own, shared with
/// nobody. Ids of servers that no longer exist are left out of the map.
pub async fn meetings_on_servers(
    store: &Store,
    client: &bbb_client::Client,
    server_ids: &[i64],
) -> Result<HashMap<i64, ServerAnswer>, ServiceError> {
    MeetingCalls::default()
        .meetings_on_servers(store, client, server_ids)
        .await
}

/// Servers by id, in one query; ids of removed servers are left out.
pub async fn servers_by_id(
    store: &Store,
    server_ids: &[i64],
) -> Result<HashMap<i64, Server>, ServiceError> {
    let servers = store.servers().get_many(server_ids).await?;
    Ok(servers.into_iter().map(|s| (s.id, s)).collect())
}

/// Where each meeting that runs now runs, by meeting id (the newest live placement, should a
/// meeting have several).
pub async fn live_locations(
    store: &Store,
    meeting_ids: &[i64],
) -> Result<HashMap<i64, LiveLocation>, ServiceError> {
    Ok(store
        .placements()
        .live_locations(meeting_ids)
        .await?
        .into_iter()
        .map(|location| (location.meeting_id, location))
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

/// Every placement, live or ended, of the meetings, oldest first, in one `IN (…)` query.
pub async fn placements_of_meetings(
    store: &Store,
    meeting_ids: &[i64],
) -> Result<Vec<Placement>, ServiceError> {
    Ok(store.placements().for_meetings(meeting_ids, false).await?)
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
