//! An API token's quotas. `max_meetings` bounds the meetings it runs at once and is enforced
//! by the store, in the transaction that records a new placement (see `meetings::place`).
//! `max_attendees` bounds the attendees of all its meetings together and is checked here,
//! before a join: the token's live meetings are looked up on the servers that hold them, one
//! getMeetings per server, so the check costs nothing for tokens without the quota. Concurrent
//! joins that pass the check together can overshoot by their number; the next join is refused.

use service::bbb::live::meetings_on_servers;
use store::PlacementFilter;

use crate::error::EndpointError;
use crate::forward::Ctx;

/// Refuses a join when the token's meetings already hold `max_attendees` attendees.
pub async fn check_attendees(ctx: &Ctx<'_>) -> Result<(), EndpointError> {
    let Some(limit) = ctx.token.max_attendees else {
        return Ok(());
    };
    let limit = u64::try_from(limit).unwrap_or(0);
    let store = &ctx.shared.store;
    let live = store
        .placements()
        .list(&PlacementFilter {
            token_id: Some(ctx.token.id),
            live_only: true,
            ..PlacementFilter::default()
        })
        .await?;
    let mut server_ids: Vec<i64> = live.iter().map(|placement| placement.server_id).collect();
    server_ids.sort_unstable();
    server_ids.dedup();
    let answers = meetings_on_servers(store, &ctx.shared.bbb, &server_ids)
        .await
        .map_err(|error| EndpointError::Internal(format!("attendee quota: {error}")))?;
    // A server that does not answer cannot be counted; its meetings cannot be joined either
    // (the join itself goes to the same server).
    let attendees: u64 = live
        .iter()
        .filter_map(|placement| {
            let server = answers.get(&placement.server_id)?.as_ref().ok()?;
            server.live(&placement.bbb_meeting_id)
        })
        .map(|meeting| u64::from(meeting.participant_count))
        .sum();
    if attendees >= limit {
        return Err(EndpointError::MaxAttendeesReached);
    }
    Ok(())
}
