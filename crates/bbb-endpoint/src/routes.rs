//! The HTTP side: routes, reading the request (method, body, checksum), authenticating it and
//! dispatching to the call. Whatever happens inside — a failed call, a store error, even a
//! panic — the client gets a BBB document.

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, guard, web};
use bbb_client::checksum::{ChecksumParamError, split_checksum};
use bbb_client::{Params, RawBody};
use futures_util::{FutureExt, StreamExt};
use uuid::Uuid;

use crate::auth::Signed;
use crate::call::{BodyKind, Call};
use crate::error::EndpointError;
use crate::forward::Ctx;
use crate::{Endpoint, Shared, callbacks, listing, meetings, recordings, reply};

/// Mounts the endpoint: `/bigbluebutton/api[/{call}]` (token found among the Host's site's
/// tokens), `/t/{token guid}/bigbluebutton/api[/{call}]` (token named by the path), and
/// `/bigbluebutton/callback/{kind}/{token guid}` (BBB's callbacks, relayed). A trailing slash
/// is optional everywhere.
pub fn configure(endpoint: Endpoint) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |config: &mut web::ServiceConfig| {
        // actix matches a pattern with dynamic segments by running a regular expression, which
        // cost about a tenth of the endpoint's CPU per call; static prefixes are compared as
        // strings. So the two API trees are static scopes and the rest of the path is taken
        // apart here ([`ApiPath`]).
        config
            .app_data(web::Data::new(endpoint.clone()))
            .service(
                web::scope("/t")
                    // Other paths below /t are not the endpoint's: they fall through to the
                    // host application's answer for unknown paths.
                    .guard(guard::fn_guard(|ctx| {
                        let path = ctx.head().uri.path();
                        path.strip_prefix("/t")
                            .and_then(ApiPath::per_token)
                            .is_some()
                    }))
                    .default_service(web::to(per_token)),
            )
            .service(web::scope("/bigbluebutton/api").default_service(web::to(site_wide)))
            .route(
                "/bigbluebutton/callback/{kind}/{token}",
                web::to(callbacks::relay),
            );
    }
}

/// What the path below `/t/{token}/bigbluebutton/api` or `/bigbluebutton/api` names.
#[derive(Debug, PartialEq, Eq)]
enum ApiPath<'a> {
    /// The version document (the API root, with or without a trailing slash).
    Index,
    /// `/{call}`, with or without a trailing slash.
    Call(&'a str),
    /// Deeper paths (the hooks API, session-token endpoints) are not served here; they still
    /// get a BBB answer rather than the host application's 404.
    Unsupported,
}

impl<'a> ApiPath<'a> {
    /// `rest` is what follows the API root: "", "/", "/{call}", "/{call}/" or deeper.
    fn parse(rest: &'a str) -> Self {
        let Some(rest) = rest.strip_prefix('/') else {
            return if rest.is_empty() {
                ApiPath::Index
            } else {
                ApiPath::Unsupported
            };
        };
        let call = rest.strip_suffix('/').unwrap_or(rest);
        if call.is_empty() {
            ApiPath::Index
        } else if call.contains('/') {
            ApiPath::Unsupported
        } else {
            ApiPath::Call(call)
        }
    }

    /// `rest` is what follows `/t`: "/{token}/bigbluebutton/api…".
    fn per_token(rest: &'a str) -> Option<(&'a str, Self)> {
        let (token, api) = rest.strip_prefix('/')?.split_once('/')?;
        let below = api.strip_prefix("bigbluebutton/api")?;
        // "bigbluebutton/apifoo" is not the API root.
        if !(below.is_empty() || below.starts_with('/')) {
            return None;
        }
        Some((token, ApiPath::parse(below)))
    }
}

/// The version document answers without a checksum, as bbb-web's does.
async fn index() -> HttpResponse {
    reply::version()
}

async fn unsupported() -> HttpResponse {
    actix_web::ResponseError::error_response(&EndpointError::UnsupportedRequest)
}

/// Who the request says it is.
enum Caller<'a> {
    Site { host: &'a str },
    Token(Option<Uuid>),
}

async fn site_wide(
    req: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let call = match ApiPath::parse(req.match_info().unprocessed()) {
        ApiPath::Index => return index().await,
        ApiPath::Unsupported => return unsupported().await,
        ApiPath::Call(call) => call,
    };
    let host = req.connection_info().host().to_owned();
    respond(&req, call, payload, &endpoint, Caller::Site { host: &host }).await
}

async fn per_token(
    req: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let (token, call) = match ApiPath::per_token(req.match_info().unprocessed()) {
        // The scope's guard let only API paths in.
        None => return unsupported().await,
        Some((_, ApiPath::Index)) => return index().await,
        Some((_, ApiPath::Unsupported)) => return unsupported().await,
        Some((token, ApiPath::Call(call))) => (token, call),
    };
    let guid = Uuid::parse_str(token).ok();
    respond(&req, call, payload, &endpoint, Caller::Token(guid)).await
}

async fn respond(
    req: &HttpRequest,
    call: &str,
    payload: web::Payload,
    endpoint: &Endpoint,
    caller: Caller<'_>,
) -> HttpResponse {
    // Boxed: the future of a call is kilobytes large, and actix moves its handler's future
    // about; a box is cheaper than copying it.
    let future = Box::pin(handle(req, call, payload, &endpoint.inner, caller));
    let handled = AssertUnwindSafe(future).catch_unwind().await;
    match handled {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => actix_web::ResponseError::error_response(&error),
        Err(_) => actix_web::ResponseError::error_response(&EndpointError::Internal(format!(
            "a handler of {call} panicked"
        ))),
    }
}

async fn handle(
    req: &HttpRequest,
    call_name: &str,
    payload: web::Payload,
    shared: &Shared,
    caller: Caller<'_>,
) -> Result<HttpResponse, EndpointError> {
    let call = Call::from_name(call_name).ok_or(EndpointError::UnsupportedRequest)?;
    if !call.allows(req.method()) {
        return Err(EndpointError::UnsupportedRequest);
    }
    let body = read_body(payload, shared.settings.max_body_bytes).await?;
    let request = Request::parse(call, req, body)?;
    let signed = Signed {
        call: call.name(),
        query: &request.signed_query,
        checksum: &request.checksum,
        legacy_text: call.is_recording_call(),
    };
    let entry = match caller {
        Caller::Site { host } => shared.auth.by_site(&shared.store, host, &signed).await?,
        Caller::Token(Some(guid)) => shared.auth.by_guid(&shared.store, guid, &signed).await?,
        Caller::Token(None) => return Err(signed_failure(call)),
    };
    if entry.take_touch() {
        let store = shared.store.clone();
        let token_id = entry.token.id;
        actix_web::rt::spawn(async move {
            if let Err(error) = store.tokens().touch(token_id).await {
                tracing::warn!(%error, token_id, "cannot record the token's use");
            }
        });
    }
    tracing::debug!(call = call.name(), token = %entry.token.guid, "BBB call");
    let ctx = Ctx {
        shared,
        entry: &entry,
        token: &entry.token,
        request: req,
        params: request.params,
        body: request.forwarded_body,
    };
    // The busiest calls run in place; the others are boxed, so that the future of every call
    // is not as large as the largest (create, the recording calls), which costs a large
    // allocation and copies on each request.
    match call {
        Call::Join => meetings::join(&ctx).await,
        Call::IsMeetingRunning => meetings::is_meeting_running(&ctx).await,
        Call::GetMeetingInfo => meetings::get_meeting_info(&ctx).await,
        Call::GetMeetings => listing::get_meetings(&ctx).await,
        Call::Create => Box::pin(meetings::create(&ctx)).await,
        Call::End => Box::pin(meetings::end(&ctx)).await,
        Call::InsertDocument => Box::pin(meetings::plain(&ctx, "insertDocument")).await,
        Call::SendChatMessage => Box::pin(meetings::plain(&ctx, "sendChatMessage")).await,
        Call::GetRecordings => Box::pin(recordings::get_recordings(&ctx)).await,
        Call::PublishRecordings => Box::pin(recordings::publish(&ctx)).await,
        Call::DeleteRecordings => Box::pin(recordings::delete(&ctx)).await,
        Call::UpdateRecordings => Box::pin(recordings::update(&ctx)).await,
        Call::GetRecordingTextTracks => {
            Box::pin(recordings::text_tracks(&ctx, "getRecordingTextTracks")).await
        }
        Call::PutRecordingTextTrack => {
            Box::pin(recordings::text_tracks(&ctx, "putRecordingTextTrack")).await
        }
    }
}

fn signed_failure(call: Call) -> EndpointError {
    EndpointError::Checksum {
        legacy_text: call.is_recording_call(),
    }
}

/// A request body, read up to `limit` bytes.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, EndpointError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|error| EndpointError::Internal(format!("reading the body: {error}")))?;
        if body.len() + chunk.len() > limit {
            return Err(EndpointError::BodyTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A request taken apart as bbb-web takes it apart (spec §1.1, §1.2).
struct Request<'a> {
    checksum: Cow<'a, str>,
    /// The raw URL query without the checksum: what the checksum covers.
    signed_query: String,
    /// URL parameters and form-body parameters, checksum removed.
    params: Params,
    /// An XML or multipart body, forwarded as it is.
    forwarded_body: Option<RawBody>,
}

impl<'a> Request<'a> {
    fn parse(call: Call, req: &'a HttpRequest, body: web::Bytes) -> Result<Self, EndpointError> {
        let raw_query = req.query_string();
        let mut body_params = Params::new();
        let mut forwarded_body = None;
        if !body.is_empty() {
            let content_type = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            match call.body_kind(content_type) {
                Some(BodyKind::Form) => {
                    body_params = Params::from_query(&String::from_utf8_lossy(&body))
                }
                Some(BodyKind::Xml | BodyKind::Multipart) => {
                    forwarded_body = Some(RawBody {
                        content_type: content_type.to_owned(),
                        bytes: body,
                    })
                }
                None => return Err(EndpointError::UnsupportedContentType),
            }
        }
        // The checksum stands in the URL, or (form POST) in the body; either way it covers the
        // URL query only, as in bbb-web. Form-body parameters are not signed there either.
        let (checksum, signed_query) = match split_checksum(raw_query) {
            Ok(split) => (Cow::Borrowed(split.checksum), split.signed),
            Err(ChecksumParamError::Missing) => {
                let mut in_body = body_params.iter().filter(|(name, _)| *name == "checksum");
                match (in_body.next(), in_body.next()) {
                    (Some((_, value)), None) if !value.is_empty() => {
                        (Cow::Owned(value.to_owned()), raw_query.to_owned())
                    }
                    _ => return Err(signed_failure(call)),
                }
            }
            Err(ChecksumParamError::Duplicate) => return Err(signed_failure(call)),
        };
        let mut params = Params::from_query(&signed_query);
        // bbb-web refuses a parameter sent both in the URL and in the body.
        if body_params
            .iter()
            .any(|(name, _)| name != "checksum" && params.get(name).is_some())
        {
            return Err(signed_failure(call));
        }
        params.extend(
            body_params
                .into_iter()
                .filter(|(name, _)| name != "checksum"),
        );
        Ok(Request {
            checksum,
            signed_query,
            params,
            forwarded_body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ApiPath;

    #[test]
    fn api_paths_are_taken_apart_as_the_routes_were() {
        assert_eq!(ApiPath::parse(""), ApiPath::Index);
        assert_eq!(ApiPath::parse("/"), ApiPath::Index);
        assert_eq!(ApiPath::parse("/create"), ApiPath::Call("create"));
        assert_eq!(ApiPath::parse("/create/"), ApiPath::Call("create"));
        assert_eq!(ApiPath::parse("/hooks/create"), ApiPath::Unsupported);
        assert_eq!(ApiPath::parse("/hooks/create/"), ApiPath::Unsupported);
        assert_eq!(ApiPath::parse("x"), ApiPath::Unsupported);

        assert_eq!(
            ApiPath::per_token("/abc/bigbluebutton/api/join"),
            Some(("abc", ApiPath::Call("join")))
        );
        assert_eq!(
            ApiPath::per_token("/abc/bigbluebutton/api"),
            Some(("abc", ApiPath::Index))
        );
        assert_eq!(
            ApiPath::per_token("/abc/bigbluebutton/api/hooks/list"),
            Some(("abc", ApiPath::Unsupported))
        );
        assert_eq!(ApiPath::per_token("/abc/bigbluebutton/apix/join"), None);
        assert_eq!(ApiPath::per_token("/abc/bigbluebutton"), None);
        assert_eq!(ApiPath::per_token("/abc"), None);
        assert_eq!(ApiPath::per_token(""), None);
    }
}
