//! Live events of persistent meetings: started, participant joined or left, ended.
//!
//! BBB pushes nothing the gateway could rely on for every server, so events come from polling:
//! a watcher asks BBB for the meeting (`getMeetingInfo` on the server of its live placement)
//! every interval and [`diff`]s what it saw with what it saw before. [`MeetingWatchers`] keeps
//! one watcher per meeting however many subscribers it has, and lets it stop once the last
//! one is gone, so a popular meeting costs one BBB call per interval, not one per viewer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bbb_client::model::MeetingInfo;
use futures_util::stream::{self, Stream, StreamExt};
use store::Store;
use tokio::sync::broadcast;
use tokio::time::MissedTickBehavior;

use super::live;
use crate::permissions::{JoinRole, require};
use crate::{Actor, ServiceError};

/// Events a poll may produce at once before a slow subscriber falls behind; a meeting that
/// hundreds join within one interval still fits.
const EVENT_BUFFER: usize = 1024;

/// Something that happened to a meeting on BBB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingEvent {
    /// The meeting appeared on BBB (it was started, or re-created after it had ended).
    Started,
    ParticipantJoined(Participant),
    ParticipantLeft(Participant),
    /// The meeting is gone from BBB; everyone still in it left with it.
    Ended,
}

/// Someone in a live meeting, as BBB lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Participant {
    /// BBB's userID: the gateway user's id for users who joined through the gateway.
    pub user_id: String,
    pub full_name: String,
    pub role: JoinRole,
}

impl Participant {
    fn of(attendee: &bbb_client::model::Attendee) -> Self {
        Participant {
            user_id: attendee.user_id.clone(),
            full_name: attendee.full_name.clone(),
            role: join_role(attendee),
        }
    }
}

/// The role an attendee BBB reports joined with: moderator, or attendee for anything else
/// (BBB's `VIEWER`, and a role this version does not know). For every reader of live state.
pub fn join_role(attendee: &bbb_client::model::Attendee) -> JoinRole {
    if bbb_client::Role::parse(&attendee.role) == Some(bbb_client::Role::Moderator) {
        JoinRole::Moderator
    } else {
        JoinRole::Attendee
    }
}

/// What one poll saw of a meeting that is live on BBB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSnapshot {
    /// BBB's createTime: a different one means the meeting was ended and created again
    /// between two polls.
    pub create_time: u64,
    /// In BBB's order.
    pub participants: Vec<Participant>,
}

impl LiveSnapshot {
    fn of(info: &MeetingInfo) -> Self {
        LiveSnapshot {
            create_time: info.create_time,
            participants: info
                .attendees
                .attendee
                .iter()
                .map(Participant::of)
                .collect(),
        }
    }
}

/// The events that lead from `before` to `after` (`None`: not live on BBB). Participants
/// who left come before those who joined; a participant whose role changed leaves in the
/// old role and joins in the new one. The same person may be in a meeting more than once
/// (two browser tabs), so participants are counted, not just compared.
pub fn diff(before: Option<&LiveSnapshot>, after: Option<&LiveSnapshot>) -> Vec<MeetingEvent> {
    let started = |after: &LiveSnapshot| {
        std::iter::once(MeetingEvent::Started)
            .chain(
                after
                    .participants
                    .iter()
                    .cloned()
                    .map(MeetingEvent::ParticipantJoined),
            )
            .collect::<Vec<_>>()
    };
    match (before, after) {
        (None, None) => Vec::new(),
        (None, Some(after)) => started(after),
        (Some(_), None) => vec![MeetingEvent::Ended],
        (Some(before), Some(after)) if before.create_time != after.create_time => {
            let mut events = vec![MeetingEvent::Ended];
            events.extend(started(after));
            events
        }
        (Some(before), Some(after)) => {
            let mut unmatched_before: BTreeMap<&Participant, usize> = BTreeMap::new();
            for participant in &before.participants {
                *unmatched_before.entry(participant).or_default() += 1;
            }
            let mut joined = Vec::new();
            for participant in &after.participants {
                match unmatched_before.get_mut(participant) {
                    Some(count) if *count > 0 => *count -= 1,
                    _ => joined.push(MeetingEvent::ParticipantJoined(participant.clone())),
                }
            }
            // Walk `before` again to report leavers in BBB's order, not the map's.
            let mut events = Vec::new();
            for participant in &before.participants {
                if let Some(count) = unmatched_before.get_mut(participant)
                    && *count > 0
                {
                    *count -= 1;
                    events.push(MeetingEvent::ParticipantLeft(participant.clone()));
                }
            }
            events.extend(joined);
            events
        }
    }
}

/// The meeting as BBB sees it now: `None` when it has no live placement, or BBB does not
/// have it or has ended it. Errors are BBB or database failures, after which the state is
/// unknown rather than "not live".
async fn live_snapshot(
    store: &Store,
    client: &bbb_client::Client,
    meeting_id: i64,
) -> Result<Option<LiveSnapshot>, ServiceError> {
    let locations = live::live_locations(store, &[meeting_id]).await?;
    let Some(location) = locations.get(&meeting_id) else {
        return Ok(None);
    };
    let server = store.servers().get(location.server_id).await?;
    let endpoint = super::endpoint(store, &server)?;
    match client
        .get_meeting_info(&endpoint, &location.bbb_meeting_id)
        .await
    {
        Ok(info) if info.has_been_forcibly_ended => Ok(None),
        Ok(info) => Ok(Some(LiveSnapshot::of(&info))),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Whether the actor may watch a meeting's events: they tell who comes and goes, so this
/// needs what seeing the live attendees needs (`join_as_attendee` or more, or staff).
/// FORBIDDEN, NOT_FOUND or UNAUTHENTICATED otherwise, as for [`crate::meetings::get`].
/// Subscribers call it again from time to time, with the actor [`crate::users::refreshed`],
/// so that a revoked grant or a deleted user ends the watching.
pub async fn require_may_watch(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
) -> Result<(), ServiceError> {
    let visible = crate::meetings::get(store, actor, meeting_id).await?;
    require(
        visible.permissions.can_see_attendees(),
        "watching who is in this meeting needs JOIN_AS_ATTENDEE",
    )
}

/// The process's watchers of live meetings, one per meeting that has subscribers. Cheap to
/// clone: clones share the watchers.
#[derive(Clone)]
pub struct MeetingWatchers {
    shared: Arc<Shared>,
}

struct Shared {
    store: Store,
    client: bbb_client::Client,
    interval: Duration,
    watches: Mutex<HashMap<i64, Watch>>,
}

/// One watched meeting: where its events go, and what its watcher saw last.
struct Watch {
    sender: broadcast::Sender<MeetingEvent>,
    /// `None` until the first poll, and while the meeting is not live.
    latest: Option<LiveSnapshot>,
}

impl MeetingWatchers {
    /// Watchers that poll each watched meeting every `interval`.
    pub fn new(store: Store, client: bbb_client::Client, interval: Duration) -> Self {
        MeetingWatchers {
            shared: Arc::new(Shared {
                store,
                client,
                interval,
                watches: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The events of a meeting from now on, starting with its current state as the watcher
    /// last saw it (`Started` and a `ParticipantJoined` per participant when it is live), so
    /// every subscriber sees the meeting as if from before it started. Starts the meeting's
    /// watcher unless it runs already. No permission check: the caller checks first.
    ///
    /// The stream ends if the subscriber falls more than a buffer behind, since it would
    /// have missed events; subscribing again gives the current state.
    pub fn subscribe(&self, meeting_id: i64) -> impl Stream<Item = MeetingEvent> + Send + use<> {
        let (current_state, receiver) = {
            let mut watches = self.shared.lock();
            let watch = watches.entry(meeting_id).or_insert_with(|| {
                tokio::spawn(watch_meeting(self.shared.clone(), meeting_id));
                Watch {
                    sender: broadcast::channel(EVENT_BUFFER).0,
                    latest: None,
                }
            });
            // Under the same lock as the watcher's publishing: no event is both in the current
            // state and sent, nor in neither.
            (diff(None, watch.latest.as_ref()), watch.sender.subscribe())
        };
        let updates = stream::unfold(receiver, move |mut receiver| async move {
            match receiver.recv().await {
                Ok(event) => Some((event, receiver)),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        meeting_id,
                        missed,
                        "a meeting-events subscriber fell behind; ending its stream"
                    );
                    None
                }
                Err(broadcast::error::RecvError::Closed) => None,
            }
        });
        stream::iter(current_state).chain(updates)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<i64, Watch>> {
        // Nothing panics while holding the lock; should it ever, the map is still consistent.
        self.watches
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets the meeting's watch if nobody listens any more; whether it did. Subscribing
    /// happens under the same lock, so no subscriber can be left with a stopped watcher.
    fn release_if_unwatched(&self, meeting_id: i64) -> bool {
        let mut watches = self.lock();
        let unwatched = watches
            .get(&meeting_id)
            .is_none_or(|watch| watch.sender.receiver_count() == 0);
        if unwatched {
            watches.remove(&meeting_id);
        }
        unwatched
    }

    fn publish(&self, meeting_id: i64, now: Option<LiveSnapshot>) {
        let mut watches = self.lock();
        let Some(watch) = watches.get_mut(&meeting_id) else {
            return;
        };
        for event in diff(watch.latest.as_ref(), now.as_ref()) {
            // An error means nobody listens right now; the next tick stops the watcher.
            let _ = watch.sender.send(event);
        }
        watch.latest = now;
    }
}

/// A meeting's watcher: polls until nobody listens. A failed poll changes nothing: the
/// meeting is not taken for ended because its server did not answer once.
async fn watch_meeting(shared: Arc<Shared>, meeting_id: i64) {
    let mut ticks = tokio::time::interval(shared.interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if shared.release_if_unwatched(meeting_id) {
            tracing::debug!(meeting_id, "no subscriber left; meeting watcher stops");
            return;
        }
        match live_snapshot(&shared.store, &shared.client, meeting_id).await {
            Ok(now) => shared.publish(meeting_id, now),
            Err(error) => {
                tracing::warn!(
                    meeting_id,
                    error = %crate::ErrorChain(&error),
                    "live state poll failed; will retry"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingEvent::{Ended, ParticipantJoined as Joined, ParticipantLeft as Left, Started};

    fn participant(user_id: &str, role: JoinRole) -> Participant {
        Participant {
            user_id: user_id.to_owned(),
            full_name: format!("User {user_id}"),
            role,
        }
    }

    fn ann() -> Participant {
        participant("ann", JoinRole::Moderator)
    }

    fn bob() -> Participant {
        participant("bob", JoinRole::Attendee)
    }

    fn live(create_time: u64, participants: &[Participant]) -> LiveSnapshot {
        LiveSnapshot {
            create_time,
            participants: participants.to_vec(),
        }
    }

    #[test]
    fn only_moderators_join_as_moderators() {
        let attendee = |role: &str| bbb_client::model::Attendee {
            role: role.to_owned(),
            ..Default::default()
        };
        for moderator in ["MODERATOR", "moderator"] {
            assert_eq!(join_role(&attendee(moderator)), JoinRole::Moderator);
        }
        for other in ["VIEWER", "", "PRESENTER", "moderator "] {
            assert_eq!(join_role(&attendee(other)), JoinRole::Attendee, "{other:?}");
        }
    }

    #[test]
    fn nothing_happens_to_a_meeting_that_stays_away_or_unchanged() {
        assert_eq!(diff(None, None), []);
        let running = live(1, &[ann(), bob()]);
        assert_eq!(diff(Some(&running), Some(&running)), []);
    }

    #[test]
    fn a_meeting_that_appears_starts_with_everyone_in_it() {
        assert_eq!(diff(None, Some(&live(1, &[]))), [Started]);
        assert_eq!(
            diff(None, Some(&live(1, &[ann(), bob()]))),
            [Started, Joined(ann()), Joined(bob())]
        );
    }

    #[test]
    fn a_meeting_that_disappears_ends_without_separate_leaves() {
        assert_eq!(diff(Some(&live(1, &[ann(), bob()])), None), [Ended]);
    }

    #[test]
    fn joins_and_leaves_are_reported_in_bbb_order_leaves_first() {
        let carl = participant("carl", JoinRole::Attendee);
        let before = live(1, &[ann(), bob(), carl.clone()]);
        let dora = participant("dora", JoinRole::Attendee);
        let after = live(1, &[bob(), dora.clone()]);
        assert_eq!(
            diff(Some(&before), Some(&after)),
            [Left(ann()), Left(carl), Joined(dora)]
        );
    }

    #[test]
    fn the_same_person_twice_is_counted() {
        let twice = live(1, &[bob(), ann(), bob()]);
        let once = live(1, &[ann(), bob()]);
        assert_eq!(diff(Some(&once), Some(&twice)), [Joined(bob())]);
        assert_eq!(diff(Some(&twice), Some(&once)), [Left(bob())]);
    }

    #[test]
    fn a_role_change_is_a_leave_and_a_join() {
        let promoted = || participant("bob", JoinRole::Moderator);
        assert_eq!(
            diff(Some(&live(1, &[bob()])), Some(&live(1, &[promoted()]))),
            [Left(bob()), Joined(promoted())]
        );
    }

    #[test]
    fn a_meeting_created_again_between_polls_ends_and_starts() {
        assert_eq!(
            diff(Some(&live(1, &[ann()])), Some(&live(2, &[bob()]))),
            [Ended, Started, Joined(bob())]
        );
    }

    #[test]
    fn bbb_roles_map_to_join_roles() {
        let attendee = |role: &str| bbb_client::model::Attendee {
            user_id: "7".to_owned(),
            full_name: "Ann".to_owned(),
            role: role.to_owned(),
            ..Default::default()
        };
        assert_eq!(
            Participant::of(&attendee("MODERATOR")).role,
            JoinRole::Moderator
        );
        assert_eq!(
            Participant::of(&attendee("VIEWER")).role,
            JoinRole::Attendee
        );
    }

    mod watchers {
        use std::time::Instant;

        use bbb_sim::{SimConfig, SimServer};
        use futures_util::StreamExt;
        use store::{MeetingSettings, NewMeeting, NewServer, Secret, ServerState, TestDb};

        use super::super::*;
        use super::{Joined, Left, Started};
        use crate::bbb::{Balancer, Orchestrator};

        const INTERVAL: Duration = Duration::from_millis(50);
        /// Far more than an event takes to arrive, however loaded the machine.
        const PATIENCE: Duration = Duration::from_secs(10);

        async fn next_event(
            events: &mut (impl Stream<Item = MeetingEvent> + Unpin),
        ) -> MeetingEvent {
            tokio::time::timeout(PATIENCE, events.next())
                .await
                .expect("an event within the patience")
                .expect("the stream goes on")
        }

        fn get_meeting_info_calls(sim: &SimServer) -> u64 {
            sim.api_calls()
                .get("getMeetingInfo")
                .copied()
                .unwrap_or_default()
        }

        #[tokio::test]
        async fn subscribers_share_one_watcher_that_outlives_bbb_errors_and_stops_with_them() {
            let db = TestDb::new().await;
            let store = db.store().clone();
            let site = store.sites().default_site().await.unwrap();
            let group = store.groups().create(site.id, "main").await.unwrap();
            let sim = SimServer::spawn(SimConfig::default()).unwrap();
            store
                .servers()
                .add(NewServer {
                    group_id: group.id,
                    name: "bbb1".to_owned(),
                    api_url: sim.api_url(),
                    secret: Secret::new(sim.secret()),
                    weight: 1,
                    state: ServerState::Enabled,
                })
                .await
                .unwrap();
            let meeting = store
                .meetings()
                .create(NewMeeting {
                    group_id: group.id,
                    owner_id: None,
                    settings: MeetingSettings::new("Watched"),
                })
                .await
                .unwrap();
            let client = bbb_client::Client::builder()
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap();
            let orchestrator =
                Orchestrator::new(store.clone(), client.clone(), Arc::new(Balancer::default()));
            let watchers = MeetingWatchers::new(store.clone(), client, INTERVAL);

            let mut first = Box::pin(watchers.subscribe(meeting.id));
            let mut second = Box::pin(watchers.subscribe(meeting.id));
            orchestrator.ensure_running(&meeting).await.unwrap();
            assert_eq!(next_event(&mut first).await, Started);
            assert_eq!(next_event(&mut second).await, Started);

            sim.add_attendees(&meeting.guid.to_string(), 1).unwrap();
            let Joined(joined) = next_event(&mut first).await else {
                panic!("expected a join");
            };
            assert_eq!(next_event(&mut second).await, Joined(joined.clone()));

            // A late subscriber starts from the current state.
            let mut late = Box::pin(watchers.subscribe(meeting.id));
            assert_eq!(next_event(&mut late).await, Started);
            assert_eq!(next_event(&mut late).await, Joined(joined.clone()));

            // One watcher: at most one getMeetingInfo per interval for three subscribers (plus
            // one tick at each end of the window, and one poll already under way at its start).
            sim.reset_api_calls();
            let window = Instant::now();
            tokio::time::sleep(INTERVAL * 10).await;
            let calls = get_meeting_info_calls(&sim);
            let intervals = (window.elapsed().as_millis() / INTERVAL.as_millis()) as u64;
            assert!(
                calls <= intervals + 2,
                "{calls} calls in {intervals} intervals"
            );

            // BBB failing for a while is not the end of the meeting.
            sim.set_error_rate(1.0);
            tokio::time::sleep(INTERVAL * 5).await;
            assert!(get_meeting_info_calls(&sim) > calls, "polls went on");
            sim.set_error_rate(0.0);
            sim.remove_attendees(&meeting.guid.to_string(), 1).unwrap();
            assert_eq!(next_event(&mut first).await, Left(joined));

            drop((first, second, late));
            // The watcher notices at its next tick; then BBB hears no more of it.
            tokio::time::sleep(INTERVAL * 10).await;
            let after_stop = get_meeting_info_calls(&sim);
            tokio::time::sleep(INTERVAL * 6).await;
            assert_eq!(get_meeting_info_calls(&sim), after_stop);
            assert!(watchers.shared.lock().is_empty());
            sim.shutdown().await;
        }
    }
}
