//! Live state of meetings on BBB: the `LiveMeeting` type behind `Meeting.live`, and the
//! per-request DataLoaders that make one GraphQL request ask each BBB server at most once
//! (`getMeetings`), however many meetings it lists.
//!
//! The loaders cache their answers, so unlike the schema-wide loaders of `loaders.rs` they
//! must not outlive a request: the [`BbbLoaders`] extension gives every request fresh ones.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{
    Context, ID, Object, Request, ServerResult, SimpleObject,
    dataloader::{DataLoader, HashMapCache, Loader},
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
};
use bbb_client::model::{Attendee, MeetingInfo, Recording};
use chrono::{DateTime, Utc};
use service::Store;
use service::bbb::live::{self as live_service, ServerAnswer};
use service::bbb::{Orchestrator, Unavailable};
use service::model::{Placement, Server};

use service::permissions::{EffectivePermissions, can_see_hosting_server};

use super::{
    GatewayContext,
    meetings::{MeetingNode, require_details},
    relay::encode_id,
    types::{JoinRole, actor},
};
use crate::{app::AppState, error::GatewayError};

/// The live placement of each meeting (one `IN (…)` query per batch).
pub struct LivePlacements(Store);

impl Loader<i64> for LivePlacements {
    type Value = Placement;
    type Error = GatewayError;

    async fn load(&self, meeting_ids: &[i64]) -> Result<HashMap<i64, Placement>, GatewayError> {
        Ok(live_service::live_placements(&self.0, meeting_ids).await?)
    }
}

/// `getMeetings` of each server (one call per server, all servers of a batch concurrently).
pub struct MeetingsOnServer {
    store: Store,
    client: bbb_client::Client,
}

impl Loader<i64> for MeetingsOnServer {
    type Value = ServerAnswer;
    type Error = GatewayError;

    async fn load(&self, server_ids: &[i64]) -> Result<HashMap<i64, ServerAnswer>, GatewayError> {
        Ok(live_service::meetings_on_servers(&self.store, &self.client, server_ids).await?)
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
    pub placements: DataLoader<LivePlacements, HashMapCache>,
    pub server_meetings: DataLoader<MeetingsOnServer, HashMapCache>,
    pub recordings: DataLoader<RecordingsOfMeeting, HashMapCache>,
}

impl RequestLoaders {
    fn new(orchestrator: Orchestrator) -> Self {
        let store = orchestrator.store().clone();
        let client = orchestrator.client().clone();
        RequestLoaders {
            placements: DataLoader::with_cache(
                LivePlacements(store.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            server_meetings: DataLoader::with_cache(
                MeetingsOnServer { store, client },
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

/// Schema extension that gives every request its own [`RequestLoaders`].
pub struct BbbLoaders;

impl ExtensionFactory for BbbLoaders {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BbbLoaders)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for BbbLoaders {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = match ctx.data_opt::<AppState>() {
            Some(app) => request.data(RequestLoaders::new(orchestrator_of(app))),
            // Only a schema built without state (SDL export) gets here; it executes nothing.
            None => request,
        };
        next.run(ctx, request).await
    }
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

/// `Meeting.live`: the meeting as BBB sees it now, or null when it does not run on BBB.
pub async fn live_of(
    ctx: &Context<'_>,
    meeting: &MeetingNode,
) -> Result<Option<LiveMeeting>, GatewayError> {
    let loaders = request_loaders(ctx)?;
    let Some(placement) = loaders.placements.load_one(meeting.meeting.id).await? else {
        return Ok(None);
    };
    let Some(answer) = loaders
        .server_meetings
        .load_one(placement.server_id)
        .await?
    else {
        return Ok(None);
    };
    let on_server = answer.map_err(service::ServiceError::from)?;
    Ok(on_server
        .live(&placement.bbb_meeting_id)
        .map(|info| LiveMeeting {
            info: info.clone(),
            server: on_server.server.clone(),
            permissions: meeting.permissions,
        }))
}

/// A meeting as BBB reports it right now.
pub struct LiveMeeting {
    info: MeetingInfo,
    server: Server,
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
            self.info
                .attendees
                .attendee
                .iter()
                .map(LiveAttendee::from)
                .collect(),
        )
    }

    /// The BBB server that hosts the meeting.
    async fn server(&self, ctx: &Context<'_>) -> Result<LiveServer, GatewayError> {
        self.require_details()?;
        Ok(LiveServer {
            id: can_see_hosting_server(actor(ctx)?).then(|| encode_id("Server", self.server.id)),
            name: self.server.name.clone(),
        })
    }
}

/// Where a live meeting runs. Its name helps support; its ID, which leads to the server's
/// administration, is shown to staff only.
#[derive(SimpleObject)]
pub struct LiveServer {
    /// The global ID of the `Server`; null unless the viewer is staff.
    id: Option<ID>,
    name: String,
}

/// Someone in a live meeting.
#[derive(SimpleObject)]
pub struct LiveAttendee {
    /// BBB's userID: the gateway user's id for users who joined through `joinMeeting`, an id
    /// BBB made up for guests and others.
    user_id: String,
    full_name: String,
    role: JoinRole,
    is_presenter: bool,
    is_listening_only: bool,
    has_joined_voice: bool,
    has_video: bool,
}

impl From<&Attendee> for LiveAttendee {
    fn from(attendee: &Attendee) -> Self {
        LiveAttendee {
            user_id: attendee.user_id.clone(),
            full_name: attendee.full_name.clone(),
            role: service::bbb::events::join_role(attendee).into(),
            is_presenter: attendee.is_presenter,
            is_listening_only: attendee.is_listening_only,
            has_joined_voice: attendee.has_joined_voice,
            has_video: attendee.has_video,
        }
    }
}

/// BBB's milliseconds since the epoch; BBB writes 0 for "not yet".
pub fn from_millis(millis: u64) -> Option<DateTime<Utc>> {
    if millis == 0 {
        return None;
    }
    DateTime::from_timestamp_millis(i64::try_from(millis).ok()?)
}
