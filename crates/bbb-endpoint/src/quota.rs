//! An API token's quotas at the door. `max_meetings` is counted by the placement routine, in
//! the transaction that records a new meeting; `max_attendees` is checked here, before a
//! join, by the service's rule (`service::permissions::require_attendee_room`, counted by
//! `service::tokens::require_attendee_room`, which costs nothing for tokens without it).

use service::tokens::require_attendee_room;

use crate::error::EndpointError;
use crate::forward::Ctx;

/// Refuses a join when the token's meetings already hold its `max_attendees` attendees.
pub async fn check_attendees(ctx: &Ctx<'_>) -> Result<(), EndpointError> {
    Ok(require_attendee_room(&ctx.shared.store, &ctx.shared.bbb, &ctx.entry.actor).await?)
}
