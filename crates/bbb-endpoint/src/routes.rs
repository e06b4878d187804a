//! The HTTP side: routes, reading the request (method, body, checksum), authenticating it and
//! dispatching to the call. Whatever happens inside — a failed call, a store error, even a
//! panic — the client gets a BBB document.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::Method;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use actix_web::{HttpRequest, HttpResponse, guard, web};
use bbb_client::checksum::{ChecksumParamError, split_checksum};
use bbb_client::{Params, RawBody};
use futures_util::{FutureExt, StreamExt};
use metrics::FrontDoor;
use uuid::Uuid;

use crate::auth::{Signed, TokenEntry};
use crate::call::{self, BodyKind, Call};
use crate::error::EndpointError;
use crate::forward::Ctx;
use crate::{
    Endpoint, EndpointSettings, Shared, UnsignedFormParams, callbacks, listing, meetings,
    recordings, reply,
};

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
fn index() -> HttpResponse {
    reply::version()
}

/// The `call` label of the request metrics for what the path names: a known call's name, or a
/// fixed word, never the client's text.
const INDEX_LABEL: &str = "index";
const UNKNOWN_LABEL: &str = "unknown";

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
    let started = Instant::now();
    let call = match ApiPath::parse(req.match_info().unprocessed()) {
        ApiPath::Index => return observed(&endpoint, INDEX_LABEL, started, Ok(index())),
        ApiPath::Unsupported => {
            return observed(
                &endpoint,
                UNKNOWN_LABEL,
                started,
                Err(EndpointError::UnsupportedRequest),
            );
        }
        ApiPath::Call(call) => call,
    };
    let host = req.connection_info().host().to_owned();
    respond(
        &req,
        call,
        payload,
        &endpoint,
        Caller::Site { host: &host },
        started,
    )
    .await
}

async fn per_token(
    req: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let started = Instant::now();
    let (token, call) = match ApiPath::per_token(req.match_info().unprocessed()) {
        Some((_, ApiPath::Index)) => {
            return observed(&endpoint, INDEX_LABEL, started, Ok(index()));
        }
        // The scope's guard let only API paths in.
        None | Some((_, ApiPath::Unsupported)) => {
            return observed(
                &endpoint,
                UNKNOWN_LABEL,
                started,
                Err(EndpointError::UnsupportedRequest),
            );
        }
        Some((token, ApiPath::Call(call))) => (token, call),
    };
    let guid = Uuid::parse_str(token).ok();
    respond(&req, call, payload, &endpoint, Caller::Token(guid), started).await
}

async fn respond(
    req: &HttpRequest,
    call_name: &str,
    payload: web::Payload,
    endpoint: &Endpoint,
    caller: Caller<'_>,
    started: Instant,
) -> HttpResponse {
    let call = call::served(call_name);
    // Boxed: the future of a call is kilobytes large, and actix moves its handler's future
    // about; a box is cheaper than copying it.
    let future = Box::pin(handle(req, call, payload, &endpoint.inner, caller));
    let handled = AssertUnwindSafe(future).catch_unwind().await;
    let label = call.map_or(UNKNOWN_LABEL, Call::name);
    match handled {
        Ok(result) => observed(endpoint, label, started, result),
        Err(_) => observed(
            endpoint,
            label,
            started,
            Err(EndpointError::Internal(format!(
                "a handler of {label} panicked"
            ))),
        ),
    }
}

/// The answer to a request, counted in the metrics (when the endpoint has them) by call and
/// outcome: `ok`, or the messageKey of a `FAILED` answer. Every `FAILED` answer leaves with a
/// [`FailedOutcome`](reply::FailedOutcome) on it: it is an HTTP 200, as BBB's, so whoever
/// serves the endpoint can tell it from a success only so (the gateway's sampled access log
/// keeps every one).
fn observed(
    endpoint: &Endpoint,
    call: &'static str,
    started: Instant,
    result: Result<HttpResponse, EndpointError>,
) -> HttpResponse {
    let (response, outcome) = match result {
        Ok(response) => {
            let outcome = response
                .extensions()
                .get::<reply::FailedOutcome>()
                .map_or("ok", |failed| failed.0);
            (response, outcome)
        }
        Err(error) => {
            let mut response = actix_web::ResponseError::error_response(&error);
            response
                .extensions_mut()
                .insert(reply::FailedOutcome(error.outcome()));
            (response, error.outcome())
        }
    };
    if let Some(metrics) = &endpoint.inner.settings.metrics {
        metrics.observe_known(FrontDoor::Bbb, call, outcome, started.elapsed());
    }
    response
}

async fn handle(
    req: &HttpRequest,
    call: Option<Call>,
    payload: web::Payload,
    shared: &Shared,
    caller: Caller<'_>,
) -> Result<HttpResponse, EndpointError> {
    let call = call.ok_or(EndpointError::UnsupportedRequest)?;
    if !call.allows(req.method().as_str()) {
        return Err(EndpointError::UnsupportedRequest);
    }
    let Authenticated {
        entry,
        params,
        forwarded_body,
    } = authenticated_request(call, req, payload, shared, &caller).await?;
    if let Some(metrics) = &shared.settings.metrics {
        metrics.token_request(entry.token.id);
    }
    if entry.take_touch() {
        let store = shared.store.clone();
        let entry = entry.clone();
        actix_web::rt::spawn(async move {
            if let Err(error) = service::tokens::record_use(&store, &entry.actor).await {
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    token_id = entry.token.id,
                    "cannot record the token's use"
                );
            }
        });
    }
    tracing::debug!(call = call.name(), token = %entry.token.guid, "BBB call");
    let ctx = Ctx {
        shared,
        entry: &entry,
        token: &entry.token,
        params,
        body: forwarded_body,
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
        Call::InsertDocument => Box::pin(meetings::plain(&ctx, call.name())).await,
        Call::SendChatMessage => Box::pin(meetings::plain(&ctx, call.name())).await,
        Call::GetRecordings => Box::pin(recordings::get_recordings(&ctx)).await,
        Call::PublishRecordings => Box::pin(recordings::publish(&ctx)).await,
        Call::DeleteRecordings => Box::pin(recordings::delete(&ctx)).await,
        Call::UpdateRecordings => Box::pin(recordings::update(&ctx)).await,
        Call::GetRecordingTextTracks => Box::pin(recordings::text_tracks(&ctx, call.name())).await,
        Call::PutRecordingTextTrack => Box::pin(recordings::text_tracks(&ctx, call.name())).await,
        // Not served (`call::served`): bbb-webhooks' API.
        Call::HooksCreate | Call::HooksDestroy | Call::HooksList => {
            Err(EndpointError::UnsupportedRequest)
        }
    }
}

fn signed_failure(call: Call) -> EndpointError {
    EndpointError::Checksum {
        legacy_text: call.is_recording_call(),
    }
}

/// A request whose checksum verified, taken apart as bbb-web takes it apart (spec §1.1, §1.2).
struct Authenticated {
    entry: Arc<TokenEntry>,
    /// The signed URL parameters, then the form body's (checksum removed).
    params: Params,
    /// An XML or multipart body, forwarded as it is.
    forwarded_body: Option<RawBody>,
}

/// Authenticates a request and reads what it carries, doing as little as possible before the
/// checksum has verified: the query's length and parameter count are checked before it is
/// parsed or hashed; a body is read before authentication only when the checksum can be
/// nowhere else (a form POST without one in the URL), and then at most `max_body_bytes` of
/// it; XML and multipart uploads (up to `max_upload_bytes`) only after.
async fn authenticated_request(
    call: Call,
    req: &HttpRequest,
    payload: web::Payload,
    shared: &Shared,
    caller: &Caller<'_>,
) -> Result<Authenticated, EndpointError> {
    let settings = &shared.settings;
    let raw_query = req.query_string();
    // Length first: an over-long query is refused without being scanned.
    if raw_query.len() > settings.tunables.max_query_bytes {
        return Err(EndpointError::QueryTooLong);
    }
    let url_params = count_params(raw_query.as_bytes());
    if url_params > settings.tunables.max_params {
        return Err(EndpointError::TooManyParams);
    }
    // bbb-web merges a form body into the parameters on POST only (and only the calls it
    // routes POST to, which `Call::allows` checked); a body sent with GET it ignores, and so
    // does the endpoint: it is never read. Reading it would be work before authentication,
    // and merging it would forward parameters no checksum covers — a viewer's signed join URL
    // sent again with `role=MODERATOR` in a body. Ignored rather than refused because that is
    // what BBB does, so no client that works with BBB breaks.
    let body = if req.method() == Method::POST {
        DeclaredBody::of(req)
    } else {
        None
    };
    let (entry, signed_query, form, forwarded_body) = match split_checksum(raw_query) {
        Ok(split) => {
            let entry = authenticate(shared, caller, call, &split.signed, split.checksum).await?;
            let (form, forwarded_body) = match body {
                Some(body) => {
                    read_after_authentication(call, body, payload, url_params, settings).await?
                }
                None => (Params::new(), None),
            };
            // A second checksum, in the body, is one parameter in both places.
            if form.get("checksum").is_some() {
                return Err(signed_failure(call));
            }
            (entry, split.signed, form, forwarded_body)
        }
        // bbb-web also takes the checksum from a form body; it still covers the URL query
        // only. Only a form body can hold it, so only a form body is read, and only as much
        // as any form may be.
        Err(ChecksumParamError::Missing) => {
            let Some(body) = body.filter(|body| body.kind(call) == Some(BodyKind::Form)) else {
                return Err(signed_failure(call));
            };
            let bytes = read_body(payload, &body, settings.max_body_bytes).await?;
            let mut form = parse_form(&bytes, url_params, settings.tunables.max_params)?;
            let checksum = take_only_checksum(&mut form).ok_or_else(|| signed_failure(call))?;
            let entry = authenticate(shared, caller, call, raw_query, &checksum).await?;
            (entry, raw_query.to_owned(), form, None)
        }
        Err(ChecksumParamError::Duplicate) => return Err(signed_failure(call)),
    };
    if !form.is_empty() && settings.tunables.unsigned_form_params == UnsignedFormParams::Refuse {
        return Err(EndpointError::UnsignedFormParams);
    }
    let mut params = Params::from_query(&signed_query);
    // A percent-encoded name (`%63hecksum`) is `checksum` once decoded, as the servlet decodes
    // it: bbb-web would see two checksums, and forwarding it would make the backend refuse the
    // gateway's own signature.
    if params.get("checksum").is_some() {
        return Err(signed_failure(call));
    }
    if !form.is_empty() {
        // bbb-web refuses a parameter sent both in the URL and in the body. One pass over
        // each side: the sides are bounded by `max_params`, but not small.
        let in_url: HashSet<&str> = params.iter().map(|(name, _)| name).collect();
        if form.iter().any(|(name, _)| in_url.contains(name)) {
            return Err(signed_failure(call));
        }
        params.extend(form);
    }
    Ok(Authenticated {
        entry,
        params,
        forwarded_body,
    })
}

/// The token whose secret verifies `checksum` over `call` and `query`.
async fn authenticate(
    shared: &Shared,
    caller: &Caller<'_>,
    call: Call,
    query: &str,
    checksum: &str,
) -> Result<Arc<TokenEntry>, EndpointError> {
    let signed = Signed {
        call: call.name(),
        query,
        checksum,
        legacy_text: call.is_recording_call(),
    };
    match caller {
        Caller::Site { host } => shared.auth.by_site(&shared.store, host, &signed).await,
        Caller::Token(Some(guid)) => shared.auth.by_guid(&shared.store, *guid, &signed).await,
        Caller::Token(None) => Err(signed_failure(call)),
    }
}

/// The body of an authenticated POST: form parameters (up to `max_body_bytes`), or an upload
/// to forward (up to `max_upload_bytes`).
async fn read_after_authentication(
    call: Call,
    body: DeclaredBody<'_>,
    payload: web::Payload,
    url_params: usize,
    settings: &EndpointSettings,
) -> Result<(Params, Option<RawBody>), EndpointError> {
    match body.kind(call) {
        Some(BodyKind::Form) => {
            let bytes = read_body(payload, &body, settings.max_body_bytes).await?;
            Ok((
                parse_form(&bytes, url_params, settings.tunables.max_params)?,
                None,
            ))
        }
        Some(BodyKind::Xml | BodyKind::Multipart) => {
            let bytes = read_body(payload, &body, settings.tunables.max_upload_bytes).await?;
            let upload = RawBody {
                content_type: body.content_type.to_owned(),
                bytes,
            };
            Ok((Params::new(), Some(upload)))
        }
        None => Err(EndpointError::UnsupportedContentType),
    }
}

/// A request body as its headers announce it, before any of it is read.
pub(crate) struct DeclaredBody<'a> {
    content_type: &'a str,
    /// `Content-Length`; `None` for a chunked body.
    length: Option<u64>,
}

impl<'a> DeclaredBody<'a> {
    /// The body a request announces, if any (spec §1.2: Content-Length > 0 or a
    /// Transfer-Encoding).
    pub(crate) fn of(req: &'a HttpRequest) -> Option<Self> {
        let headers = req.headers();
        let length = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let chunked = headers.contains_key(TRANSFER_ENCODING);
        if !chunked && length.unwrap_or(0) == 0 {
            return None;
        }
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        Some(DeclaredBody {
            content_type,
            length: if chunked { None } else { length },
        })
    }

    fn kind(&self, call: Call) -> Option<BodyKind> {
        call::accepted_body(call, self.content_type)
    }
}

/// Reads a body of at most `limit` bytes. A longer announced length is refused before anything
/// is read; a chunked body as soon as it passes the limit.
pub(crate) async fn read_body(
    mut payload: web::Payload,
    body: &DeclaredBody<'_>,
    limit: usize,
) -> Result<web::Bytes, EndpointError> {
    let announced = match body.length {
        Some(length) if length > limit as u64 => return Err(EndpointError::BodyTooLarge),
        Some(length) => length as usize,
        None => 0,
    };
    let mut bytes = web::BytesMut::with_capacity(announced);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| EndpointError::UnreadableBody)?;
        if bytes.len() + chunk.len() > limit {
            return Err(EndpointError::BodyTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}

/// How many parameters a query or form body holds, counted before it is parsed (empty pairs
/// count too: an upper bound).
fn count_params(query: &[u8]) -> usize {
    if query.is_empty() {
        0
    } else {
        memchr::memchr_iter(b'&', query).count() + 1
    }
}

/// The parameters of a form body, if it and the URL together hold at most `max_params`.
fn parse_form(bytes: &[u8], url_params: usize, max_params: usize) -> Result<Params, EndpointError> {
    if url_params + count_params(bytes) > max_params {
        return Err(EndpointError::TooManyParams);
    }
    Ok(form_urlencoded::parse(bytes).into_owned().collect())
}

/// Removes the one non-empty `checksum` of a form body; `None` if there is none, an empty one,
/// or more than one.
fn take_only_checksum(form: &mut Params) -> Option<String> {
    let mut checksums = form.iter().filter(|(name, _)| *name == "checksum");
    let checksum = match (checksums.next(), checksums.next()) {
        (Some((_, value)), None) if !value.is_empty() => value.to_owned(),
        _ => return None,
    };
    form.remove("checksum");
    Some(checksum)
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
