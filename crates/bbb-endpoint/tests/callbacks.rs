//! BBB's callbacks pass through the gateway: the end callback reaches the integration's URL,
//! the recording-ready JWT arrives re-signed with the token's secret and naming the client's
//! meetingID, and the relay refuses URLs no token signed.

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
