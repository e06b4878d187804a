//! getMeetings: every server of the token's group is asked at once; the answer merges the
//! meetings of those that answered in time and shows only placed meetings inside the token's
//! scope, each under its client's ID. A dead server costs its meetings, never the call.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::HttpResponse;
use bbb_client::Params;
use bbb_client::model::{MeetingInfo, Meetings, MeetingsResponse, ReturnCode};
use futures_util::future::join_all;

use crate::callbacks;
use crate::error::EndpointError;
use crate::fleet::Backend;
use crate::forward::{Ctx, decode};
use crate::reply;

pub async fn get_meetings(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let servers = ctx.servers().await?;
    let asked: Vec<Arc<Backend>> = servers
        .servers
        .iter()
        .filter(|server| server.keeps_meetings())
        .cloned()
        .collect();
    let answers = join_all(asked.iter().map(|server| meetings_of(ctx, server))).await;
    let found: Vec<(i64, MeetingInfo)> = asked
        .iter()
        .zip(answers)
        .filter_map(|(server, answer)| match answer {
            Ok(meetings) => Some(meetings.into_iter().map(|m| (server.row.id, m))),
            Err(error) => {
                tracing::warn!(server = %server.row.name, %error, "getMeetings: server skipped");
                None
            }
        })
        .flatten()
        .collect();

    let backend_ids: Vec<String> = found.iter().map(|(_, m)| m.meeting_id.clone()).collect();
    let placements = ctx.placements_by_backend_ids(&backend_ids).await?;
    let visible = ctx.access().visible(placements).await?;
    // Newest first, so the first placement seen for a (server, backend ID) is its current one.
    let mut client_ids: HashMap<(i64, &str), &str> = HashMap::new();
    for placement in &visible {
        client_ids
            .entry((placement.server_id, placement.bbb_meeting_id.as_str()))
            .or_insert(placement.client_meeting_id.as_str());
    }
    let meetings: Vec<MeetingInfo> = found
        .into_iter()
        .filter_map(|(server_id, mut meeting)| {
            let client_id = client_ids.get(&(server_id, meeting.meeting_id.as_str()))?;
            meeting.meeting_id = (*client_id).to_owned();
            callbacks::unmask_metadata(&mut meeting.metadata);
            Some(meeting)
        })
        .collect();

    let (message_key, message) = if meetings.is_empty() {
        (
            Some("noMeetings".to_owned()),
            Some("no meetings were found on this server".to_owned()),
        )
    } else {
        (None, None)
    };
    Ok(reply::xml(&MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings { meeting: meetings },
        message_key,
        message,
    }))
}

async fn meetings_of(ctx: &Ctx<'_>, server: &Backend) -> Result<Vec<MeetingInfo>, EndpointError> {
    let timeout = ctx.shared.settings.fan_out_timeout;
    let raw = tokio::time::timeout(
        timeout,
        ctx.send(server, "getMeetings", &Params::new(), None),
    )
    .await
    .map_err(|_| EndpointError::ServerUnavailable(format!("{}: timed out", server.row.name)))??;
    let answer: MeetingsResponse = decode(&raw, "getMeetings", server, str::to_owned)?;
    Ok(answer.meetings.meeting)
}
