//! The calls about one meeting: create places it (or finds it), the others go to the server
//! that holds it. Every answer names the meeting by the client's ID.

use std::sync::Arc;
use std::time::Instant;

use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use bbb_client::model::{
    CreateResponse, JoinResponse, MeetingInfo, MessageResponse, ReturnCode, RunningResponse,
};
use bbb_client::response::RawResponse;
use service::bbb::balancer::Choice;
use store::{NewPlacement, Placement};

use crate::callbacks;
use crate::error::EndpointError;
use crate::fleet::Backend;
use crate::forward::{Ctx, decode, unmask};
use crate::ids;
use crate::quota;
use crate::reply;
use crate::rewrite;

pub async fn create(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let client_id = ctx.client_meeting_id()?;
    let mut placement = match live_now(ctx, &client_id).await? {
        Some(existing) => existing,
        None => place(ctx, &client_id, None).await?,
    };
    // A meeting whose server is gone, disabled or unhealthy is placed anew; so is one whose
    // server does not answer now.
    let mut replaced = false;
    let answer = loop {
        let usable = ctx
            .servers()
            .await?
            .get(placement.server_id)
            .filter(|server| server.keeps_meetings())
            .cloned();
        let server = match usable {
            Some(server) => server,
            None if !replaced => {
                placement = replace(ctx, &placement, None).await?;
                replaced = true;
                continue;
            }
            None => return Err(EndpointError::NoServer("the new server vanished".into())),
        };
        let mut params = ctx.backend_params(&placement);
        params.remove(VOICE_BRIDGE);
        let params = callbacks::route_through_gateway(
            params,
            ctx.shared.settings.public_url.as_deref(),
            ctx.entry,
            &ctx.shared.settings.relay_key,
        );
        match ctx.send(&server, "create", &params, ctx.body.clone()).await {
            Ok(raw) => break (raw, server),
            Err(EndpointError::ServerUnavailable(detail)) if !replaced => {
                tracing::warn!(%detail, "create: server unavailable, placing the meeting anew");
                placement = replace(ctx, &placement, Some(server.row.id)).await?;
                replaced = true;
            }
            Err(error) => return Err(error),
        }
    };
    let (raw, server) = answer;
    let rewrite = unmask(&placement.bbb_meeting_id, &client_id);
    let mut created: CreateResponse = match decode(&raw, "create", &server, &rewrite) {
        Ok(created) => created,
        Err(error) => {
            // A meeting the backend refused to create must not linger as live.
            if placement.internal_meeting_id.is_none() {
                ctx.shared
                    .store
                    .placements()
                    .mark_ended(placement.id)
                    .await?;
                ctx.forget(&placement);
            }
            return Err(error);
        }
    };
    if placement.internal_meeting_id.as_deref() != Some(created.internal_meeting_id.as_str()) {
        ctx.shared
            .store
            .placements()
            .set_backend_info(
                placement.id,
                &created.internal_meeting_id,
                i64::try_from(created.create_time).unwrap_or(i64::MAX),
            )
            .await?;
        ctx.forget(&placement);
    }
    created.message = rewrite(&created.message);
    created.meeting_id = client_id;
    Ok(reply::xml(&created))
}

/// create's phone dial-in PIN, which the gateway never forwards: a PIN is unique per BBB
/// server, and tenants share servers. Forwarded, a tenant's PIN would refuse another tenant's
/// create with `nonUniqueVoiceBridge` on a shared server (blocking them, and telling them which
/// PINs are in use — dial-in codes of meetings that are not theirs). Honouring a requested PIN
/// only where it is free would tell the same by its absence, and the five-digit PIN space
/// cannot be split among tenants. So the backend allocates every PIN of a token's meeting — it
/// knows which are in use on it — and its create and getMeetingInfo answers carry that PIN
/// (and `dialNumber`) to the integration, as BBB puts them into the welcome text
/// (`%%CONFNUM%%`) its users see. Scalelite, the usual BBB load balancer, replaces the PIN too,
/// so integrations already take the PIN from the answer.
const VOICE_BRIDGE: &str = "voiceBridge";

/// The live placement create works on, never a remembered one that has ended since (through
/// the poller, a `notFound`, another instance): create decides whether a new meeting is placed
/// and counted against the quota, so it reads the placement's current row once.
async fn live_now(ctx: &Ctx<'_>, client_id: &str) -> Result<Option<Placement>, EndpointError> {
    let Some(resolved) = ctx.resolve_live(client_id).await? else {
        return Ok(None);
    };
    match ctx.shared.store.placements().get(resolved.id).await {
        Ok(current) if current.ended_at.is_none() => return Ok(Some(current)),
        Ok(_) | Err(store::StoreError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    // Ended meanwhile: forgotten, and looked up again in the database.
    ctx.forget(&resolved);
    Ok(ctx.resolve_live(client_id).await?.map(Arc::unwrap_or_clone))
}

/// After the backend refused a call on a placed meeting: if its refusal says the server no
/// longer has the meeting (it ended inside BBB and was removed, or join finds it ended), the
/// placement ends at once — quotas and live counts need not wait for the poller — and the
/// cache forgets it. Only a placement BBB had confirmed before the call (its create answered)
/// counts: an unconfirmed one may have its create still on the way, and the poller deals with
/// it. The placement ends only if it is still as the call used it (see
/// `Placements::end_vanished`).
async fn end_if_gone(
    ctx: &Ctx<'_>,
    placement: &Placement,
    refusal: &EndpointError,
) -> Result<(), EndpointError> {
    let gone = matches!(
        refusal,
        EndpointError::Backend { message_key, .. }
            if matches!(
                message_key.as_str(),
                "notFound" | "invalidMeetingIdentifier" | "meetingForciblyEnded"
            )
    );
    if !gone || placement.internal_meeting_id.is_none() {
        return Ok(());
    }
    if ctx
        .shared
        .store
        .placements()
        .end_vanished(placement)
        .await?
    {
        tracing::info!(
            placement = placement.id,
            server_id = placement.server_id,
            "the server no longer has the meeting: placement ended"
        );
    }
    ctx.forget(placement);
    Ok(())
}

/// The seats a new meeting is expected to need: `meta_bbb-meeting-size-hint`, else
/// `maxParticipants` (0 means unlimited in BBB, so it says nothing).
fn size_hint(ctx: &Ctx<'_>) -> Option<u32> {
    ["meta_bbb-meeting-size-hint", "maxParticipants"]
        .into_iter()
        .filter_map(|name| ctx.params.get(name))
        .filter_map(|value| value.trim().parse::<u32>().ok())
        .find(|&seats| seats > 0)
}

/// Chooses a server for a backend meetingID, leaving out `exclude`.
async fn choose(
    ctx: &Ctx<'_>,
    bbb_meeting_id: &str,
    exclude: Option<i64>,
) -> Result<Choice, EndpointError> {
    let servers = ctx.servers().await?;
    let rows: Vec<store::Server> = servers
        .rows()
        .into_iter()
        .filter(|row| Some(row.id) != exclude)
        .collect();
    ctx.shared
        .balancer
        .choose(&rows, bbb_meeting_id, size_hint(ctx), Instant::now())
        .map_err(|error| EndpointError::NoServer(error.to_string()))
}

/// A new placement in the token's namespace, on the least loaded server. Concurrent creates of
/// one ID agree on one placement; the losers give their reservation back.
async fn place(
    ctx: &Ctx<'_>,
    client_id: &str,
    exclude: Option<i64>,
) -> Result<Placement, EndpointError> {
    let bbb_meeting_id = ids::backend_meeting_id(ctx.token.guid, client_id);
    let choice = choose(ctx, &bbb_meeting_id, exclude).await?;
    let new = NewPlacement {
        group_id: ctx.token.group_id,
        server_id: choice.server_id,
        namespace: ctx.namespace(),
        client_meeting_id: client_id.to_owned(),
        bbb_meeting_id,
        token_id: Some(ctx.token.id),
        meeting_id: None,
    };
    let placements = ctx.shared.store.placements();
    // The token's max_meetings quota is checked in the transaction that records the meeting.
    let created = match ctx.token.max_meetings {
        Some(quota) => {
            let quota = u32::try_from(quota).unwrap_or(0);
            placements.create_or_get_within_quota(new, quota).await
        }
        None => placements.create_or_get(new).await,
    };
    match created {
        Ok((placement, true)) => Ok(placement),
        Ok((placement, false)) => {
            ctx.shared.balancer.cancel(choice.reservation);
            Ok(placement)
        }
        Err(error) => {
            ctx.shared.balancer.cancel(choice.reservation);
            Err(error.into())
        }
    }
}

/// Moves a live placement to another server, leaving out `exclude` (the one that failed).
async fn replace(
    ctx: &Ctx<'_>,
    placement: &Placement,
    exclude: Option<i64>,
) -> Result<Placement, EndpointError> {
    let exclude = exclude.or(Some(placement.server_id));
    let choice = choose(ctx, &placement.bbb_meeting_id, exclude).await?;
    match ctx
        .shared
        .store
        .placements()
        .reassign(placement.id, choice.server_id)
        .await
    {
        Ok(moved) => {
            ctx.forget(placement);
            tracing::info!(
                placement = moved.id,
                from = placement.server_id,
                to = moved.server_id,
                "meeting placed anew"
            );
            Ok(moved)
        }
        Err(error) => {
            ctx.shared.balancer.cancel(choice.reservation);
            Err(error.into())
        }
    }
}

/// join: a 302 to the backend's signed join URL, or with `redirect=false` the backend's XML.
/// Every parameter but the meetingID goes through unchanged (and stays signed: the client's
/// checksum covered all of them).
pub async fn join(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let client_id = ctx.client_meeting_id()?;
    let placement = ctx
        .resolve_live(&client_id)
        .await?
        .ok_or(EndpointError::InvalidMeetingIdentifier)?;
    let server = ctx.holder(&placement).await?;
    quota::check_attendees(ctx).await?;
    let params = ctx.backend_params(&placement);
    // bbb-web reads `redirect` with Boolean.parseBoolean, defaulting to true.
    let redirect = ctx
        .params
        .get("redirect")
        .is_none_or(|value| value.eq_ignore_ascii_case("true"));
    if redirect {
        let url = server.api.signed_url("join", &params);
        return Ok(HttpResponse::Found()
            .insert_header((LOCATION, url))
            .finish());
    }
    let raw = ctx.send(&server, "join", &params, None).await?;
    let rewrite = unmask(&placement.bbb_meeting_id, &client_id);
    match decode::<JoinResponse>(&raw, "join", &server, &rewrite) {
        Ok(joined) => Ok(reply::xml(&joined)),
        Err(refusal) => {
            end_if_gone(ctx, &placement, &refusal).await?;
            Err(refusal)
        }
    }
}

/// isMeetingRunning: an unknown (or invisible) meeting is not running, as in bbb-web.
pub async fn is_meeting_running(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let client_id = ctx.client_meeting_id()?;
    let Some(placement) = ctx.resolve_live(&client_id).await? else {
        return Ok(reply::xml(&RunningResponse {
            returncode: ReturnCode::Success,
            running: false,
        }));
    };
    let server = ctx.holder(&placement).await?;
    let raw = ctx
        .send(
            &server,
            "isMeetingRunning",
            ctx.backend_pairs(&placement),
            None,
        )
        .await?;
    // The usual answer holds no ID and is already exactly what re-serialising it would give:
    // it goes out as it came.
    if raw.status == 200 && RUNNING_ANSWERS.contains(&raw.body.as_ref()) {
        return Ok(reply::xml_bytes(raw.body));
    }
    let rewrite = unmask(&placement.bbb_meeting_id, &client_id);
    let running: RunningResponse = decode(&raw, "isMeetingRunning", &server, rewrite)?;
    Ok(reply::xml(&running))
}

/// The two `isMeetingRunning` documents as [`reply::xml`] writes them.
const RUNNING_ANSWERS: [&[u8]; 2] = [
    b"<response><returncode>SUCCESS</returncode><running>true</running></response>",
    b"<response><returncode>SUCCESS</returncode><running>false</running></response>",
];

pub async fn get_meeting_info(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let client_id = ctx.client_meeting_id()?;
    let placement = ctx
        .resolve_live(&client_id)
        .await?
        .ok_or(EndpointError::MeetingNotFound)?;
    let server = ctx.holder(&placement).await?;
    let raw = ctx
        .send(
            &server,
            "getMeetingInfo",
            ctx.backend_pairs(&placement),
            None,
        )
        .await?;
    let answer = meeting_info_answer(&raw, &server, &placement.bbb_meeting_id, &client_id);
    if let Err(refusal) = &answer {
        end_if_gone(ctx, &placement, refusal).await?;
    }
    answer
}

/// getMeetingInfo's answer from the backend's: the client's meetingID in it, relayed callback
/// URLs shown as the client set them. A plain 200 SUCCESS document is rewritten as it streams
/// by ([`rewrite`]); anything else (FAILED, JSON, an error status, a document the streaming
/// reader does not take) goes the model path, which also reports failures.
pub(crate) fn meeting_info_answer(
    raw: &RawResponse,
    server: &Backend,
    backend_id: &str,
    client_id: &str,
) -> Result<HttpResponse, EndpointError> {
    if raw.status == 200
        && let Some(body) = rewrite::meeting_info(&raw.body, client_id)
    {
        return Ok(reply::xml_bytes(body.into()));
    }
    let info: MeetingInfo = decode(raw, "getMeetingInfo", server, unmask(backend_id, client_id))?;
    Ok(reply::xml(&as_client_sees_it(info, client_id)))
}

/// The model path's rewrite of a meeting: the client's ID and the client's callback URLs.
pub(crate) fn as_client_sees_it(mut info: MeetingInfo, client_id: &str) -> MeetingInfo {
    info.meeting_id = client_id.to_owned();
    callbacks::unmask_metadata(&mut info.metadata);
    info
}

/// end: forwarded; once the backend accepted it, the placement is history.
pub async fn end(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let (placement, answer) = simple(ctx, "end").await?;
    if answer.returncode == ReturnCode::Success {
        ctx.shared
            .store
            .placements()
            .mark_ended(placement.id)
            .await?;
        ctx.forget(&placement);
    }
    Ok(reply::xml(&answer))
}

/// insertDocument (POST, XML body) and sendChatMessage: plain envelopes.
pub async fn plain(ctx: &Ctx<'_>, call: &'static str) -> Result<HttpResponse, EndpointError> {
    let (_, answer) = simple(ctx, call).await?;
    Ok(reply::xml(&answer))
}

/// A call on one existing meeting whose answer is the plain envelope.
async fn simple(
    ctx: &Ctx<'_>,
    call: &'static str,
) -> Result<(Arc<Placement>, MessageResponse), EndpointError> {
    let client_id = ctx.client_meeting_id()?;
    let placement = ctx
        .resolve_live(&client_id)
        .await?
        .ok_or(EndpointError::MeetingNotFound)?;
    let server = ctx.holder(&placement).await?;
    let raw = ctx
        .send(
            &server,
            call,
            ctx.backend_pairs(&placement),
            ctx.body.clone(),
        )
        .await?;
    let rewrite = unmask(&placement.bbb_meeting_id, &client_id);
    let mut answer: MessageResponse = match decode(&raw, call, &server, &rewrite) {
        Ok(answer) => answer,
        Err(refusal) => {
            end_if_gone(ctx, &placement, &refusal).await?;
            return Err(refusal);
        }
    };
    answer.message = answer.message.as_deref().map(rewrite);
    Ok((placement, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_answers_are_what_serialising_writes() {
        for (running, expected) in [(true, RUNNING_ANSWERS[0]), (false, RUNNING_ANSWERS[1])] {
            let written = bbb_client::xml::to_response_xml(&RunningResponse {
                returncode: ReturnCode::Success,
                running,
            })
            .unwrap();
            assert_eq!(written.as_bytes(), expected);
            let read: RunningResponse =
                bbb_client::xml::from_xml(std::str::from_utf8(expected).unwrap()).unwrap();
            assert_eq!(read.running, running);
        }
    }
}
