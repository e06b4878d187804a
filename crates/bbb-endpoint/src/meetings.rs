//! The calls about one meeting: create places it (or finds it), the others go to the server
//! that holds it. Every answer names the meeting by the client's ID.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use bbb_client::model::{
    CreateResponse, JoinResponse, MeetingInfo, MessageResponse, ReturnCode, RunningResponse,
};
use bbb_client::response::RawResponse;
use service::bbb::placements::{
    self, Existing, Landing, PlaceError, Placer, StartFailure, Started, Wanted, is_unreachable,
};
use service::model::Placement;

use crate::callbacks;
use crate::deferred;
use crate::error::EndpointError;
use crate::fleet::{Backend, GroupServers};
use crate::forward::{Ctx, decode, unavailable, unmask};
use crate::ids;
use crate::quota;
use crate::reply;
use crate::rewrite;

pub async fn create(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let client_id = ctx.client_meeting_id()?;
    let live = live_now(ctx, &client_id).await?;
    let servers = ctx.servers().await?;
    let wanted = Wanted::for_api_token(
        &ctx.entry.actor,
        ctx.namespace(),
        client_id.clone(),
        ids::backend_meeting_id(ctx.token.guid, &client_id),
        size_hint(ctx),
    )?;
    let placer = Placer::new(&ctx.shared.store, &ctx.shared.bbb, &ctx.shared.balancer);
    // The service's one placement routine places the meeting, or places it anew where its
    // server is gone, disabled, unhealthy, or does not answer now (see
    // `service::bbb::placements`); the create forwarded is the client's own.
    let placed = placer
        .start(
            &servers.rows(),
            &wanted,
            live.clone(),
            Existing::Start,
            |landing: Landing| forward_create(ctx, &servers, &client_id, landing),
        )
        .await;
    // What this instance changed (a placement ended or made, BBB's answer recorded) is
    // forgotten by the cache; a new placement has the same keys as the one it replaced.
    match (&placed, &live) {
        (Ok(placed), Some(live)) if *live == placed.placement => {}
        (Ok(placed), _) => ctx.forget(&placed.placement),
        (Err(_), Some(live)) => ctx.forget(live),
        (Err(_), None) => {}
    }
    let placed = placed.map_err(|error| match error {
        PlaceError::NoServer(error) => EndpointError::NoServer(error),
        PlaceError::Service(error) => error.into(),
        PlaceError::Start(error) => error,
    })?;
    let mut created = placed.output;
    created.message = unmask(&placed.placement.bbb_meeting_id, &client_id)(&created.message);
    created.meeting_id = client_id;
    Ok(reply::xml(&created))
}

/// The client's create, on the server the placement routine landed the meeting on: re-signed,
/// with the backend meetingID, no voiceBridge and the callbacks relayed.
async fn forward_create(
    ctx: &Ctx<'_>,
    servers: &GroupServers,
    client_id: &str,
    landing: Landing,
) -> Result<Started<CreateResponse>, StartFailure<EndpointError>> {
    let server = match servers.get(landing.server.id) {
        Some(server) => server.clone(),
        // A concurrent creator's choice, on a server added since this instance listed them.
        None => {
            let api = landing
                .endpoint()
                .map_err(|error| StartFailure::Other(error.into()))?;
            Arc::new(Backend {
                row: landing.server,
                api,
            })
        }
    };
    let mut params = ctx.backend_params(&landing.placement);
    params.remove(VOICE_BRIDGE);
    let params = callbacks::route_through_gateway(
        params,
        ctx.shared.settings.public_url.as_deref(),
        ctx.entry,
        &ctx.shared.settings.relay_key,
    );
    let raw = match ctx
        .try_send(&server, "create", &params, ctx.body.clone())
        .await
    {
        Ok(raw) => raw,
        Err(error) if is_unreachable(&error) => {
            return Err(StartFailure::Unreachable(unavailable(
                &server, "create", error,
            )));
        }
        Err(error) => return Err(StartFailure::Other(unavailable(&server, "create", error))),
    };
    let rewrite = unmask(&landing.placement.bbb_meeting_id, client_id);
    let created: CreateResponse =
        decode(&raw, "create", &server, &rewrite).map_err(StartFailure::Refused)?;
    Ok(Started {
        internal_meeting_id: created.internal_meeting_id.clone(),
        create_time: created.create_time,
        output: created,
    })
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
    if let Some(current) =
        placements::still_live(&ctx.shared.store, &ctx.entry.actor, &resolved).await?
    {
        return Ok(Some(current));
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
            if bbb_client::catalogue::says_meeting_gone(message_key)
    );
    if !gone || placement.internal_meeting_id.is_none() {
        return Ok(());
    }
    // Deferred: a refusal is rare, and this future is part of every call that may meet one.
    if deferred(|| placements::end_vanished(&ctx.shared.store, &ctx.entry.actor, placement)).await?
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
        placements::end(&ctx.shared.store, &ctx.entry.actor, &placement).await?;
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
