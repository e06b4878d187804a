//! Where meetings run, for both front doors: ONE routine ([`Placer::start`]) places a meeting on
//! a server, records the placement and brings the meeting up through the door's own BBB call,
//! under ONE policy for re-placing a live meeting. GraphQL's persistent meetings
//! ([`super::Orchestrator::ensure_running`]) and the BBB endpoint's `create` both go through
//! it; the endpoint's other look-ups and changes of placements are the functions at the end.
//!
//! **Placing.** The shared [`Balancer`] chooses the least loaded server that takes new meetings
//! and reserves seats on it in the same step, so concurrent placements see each other. The
//! placement is recorded with `create_or_get`, whose unique index admits one live placement
//! per meetingID: concurrent starters agree on one server, and the losers give their
//! reservation back (as does a starter whose record failed). BBB's `create` is idempotent, so
//! they may all call it. A new meeting of an API token with `max_meetings` is counted in the
//! transaction that records it.
//!
//! **Re-placing.** A live meeting is placed anew on another server when
//! - its server no longer keeps meetings: removed, disabled, or found unhealthy by the poller;
//! - its server is cordoned (draining) and no longer has the meeting: a cordoned server keeps
//!   what runs on it but must not get an ended meeting back;
//! - its server gives no answer (no connection, no answer in time) to the door's call that
//!   creates the meeting, and another server takes it: the starter fails over once, leaving
//!   that server out. A server that answers, even with an error, keeps the meeting, and calls
//!   that only use a running meeting (join, getMeetingInfo, end) never move it: when the
//!   routine's own getMeetingInfo (asking whether the meeting runs) gets no answer, the
//!   meeting may well still run there, so the start fails (`BBB_UNAVAILABLE`) and the
//!   placement stays until the poller finds the server unhealthy.
//!
//! The old placement is ended, never moved: it stays as the history of where that session ran,
//! with BBB's internalMeetingID (the recordID of its recordings), so what the old server
//! recorded is still found once it is back. The new placement keeps the meeting's identity
//! (namespace, client and backend meetingIDs, its token or persistent meeting) and is no new
//! meeting for a quota. Ending and recording go through the one-live-row index, so concurrent
//! starters re-placing the same meeting agree on one new placement.
//!
//! A placement whose create the server refused (any answer but success), and that BBB never
//! confirmed, is ended at once: a meeting that does not run must not count as live.

use std::time::Instant;

use bbb_client::model::MeetingInfo;
use store::{ApiToken, Meeting, NewPlacement, Placement, Server, Store, StoreError};

use super::Balancer;
use super::balancer::{Choice, keeps_meetings, takes_new_meetings};
use crate::permissions::{self, UserHoldings};
use crate::tokens::TokenView;
use crate::{Actor, ServiceError};

/// The placement namespace of persistent meetings. The BBB endpoint namespaces by API token
/// guid, so the two never collide.
pub const PERSISTENT_NAMESPACE: &str = "meeting";

/// Each round ends a stale placement, fails over once, or loses a race to a placement that
/// goes stale at once; more rounds than that mean servers are flapping.
const PLACEMENT_ROUNDS: usize = 4;

/// A meeting to place when it has no live placement: who it is and how big it will be.
/// Built only for an actor ([`Wanted::for_api_token`]) or by the [`super::Orchestrator`] after
/// its permission check, so that no door names a group, token or quota of its own choosing:
/// the fields are private.
#[derive(Debug, Clone)]
pub struct Wanted {
    group_id: i64,
    namespace: String,
    client_meeting_id: String,
    bbb_meeting_id: String,
    token_id: Option<i64>,
    meeting_id: Option<i64>,
    /// Seats to reserve (maxParticipants, a size hint); the balancer's default without one.
    size_hint: Option<u32>,
    /// The most live meetings its token may hold (`max_meetings`): checked only when the
    /// meeting is new, never when a live one is created again or placed anew.
    max_live: Option<u32>,
}

impl Wanted {
    /// A persistent meeting (GraphQL): its guid on both sides, sized by its maxParticipants.
    /// The orchestrator's only, once the actor's permission on the meeting is checked.
    pub(crate) fn persistent(meeting: &Meeting) -> Self {
        let guid = meeting.guid.to_string();
        Wanted {
            group_id: meeting.group_id,
            namespace: PERSISTENT_NAMESPACE.to_owned(),
            client_meeting_id: guid.clone(),
            bbb_meeting_id: guid,
            token_id: None,
            meeting_id: Some(meeting.id),
            size_hint: meeting
                .max_participants
                .and_then(|max| u32::try_from(max).ok()),
            max_live: None,
        }
    }

    /// A meeting the actor's API token creates through the BBB endpoint, in the token's group
    /// and `namespace`, held to the token's `max_meetings`.
    pub fn for_api_token(
        actor: &Actor,
        namespace: String,
        client_meeting_id: String,
        bbb_meeting_id: String,
        size_hint: Option<u32>,
    ) -> Result<Self, ServiceError> {
        let token = api_token(actor)?;
        Ok(Wanted {
            group_id: token.group_id,
            namespace,
            client_meeting_id,
            bbb_meeting_id,
            token_id: Some(token.id),
            meeting_id: None,
            size_hint,
            max_live: permissions::api_token_meeting_quota(actor),
        })
    }

    /// The identity of a live placement, for placing that meeting anew.
    fn of(placement: &Placement, size_hint: Option<u32>) -> Self {
        Wanted {
            group_id: placement.group_id,
            namespace: placement.namespace.clone(),
            client_meeting_id: placement.client_meeting_id.clone(),
            bbb_meeting_id: placement.bbb_meeting_id.clone(),
            token_id: placement.token_id,
            meeting_id: placement.meeting_id,
            size_hint,
            max_live: None,
        }
    }

    fn on(&self, server_id: i64) -> NewPlacement {
        NewPlacement {
            group_id: self.group_id,
            server_id,
            namespace: self.namespace.clone(),
            client_meeting_id: self.client_meeting_id.clone(),
            bbb_meeting_id: self.bbb_meeting_id.clone(),
            token_id: self.token_id,
            meeting_id: self.meeting_id,
        }
    }
}

/// What the routine does with a live placement on a server that keeps meetings, before the
/// door's start call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Asks its server whether the meeting runs, and tells the door ([`Landing::running`]):
    /// GraphQL starts meetings on every join, which must not cost BBB a create each.
    Ask,
    /// Goes straight to the door's call: the endpoint forwards the client's create, which BBB
    /// answers `duplicateWarning` for a running meeting. Only a server that takes no new
    /// meetings is asked first, since it must not get an ended meeting back.
    Start,
}

/// Where the door's start call is to bring the meeting up. Owned, so that the door's call is
/// a plain closure returning a future (which stays `Send` for the caller's spawns).
pub struct Landing {
    pub placement: Placement,
    pub server: Server,
    /// The meeting as its server reported it, when the routine asked and it runs.
    pub running: Option<MeetingInfo>,
    store: Store,
}

impl std::fmt::Debug for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Landing")
            .field("placement", &self.placement)
            .field("server", &self.server)
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

impl Landing {
    /// The server's endpoint (its secret decrypted) for the door's call: handed out for the
    /// server the routine chose for the actor's meeting only.
    pub fn endpoint(&self) -> Result<bbb_client::Server, ServiceError> {
        super::endpoint(&self.store, &self.server)
    }
}

/// What BBB answered for a started (or running) meeting, and the door's own result.
#[derive(Debug)]
pub struct Started<T> {
    pub internal_meeting_id: String,
    /// BBB's createTime (ms).
    pub create_time: u64,
    pub output: T,
}

/// Why the door's start call failed, which decides what happens to the placement.
#[derive(Debug)]
pub enum StartFailure<E> {
    /// The server gave no answer (see [`is_unreachable`]): the meeting may go elsewhere.
    Unreachable(E),
    /// The server answered, but not with a started meeting (`FAILED`, an error status, an
    /// unreadable document): an unconfirmed placement is ended.
    Refused(E),
    /// Anything else (the server's row is unusable, …): the placement stays as it is.
    Other(E),
}

impl StartFailure<ServiceError> {
    /// A failed BBB call, classified.
    pub fn of_call(error: bbb_client::Error) -> Self {
        if is_unreachable(&error) {
            StartFailure::Unreachable(error.into())
        } else {
            StartFailure::Refused(error.into())
        }
    }
}

/// Whether a BBB call failed without an answer from the server: no connection, no answer in
/// time, the connection lost. Only that is taken as a sign the server is gone; an answer,
/// even an error page or one over the client's size limit (`AnswerTooLarge`), says it is there.
pub fn is_unreachable(error: &bbb_client::Error) -> bool {
    matches!(
        error,
        bbb_client::Error::Connect { .. }
            | bbb_client::Error::Timeout
            | bbb_client::Error::Transport { .. }
    )
}

/// A meeting that runs: its placement (with BBB's answer recorded), its server, BBB's answer
/// and the door's own result.
#[derive(Debug)]
pub struct Placed<T> {
    pub placement: Placement,
    pub server: Server,
    pub internal_meeting_id: String,
    pub create_time: u64,
    pub output: T,
}

/// Why a meeting could not be placed and started.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError<E> {
    /// No server of the group takes the meeting; says why.
    #[error(transparent)]
    NoServer(ServiceError),
    #[error(transparent)]
    Service(ServiceError),
    /// The door's start call failed (see [`StartFailure`]).
    #[error(transparent)]
    Start(E),
}

impl PlaceError<ServiceError> {
    pub fn into_service(self) -> ServiceError {
        match self {
            PlaceError::NoServer(error) | PlaceError::Service(error) | PlaceError::Start(error) => {
                error
            }
        }
    }
}

impl<E> From<ServiceError> for PlaceError<E> {
    fn from(error: ServiceError) -> Self {
        PlaceError::Service(error)
    }
}

impl<E> From<StoreError> for PlaceError<E> {
    fn from(error: StoreError) -> Self {
        PlaceError::Service(error.into())
    }
}

/// The one placement routine. Cheap to build: it borrows the process's store, BBB client and
/// balancer (which must be the one shared by every door, so that reservations see each other).
/// It places what an actor-checked [`Wanted`] names, in that meeting's group only.
#[derive(Clone, Copy)]
pub struct Placer<'a> {
    store: &'a Store,
    client: &'a bbb_client::Client,
    balancer: &'a Balancer,
}

impl<'a> Placer<'a> {
    pub fn new(store: &'a Store, client: &'a bbb_client::Client, balancer: &'a Balancer) -> Self {
        Placer {
            store,
            client,
            balancer,
        }
    }
}

impl Placer<'_> {
    /// Makes sure the meeting runs on a server of its group and returns where: `live` is its
    /// live placement as the door found it (none: `wanted` is placed), `servers` the group's
    /// servers as the door knows them. `start` is the door's BBB call that brings the meeting
    /// up on the server it is given (or takes the running meeting the routine found). See the
    /// module documentation for when the meeting is placed anew.
    pub async fn start<T, E, Starting>(
        &self,
        servers: &[Server],
        wanted: &Wanted,
        live: Option<Placement>,
        existing: Existing,
        mut start: impl FnMut(Landing) -> Starting,
    ) -> Result<Placed<T>, PlaceError<E>>
    where
        Starting: Future<Output = Result<Started<T>, StartFailure<E>>>,
    {
        // The door's live placement must be of the meeting's group (an actor-checked
        // `Wanted`): another group's is not the actor's to start.
        if live
            .as_ref()
            .is_some_and(|placement| placement.group_id != wanted.group_id)
        {
            return Err(PlaceError::Service(ServiceError::NotFound("placement")));
        }
        // Once a meeting is live, its identity is the placement's: a token whose scope
        // reaches other tokens' meetings may start one of theirs again.
        let mut wanted = match &live {
            Some(placement) => Wanted::of(placement, wanted.size_hint),
            None => wanted.clone(),
        };
        let mut next = live.map(|placement| (placement, false));
        let mut left_out = None;
        for _ in 0..PLACEMENT_ROUNDS {
            let (placement, fresh) = match next.take() {
                Some(next) => next,
                None => {
                    // A server that gave no answer in this start is not tried again.
                    let choice = self
                        .choose(servers, &wanted, left_out)
                        .map_err(PlaceError::NoServer)?;
                    let recorded = self.record(&wanted, choice).await?;
                    // Placed anew from here on: no new meeting for a quota.
                    wanted.max_live = None;
                    recorded
                }
            };
            let server = match self.server_of(servers, placement.server_id).await? {
                Some(server) if keeps_meetings(&server) => Some(server),
                // The door's list may be older than the server's state (the endpoint caches
                // it): the stored row decides before a running meeting is moved off it.
                Some(_) => self
                    .stored_server(placement.server_id)
                    .await?
                    .filter(keeps_meetings),
                None => None,
            };
            let Some(server) = server else {
                // Only the placement as it was read: one a concurrent starter changed or
                // ended meanwhile is left alone, and the next round reads what is live now.
                let ended = self.store.placements().end_vanished(&placement).await?;
                tracing::info!(
                    placement = placement.id,
                    server_id = placement.server_id,
                    ended,
                    "the meeting's server keeps no meetings: placing it anew"
                );
                continue;
            };
            let mut running = None;
            if !fresh && (existing == Existing::Ask || !takes_new_meetings(&server)) {
                match self.probe(&server, &placement).await? {
                    Ok(Some(info)) => running = Some(info),
                    Ok(None) if takes_new_meetings(&server) => {}
                    Ok(None) => {
                        tracing::info!(
                            placement = placement.id,
                            server_id = server.id,
                            "the meeting ended on a cordoned server: placing it anew"
                        );
                        self.store.placements().end_vanished(&placement).await?;
                        continue;
                    }
                    // No answer to a look-up is no sign the meeting stopped: a transient
                    // hiccup must not split a running meeting in two (one BBB meeting per
                    // server, the old one untracked). It stays where it is, the call fails,
                    // and only the poller's verdict (above) or a create without an answer
                    // (below: the meeting did not run) places it anew.
                    Err(error) => return Err(PlaceError::Service(error.into())),
                }
            }
            let landing = Landing {
                placement: placement.clone(),
                server: server.clone(),
                running,
                store: self.store.clone(),
            };
            match start(landing).await {
                Ok(started) => {
                    let placement = self
                        .record_answer(
                            placement,
                            &server,
                            &started.internal_meeting_id,
                            started.create_time,
                        )
                        .await?;
                    return Ok(Placed {
                        placement,
                        server,
                        internal_meeting_id: started.internal_meeting_id,
                        create_time: started.create_time,
                        output: started.output,
                    });
                }
                Err(StartFailure::Unreachable(error)) => {
                    match self
                        .fail_over(servers, &wanted, &placement, &server, &mut left_out)
                        .await?
                    {
                        Some(elsewhere) => next = Some(elsewhere),
                        None => return Err(PlaceError::Start(error)),
                    }
                }
                Err(StartFailure::Refused(error)) => {
                    if placement.internal_meeting_id.is_none()
                        && self.store.placements().end_vanished(&placement).await?
                    {
                        tracing::info!(
                            placement = placement.id,
                            server_id = server.id,
                            "the server refused to create the meeting: placement ended"
                        );
                    }
                    return Err(PlaceError::Start(error));
                }
                Err(StartFailure::Other(error)) => return Err(PlaceError::Start(error)),
            }
        }
        Err(PlaceError::Service(ServiceError::BbbUnavailable(format!(
            "meeting {} could not be placed: its servers kept failing",
            wanted.client_meeting_id
        ))))
    }

    /// After `server` gave no answer: once per start, if another server takes the meeting,
    /// ends the placement (only as it was read: a concurrent starter may have moved on) and
    /// places the meeting there. `None` when it already failed over or no server is left.
    async fn fail_over(
        &self,
        servers: &[Server],
        wanted: &Wanted,
        placement: &Placement,
        server: &Server,
        left_out: &mut Option<i64>,
    ) -> Result<Option<(Placement, bool)>, ServiceError> {
        if left_out.is_some() {
            return Ok(None);
        }
        let Ok(choice) = self.choose(servers, wanted, Some(server.id)) else {
            return Ok(None);
        };
        *left_out = Some(server.id);
        tracing::warn!(
            placement = placement.id,
            from = server.id,
            to = choice.server_id,
            "the meeting's server does not answer: placing it anew"
        );
        if let Err(error) = self.store.placements().end_vanished(placement).await {
            self.balancer.cancel(choice.reservation);
            return Err(error.into());
        }
        let mut anew = wanted.clone();
        anew.max_live = None;
        self.record(&anew, choice).await.map(Some)
    }

    /// The least loaded of `servers` that takes new meetings, but `leave_out`, with seats
    /// reserved on it. Rows no BBB call can be made with are left out here only (each is
    /// decrypted to tell), not on every start of a running meeting.
    fn choose(
        &self,
        servers: &[Server],
        wanted: &Wanted,
        leave_out: Option<i64>,
    ) -> Result<Choice, ServiceError> {
        // Only the meeting's group's servers, whatever list the door passed.
        let candidates: Vec<Server> = servers
            .iter()
            .filter(|server| server.group_id == wanted.group_id && Some(server.id) != leave_out)
            .cloned()
            .collect();
        let usable = super::usable_servers(self.store, candidates);
        self.balancer.choose(
            &usable,
            &wanted.bbb_meeting_id,
            wanted.size_hint,
            Instant::now(),
        )
    }

    /// Records a placement on the chosen server, or returns the live one a concurrent starter
    /// recorded first (the reservation given back); whether it was recorded now.
    async fn record(
        &self,
        wanted: &Wanted,
        choice: Choice,
    ) -> Result<(Placement, bool), ServiceError> {
        let placements = self.store.placements();
        let new = wanted.on(choice.server_id);
        let recorded = match wanted.max_live {
            Some(quota) => {
                placements
                    .create_or_get_counted(new, |live| {
                        permissions::require_meeting_room(quota, live)
                    })
                    .await
            }
            None => placements
                .create_or_get(new)
                .await
                .map_err(ServiceError::from),
        };
        match recorded {
            Ok((placement, true)) => Ok((placement, true)),
            Ok((placement, false)) => {
                self.balancer.cancel(choice.reservation);
                Ok((placement, false))
            }
            Err(error) => {
                self.balancer.cancel(choice.reservation);
                Err(error)
            }
        }
    }

    /// The placement's server: from `servers`, else (a concurrent starter's choice, added
    /// since the door listed them) from the store; `None` when it was removed.
    async fn server_of(
        &self,
        servers: &[Server],
        server_id: i64,
    ) -> Result<Option<Server>, ServiceError> {
        if let Some(server) = servers.iter().find(|server| server.id == server_id) {
            return Ok(Some(server.clone()));
        }
        self.stored_server(server_id).await
    }

    /// The server as stored now; `None` when it was removed.
    async fn stored_server(&self, server_id: i64) -> Result<Option<Server>, ServiceError> {
        match self.store.servers().get(server_id).await {
            Ok(server) => Ok(Some(server)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// The meeting of a live placement as its server reports it: `Some` while it runs, `None`
    /// when the server does not know it or it was ended there (BBB keeps an ended meeting's
    /// info for a while); the inner error is the call's. Changes nothing on BBB.
    pub async fn probe(
        &self,
        server: &Server,
        placement: &Placement,
    ) -> Result<Result<Option<MeetingInfo>, bbb_client::Error>, ServiceError> {
        let endpoint = super::endpoint(self.store, server)?;
        Ok(
            match self
                .client
                .get_meeting_info(&endpoint, &placement.bbb_meeting_id)
                .await
            {
                Ok(info) if !info.has_been_forcibly_ended => Ok(Some(info)),
                Ok(_) => Ok(None),
                Err(error) if error.is_not_found() => Ok(None),
                Err(error) => Err(error),
            },
        )
    }

    /// Records what BBB answered for the placement's meeting (its internalMeetingID and
    /// createTime), unless the placement already holds it.
    pub async fn record_answer(
        &self,
        placement: Placement,
        server: &Server,
        internal_meeting_id: &str,
        create_time: u64,
    ) -> Result<Placement, ServiceError> {
        let stored_time = placement.create_time.and_then(|t| u64::try_from(t).ok());
        if placement.internal_meeting_id.as_deref() == Some(internal_meeting_id)
            && stored_time == Some(create_time)
        {
            return Ok(placement);
        }
        let stored = i64::try_from(create_time).map_err(|_| {
            ServiceError::BbbUnavailable(format!(
                "server {} answered an impossible createTime",
                server.id
            ))
        })?;
        Ok(self
            .store
            .placements()
            .set_backend_info(placement.id, internal_meeting_id, stored)
            .await?)
    }
}

// The BBB endpoint's placements: found for the request's API token (the actor's) in its group,
// changed when the token's calls end them.

fn api_token(actor: &Actor) -> Result<&ApiToken, ServiceError> {
    actor.api_token_used().ok_or(ServiceError::Forbidden(
        "this is for calls signed with an API token",
    ))
}

/// The live placement a client's meetingID names for the actor's API token: the token's own
/// meeting (in `namespace`, the token's) first, else the newest live one of that ID the token
/// sees (scopes `user` and `global`, see [`TokenView`]).
pub async fn resolve_live(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    client_meeting_id: &str,
) -> Result<Option<Placement>, ServiceError> {
    let token = api_token(actor)?;
    // A `token` token sees its own meetings only: one indexed look-up in its namespace.
    if permissions::api_token_sees_its_own_only(token) {
        let own = store
            .placements()
            .find_live(token.group_id, namespace, client_meeting_id)
            .await?;
        return Ok(own.filter(|placement| {
            permissions::api_token_sees(actor, &UserHoldings::default(), placement)
        }));
    }
    let mut visible = TokenView::new(store, actor.clone())
        .visible_by_client_id(client_meeting_id, true)
        .await?;
    let own = visible
        .iter()
        .position(|placement| placement.namespace == namespace);
    Ok(match own {
        Some(index) => Some(visible.swap_remove(index)),
        None => visible.into_iter().next(),
    })
}

/// Every placement, live or ended, behind the backend meetingIDs in the actor's token's
/// group, newest first (whether the token may see them is for [`TokenView`]).
pub async fn by_backend_ids(
    store: &Store,
    actor: &Actor,
    bbb_meeting_ids: &[String],
) -> Result<Vec<Placement>, ServiceError> {
    let token = api_token(actor)?;
    Ok(store
        .placements()
        .list_by_backend_ids(token.group_id, bbb_meeting_ids)
        .await?)
}

/// The placement as it is now, if it is still live (a remembered one may have ended since,
/// through the poller, a `notFound` or another instance).
pub async fn still_live(
    store: &Store,
    actor: &Actor,
    placement: &Placement,
) -> Result<Option<Placement>, ServiceError> {
    let token = api_token(actor)?;
    match store.placements().get(placement.id).await {
        Ok(current) if current.ended_at.is_none() && current.group_id == token.group_id => {
            Ok(Some(current))
        }
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Ends a placement of the token's group whose meeting its server ended at the token's
/// request; `false` if it already was.
pub async fn end(
    store: &Store,
    actor: &Actor,
    placement: &Placement,
) -> Result<bool, ServiceError> {
    require_tokens_group(actor, placement)?;
    Ok(store.placements().mark_ended(placement.id).await?)
}

/// Ends a placement of the token's group because its server said it no longer has the
/// meeting, only if it is still as `seen` (same server, same BBB session); see
/// `Placements::end_vanished`.
pub async fn end_vanished(
    store: &Store,
    actor: &Actor,
    seen: &Placement,
) -> Result<bool, ServiceError> {
    require_tokens_group(actor, seen)?;
    Ok(store.placements().end_vanished(seen).await?)
}

/// A token changes placements of its own group only (an other group's is not found).
fn require_tokens_group(actor: &Actor, placement: &Placement) -> Result<(), ServiceError> {
    if placement.group_id != api_token(actor)?.group_id {
        return Err(ServiceError::NotFound("placement"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_answer_counts_as_unreachable() {
        assert!(is_unreachable(&bbb_client::Error::Timeout));
        for answered in [
            bbb_client::Error::failed("notFound", "gone"),
            bbb_client::Error::HttpStatus {
                status: 502,
                body_excerpt: "Bad Gateway".to_owned(),
            },
            bbb_client::Error::Malformed {
                call: "create".to_owned(),
                reason: "not XML".to_owned(),
            },
            bbb_client::Error::InvalidInput("no URL".to_owned()),
            // Too much of an answer is still an answer (the client's own limit).
            bbb_client::Error::AnswerTooLarge { limit: 10 },
        ] {
            assert!(!is_unreachable(&answered), "{answered:?}");
        }
    }
}
