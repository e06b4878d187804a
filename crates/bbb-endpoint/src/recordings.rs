//! The recording calls. Recordings live on the servers that recorded them and name the
//! backend meetingID of their session; the placement table (ended placements included) maps
//! that back to the client's meetingID and decides visibility. getRecordings merges every
//! server of the group and paginates the merged, filtered list itself; the calls that change
//! recordings first find which server holds each visible recording and send each server only
//! its own.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::HttpResponse;
use bbb_client::Params;
use bbb_client::model::{
    DeleteResponse, PublishResponse, Recording, Recordings, RecordingsResponse, ReturnCode,
    UpdateResponse,
};
use bbb_client::response::Answer;
use futures_util::future::join_all;

use crate::call::Call;
use crate::callbacks;
use crate::error::EndpointError;
use crate::fleet::Backend;
use crate::forward::{Ctx, decode};
use crate::reply;

/// bbb-web's page size bounds for getRecordings (spec §2.7).
const MAX_LIMIT: usize = 100;

fn csv(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

pub async fn get_recordings(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let mut filter = Params::new();
    for (name, value) in ctx.params.iter() {
        // Paging is done here, over the merged list; meetingIDs are translated below.
        if !matches!(name, "meetingID" | "offset" | "limit") {
            filter.push(name, value);
        }
    }
    let record_ids = ctx.params.get("recordID").map(csv).unwrap_or_default();
    let meeting_ids = ctx.params.get("meetingID").map(csv).unwrap_or_default();
    if record_ids.is_empty() && !meeting_ids.is_empty() {
        let backend_ids = backend_ids_of(ctx, &meeting_ids).await?;
        if backend_ids.is_empty() {
            return Ok(page(ctx, Vec::new()));
        }
        filter.set("meetingID", backend_ids.join(","));
    }
    let found = visible_recordings(ctx, &filter).await?;
    Ok(page(ctx, found.into_iter().map(|(_, r)| r).collect()))
}

/// The backend meetingIDs of every visible placement, live or ended, of the client IDs.
async fn backend_ids_of(ctx: &Ctx<'_>, client_ids: &[&str]) -> Result<Vec<String>, EndpointError> {
    let mut access = ctx.access();
    let mut backend_ids = Vec::new();
    for client_id in client_ids {
        for placement in access.visible_by_client_id(client_id, false).await? {
            if !backend_ids.contains(&placement.bbb_meeting_id) {
                backend_ids.push(placement.bbb_meeting_id);
            }
        }
    }
    Ok(backend_ids)
}

/// Asks every serving server of the group with `filter` and keeps the recordings inside the
/// token's scope, each renamed to its client's meetingID, with the server holding it.
async fn visible_recordings(
    ctx: &Ctx<'_>,
    filter: &Params,
) -> Result<Vec<(Arc<Backend>, Recording)>, EndpointError> {
    let servers = ctx.servers().await?;
    let asked: Vec<Arc<Backend>> = servers
        .servers
        .iter()
        .filter(|server| server.keeps_meetings())
        .cloned()
        .collect();
    let answers = join_all(
        asked
            .iter()
            .map(|server| recordings_of(ctx, server, filter)),
    )
    .await;
    let mut found = Vec::new();
    for (server, answer) in asked.iter().zip(answers) {
        match answer {
            Ok(recordings) => found.extend(recordings.into_iter().map(|r| (server.clone(), r))),
            Err(error) => {
                tracing::warn!(
                    server = %server.row.name,
                    error = %service::ErrorChain(&error),
                    "getRecordings: server skipped"
                )
            }
        }
    }
    let backend_ids: Vec<String> = found
        .iter()
        .map(|(_, r)| r.meeting_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let placements = ctx.placements_by_backend_ids(&backend_ids).await?;
    let visible = ctx.access().visible(placements).await?;
    let client_ids: HashMap<&str, &str> = visible
        .iter()
        .map(|p| (p.bbb_meeting_id.as_str(), p.client_meeting_id.as_str()))
        .collect();
    let mut shown: Vec<(Arc<Backend>, Recording)> = found
        .into_iter()
        .filter_map(|(server, mut recording)| {
            let client_id = *client_ids.get(recording.meeting_id.as_str())?;
            if recording.metadata.get("meetingId") == Some(&recording.meeting_id) {
                recording
                    .metadata
                    .insert("meetingId".to_owned(), client_id.to_owned());
            }
            recording.meeting_id = client_id.to_owned();
            callbacks::unmask_metadata(&mut recording.metadata);
            Some((server, recording))
        })
        .collect();
    shown.sort_by(|(_, a), (_, b)| (a.start_time, &a.record_id).cmp(&(b.start_time, &b.record_id)));
    Ok(shown)
}

async fn recordings_of(
    ctx: &Ctx<'_>,
    server: &Backend,
    filter: &Params,
) -> Result<Vec<Recording>, EndpointError> {
    let timeout = ctx.shared.settings.tunables.fan_out_timeout;
    let raw = tokio::time::timeout(timeout, ctx.send(server, "getRecordings", filter, None))
        .await
        .map_err(|_| {
            EndpointError::ServerUnavailable(format!("{}: timed out", server.row.name))
        })??;
    let answer: RecordingsResponse = decode(&raw, "getRecordings", server, str::to_owned)?;
    Ok(answer.recordings.recording)
}

/// The getRecordings answer: all of `recordings`, or with `offset`/`limit` one page of them
/// and `totalElements` (bbb-web 2.7's shape).
fn page(ctx: &Ctx<'_>, recordings: Vec<Recording>) -> HttpResponse {
    let number = |name| {
        ctx.params
            .get(name)
            .and_then(|value| value.trim().parse::<usize>().ok())
    };
    let (offset, limit) = (number("offset"), number("limit"));
    let total = recordings.len();
    let (recordings, total_elements) = if offset.is_none() && limit.is_none() {
        (recordings, None)
    } else {
        let limit = limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT);
        let shown = recordings
            .into_iter()
            .skip(offset.unwrap_or(0))
            .take(limit)
            .collect();
        (shown, Some(total as u64))
    };
    let (message_key, message) = if recordings.is_empty() {
        (
            Some("noRecordings".to_owned()),
            Some("There are no recordings for the meeting(s).".to_owned()),
        )
    } else {
        (None, None)
    };
    reply::xml(&RecordingsResponse {
        returncode: ReturnCode::Success,
        recordings: Recordings {
            recording: recordings,
        },
        total_elements,
        pagination: None,
        message_key,
        message,
    })
}

/// The visible recordings among `record_ids` (exact IDs or prefixes, as bbb-web matches them),
/// grouped by the server holding them.
async fn locate(
    ctx: &Ctx<'_>,
    record_ids: &[&str],
) -> Result<Vec<(Arc<Backend>, Vec<String>)>, EndpointError> {
    let mut filter = Params::new();
    filter.push("recordID", record_ids.join(","));
    filter.push("state", "any");
    let mut by_server: Vec<(Arc<Backend>, Vec<String>)> = Vec::new();
    for (server, recording) in visible_recordings(ctx, &filter).await? {
        match by_server
            .iter_mut()
            .find(|(s, _)| s.row.id == server.row.id)
        {
            Some((_, ids)) => ids.push(recording.record_id),
            None => by_server.push((server, vec![recording.record_id])),
        }
    }
    Ok(by_server)
}

fn required_record_ids(ctx: &Ctx<'_>) -> Result<Vec<String>, EndpointError> {
    let ids: Vec<String> = ctx
        .params
        .get("recordID")
        .map(csv)
        .unwrap_or_default()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Err(EndpointError::MissingRecordId);
    }
    Ok(ids)
}

/// publishRecordings, deleteRecordings, updateRecordings: each holding server gets its own
/// visible recordings; the other parameters (publish, meta_*) go through unchanged.
async fn change<T: Answer>(ctx: &Ctx<'_>, call: &'static str) -> Result<Vec<T>, EndpointError> {
    let requested = required_record_ids(ctx)?;
    if call == "publishRecordings" && ctx.params.get("publish").is_none_or(str::is_empty) {
        return Err(EndpointError::MissingPublish);
    }
    let requested: Vec<&str> = requested.iter().map(String::as_str).collect();
    let located = locate(ctx, &requested).await?;
    if located.is_empty() {
        return Err(EndpointError::RecordingsNotFound);
    }
    let mut answers = Vec::new();
    for (server, ids) in located {
        let mut params = ctx.params.clone();
        params.set("recordID", ids.join(","));
        let raw = ctx.send(&server, call, &params, None).await?;
        answers.push(decode(&raw, call, &server, str::to_owned)?);
    }
    Ok(answers)
}

pub async fn publish(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let answers: Vec<PublishResponse> = change(ctx, "publishRecordings").await?;
    Ok(reply::xml(&PublishResponse {
        returncode: ReturnCode::Success,
        published: answers.iter().all(|a| a.published),
    }))
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let answers: Vec<DeleteResponse> = change(ctx, "deleteRecordings").await?;
    Ok(reply::xml(&DeleteResponse {
        returncode: ReturnCode::Success,
        deleted: answers.iter().all(|a| a.deleted),
    }))
}

pub async fn update(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let answers: Vec<UpdateResponse> = change(ctx, "updateRecordings").await?;
    Ok(reply::xml(&UpdateResponse {
        returncode: ReturnCode::Success,
        updated: answers.iter().all(|a| a.updated),
    }))
}

/// getRecordingTextTracks and putRecordingTextTrack (JSON): forwarded to the server holding
/// the one visible recording; their JSON answers carry no meetingID and pass through as they
/// are.
pub async fn text_tracks(ctx: &Ctx<'_>, call: &'static str) -> Result<HttpResponse, EndpointError> {
    let record_id = ctx
        .params
        .get("recordID")
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if record_id.is_empty() {
        return Ok(if call == Call::PutRecordingTextTrack.name() {
            reply::json_failed("paramError", "Missing param recordID.")
        } else {
            actix_web::ResponseError::error_response(&EndpointError::MissingRecordId)
        });
    }
    let holder = locate(ctx, &[record_id.as_str()])
        .await?
        .into_iter()
        .find(|(_, ids)| ids.contains(&record_id))
        .map(|(server, _)| server);
    let Some(server) = holder else {
        let message = if call == Call::PutRecordingTextTrack.name() {
            format!("No recording was found for {record_id}")
        } else {
            format!("No recording found for {record_id}")
        };
        return Ok(reply::json_failed("noRecordings", &message));
    };
    let raw = ctx
        .send(&server, call, &ctx.params, ctx.body.clone())
        .await?;
    if raw.status != 200 {
        return Err(EndpointError::ServerUnavailable(format!(
            "{}: {call}: HTTP {}",
            server.row.name, raw.status
        )));
    }
    Ok(reply::json(raw.body))
}
