//! An API token's quotas. `max_meetings` bounds the meetings it runs at once and is enforced
//! by the store, in the transaction that records a new placement (see `meetings::place`).
//! `max_attendees` bounds the attendees of all its meetings together and is checked here,
//! before a join: the token's live meetings are looked up on the servers that hold them, one
//! getMeetings per server, so the check costs nothing for tokens without the quota. Concurrent
//! joins that pass the check together can overshoot by their number; the next join is refused.

use std::collections::{HashMap, HashSet};

use futures_util::future::join_all;
use store::PlacementFilter;

use crate::error::EndpointError;
use crate::forward::Ctx;

/// Refuses a join when the token's meetings already hold `max_attendees` attendees.
pub async fn check_attendees(ctx: &Ctx<'_>) -> Result<(), EndpointError> {
    let Some(limit) = ctx.token.max_attendees else {
        return Ok(());
    };
    let limit = u64::try_from(limit).unwrap_or(0);
    let live = ctx
        .shared
        .store
        .placements()
        .list(&PlacementFilter {
            token_id: Some(ctx.token.id),
            live_only: true,
            ..PlacementFilter::default()
        })
        .await?;
    let mut by_server: HashMap<i64, HashSet<&str>> = HashMap::new();
    for placement in &live {
        by_server
            .entry(placement.server_id)
            .or_default()
            .insert(placement.bbb_meeting_id.as_str());
    }
    let servers = ctx.servers().await?;
    let counts = join_all(by_server.iter().map(|(server_id, backend_ids)| async {
        let Some(server) = servers.get(*server_id) else {
            return 0;
        };
        match ctx.shared.bbb.get_meetings(&server.api).await {
            Ok(meetings) => meetings
                .iter()
                .filter(|meeting| backend_ids.contains(meeting.meeting_id.as_str()))
                .map(|meeting| u64::from(meeting.participant_count))
                .sum(),
            // A server that does not answer cannot be counted; its meetings cannot be joined
            // either (the join itself goes to the same server).
            Err(error) => {
                tracing::warn!(server = %server.row.name, %error, "attendee quota: server skipped");
                0
            }
        }
    }))
    .await;
    let attendees: u64 = counts.into_iter().sum();
    if attendees >= limit {
        return Err(EndpointError::MaxAttendeesReached);
    }
    Ok(())
}
