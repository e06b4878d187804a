//! BBB's callbacks pass through the gateway: the end callback reaches the integration's URL,
//! the recording-ready JWT arrives re-signed with the token's secret and naming the client's
//! meetingID, and the relay refuses URLs no token signed.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bbb_client::CreateMeeting;
use common::{Harness, Receiver};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use store::TokenScope;

#[tokio::test]
async fn callbacks_are_relayed_and_re_signed_with_the_tokens_secret() {
    let h = Harness::start(2).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let mut receiver = Receiver::start().await;
    let end_url = format!("{}/ended?course=7", receiver.base);
    let ready_url = format!("{}/ready", receiver.base);
    h.client
        .create(
            &api,
            &CreateMeeting::new("lecture", "Lecture")
                .record(true)
                .meta("endCallbackUrl", end_url.clone())
                .meta("bbb-recording-ready-url", ready_url.clone()),
        )
        .await
        .unwrap();
    let placement = h.placement(&tok, "lecture").await;
    let sim = h.sim_of(&placement);
    let backend = sim
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .unwrap();
    let relayed = &backend.metadata["endcallbackurl"];
    assert!(
        relayed.starts_with(&format!("{}/bigbluebutton/callback/end/", h.base)),
        "{relayed}"
    );
    // The client still sees its own URLs.
    let info = h.client.get_meeting_info(&api, "lecture").await.unwrap();
    assert_eq!(info.metadata.get("endcallbackurl"), Some(&end_url));
    assert_eq!(
        info.metadata.get("bbb-recording-ready-url"),
        Some(&ready_url)
    );

    sim.add_attendees(&placement.bbb_meeting_id, 1).unwrap();
    h.client.end(&api, "lecture").await.unwrap();
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(
            receiver
                .next(Duration::from_secs(5))
                .await
                .expect("a callback"),
        );
    }
    got.sort_by(|a, b| a.target.cmp(&b.target));
    let (ended, ready) = (&got[0], &got[1]);
    assert_eq!(ended.method, "GET");
    assert_eq!(ended.target, "/ended?course=7&recordingmarks=true");
    assert_eq!(ready.method, "POST");
    assert_eq!(ready.target, "/ready");
    let jwt = url::form_urlencoded::parse(ready.body.as_bytes())
        .find(|(name, _)| name == "signed_parameters")
        .unwrap()
        .1
        .into_owned();
    let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(tok.secret.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("signed with the token's secret");
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signing_input.split_once('.').unwrap().1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["meeting_id"], "lecture");
    let recording = &sim.recordings_snapshot()[0];
    assert_eq!(claims["record_id"], recording.record_id.as_str());

    // A relay URL that no token signed is refused and relays nothing.
    let forged = format!(
        "{}/bigbluebutton/callback/end/{}?url=http%3A%2F%2F{}%2Fevil&sig=00",
        h.base,
        tok.token.guid,
        receiver.base.trim_start_matches("http://")
    );
    let (status, _) = h.get(&forged).await;
    assert_eq!(status, 403);
    let other = h.token("other", TokenScope::Token, None).await;
    let stolen = relayed.replace(&tok.token.guid.to_string(), &other.token.guid.to_string());
    let (status, _) = h.get(&stolen).await;
    assert_eq!(status, 403, "another token's name on a signed URL");
    assert!(receiver.next(Duration::from_millis(300)).await.is_none());
    h.stop().await;
}

/// Creates `meeting` for `tok` with its end callback at `end_url` and ends it (BBB then calls
/// the relay). Returns the relay URL create gave BBB.
async fn create_and_end(h: &Harness, tok: &common::Tok, meeting: &str, end_url: &str) -> String {
    let api = h.api(tok);
    h.client
        .create(
            &api,
            &CreateMeeting::new(meeting, "Meeting").meta("endCallbackUrl", end_url),
        )
        .await
        .unwrap();
    let relay = relay_url_of(h, tok, meeting).await;
    h.client.end(&api, meeting).await.unwrap();
    relay
}

/// The relay URL create put in the backend's metadata for `meeting`.
async fn relay_url_of(h: &Harness, tok: &common::Tok, meeting: &str) -> String {
    let placement = h.placement(tok, meeting).await;
    h.sim_of(&placement)
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .unwrap()
        .metadata["endcallbackurl"]
        .clone()
}

#[tokio::test]
async fn callbacks_to_loopback_are_not_relayed_by_default() {
    // The endpoint's default outbound policy: public addresses only.
    let h = Harness::start_with(1, |settings| {
        settings.outbound = bbb_client::OutboundPolicy::public_only();
    })
    .await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let mut receiver = Receiver::start().await;
    let port = receiver.base.rsplit(':').next().unwrap().to_owned();
    // An address, a name that resolves to loopback, and an IPv4-mapped IPv6 form.
    for (meeting, target) in [
        ("by-address", format!("http://127.0.0.1:{port}/internal")),
        ("by-name", format!("http://localhost:{port}/internal")),
        (
            "mapped",
            format!("http://[::ffff:127.0.0.1]:{port}/internal"),
        ),
    ] {
        let relay = create_and_end(&h, &tok, meeting, &target).await;
        // Called directly as well, in case the simulator's call came too early to see.
        let (status, body) = h.get(&format!("{relay}&recordingmarks=false")).await;
        assert_eq!((status, body.as_str()), (200, ""), "{target}");
        assert!(
            receiver.next(Duration::from_millis(500)).await.is_none(),
            "{target} was reached"
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn the_operators_allow_list_admits_loopback_callbacks() {
    let h = Harness::start_with(1, |settings| {
        settings.outbound = bbb_client::OutboundPolicy::public_only()
            .allow("127.0.0.0/8")
            .unwrap();
    })
    .await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let mut receiver = Receiver::start().await;
    create_and_end(&h, &tok, "allowed", &format!("{}/ended", receiver.base)).await;
    let got = receiver
        .next(Duration::from_secs(5))
        .await
        .expect("relayed");
    assert_eq!(got.target, "/ended?recordingmarks=false");
    h.stop().await;
}

#[tokio::test]
async fn relay_urls_forged_with_the_tenants_own_secret_are_refused() {
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let mut receiver = Receiver::start().await;
    // What a tenant can compute: HMAC-SHA256 under its token's secret of "end\n" + the URL.
    let target = format!("{}/forged", receiver.base);
    let mut mac = Hmac::<Sha256>::new_from_slice(tok.secret.as_bytes()).unwrap();
    mac.update(b"end\n");
    mac.update(target.as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    let forged = format!(
        "{}/bigbluebutton/callback/end/{}?{}",
        h.base,
        tok.token.guid,
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("url", &target)
            .append_pair("sig", &sig)
            .finish()
    );
    let (status, _) = h.get(&forged).await;
    assert_eq!(status, 403);
    assert!(receiver.next(Duration::from_millis(500)).await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn the_relay_answers_bbb_the_same_whatever_the_target_answered() {
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    // A target answering 404 (the gateway's own unknown path) and one refusing connections.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    for (meeting, target) in [
        ("not-found", format!("{}/no-such-page", h.base)),
        ("closed", format!("http://127.0.0.1:{closed_port}/")),
    ] {
        let api = h.api(&tok);
        h.client
            .create(
                &api,
                &CreateMeeting::new(meeting, "Meeting").meta("endCallbackUrl", &target),
            )
            .await
            .unwrap();
        let relay = relay_url_of(&h, &tok, meeting).await;
        let (status, body) = h.get(&relay).await;
        assert_eq!((status, body.as_str()), (200, ""), "{target}");
    }
    h.stop().await;
}

#[tokio::test]
async fn rotating_the_tokens_secret_keeps_older_meetings_callbacks_working() {
    // Secrets are re-read on every request, so the rotation is seen at once.
    let h = Harness::start_with(1, |settings| {
        settings.tunables.secret_cache_ttl = Duration::ZERO
    })
    .await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let mut receiver = Receiver::start().await;
    h.client
        .create(
            &h.api(&tok),
            &CreateMeeting::new("long", "Long")
                .meta("endCallbackUrl", format!("{}/e", receiver.base)),
        )
        .await
        .unwrap();
    let rotated = h
        .store()
        .tokens()
        .rotate(tok.token.id, Some(chrono::TimeDelta::zero()))
        .await
        .unwrap();
    let api = bbb_client::Server::new(&h.token_base(&tok), rotated.secret.expose()).unwrap();
    h.client.end(&api, "long").await.unwrap();
    let got = receiver
        .next(Duration::from_secs(5))
        .await
        .expect("relayed");
    assert_eq!(got.target, "/e?recordingmarks=false");
    h.stop().await;
}

/// The metadata the backend stored for `meeting` (names lower-cased, as bbb-web stores them).
async fn backend_metadata(
    h: &Harness,
    tok: &common::Tok,
    meeting: &str,
) -> std::collections::BTreeMap<String, String> {
    let placement = h.placement(tok, meeting).await;
    h.sim_of(&placement)
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .unwrap()
        .metadata
        .into_iter()
        .collect()
}

/// The claims of an HMAC-signed JWT, after checking its algorithm and its signature by `secret`.
fn verified_claims(jwt: &str, algorithm: &str, secret: &str) -> serde_json::Value {
    let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
    let (header, payload) = signing_input.split_once('.').unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], algorithm);
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    match algorithm {
        "HS256" => {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&signature)
                .expect("signed with the secret");
        }
        _ => {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&signature)
                .expect("signed with the secret");
        }
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn every_callback_name_bbb_acts_on_goes_through_the_relay() {
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let mut receiver = Receiver::start().await;
    let relay_base = format!("{}/bigbluebutton/callback/", h.base);
    // The names BBB's recording-ready script falls back to, and the analytics callback, in the
    // letter case a client may choose (bbb-web lower-cases metadata names).
    h.client
        .create(
            &api,
            &CreateMeeting::new("fallbacks", "Fallbacks")
                .record(true)
                .meta("BN-Recording-Ready-URL", format!("{}/bn", receiver.base))
                .meta(
                    "canvas-recording-ready-url",
                    format!("{}/canvas", receiver.base),
                )
                .meta(
                    "Analytics-Callback-Url",
                    format!("{}/analytics", receiver.base),
                ),
        )
        .await
        .unwrap();
    let metadata = backend_metadata(&h, &tok, "fallbacks").await;
    for name in ["bn-recording-ready-url", "analytics-callback-url"] {
        let value = metadata.get(name).map(String::as_str).unwrap_or_default();
        assert!(value.starts_with(&relay_base), "{name}: {value}");
    }
    // BBB posts to one recording-ready URL only; a second one never reaches it.
    assert_eq!(metadata.get("canvas-recording-ready-url"), None);
    // The client still sees its own URLs.
    let info = h.client.get_meeting_info(&api, "fallbacks").await.unwrap();
    assert_eq!(
        info.metadata.get("analytics-callback-url"),
        Some(&format!("{}/analytics", receiver.base))
    );
    assert_eq!(
        info.metadata.get("bn-recording-ready-url"),
        Some(&format!("{}/bn", receiver.base))
    );
    for value in metadata.values() {
        assert!(
            value.starts_with(&relay_base) || !value.contains(&receiver.base),
            "a raw callback URL reached the backend: {value}"
        );
    }
    // With bbb-recording-ready-url present, it is the only recording-ready name BBB gets.
    h.client
        .create(
            &api,
            &CreateMeeting::new("both", "Both")
                .meta("bbb-recording-ready-url", format!("{}/bbb", receiver.base))
                .meta("bn-recording-ready-url", format!("{}/bn", receiver.base)),
        )
        .await
        .unwrap();
    let both = backend_metadata(&h, &tok, "both").await;
    assert!(both["bbb-recording-ready-url"].starts_with(&relay_base));
    assert_eq!(both.get("bn-recording-ready-url"), None);
    h.client.end(&api, "both").await.unwrap();

    let placement = h.placement(&tok, "fallbacks").await;
    h.sim_of(&placement)
        .add_attendees(&placement.bbb_meeting_id, 1)
        .unwrap();
    h.client.end(&api, "fallbacks").await.unwrap();
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(
            receiver
                .next(Duration::from_secs(5))
                .await
                .expect("a callback"),
        );
    }
    assert!(
        receiver.next(Duration::from_millis(500)).await.is_none(),
        "one recording-ready callback and one analytics callback only"
    );
    got.sort_by(|a, b| a.target.cmp(&b.target));
    let (analytics, ready) = (&got[0], &got[1]);
    assert_eq!(
        (ready.method.as_str(), ready.target.as_str()),
        ("POST", "/bn")
    );
    let jwt = url::form_urlencoded::parse(ready.body.as_bytes())
        .find(|(name, _)| name == "signed_parameters")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        verified_claims(&jwt, "HS256", &tok.secret)["meeting_id"],
        "fallbacks"
    );

    // The analytics callback: BBB's JSON, authorised by an HS512 bearer JWT re-signed with
    // the token's secret, naming the client's meetingID.
    assert_eq!(
        (analytics.method.as_str(), analytics.target.as_str()),
        ("POST", "/analytics")
    );
    let bearer = analytics
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, value)| value.strip_prefix("Bearer "))
        .expect("a bearer token");
    let claims = verified_claims(bearer, "HS512", &tok.secret);
    assert!(claims["exp"].as_u64().unwrap() > chrono::Utc::now().timestamp() as u64);
    let body: serde_json::Value = serde_json::from_str(&analytics.body).unwrap();
    assert_eq!(body["meeting_id"], "fallbacks");
    assert!(!analytics.body.contains(&placement.bbb_meeting_id));
    h.stop().await;
}

#[tokio::test]
async fn a_forged_host_never_becomes_the_relay_base() {
    // No public_url: the gateway has no address of its own to give BBB.
    let h = Harness::start_with(1, |settings| settings.public_url = None).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let receiver = Receiver::start().await;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("meetingID", "forged")
        .append_pair("name", "Forged")
        .append_pair("meta_endCallbackUrl", &format!("{}/ended", receiver.base))
        .append_pair(
            "meta_analytics-callback-url",
            &format!("{}/analytics", receiver.base),
        )
        .finish();
    let create = h.url(
        &tok,
        "create",
        &query,
        bbb_client::checksum::ChecksumAlgorithm::Sha256,
    );
    let response = h
        .http
        .get(&create)
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let metadata = backend_metadata(&h, &tok, "forged").await;
    for value in metadata.values() {
        assert!(!value.contains("evil.example"), "{value}");
    }
    for value in metadata.values() {
        assert!(!value.contains(&receiver.base), "{value}");
    }
    h.stop().await;

    // With public_url set, the relay base is public_url whatever the request says.
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let create = h.url(
        &tok,
        "create",
        &query,
        bbb_client::checksum::ChecksumAlgorithm::Sha256,
    );
    let response = h
        .http
        .get(&create)
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let metadata = backend_metadata(&h, &tok, "forged").await;
    for name in ["endcallbackurl", "analytics-callback-url"] {
        assert!(
            metadata[name].starts_with(&format!("{}/bigbluebutton/callback/", h.base)),
            "{}",
            metadata[name]
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn the_analytics_relay_takes_only_jwts_of_the_groups_servers() {
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let mut receiver = Receiver::start().await;
    h.client
        .create(
            &h.api(&tok),
            &CreateMeeting::new("stats", "Stats").meta(
                "analytics-callback-url",
                format!("{}/analytics", receiver.base),
            ),
        )
        .await
        .unwrap();
    let placement = h.placement(&tok, "stats").await;
    let relay = backend_metadata(&h, &tok, "stats").await["analytics-callback-url"].clone();
    // What the tenant can sign: an HS512 JWT under its own token's secret, unexpired.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#);
    let exp = chrono::Utc::now().timestamp() + 3600;
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp}}}"#));
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(tok.secret.as_bytes()).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    let forged = format!(
        "{header}.{payload}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let body = serde_json::json!({"version": "1.0", "meeting_id": placement.bbb_meeting_id});
    for bearer in [Some(forged.as_str()), None] {
        let mut request = h.http.post(&relay).body(body.to_string());
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(status, 403, "bearer {bearer:?}");
    }
    assert!(receiver.next(Duration::from_millis(500)).await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn the_server_side_end_callback_goes_through_the_relay() {
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let mut receiver = Receiver::start().await;
    h.client
        .create(
            &api,
            &CreateMeeting::new("server-side", "Server side")
                .meeting_ended_url(format!("{}/ended?x=1", receiver.base)),
        )
        .await
        .unwrap();
    let placement = h.placement(&tok, "server-side").await;
    let backend = h
        .sim_of(&placement)
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .unwrap();
    let given: Vec<&str> = backend
        .create_params
        .iter()
        .filter(|(name, _)| name == "meetingEndedURL")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(given.len(), 1, "{given:?}");
    assert!(
        given[0].starts_with(&format!("{}/bigbluebutton/callback/end/", h.base)),
        "{}",
        given[0]
    );
    h.client.end(&api, "server-side").await.unwrap();
    let got = receiver
        .next(Duration::from_secs(5))
        .await
        .expect("relayed");
    assert_eq!(
        (got.method.as_str(), got.target.as_str()),
        ("GET", "/ended?x=1")
    );
    h.stop().await;
}

/// The status of the answer to a request whose body is sent only in part (`first_part` bytes,
/// then the connection is held open): an answer within 10 s proves the relay did not wait for
/// the rest of the body.
async fn status_before_the_whole_body(h: &Harness, head: &str, first_part: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = h.base.trim_start_matches("http://");
    let socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = socket.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    // Written from a task: a relay that stops reading must not block this test.
    let writing = tokio::spawn(async move {
        let part = vec![b'a'; first_part];
        if chunked {
            let _ = writer
                .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                .await;
        }
        let _ = writer.write_all(&part).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(writer);
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buffer = [0u8; 1024];
        while !answer.windows(4).any(|window| window == b"\r\n\r\n") {
            let n = reader.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    writing.abort();
    assert!(
        read.is_ok(),
        "no answer before the whole body was sent: {head}"
    );
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

#[tokio::test]
async fn unauthenticated_relay_bodies_are_not_read() {
    let h = Harness::start(1).await;
    let tok = h.token("tenant", TokenScope::Token, None).await;
    let guid = tok.token.guid;
    // A relay URL nobody signed, for each kind BBB posts to; the MAC is in the query, so the
    // relay refuses it before reading a byte of the body, however long it claims to be.
    for kind in ["recording-ready", "analytics", "end"] {
        let target = format!(
            "/bigbluebutton/callback/{kind}/{guid}?url=http%3A%2F%2Flms.example%2Fx&sig=00"
        );
        for (framing, first_part) in [
            // More than any body the relay takes: refused as forged, not as too large.
            ("Content-Length: 1000000000", 1024),
            // Within the limit, but never finished.
            ("Content-Length: 100000", 1024),
            ("Transfer-Encoding: chunked", 1024),
        ] {
            let head = format!(
                "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
            );
            let status = status_before_the_whole_body(&h, &head, first_part).await;
            assert_eq!(status, 403, "{kind}, {framing}");
        }
    }
    h.stop().await;
}
