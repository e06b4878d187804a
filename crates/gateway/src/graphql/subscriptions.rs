//! Subscriptions (served over WebSocket at `/graphql/ws`): live events of a meeting. The
//! events come from `service::bbb::events`, which polls BBB once per meeting however many
//! clients subscribe.

use std::time::Duration;

use async_graphql::{Context, Enum, ErrorExtensions, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt, stream};
use service::bbb::events::{MeetingEvent as LiveEvent, Participant, require_may_watch};
use service::{Actor, ServiceError, Store};
use tokio::time::{Instant, MissedTickBehavior};

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
    /// `graphql.subscription_poll_interval`. The events say who comes and goes, so this needs
    /// what `Meeting.live.attendees` needs: `JOIN_AS_ATTENDEE` or more, or staff. A refusal
    /// (`UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`) is the only answer. The permission is
    /// checked again every `graphql.subscription_poll_interval`: once it is gone (a revoked
    /// grant, a deleted user, a deleted meeting) the stream ends with that refusal. The stream
    /// completes if the client falls far behind; subscribing again gives the current state.
    async fn meeting_events(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<MeetingEvent>> + use<>>
    {
        let watch = async {
            let meeting_id = decode_id_of::<MeetingNode>(&id, "id")?;
            let watcher = Watcher {
                store: ctx.store()?.clone(),
                actor: actor(ctx)?.clone(),
                meeting_id,
            };
            watcher.may_watch().await?;
            let events = ctx.app()?.meeting_watchers.subscribe(meeting_id);
            let recheck_every = ctx.config()?.graphql.subscription_poll_interval;
            Ok::<_, GatewayError>(watcher.events_while_allowed(events, recheck_every))
        };
        // The code is applied here too, so that the refusal reads the same on any transport.
        watch.await.map_err(|error| error.extend())
    }
}

/// Who watches which meeting, for the permission check at the start and its rechecks.
struct Watcher {
    store: Store,
    actor: Actor,
    meeting_id: i64,
}

impl Watcher {
    /// The rule of `Meeting.live.attendees`, applied to the user as the store has them now
    /// (the viewer of the connection was loaded when it began): a deleted user is
    /// UNAUTHENTICATED, a changed role counts.
    async fn may_watch(&self) -> Result<(), GatewayError> {
        let actor = match service::users::refreshed(&self.store, &self.actor).await {
            Err(ServiceError::NotFound(_)) => {
                return Err(GatewayError::unauthenticated("your user no longer exists"));
            }
            refreshed => refreshed?,
        };
        Ok(require_may_watch(&self.store, &actor, self.meeting_id).await?)
    }

    /// `events`, and every `recheck_every` the permission again: the stream ends with the
    /// refusal once it fails. Without the recheck a grant, once given, would be a window
    /// into the meeting for as long as the connection lasts.
    fn events_while_allowed(
        self,
        events: impl Stream<Item = LiveEvent> + Send + 'static,
        recheck_every: Duration,
    ) -> impl Stream<Item = async_graphql::Result<MeetingEvent>> + Send + 'static {
        let mut rechecks = tokio::time::interval_at(Instant::now() + recheck_every, recheck_every);
        rechecks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let state = (self, Box::pin(events), rechecks);
        stream::unfold(Some(state), |state| async move {
            let (watcher, mut events, mut rechecks) = state?;
            loop {
                tokio::select! {
                    event = events.next() => {
                        let event = Ok(MeetingEvent::from(event?));
                        return Some((event, Some((watcher, events, rechecks))));
                    }
                    _ = rechecks.tick() => {
                        if let Err(refusal) = watcher.may_watch().await {
                            return Some((Err(refusal.extend()), None));
                        }
                    }
                }
            }
        })
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
