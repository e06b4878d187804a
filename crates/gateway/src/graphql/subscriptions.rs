//! Subscriptions (served over WebSocket at `/graphql/ws`): live events of a meeting. The
//! events come from `service::bbb::events`, which polls BBB once per meeting however many
//! clients subscribe.

use async_graphql::{Context, Enum, ErrorExtensions, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use service::bbb::events::{MeetingEvent as LiveEvent, Participant};
use service::meetings as meeting_service;

use super::{
    GatewayContext,
    meetings::MeetingNode,
    relay::decode_id_of,
    types::{JoinRole, actor},
};
use crate::error::GatewayError;

#[derive(Default)]
pub struct MeetingSubscriptions;

#[Subscription]
impl MeetingSubscriptions {
    /// Live events of a meeting on BBB. The stream begins with the meeting's current state —
    /// `STARTED` and a `PARTICIPANT_JOINED` per participant when it runs — so a client can
    /// build its view from events alone. Events lag BBB by up to
    /// `graphql.subscription_poll_interval`. Needs what `meeting(id:)` needs; a refusal
    /// (`UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`) is the only answer. The stream completes
    /// if the client falls far behind; subscribing again gives the current state.
    async fn meeting_events(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = MeetingEvent>> {
        let events = async {
            let meeting_id = decode_id_of::<MeetingNode>(&id, "id")?;
            meeting_service::get(ctx.store()?, &actor(ctx)?, meeting_id).await?;
            Ok::<_, GatewayError>(ctx.app()?.meeting_watchers.subscribe(meeting_id))
        };
        // Subscriptions bypass the `ErrorCodes` request hook: the code is applied here.
        let events = events.await.map_err(|error| error.extend())?;
        Ok(events.map(MeetingEvent::from))
    }
}

/// What happened to a meeting on BBB.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum MeetingEventKind {
    /// The meeting began running on BBB (or was running when the subscription began).
    Started,
    ParticipantJoined,
    ParticipantLeft,
    /// The meeting ended on BBB; everyone still in it left with it (no separate
    /// `PARTICIPANT_LEFT` events).
    Ended,
}

/// One event of a meeting.
#[derive(SimpleObject)]
pub struct MeetingEvent {
    kind: MeetingEventKind,
    /// Who joined or left; null for `STARTED` and `ENDED`.
    attendee: Option<MeetingEventAttendee>,
}

/// Someone who joined or left a meeting. A change of role is reported as leaving in the old
/// role and joining in the new one.
#[derive(SimpleObject)]
pub struct MeetingEventAttendee {
    /// BBB's userID: the gateway user's id for users who joined through `joinMeeting`, an id
    /// BBB made up for guests and others.
    user_id: String,
    full_name: String,
    role: JoinRole,
}

impl From<Participant> for MeetingEventAttendee {
    fn from(participant: Participant) -> Self {
        MeetingEventAttendee {
            user_id: participant.user_id,
            full_name: participant.full_name,
            role: participant.role.into(),
        }
    }
}

impl From<LiveEvent> for MeetingEvent {
    fn from(event: LiveEvent) -> Self {
        let (kind, attendee) = match event {
            LiveEvent::Started => (MeetingEventKind::Started, None),
            LiveEvent::ParticipantJoined(who) => (MeetingEventKind::ParticipantJoined, Some(who)),
            LiveEvent::ParticipantLeft(who) => (MeetingEventKind::ParticipantLeft, Some(who)),
            LiveEvent::Ended => (MeetingEventKind::Ended, None),
        };
        MeetingEvent {
            kind,
            attendee: attendee.map(MeetingEventAttendee::from),
        }
    }
}
