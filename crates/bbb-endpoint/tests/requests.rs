//! The request door, from the attacker's side: what a body may add to a signed call, and how
//! little work an unauthenticated request gets out of the endpoint (bodies unread, parameters
//! uncounted and unhashed past the limits), always answered with BBB's `FAILED` XML.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use bbb_client::{CreateMeeting, Document, JoinMeeting, Role};
use bbb_endpoint::UnsignedFormParams;
use common::{Harness, Tok, assert_failed, element, signed};
use store::TokenScope;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FORM: &str = "application/x-www-form-urlencoded";
const TOO_LARGE: &str = "The request body is too large.";
const TOO_MANY: &str = "The request has too many parameters.";
const TOO_LONG: &str = "The query string is too long.";

/// Asserts a `FAILED`/`validationError` document with `message`: which limit refused it.
fn assert_refused(body: &str, message: &str) {
    assert!(body.starts_with("<response>"), "{body}");
    assert_eq!(element(body, "returncode"), Some("FAILED"), "{body}");
    assert_eq!(
        element(body, "messageKey"),
        Some("validationError"),
        "{body}"
    );
    assert_eq!(element(body, "message"), Some(message), "{body}");
}

/// The values of `name` in a URL's query.
fn query_values(url: &str, name: &str) -> Vec<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

#[tokio::test]
async fn a_form_body_on_a_get_join_does_not_make_a_viewer_moderator() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    // What the integration hands a viewer: a signed join URL.
    let viewer_url = h.client.join_url(
        &api,
        &JoinMeeting::new("room", "Mallory").role(Role::Viewer),
    );
    let injected = "role=MODERATOR&userID=admin&redirect=false";
    for base in [h.token_base(&tok), format!("{}/bigbluebutton/api/", h.base)] {
        let url = viewer_url.replacen(&h.token_base(&tok), &base, 1);
        let response = h
            .http
            .get(&url)
            .header("content-type", FORM)
            .body(injected)
            .send()
            .await
            .unwrap();
        // Still the redirect (the body's redirect=false was not taken either), to a backend
        // join URL with the viewer's role and no user ID.
        assert_eq!(response.status().as_u16(), 302, "{base}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(query_values(&location, "role"), ["VIEWER"], "{location}");
        assert!(query_values(&location, "userID").is_empty(), "{location}");
        // Mallory follows it to the backend.
        let (status, _) = h.get(&location).await;
        assert!(status < 400, "{status}");
    }
    // The backend's view, as getMeetingInfo reports it.
    let info = h.client.get_meeting_info(&api, "room").await.unwrap();
    let attendees = &info.attendees.attendee;
    assert_eq!(attendees.len(), 2, "{attendees:?}");
    for attendee in attendees {
        assert_eq!(attendee.full_name, "Mallory");
        assert_eq!(attendee.role, "VIEWER", "{attendee:?}");
        assert_ne!(attendee.user_id, "admin", "{attendee:?}");
    }
    // join is GET-only, as in bbb-web: the same URL as a form POST is refused outright.
    let response = h
        .http
        .post(&viewer_url)
        .header("content-type", FORM)
        .body(injected)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_failed(200, &response.text().await.unwrap(), "unsupportedRequest");
    h.stop().await;
}

#[tokio::test]
async fn form_bodies_count_on_post_only() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let base = h.token_base(&tok);
    // POST create with its parameters in a form body, the checksum over the empty URL query.
    let sum = checksum(ChecksumAlgorithm::Sha256, "create", "", &tok.secret);
    let response = h
        .http
        .post(format!("{base}create"))
        .header("content-type", FORM)
        .body(format!("meetingID=posted&name=Posted+Room&checksum={sum}"))
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    let info = h
        .client
        .get_meeting_info(&h.api(&tok), "posted")
        .await
        .unwrap();
    assert_eq!(info.meeting_name, "Posted Room");
    // The same body on GET is not read: no checksum in the URL is no checksum at all.
    let response = h
        .http
        .get(format!("{base}isMeetingRunning"))
        .header("content-type", FORM)
        .body(format!(
            "meetingID=posted&checksum={}",
            checksum(
                ChecksumAlgorithm::Sha256,
                "isMeetingRunning",
                "",
                &tok.secret
            )
        ))
        .send()
        .await
        .unwrap();
    assert_failed(200, &response.text().await.unwrap(), "checksumError");
    // A signed GET with a body: the body is ignored, the call is the signed one.
    let url = h.url(
        &tok,
        "getMeetingInfo",
        "meetingID=posted",
        ChecksumAlgorithm::Sha1,
    );
    let response = h
        .http
        .get(&url)
        .header("content-type", "application/json")
        .body("{\"meetingID\":\"other\"}")
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "meetingID"), Some("posted"), "{body}");
    h.stop().await;
}

/// bbb-web reads parameters from a multipart form too (spec §1.2), and the catalogue says so;
/// the endpoint does not parse them, so it must not forward such a body whole either: the
/// backend would take a `meetingID` from it that no scope rule or rewrite ever saw.
#[tokio::test]
async fn a_multipart_form_is_refused_not_forwarded_whole() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    for (call, query) in [
        ("create", "meetingID=multipart&name=Multipart"),
        ("getMeetingInfo", "meetingID=multipart"),
    ] {
        let response = h
            .http
            .post(h.url(&tok, call, query, ChecksumAlgorithm::Sha1))
            .header("content-type", "multipart/form-data; boundary=b")
            .body(
                "--b\r\nContent-Disposition: form-data; name=\"moderatorPW\"\r\n\r\n\
                 mine\r\n--b--\r\n",
            )
            .send()
            .await
            .unwrap();
        let (status, body) = (response.status().as_u16(), response.text().await.unwrap());
        assert_failed(status, &body, "unsupportedContentType");
    }
    let error = h
        .client
        .get_meeting_info(&h.api(&tok), "multipart")
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
    h.stop().await;
}

#[tokio::test]
async fn operators_can_refuse_unsigned_form_parameters() {
    let h = Harness::start_with(1, |settings| {
        settings.tunables.unsigned_form_params = UnsignedFormParams::Refuse;
    })
    .await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let base = h.token_base(&tok);
    let create = h.url(
        &tok,
        "create",
        "meetingID=signed&name=Signed",
        ChecksumAlgorithm::Sha256,
    );
    // An unsigned parameter beside a signed URL, or beside a checksum in the body.
    let empty_sum = checksum(ChecksumAlgorithm::Sha256, "create", "", &tok.secret);
    for (url, body) in [
        (create.clone(), "welcome=injected".to_owned()),
        (
            format!("{base}create"),
            format!("meetingID=posted&name=Posted&checksum={empty_sum}"),
        ),
    ] {
        let response = h
            .http
            .post(&url)
            .header("content-type", FORM)
            .body(body)
            .send()
            .await
            .unwrap();
        let body = response.text().await.unwrap();
        assert_failed(200, &body, "validationError");
        assert!(
            element(&body, "message").is_some_and(|m| m.contains("signed URL query")),
            "{body}"
        );
    }
    assert!(h.sims[0].meetings_snapshot().is_empty());
    // Signed parameters still go by POST, and a body holding the checksum only is fine.
    let response = h.http.post(&create).send().await.unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    let sum = checksum(ChecksumAlgorithm::Sha1, "getMeetings", "", &tok.secret);
    let response = h
        .http
        .post(format!("{base}getMeetings"))
        .header("content-type", FORM)
        .body(format!("checksum={sum}"))
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    h.stop().await;
}

/// Sends a request head and the first part of a body that is announced (`head` says how) but
/// never finished, then waits up to ten seconds for the answer. An endpoint that read the body
/// before answering would still be waiting for the rest.
async fn answer_to_unfinished_body(h: &Harness, head: &str, first_part: usize) -> String {
    let address = h.base.trim_start_matches("http://");
    let mut socket = TcpStream::connect(address).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    // Written from a task: an endpoint that stops reading must not block this test.
    let (mut reader, mut writer) = socket.into_split();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let writing = tokio::spawn(async move {
        let part = vec![b'a'; first_part];
        if chunked {
            let _ = writer
                .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                .await;
            let _ = writer.write_all(&part).await;
            let _ = writer.write_all(b"\r\n").await;
        } else {
            let _ = writer.write_all(&part).await;
        }
        // Never more, never the end: hold the connection open.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(writer);
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = reader.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
            if String::from_utf8_lossy(&answer).contains("</response>") {
                break;
            }
        }
    })
    .await;
    writing.abort();
    assert!(
        read.is_ok(),
        "no answer while the body was unfinished: {}",
        String::from_utf8_lossy(&answer)
    );
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

fn post_head(target: &str, content_type: &str, framing: &str) -> String {
    format!(
        "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n"
    )
}

#[tokio::test]
async fn unauthenticated_bodies_are_not_read() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let wrong = "0".repeat(40);
    let guid = tok.token.guid;
    for framing in ["Content-Length: 1000000000", "Transfer-Encoding: chunked"] {
        // A wrong checksum in the URL: refused before a byte of the body is read, whatever
        // its type and however long it claims to be.
        for (call, content_type) in [
            ("create", FORM),
            ("create", "application/xml"),
            ("insertDocument", "application/xml"),
            ("putRecordingTextTrack", "multipart/form-data; boundary=x"),
        ] {
            for target in [
                format!("/t/{guid}/bigbluebutton/api/{call}?meetingID=m&checksum={wrong}"),
                format!("/bigbluebutton/api/{call}?meetingID=m&checksum={wrong}"),
            ] {
                let body = answer_to_unfinished_body(
                    &h,
                    &post_head(&target, content_type, framing),
                    64 * 1024,
                )
                .await;
                assert!(body.starts_with("<response>"), "{body}");
                assert_eq!(
                    element(&body, "messageKey"),
                    Some("checksumError"),
                    "{body}"
                );
            }
        }
    }
    // No checksum in the URL: only a form body may hold it, and no more of it is read than a
    // form may be long. An announced length past that is refused at once …
    let target = format!("/t/{guid}/bigbluebutton/api/getMeetings");
    let body = answer_to_unfinished_body(
        &h,
        &post_head(&target, FORM, "Content-Length: 1000000000"),
        1024,
    )
    .await;
    assert_refused(&body, TOO_LARGE);
    // … a chunked one as soon as it passes it …
    let body = answer_to_unfinished_body(
        &h,
        &post_head(&target, FORM, "Transfer-Encoding: chunked"),
        1024 * 1024,
    )
    .await;
    assert_refused(&body, TOO_LARGE);
    // … and any other body is not read at all.
    let body = answer_to_unfinished_body(
        &h,
        &post_head(&target, "application/xml", "Content-Length: 1000000000"),
        1024,
    )
    .await;
    assert_eq!(
        element(&body, "messageKey"),
        Some("checksumError"),
        "{body}"
    );
    // GET bodies are never read.
    let target = format!("/t/{guid}/bigbluebutton/api/getMeetings?checksum={wrong}");
    let head = format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\nContent-Length: 1000000000\r\n\r\n"
    );
    let body = answer_to_unfinished_body(&h, &head, 64 * 1024).await;
    assert_eq!(
        element(&body, "messageKey"),
        Some("checksumError"),
        "{body}"
    );
    h.stop().await;
}

#[tokio::test]
async fn parameter_count_and_query_length_are_bounded_before_any_hashing() {
    let h = Harness::start_with(1, |settings| {
        settings.tunables.max_params = 50;
        settings.tunables.max_query_bytes = 2048;
    })
    .await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let base = h.token_base(&tok);
    let site = format!("{}/bigbluebutton/api/", h.base);
    let many = (0..51)
        .map(|n| format!("p{n}=1"))
        .collect::<Vec<_>>()
        .join("&");
    let long = format!("meetingID=room-1&name={}", "x".repeat(2048));
    // Past a limit it does not matter whether the checksum is right: nothing is hashed.
    for (query, limit) in [(&many, TOO_MANY), (&long, TOO_LONG)] {
        for sum in [
            checksum(ChecksumAlgorithm::Sha1, "create", query, &tok.secret),
            "0".repeat(40),
        ] {
            for api in [&base, &site] {
                let (status, body) = h.get(&format!("{api}create?{query}&checksum={sum}")).await;
                assert_eq!(status, 200);
                assert_refused(&body, limit);
            }
        }
    }
    // URL and form body together: 30 in the URL, 30 in the body.
    let thirty = |prefix: &str| {
        (0..30)
            .map(|n| format!("{prefix}{n}=1"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let url = format!(
        "{base}create?{}",
        signed(
            "create",
            &format!("meetingID=room-1&name=Room&{}", thirty("meta_u")),
            &tok.secret,
            ChecksumAlgorithm::Sha1
        )
    );
    let response = h
        .http
        .post(&url)
        .header("content-type", FORM)
        .body(thirty("meta_b"))
        .send()
        .await
        .unwrap();
    assert_refused(&response.text().await.unwrap(), TOO_MANY);
    // Within the limits the same call works: 33 parameters in the URL (the checksum too)
    // and 17 in the body.
    let seventeen = thirty("meta_b")
        .split('&')
        .take(17)
        .collect::<Vec<_>>()
        .join("&");
    let response = h
        .http
        .post(&url)
        .header("content-type", FORM)
        .body(seventeen)
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    h.stop().await;
}

#[tokio::test]
async fn authenticated_uploads_have_their_own_limit() {
    let h = Harness::start_with(1, |settings| {
        settings.max_body_bytes = 16 * 1024;
        settings.tunables.max_upload_bytes = 1024 * 1024;
    })
    .await;
    let tok: Tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    // An XML upload past the form limit, within the upload limit, is taken once signed …
    let slides = Document::inline("slides.pdf", vec![b'x'; 64 * 1024]);
    let inserted = h
        .client
        .insert_document(&api, "room", std::slice::from_ref(&slides))
        .await
        .unwrap();
    assert_eq!(inserted.returncode, bbb_client::model::ReturnCode::Success);
    // … one past the upload limit is not …
    let huge = Document::inline("huge.pdf", vec![b'x'; 1024 * 1024]);
    let error = h
        .client
        .insert_document(&api, "room", &[huge])
        .await
        .unwrap_err();
    assert_eq!(error.message_key(), Some("validationError"), "{error}");
    // … and a form body is held to the form limit even when the URL is signed.
    let url = h.url(
        &tok,
        "create",
        "meetingID=r2&name=R2",
        ChecksumAlgorithm::Sha1,
    );
    let response = h
        .http
        .post(&url)
        .header("content-type", FORM)
        .body(format!("welcome={}", "w".repeat(20 * 1024)))
        .send()
        .await
        .unwrap();
    assert_refused(&response.text().await.unwrap(), TOO_LARGE);
    h.stop().await;
}

#[tokio::test]
async fn a_checksum_spelled_in_percent_encoding_is_a_second_checksum() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    h.client
        .create(&h.api(&tok), &CreateMeeting::new("room-1", "Room"))
        .await
        .unwrap();
    // Signed by the client, and `checksum` once decoded: forwarded, the backend would see two
    // and refuse the gateway's signature (logged as a wrong server secret).
    let second = format!("%63hecksum={}", "0".repeat(40));
    for (call, query) in [
        ("getMeetings", second.clone()),
        ("getMeetingInfo", format!("meetingID=room-1&{second}")),
    ] {
        let url = h.url(&tok, call, &query, ChecksumAlgorithm::Sha1);
        let (status, body) = h.get(&url).await;
        assert_failed(status, &body, "checksumError");
    }
    h.stop().await;
}
