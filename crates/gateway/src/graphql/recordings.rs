//! Recordings of a meeting over GraphQL: the `Recording` type behind `Meeting.recordings`,
//! loaded per request with one `getRecordings` per BBB server for all meetings of a page.
//! Who sees and manages what is decided in `service::bbb::recordings`.

use async_graphql::{Context, Enum, Object, SimpleObject};
use bbb_client::model::{PlaybackFormat, Recording};
use chrono::{DateTime, Utc};
use service::bbb::recordings::visible_to;

use super::live::{from_millis, request_loaders};
use super::meetings::MeetingNode;
use super::relay::NodeType;
use crate::error::GatewayError;

/// `Meeting.recordings`: what the viewer may see of the meeting's recordings, newest first.
pub async fn recordings_of(
    ctx: &Context<'_>,
    meeting: &MeetingNode,
) -> Result<Vec<RecordingNode>, GatewayError> {
    let found = request_loaders(ctx)?
        .recordings
        .load_one(meeting.database_id())
        .await?
        .unwrap_or(Ok(Vec::new()))
        .map_err(service::ServiceError::from)?;
    Ok(visible_to(&meeting.permissions, found)
        .into_iter()
        .map(RecordingNode)
        .collect())
}

/// Where a recording is in BBB's processing.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RecordingState {
    Processing,
    Processed,
    Published,
    Unpublished,
    Deleted,
    /// A state this gateway does not know (a newer BBB).
    Unknown,
}

impl RecordingState {
    fn of(state: &str) -> Self {
        use bbb_client::RecordingState as Bbb;
        match Bbb::parse(state) {
            Some(Bbb::Processing) => RecordingState::Processing,
            Some(Bbb::Processed) => RecordingState::Processed,
            Some(Bbb::Published) => RecordingState::Published,
            Some(Bbb::Unpublished) => RecordingState::Unpublished,
            Some(Bbb::Deleted) => RecordingState::Deleted,
            Some(Bbb::Any | Bbb::Other(_)) | None => RecordingState::Unknown,
        }
    }
}

/// A recording of one session of a meeting, as the BBB server that made it reports it.
pub struct RecordingNode(pub Recording);

#[Object(name = "Recording")]
impl RecordingNode {
    /// BBB's recordID; names the recording in `publishRecordings` and `deleteRecordings`.
    async fn record_id(&self) -> &str {
        &self.0.record_id
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn state(&self) -> RecordingState {
        RecordingState::of(&self.0.state)
    }

    async fn published(&self) -> bool {
        self.0.published
    }

    async fn start_time(&self) -> Option<DateTime<Utc>> {
        from_millis(self.0.start_time)
    }

    async fn end_time(&self) -> Option<DateTime<Utc>> {
        from_millis(self.0.end_time)
    }

    /// How many people took part.
    async fn participants(&self) -> Option<u32> {
        self.0.participants
    }

    /// The formats it can be played back in.
    async fn playback(&self) -> Vec<RecordingPlayback> {
        self.0
            .playback
            .format
            .iter()
            .map(RecordingPlayback::from)
            .collect()
    }
}

/// One playback format of a recording.
#[derive(SimpleObject)]
pub struct RecordingPlayback {
    /// `presentation`, `video`, `podcast`, …
    format: String,
    url: String,
    /// Minutes.
    length: u64,
}

impl From<&PlaybackFormat> for RecordingPlayback {
    fn from(format: &PlaybackFormat) -> Self {
        RecordingPlayback {
            format: format.format_type.clone(),
            url: format.url.clone(),
            length: format.length,
        }
    }
}
