//! The health poller: asks every server of every group for its meetings (`getMeetings`, which
//! also gives the meeting and attendee counts selection needs), concurrently and each under a
//! timeout, and records the outcome through the store, which flips a server's health after
//! the configured number of failures or successes in a row.
//!
//! It also keeps the placements true to BBB: meetings end inside BBB without the gateway
//! (a moderator's "End meeting", the last user leaving, `duration`, the unjoined-meeting
//! expiry), and a placement whose meeting its server no longer lists (or lists as ended) is
//! ended, so quotas, live counts and metrics agree with BBB within one poll interval. Two races
//! are avoided: the server's placements are read *before* it is asked, so a meeting placed
//! after the question is not in that round's reading at all; and a placement BBB has not yet
//! confirmed (its create still on the way when the question was answered) is given
//! [`UNCONFIRMED_GRACE_TIMEOUTS`] request timeouts to appear. A server that does not answer
//! keeps its placements.
//!
//! [`poll_once`] is one round (tests call it directly); [`run`] repeats it until shut down.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::join_all;
use store::{HealthThresholds, Placement, PlacementFilter, PollOutcome, Server, Store};

use super::Balancer;
use crate::ServiceError;

#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    /// Time between the starts of two rounds.
    pub interval: Duration,
    /// Limit for one server's answer; a slower server counts as failed.
    pub request_timeout: Duration,
    pub thresholds: HealthThresholds,
}

/// What one round found out about one server.
#[derive(Debug, Clone)]
pub struct ServerPoll {
    /// The server as recorded after this poll (health, counters, load).
    pub server: Server,
    /// Participants per BBB meetingID, or why the server could not be asked.
    pub outcome: Result<Vec<(String, u32)>, String>,
}

/// How many request timeouts a placement that BBB has not confirmed (no answer to its create
/// recorded) may be missing from its server's list before it is ended. Its create may still
/// be on the way — each create call is bounded by the request timeout, and a creator that
/// fails over to another server records a new placement there (see [`super::placements`]) —
/// or its creator died before BBB was asked, and then nothing else would ever end it.
pub const UNCONFIRMED_GRACE_TIMEOUTS: u32 = 3;

/// Polls every server once, concurrently, and records each result. Fails only when the
/// database does; a server that fails is a result, not an error.
pub async fn poll_once(
    store: &Store,
    client: &bbb_client::Client,
    settings: &PollSettings,
) -> Result<Vec<ServerPoll>, ServiceError> {
    let servers = store.servers().list_all().await?;
    let polls = join_all(
        servers
            .iter()
            .map(|server| poll_server(store, client, server, settings)),
    )
    .await;
    polls.into_iter().collect()
}

async fn poll_server(
    store: &Store,
    client: &bbb_client::Client,
    server: &Server,
    settings: &PollSettings,
) -> Result<ServerPoll, ServiceError> {
    let polled_at = Utc::now();
    // Read before the server is asked: a placement confirmed by now names a meeting BBB
    // created before the question, which the answer lists unless it has ended.
    let placed = store
        .placements()
        .list(&PlacementFilter {
            server_id: Some(server.id),
            live_only: true,
            ..PlacementFilter::default()
        })
        .await?;
    let outcome = match super::endpoint(store, server) {
        Ok(endpoint) => {
            match tokio::time::timeout(settings.request_timeout, client.get_meetings(&endpoint))
                .await
            {
                Ok(Ok(meetings)) => Ok(meetings
                    .into_iter()
                    .filter(|meeting| !meeting.has_been_forcibly_ended)
                    .map(|meeting| (meeting.meeting_id, meeting.participant_count))
                    .collect::<Vec<_>>()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err(format!(
                    "no answer within {} ms",
                    settings.request_timeout.as_millis()
                )),
            }
        }
        // The whole chain: the service's own words do not repeat their causes.
        Err(error) => Err(crate::ErrorChain(&error).to_string()),
    };
    let recorded = match &outcome {
        Ok(meetings) => PollOutcome::Reachable {
            meeting_count: clamp_count(meetings.len()),
            attendee_count: clamp_count(
                meetings
                    .iter()
                    .map(|(_, participants)| *participants as usize)
                    .sum(),
            ),
        },
        Err(error) => {
            tracing::warn!(
                server_id = server.id,
                server = %server.name,
                %error,
                "BBB server poll failed"
            );
            PollOutcome::Failed {
                error: error.clone(),
            }
        }
    };
    let updated = store
        .servers()
        .record_poll(server.id, recorded, polled_at, settings.thresholds)
        .await?;
    if updated.health != server.health {
        tracing::info!(
            server_id = server.id,
            server = %server.name,
            from = ?server.health,
            to = ?updated.health,
            "BBB server health changed"
        );
    }
    // No answer says nothing about the meetings: they stay as they are.
    if let Ok(meetings) = &outcome {
        let grace = settings.request_timeout * UNCONFIRMED_GRACE_TIMEOUTS;
        end_vanished(store, server, placed, meetings, polled_at, grace).await?;
    }
    Ok(ServerPoll {
        server: updated,
        outcome,
    })
}

/// Ends the placements read before `server` was asked whose meeting its answer (`listed`, the
/// meetings that have not ended) does not hold; see the module documentation for the races.
async fn end_vanished(
    store: &Store,
    server: &Server,
    placed: Vec<Placement>,
    listed: &[(String, u32)],
    asked_at: DateTime<Utc>,
    grace: Duration,
) -> Result<(), ServiceError> {
    let listed: HashSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    let grace = TimeDelta::from_std(grace).unwrap_or(TimeDelta::MAX);
    for placement in placed {
        if listed.contains(placement.bbb_meeting_id.as_str()) {
            continue;
        }
        let confirmed = placement.internal_meeting_id.is_some();
        let overdue = placement
            .created_at
            .checked_add_signed(grace)
            .is_some_and(|deadline| deadline < asked_at);
        if !confirmed && !overdue {
            continue;
        }
        // Only as read: a placement moved or re-created since is left for the next round.
        if store.placements().end_vanished(&placement).await? {
            tracing::info!(
                placement = placement.id,
                server_id = server.id,
                server = %server.name,
                "meeting no longer on its BBB server: placement ended"
            );
        }
    }
    Ok(())
}

fn clamp_count(count: usize) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// Polls every `settings.interval` until `shutdown` completes, telling the balancer what each
/// round saw (so reservations give way to real attendees) and handing the round to
/// `after_round` (the gateway derives per-token metrics from it). A round that fails on the
/// database is logged and the next one tried.
pub async fn run<AfterRound, Done>(
    store: Store,
    client: bbb_client::Client,
    balancer: std::sync::Arc<Balancer>,
    settings: PollSettings,
    shutdown: impl Future<Output = ()>,
    mut after_round: AfterRound,
) where
    AfterRound: FnMut(Vec<ServerPoll>) -> Done,
    Done: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(settings.interval);
    // A slow round must not cause a burst of catch-up rounds.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        match poll_once(&store, &client, &settings).await {
            Ok(polls) => {
                for poll in &polls {
                    if let Ok(meetings) = &poll.outcome {
                        balancer.observe(
                            poll.server.id,
                            meetings.iter().map(|(id, count)| (id.as_str(), *count)),
                        );
                    }
                }
                after_round(polls).await;
            }
            Err(error) => {
                tracing::error!(error = %crate::ErrorChain(&error), "health poll round failed")
            }
        }
    }
}

/// Attendees of the live meetings each API token created, as the round `polls` saw them: for
/// the per-token metrics.
pub async fn attendees_per_token(
    store: &Store,
    polls: &[ServerPoll],
) -> Result<HashMap<i64, i64>, ServiceError> {
    let live = super::live::every_live_placement(store).await?;
    let token_of: HashMap<(i64, &str), i64> = live
        .iter()
        .filter_map(|placement| {
            let token_id = placement.token_id?;
            Some((
                (placement.server_id, placement.bbb_meeting_id.as_str()),
                token_id,
            ))
        })
        .collect();
    let mut per_token = HashMap::new();
    for poll in polls {
        let Ok(meetings) = &poll.outcome else {
            continue;
        };
        for (meeting_id, attendees) in meetings {
            if let Some(token_id) = token_of.get(&(poll.server.id, meeting_id.as_str())) {
                *per_token.entry(*token_id).or_insert(0) += i64::from(*attendees);
            }
        }
    }
    Ok(per_token)
}
