//! The BBB API under `/bigbluebutton/api`: the gate, the knobs that act on every call, and
//! dispatch to the call groups.

mod content;
mod hooks;
pub(crate) mod meetings;
mod recordings;
pub(crate) mod text_tracks;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bbb_client::model::{ReturnCode, VersionResponse};

use crate::params::Params;
use crate::reply::{Failure, Reply};
use crate::request::{self, ApiRequest, Call, ChecksumPolicy, RawRequest, Rejection};
use crate::sim::Sim;

/// `<html5PluginSdkVersion>` of the 3.0.19 server the version document imitates.
const HTML5_PLUGIN_SDK_VERSION: &str = "0.0.95";

/// What a failing request gets from the error-rate knob: nginx's answer when bbb-web behind
/// it is down, the way a real BBB server fails.
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
    <body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
    </body>\r\n</html>\r\n";

/// nginx in front of bbb-web refuses request lines longer than one of its 8 KiB header
/// buffers (`large_client_header_buffers 4 8k`) with HTTP 414; a client must not rely on
/// longer URLs working.
const MAX_REQUEST_TARGET: usize = 8 * 1024;

const URI_TOO_LONG_PAGE: &str = "<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n\
    <body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n\
    </body>\r\n</html>\r\n";

/// Every request under `/bigbluebutton/api`.
pub async fn handle(req: HttpRequest, body: web::Bytes, sim: web::Data<Sim>) -> HttpResponse {
    let target_length = req.path().len() + 1 + req.query_string().len();
    if target_length > MAX_REQUEST_TARGET {
        return HttpResponse::UriTooLong()
            .content_type("text/html")
            .body(URI_TOO_LONG_PAGE);
    }
    let path = req.match_info().get("path").unwrap_or_default();
    let call = Call::from_name(path);
    if call.is_some() || path.is_empty() {
        sim.call_counts.count(call);
    }
    let latency = sim.knobs.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if sim.knobs.draw_failure() {
        return HttpResponse::BadGateway()
            .content_type("text/html")
            .body(BAD_GATEWAY_PAGE);
    }
    let reply = match path {
        "" => index(&sim),
        "hooks/ping" => {
            return HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body("bbb-webhooks API up!");
        }
        _ => match call {
            Some(call) => handle_call(&sim, call, &req, &body),
            None => Reply::XmlWithStatus(StatusCode::NOT_FOUND, unsupported_request_body(), None),
        },
    };
    reply.into_response()
}

fn handle_call(sim: &Sim, call: Call, req: &HttpRequest, body: &[u8]) -> Reply {
    let raw = RawRequest {
        method: req.method(),
        query: req.query_string(),
        content_type: req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        body,
    };
    let policy = ChecksumPolicy {
        secret: &sim.config.secret,
        algorithms: &sim.config.supported_algorithms,
    };
    match request::admit(call, &raw, &policy) {
        Ok(request) => dispatch(sim, call, &request),
        Err(Rejection::WrongMethod(allow)) => Reply::XmlWithStatus(
            StatusCode::METHOD_NOT_ALLOWED,
            unsupported_request_body(),
            Some(allow),
        ),
        // join reports even checksum errors through its redirect.
        Err(Rejection::Failed(failure)) if call == Call::Join => {
            meetings::join_failure(sim, &Params::parse(raw.query), &failure, None)
        }
        Err(Rejection::Failed(failure)) => Reply::failed(&failure),
        Err(Rejection::JsonFailed(failure)) => text_tracks::json_failure(&failure),
    }
}

fn dispatch(sim: &Sim, call: Call, request: &ApiRequest) -> Reply {
    let result = match call {
        Call::Create => meetings::create(sim, request),
        Call::Join => Ok(meetings::join(sim, request)),
        Call::IsMeetingRunning => meetings::is_meeting_running(sim, request),
        Call::End => meetings::end(sim, request),
        Call::GetMeetingInfo => meetings::get_meeting_info(sim, request),
        Call::GetMeetings => Ok(meetings::get_meetings(sim)),
        Call::GetRecordings => Ok(recordings::get_recordings(sim, request)),
        Call::PublishRecordings => recordings::publish_recordings(sim, request),
        Call::DeleteRecordings => recordings::delete_recordings(sim, request),
        Call::UpdateRecordings => recordings::update_recordings(sim, request),
        Call::GetRecordingTextTracks => Ok(text_tracks::get_text_tracks(sim, request)),
        Call::PutRecordingTextTrack => Ok(text_tracks::put_text_track(sim, request)),
        Call::InsertDocument => content::insert_document(sim, request),
        Call::SendChatMessage => content::send_chat_message(sim, request),
        Call::HooksCreate => hooks::create(sim, request),
        Call::HooksDestroy => hooks::destroy(sim, request),
        Call::HooksList => Ok(hooks::list(sim, request)),
    };
    result.unwrap_or_else(Reply::from)
}

/// The version document of `GET /bigbluebutton/api` (3.0 shape, spec §3.1).
fn index(sim: &Sim) -> Reply {
    let ws_base = sim
        .base_url
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    Reply::xml(&VersionResponse {
        returncode: ReturnCode::Success,
        version: "2.0".into(),
        api_version: Some("2.0".into()),
        bbb_version: Some(sim.config.bbb_version.clone()),
        html5_plugin_sdk_version: Some(HTML5_PLUGIN_SDK_VERSION.into()),
        graphql_websocket_url: Some(format!("{ws_base}/graphql")),
        graphql_api_url: Some(format!("{}/api/rest", sim.base_url)),
    })
}

/// The body for unknown calls and wrong methods: bbb-web would answer with a servlet error
/// page; the simulator keeps to BBB's envelope so clients always get a parseable document.
fn unsupported_request_body() -> String {
    match Reply::failed(&Failure::new(
        "unsupportedRequest",
        "This request is not supported.",
    )) {
        Reply::Xml(body) => body,
        _ => String::new(),
    }
}
