//! Live state of meetings on BBB: the `LiveMeeting` type behind `Meeting.live`, and the
//! per-request DataLoaders that make one GraphQL request ask each BBB server at most once
//! (`getMeetings`), however many meetings it lists.
//!
//! The loaders cache their answers, so unlike the schema-wide loaders of `loaders.rs` they
//! must not outlive a request: every operation gets fresh ones ([`request_loaders_for`]).
//! What requests share is the application's one [`MeetingCalls`]: concurrent requests wait for the
//! same `getMeetings` call in flight instead of each making its own.
//!
//! A listed page asks for the live state of all its meetings at once ([`ListedPage`]): the
//! first `live` field of the page to resolve loads it for every meeting of the page, through the
//! loaders (so other fields of the request share it), and the other fields of the page wait for
//! that instead of each queueing its key with a loader.
//!
//! A page shows many meetings of few servers, so a live meeting and its attendees point into
//! the shared answer (`Arc`s) instead of copying it, and strings are copied only into the
//! fields the query asks for.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::{
    Context, ID, Object,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use bbb_client::model::{Attendee, MeetingInfo, Recording};
use chrono::{DateTime, Utc};
use service::Store;
use service::bbb::live::{self as live_service, MeetingCalls, ServerAnswer, ServerMeetings};
use service::bbb::{Orchestrator, Unavailable};
use service::model::LiveLocation;
use tokio::sync::OnceCell;

use service::permissions::{EffectivePermissions, can_see_hosting_server};

use super::{
    GatewayContext,
    meetings::{MeetingNode, require_details},
    relay::{NodeType, encode_id},
    types::{JoinRole, actor},
};
use crate::{app::AppState, error::GatewayError};

/// Where each meeting runs (one `IN (…)` query per batch). Behind an `Arc`: the loader hands
/// out a copy of its value on every load.
pub struct LiveLocations(Store);

impl Loader<i64> for LiveLocations {
    type Value = Arc<LiveLocation>;
    type Error = GatewayError;

    async fn load(
        &self,
        meeting_ids: &[i64],
    ) -> Result<HashMap<i64, Arc<LiveLocation>>, GatewayError> {
        let locations = live_service::live_locations(&self.0, meeting_ids).await?;
        Ok(locations
            .into_iter()
            .map(|(meeting_id, location)| (meeting_id, Arc::new(location)))
            .collect())
    }
}

/// `getMeetings` of each server (one call per server, all servers of a batch concurrently,
/// shared with concurrent requests through `calls`).
pub struct MeetingsOnServer {
    store: Store,
    client: bbb_client::Client,
    calls: MeetingCalls,
}

impl Loader<i64> for MeetingsOnServer {
    type Value = ServerAnswer;
    type Error = GatewayError;

    async fn load(&self, server_ids: &[i64]) -> Result<HashMap<i64, ServerAnswer>, GatewayError> {
        Ok(self
            .calls
            .meetings_on_servers(&self.store, &self.client, server_ids)
            .await?)
    }
}

/// Recordings of each meeting (one `getRecordings` per server for the whole batch).
pub struct RecordingsOfMeeting(Orchestrator);

impl Loader<i64> for RecordingsOfMeeting {
    type Value = Result<Vec<Recording>, Unavailable>;
    type Error = GatewayError;

    async fn load(&self, meeting_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, GatewayError> {
        Ok(self.0.recordings_of_meetings(meeting_ids).await?)
    }
}

/// The loaders of one request.
pub struct RequestLoaders {
    pub locations: DataLoader<LiveLocations, HashMapCache>,
    pub server_meetings: DataLoader<MeetingsOnServer, HashMapCache>,
    pub recordings: DataLoader<RecordingsOfMeeting, HashMapCache>,
}

impl RequestLoaders {
    fn new(orchestrator: Orchestrator, calls: MeetingCalls) -> Self {
        let store = orchestrator.store().clone();
        let client = orchestrator.client().clone();
        RequestLoaders {
            locations: DataLoader::with_cache(
                LiveLocations(store.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            server_meetings: DataLoader::with_cache(
                MeetingsOnServer {
                    store,
                    client,
                    calls,
                },
                tokio::spawn,
                HashMapCache::default(),
            ),
            recordings: DataLoader::with_cache(
                RecordingsOfMeeting(orchestrator),
                tokio::spawn,
                HashMapCache::default(),
            ),
        }
    }
}

/// The [`RequestLoaders`] of one operation, all of them over the application's one
/// [`MeetingCalls`]. Every transport adds them to each operation it runs (see
/// [`super::prepare_operations`]).
pub fn request_loaders_for(app: &AppState) -> RequestLoaders {
    RequestLoaders::new(orchestrator_of(app), app.meeting_calls.clone())
}

fn orchestrator_of(app: &AppState) -> Orchestrator {
    Orchestrator::new(app.store.clone(), app.bbb.clone(), app.balancer.clone())
}

/// The BBB orchestrator for a resolver.
pub fn orchestrator(ctx: &Context<'_>) -> Result<Orchestrator, GatewayError> {
    Ok(orchestrator_of(ctx.app()?))
}

pub fn request_loaders<'c>(ctx: &'c Context<'_>) -> Result<&'c RequestLoaders, GatewayError> {
    ctx.data::<RequestLoaders>()
        .map_err(|_| GatewayError::internal("request executed without BBB loaders"))
}

/// The meetings of one listed page, whose live state is loaded for all of them at once, by
/// the first of their `live` fields to resolve (so only when the query asks for it).
pub struct ListedPage {
    meeting_ids: Vec<i64>,
    live: OnceCell<Result<PageLive, GatewayError>>,
}

/// Where the meetings of a page run, and their servers' answers: an error there fails the
/// meetings that run, never those that do not (null, as they are without it).
struct PageLive {
    locations: HashMap<i64, Arc<LiveLocation>>,
    answers: Result<HashMap<i64, ServerAnswer>, GatewayError>,
}

impl ListedPage {
    pub fn new(meeting_ids: Vec<i64>) -> Self {
        ListedPage {
            meeting_ids,
            live: OnceCell::new(),
        }
    }

    /// The page's live state, loaded on first use through the request's loaders: one query
    /// for the locations, one `getMeetings` per server (none for a page where nothing runs).
    async fn live(&self, loaders: &RequestLoaders) -> Result<&PageLive, GatewayError> {
        let loaded = self
            .live
            .get_or_init(|| async {
                let locations = loaders
                    .locations
                    .load_many(self.meeting_ids.iter().copied())
                    .await?;
                let server_ids: BTreeSet<i64> = locations
                    .values()
                    .map(|location| location.server_id)
                    .collect();
                let answers = loaders.server_meetings.load_many(server_ids).await;
                Ok(PageLive { locations, answers })
            })
            .await;
        loaded.as_ref().map_err(Clone::clone)
    }
}

/// `Meeting.live`: the meeting as BBB sees it now, or null when it does not run on BBB.
pub async fn live_of(
    ctx: &Context<'_>,
    meeting: &MeetingNode,
    page: Option<&ListedPage>,
) -> Result<Option<LiveMeeting>, GatewayError> {
    let loaders = request_loaders(ctx)?;
    let id = meeting.database_id();
    let (location, answer) = match page {
        Some(page) => {
            let live = page.live(loaders).await?;
            let Some(location) = live.locations.get(&id) else {
                return Ok(None);
            };
            let answers = live.answers.as_ref().map_err(Clone::clone)?;
            (location.clone(), answers.get(&location.server_id).cloned())
        }
        None => {
            let Some(location) = loaders.locations.load_one(id).await? else {
                return Ok(None);
            };
            let answer = loaders.server_meetings.load_one(location.server_id).await?;
            (location, answer)
        }
    };
    // No answer: the server was removed since the location was read.
    let Some(answer) = answer else {
        return Ok(None);
    };
    let on_server = answer.map_err(service::ServiceError::from)?;
    let Some(info) = on_server.live(&location.bbb_meeting_id).cloned() else {
        return Ok(None);
    };
    Ok(Some(LiveMeeting {
        info,
        on_server,
        permissions: meeting.permissions,
    }))
}

/// A meeting as BBB reports it right now: a share of its server's answer.
pub struct LiveMeeting {
    info: Arc<MeetingInfo>,
    /// The answer it is part of, with the server it came from.
    on_server: Arc<ServerMeetings>,
    /// The viewer's on the meeting: who is in it is not for everyone who sees it.
    permissions: EffectivePermissions,
}

impl LiveMeeting {
    /// Figures beyond `running`: FORBIDDEN for a guest (see `Meeting`).
    fn require_details(&self) -> Result<(), GatewayError> {
        require_details(&self.permissions)
    }
}

/// A meeting as BBB reports it right now. A guest (see `Meeting`) sees `running` only: the
/// other fields answer FORBIDDEN, `attendees` null.
#[Object]
impl LiveMeeting {
    /// Whether users are in the meeting (false right after it was started, until someone joins).
    async fn running(&self) -> bool {
        self.info.running
    }

    async fn participant_count(&self) -> Result<u32, GatewayError> {
        self.require_details()?;
        Ok(self.info.participant_count)
    }

    async fn moderator_count(&self) -> Result<u32, GatewayError> {
        self.require_details()?;
        Ok(self.info.moderator_count)
    }

    /// Participants who only listen to the audio.
    async fn listener_count(&self) -> Result<u32, GatewayError> {
        self.require_details()?;
        Ok(self.info.listener_count)
    }

    /// Participants connected to the audio conference.
    async fn voice_participant_count(&self) -> Result<u32, GatewayError> {
        self.require_details()?;
        Ok(self.info.voice_participant_count)
    }

    /// Webcams being shared.
    async fn video_count(&self) -> Result<u32, GatewayError> {
        self.require_details()?;
        Ok(self.info.video_count)
    }

    /// Whether the session is being recorded right now.
    async fn recording(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.info.recording)
    }

    async fn has_user_joined(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.info.has_user_joined)
    }

    /// When BBB created the meeting.
    async fn create_time(&self) -> Result<Option<DateTime<Utc>>, GatewayError> {
        self.require_details()?;
        Ok(from_millis(self.info.create_time))
    }

    /// When the first user joined; null before that.
    async fn start_time(&self) -> Result<Option<DateTime<Utc>>, GatewayError> {
        self.require_details()?;
        Ok(from_millis(self.info.start_time))
    }

    /// Who is in the meeting; null unless the viewer may join it (`JOIN_AS_ATTENDEE` or more)
    /// or is staff.
    async fn attendees(&self) -> Option<Vec<LiveAttendee>> {
        if !self.permissions.can_see_attendees() {
            return None;
        }
        Some(
            (0..self.info.attendees.attendee.len())
                .map(|index| LiveAttendee {
                    meeting: self.info.clone(),
                    index,
                })
                .collect(),
        )
    }

    /// The BBB server that hosts the meeting.
    async fn server(&self, ctx: &Context<'_>) -> Result<LiveServer, GatewayError> {
        self.require_details()?;
        let server = &self.on_server.server;
        Ok(LiveServer {
            id: can_see_hosting_server(actor(ctx)?).then(|| encode_id("Server", server.id)),
            on_server: self.on_server.clone(),
        })
    }
}

/// Where a live meeting runs; `id` as the viewer may see it.
pub struct LiveServer {
    id: Option<ID>,
    on_server: Arc<ServerMeetings>,
}

/// Where a live meeting runs. Its name helps support; its ID, which leads to the server's
/// administration, is shown to staff only.
#[Object]
impl LiveServer {
    /// The global ID of the `Server`; null unless the viewer is staff.
    async fn id(&self) -> Option<&ID> {
        self.id.as_ref()
    }

    async fn name(&self) -> &str {
        &self.on_server.server.name
    }
}

/// Someone in a live meeting: the attendee at `index` of the meeting's shared answer.
pub struct LiveAttendee {
    meeting: Arc<MeetingInfo>,
    index: usize,
}

impl LiveAttendee {
    fn attendee(&self) -> &Attendee {
        // `index` comes from enumerating this very list, which is never changed (shared).
        &self.meeting.attendees.attendee[self.index]
    }
}

/// Someone in a live meeting.
#[Object]
impl LiveAttendee {
    /// BBB's userID: the gateway user's id for users who joined through `joinMeeting`, an id
    /// BBB made up for guests and others.
    async fn user_id(&self) -> &str {
        &self.attendee().user_id
    }

    async fn full_name(&self) -> &str {
        &self.attendee().full_name
    }

    async fn role(&self) -> JoinRole {
        service::bbb::events::join_role(self.attendee()).into()
    }

    async fn is_presenter(&self) -> bool {
        self.attendee().is_presenter
    }

    async fn is_listening_only(&self) -> bool {
        self.attendee().is_listening_only
    }

    async fn has_joined_voice(&self) -> bool {
        self.attendee().has_joined_voice
    }

    async fn has_video(&self) -> bool {
        self.attendee().has_video
    }
}

/// BBB's milliseconds since the epoch; BBB writes 0 for "not yet".
pub fn from_millis(millis: u64) -> Option<DateTime<Utc>> {
    if millis == 0 {
        return None;
    }
    DateTime::from_timestamp_millis(i64::try_from(millis).ok()?)
}
