//! The bbb-webhooks API and its callbacks.

mod common;

use std::time::Duration;

use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use common::*;

#[tokio::test]
async fn hooks_are_created_listed_and_destroyed() {
    let sim = spawn();
    let cb = encode("http://127.0.0.1:9/hook");
    let a = call(&sim, "hooks/create", &format!("callbackURL={cb}")).await;
    a.assert_success();
    assert_eq!(a.text("response/hookID").as_deref(), Some("1"));
    assert_eq!(a.text("response/permanentHook").as_deref(), Some("false"));
    assert_eq!(a.text("response/rawData").as_deref(), Some("false"));

    let dup = call(&sim, "hooks/create", &format!("callbackURL={cb}")).await;
    dup.assert_success();
    assert_eq!(dup.key().as_deref(), Some("duplicateWarning"));
    assert_eq!(dup.text("response/hookID").as_deref(), Some("1"));
    assert_eq!(
        dup.text("response/message").as_deref(),
        Some("There is already a hook for this callback URL.")
    );

    // The same URL for one meeting is another hook.
    let scoped = call(
        &sim,
        "hooks/create",
        &format!("callbackURL={cb}&meetingID=m1&eventID=user-joined,meeting-ended&getRaw=true"),
    )
    .await;
    assert_eq!(scoped.text("response/hookID").as_deref(), Some("2"));
    assert_eq!(scoped.text("response/rawData").as_deref(), Some("true"));
    call(
        &sim,
        "hooks/create",
        &format!("callbackURL={cb}&meetingID=m2"),
    )
    .await
    .assert_success();

    let all = call(&sim, "hooks/list", "").await;
    all.assert_success();
    assert_eq!(count(&all.body, "response/hooks/hook"), 3);
    assert_eq!(
        all.text("response/hooks/hook/callbackURL").as_deref(),
        Some("http://127.0.0.1:9/hook")
    );
    let for_m1 = call(&sim, "hooks/list", "meetingID=m1").await;
    assert_eq!(count(&for_m1.body, "response/hooks/hook"), 2);
    assert_eq!(count(&for_m1.body, "response/hooks/hook/meetingID"), 1);
    assert_eq!(count(&for_m1.body, "response/hooks/hook/eventID"), 1);

    let removed = call(&sim, "hooks/destroy", "hookID=2").await;
    removed.assert_success();
    assert_eq!(removed.text("response/removed").as_deref(), Some("true"));
    call(&sim, "hooks/destroy", "hookID=2")
        .await
        .assert_failed("destroyMissingHook");
    call(&sim, "hooks/destroy", "hookID=abc")
        .await
        .assert_failed("destroyMissingHook");
    call(&sim, "hooks/destroy", "")
        .await
        .assert_failed("missingParamHookID");
    call(&sim, "hooks/create", "")
        .await
        .assert_failed("missingParamCallbackURL");
}

#[tokio::test]
async fn hooks_checksums_are_case_sensitive_with_a_trailing_period() {
    let sim = spawn();
    let sum = checksum(ChecksumAlgorithm::Sha256, "hooks/list", "", sim.secret());
    get(&raw_url(&sim, "hooks/list", &format!("checksum={sum}")))
        .await
        .assert_success();
    let upper = get(&raw_url(
        &sim,
        "hooks/list",
        &format!("checksum={}", sum.to_uppercase()),
    ))
    .await;
    upper.assert_failed("checksumError");
    assert_eq!(
        upper.text("response/message").as_deref(),
        Some("You did not pass the checksum security check.")
    );
    // Signed as "list" instead of "hooks/list": refused.
    let wrong_call = checksum(ChecksumAlgorithm::Sha1, "list", "", sim.secret());
    get(&raw_url(
        &sim,
        "hooks/list",
        &format!("checksum={wrong_call}"),
    ))
    .await
    .assert_failed("checksumError");

    let ping = get(&format!("{}hooks/ping", sim.api_url())).await;
    assert_eq!(ping.status, 200);
    assert_eq!(ping.body, "bbb-webhooks API up!");
}

#[tokio::test]
async fn events_are_posted_to_hooks_with_checksums() {
    let sim = spawn();
    let mut global = Receiver::start().await;
    let mut scoped = Receiver::start().await;
    let global_url = format!("{}/events", global.url);
    call(
        &sim,
        "hooks/create",
        &format!("callbackURL={}", encode(&global_url)),
    )
    .await
    .assert_success();
    let scoped_url = format!("{}/only-joins?x=1", scoped.url);
    call(
        &sim,
        "hooks/create",
        &format!(
            "callbackURL={}&meetingID=wh&eventID=user-joined",
            encode(&scoped_url)
        ),
    )
    .await
    .assert_success();

    create(&sim, "wh", "").await;
    join(&sim, "wh", "&userID=alice").await.assert_success();
    sim.remove_attendees("wh", 1).unwrap();
    call(&sim, "end", "meetingID=wh").await.assert_success();

    let mut ids = Vec::new();
    for _ in 0..4 {
        let request = global.next().await;
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        let (path, sum) = request
            .target
            .split_once("?checksum=")
            .expect("checksum query");
        assert_eq!(path, "/events");
        let expected = ChecksumAlgorithm::Sha1.hex_digest(&[
            global_url.as_bytes(),
            request.body.as_bytes(),
            sim.secret().as_bytes(),
        ]);
        assert_eq!(sum, expected);
        let names: Vec<String> = form(&request.body).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["domain", "event", "timestamp"]);
        assert_eq!(field(&request.body, "domain").as_deref(), Some("127.0.0.1"));
        let events: serde_json::Value =
            serde_json::from_str(&field(&request.body, "event").unwrap()).unwrap();
        let event = &events[0]["data"];
        assert_eq!(event["type"], "event");
        assert_eq!(event["attributes"]["meeting"]["external-meeting-id"], "wh");
        ids.push(event["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        ids,
        [
            "meeting-created",
            "user-joined",
            "user-left",
            "meeting-ended"
        ]
    );

    let only = scoped.next().await;
    assert!(
        only.target.starts_with("/only-joins?x=1&checksum="),
        "{}",
        only.target
    );
    let events: serde_json::Value =
        serde_json::from_str(&field(&only.body, "event").unwrap()).unwrap();
    assert_eq!(events[0]["data"]["id"], "user-joined");
    assert_eq!(
        events[0]["data"]["attributes"]["user"]["external-user-id"],
        "alice"
    );
    scoped.assert_silent(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn failing_hook_receivers_never_affect_api_calls() {
    let sim = spawn();
    let mut refusing = Receiver::start_answering(500).await;
    call(
        &sim,
        "hooks/create",
        &format!("callbackURL={}", encode(&refusing.url)),
    )
    .await
    .assert_success();
    // Nothing listens on port 9: connection refused.
    call(
        &sim,
        "hooks/create",
        &format!("callbackURL={}", encode("http://127.0.0.1:9/x")),
    )
    .await
    .assert_success();
    create(&sim, "robust", "").await;
    join(&sim, "robust", "").await.assert_success();
    // A refused delivery is retried.
    let first = refusing.next().await;
    let second = refusing.next().await;
    assert_eq!(first.body, second.body);
}
