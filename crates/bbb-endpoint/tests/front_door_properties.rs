//! Property test (proptest) of the endpoint's request parsing through its front door: any
//! method, call, query string, body and content type, signed with a real token's secret or
//! not, on either path, gets one of BBB's answers — XML (or JSON for the text-track calls) with
//! HTTP 200, or join's 302 — never a 5xx, an HTML page or a dropped connection.
//! `PROPTEST_CASES` sets the number of requests (256 by default; CI runs more).

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use bbb_client::Params;
use bbb_client::checksum::ChecksumAlgorithm;
use common::{Harness, signed};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use store::TokenScope;

const CALLS: &[&str] = &[
    "create",
    "join",
    "isMeetingRunning",
    "end",
    "getMeetingInfo",
    "getMeetings",
    "getRecordings",
    "publishRecordings",
    "deleteRecordings",
    "updateRecordings",
    "getRecordingTextTracks",
    "putRecordingTextTrack",
    "insertDocument",
    "sendChatMessage",
    "getDefaultConfigXML",
    "",
    "create/",
];

/// Parameter names the calls read, and others.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "meetingID",
            "name",
            "fullName",
            "role",
            "password",
            "recordID",
            "publish",
            "checksum",
            "redirect",
            "userID",
            "voiceBridge",
            "maxParticipants",
            "meta_x",
            "meta_endCallbackUrl",
            "meta_bbb-recording-ready-url",
            "offset",
            "limit",
            "kind",
            "lang",
            "message",
            "state",
            "duration",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z_-]{0,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,._-]{0,16}",
        Just("MODERATOR".to_owned()),
        Just("http://127.0.0.1:9/x".to_owned()),
        "-?[0-9]{1,12}",
        any::<String>(),
    ]
}

/// A query as clients encode it, or raw text of URL-safe characters (`%` sequences, repeated
/// `&`, `=` and `checksum` pairs included).
fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec((name(), value()), 0..10)
            .prop_map(|pairs| pairs.into_iter().collect::<Params>().to_query()),
        "[a-zA-Z0-9=&%+._~-]{0,120}",
        "(checksum=[0-9a-f]{0,64}&?){0,3}",
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("application/x-www-form-urlencoded"),
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        Some("text/xml"),
        Some("application/xml"),
        Some("multipart/form-data; boundary=xyz"),
        Some("application/json"),
        Some("text/plain"),
    ])
}

#[derive(Debug, Clone)]
struct Request {
    post: bool,
    call: &'static str,
    query: String,
    sign: bool,
    per_token: bool,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn request() -> impl Strategy<Value = Request> {
    (
        any::<bool>(),
        prop::sample::select(CALLS.to_vec()),
        query(),
        any::<bool>(),
        any::<bool>(),
        content_type(),
        prop_oneof![
            query().prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..200),
            Just(b"<?xml version=\"1.0\"?><modules><module name=\"presentation\"></module></modules>".to_vec()),
        ],
    )
        .prop_map(|(post, call, query, sign, per_token, content_type, body)| Request {
            post,
            call,
            query,
            sign,
            per_token,
            content_type,
            body,
        })
}

#[test]
fn any_request_gets_a_bbb_answer_never_a_server_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let h = runtime.block_on(Harness::start(1));
    let tok = runtime.block_on(h.token("fuzz", TokenScope::Token, None));
    let mut runner = TestRunner::new(Config::default());
    let outcome = runner.run(&request(), |request| {
        let query = if request.sign {
            signed(
                request.call,
                &request.query,
                &tok.secret,
                ChecksumAlgorithm::Sha256,
            )
        } else {
            request.query.clone()
        };
        let base = if request.per_token {
            h.token_base(&tok)
        } else {
            format!("{}/bigbluebutton/api/", h.base)
        };
        let url = format!("{base}{}?{query}", request.call);
        let (status, content_type, location, body) = runtime.block_on(async {
            let builder = if request.post {
                h.http.post(&url).body(request.body.clone())
            } else {
                h.http.get(&url)
            };
            let builder = match request.content_type {
                Some(content_type) => builder.header("content-type", content_type),
                None => builder,
            };
            let response = builder
                .send()
                .await
                .expect("an answer, not a dropped connection");
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (content_type, location) = (header("content-type"), header("location"));
            (
                status,
                content_type,
                location,
                response.text().await.unwrap_or_default(),
            )
        });
        match status {
            302 => prop_assert!(
                request.call == "join" && location.starts_with("http"),
                "{status} {location} for {request:?}"
            ),
            200 if content_type.contains("json") => {
                prop_assert!(body.starts_with('{'), "{body} for {request:?}")
            }
            200 => prop_assert!(
                content_type.contains("xml")
                    && (body.starts_with("<response>") || body.starts_with("<?xml"))
                    && !body.to_ascii_lowercase().contains("<html"),
                "{content_type} {body} for {request:?}"
            ),
            _ => prop_assert!(false, "HTTP {status} {content_type} {body} for {request:?}"),
        }
        Ok(())
    });
    runtime.block_on(h.stop());
    outcome.unwrap();
}
