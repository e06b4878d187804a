//! Mutations that act on BBB: start, join and end meetings, and manage their recordings.
//! Each parses its arguments, calls `service::bbb::Orchestrator`, and maps the answer.

use async_graphql::{Context, ID, Object, SimpleObject};
use service::bbb::RecordingChange;

use super::GatewayContext;
use super::live::orchestrator;
use super::meetings::MeetingNode;
use super::recordings::RecordingNode;
use super::relay::decode_id_of;
use super::types::{JoinRole, actor};
use crate::error::GatewayError;

#[derive(Default)]
pub struct BbbMutations;

/// A signed BBB join URL: open it in the user's browser (it redirects into the meeting).
/// It is a credential, valid until the meeting is re-created.
#[derive(SimpleObject)]
pub struct JoinMeetingPayload {
    url: String,
    /// The role the URL joins in.
    role: JoinRole,
}

/// A signed BBB join URL for a guest, who always joins as an attendee.
#[derive(SimpleObject)]
pub struct JoinMeetingByUrlPayload {
    url: String,
}

#[derive(SimpleObject)]
pub struct EndMeetingPayload {
    meeting: MeetingNode,
    /// Whether the meeting was running on BBB; ending one that was not is no error.
    was_running: bool,
}

#[derive(SimpleObject)]
pub struct DeleteRecordingsPayload {
    deleted_record_ids: Vec<String>,
}

#[Object]
impl BbbMutations {
    /// Starts the meeting on BBB with all its settings (or finds it running). Needs
    /// `JOIN_AS_MODERATOR`.
    async fn start_meeting(&self, ctx: &Context<'_>, id: ID) -> Result<MeetingNode, GatewayError> {
        let meeting_id = decode_id_of::<MeetingNode>(&id, "id")?;
        let (visible, _) = orchestrator(ctx)?.start(actor(ctx)?, meeting_id).await?;
        Ok(visible.into())
    }

    /// Ends the meeting on BBB for everyone in it. Needs `JOIN_AS_MODERATOR`.
    async fn end_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<EndMeetingPayload, GatewayError> {
        let meeting_id = decode_id_of::<MeetingNode>(&id, "id")?;
        let (visible, was_running) = orchestrator(ctx)?.end(actor(ctx)?, meeting_id).await?;
        Ok(EndMeetingPayload {
            meeting: visible.into(),
            was_running,
        })
    }

    /// A join URL for the viewer, starting the meeting on BBB if needed: in `role` if given
    /// and allowed, else in the best role the viewer may join in.
    async fn join_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        role: Option<JoinRole>,
    ) -> Result<JoinMeetingPayload, GatewayError> {
        let meeting_id = decode_id_of::<MeetingNode>(&id, "id")?;
        let link = orchestrator(ctx)?
            .join_url(actor(ctx)?, meeting_id, role.map(Into::into))
            .await?;
        Ok(JoinMeetingPayload {
            url: link.url,
            role: link.role.into(),
        })
    }

    /// A join URL for a guest (no login needed) through a meeting URL that admits guests,
    /// under the display name they give. Never starts the meeting: until someone who may
    /// start it (`JOIN_AS_MODERATOR`) has, the answer is `MEETING_NOT_STARTED` — ask again
    /// later. A slug that does not lead the caller anywhere is `NOT_FOUND`, whether it exists
    /// or not; after `graphql.max_slug_misses_per_client` of those, `RATE_LIMITED`.
    async fn join_meeting_by_url(
        &self,
        ctx: &Context<'_>,
        slug: String,
        display_name: String,
    ) -> Result<JoinMeetingByUrlPayload, GatewayError> {
        let lookup = ctx
            .app()?
            .slug_throttle
            .admit(ctx.request()?.client_address)?;
        let link = lookup.settle(
            orchestrator(ctx)?
                .join_by_url(actor(ctx)?, &slug, &display_name)
                .await,
        )?;
        Ok(JoinMeetingByUrlPayload { url: link.url })
    }

    /// Publishes (or with `publish: false` unpublishes) recordings of a meeting. Needs
    /// `JOIN_AS_MODERATOR`. Returns the recordings as they are now.
    async fn publish_recordings(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        record_ids: Vec<String>,
        publish: bool,
    ) -> Result<Vec<RecordingNode>, GatewayError> {
        let meeting_id = decode_id_of::<MeetingNode>(&meeting_id, "meetingId")?;
        let change = if publish {
            RecordingChange::Publish
        } else {
            RecordingChange::Unpublish
        };
        let recordings = orchestrator(ctx)?
            .change_recordings(actor(ctx)?, meeting_id, &record_ids, change)
            .await?;
        Ok(recordings.into_iter().map(RecordingNode).collect())
    }

    /// Deletes recordings of a meeting for good. Needs `JOIN_AS_MODERATOR`.
    async fn delete_recordings(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        record_ids: Vec<String>,
    ) -> Result<DeleteRecordingsPayload, GatewayError> {
        let meeting_id = decode_id_of::<MeetingNode>(&meeting_id, "meetingId")?;
        orchestrator(ctx)?
            .change_recordings(
                actor(ctx)?,
                meeting_id,
                &record_ids,
                RecordingChange::Delete,
            )
            .await?;
        Ok(DeleteRecordingsPayload {
            deleted_record_ids: record_ids,
        })
    }
}
