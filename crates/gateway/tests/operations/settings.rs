//! The BBB endpoint's and the balancer's settings reach the running gateway: each test sets
//! one to a value whose effect the default would not have, and watches the effect through the
//! front door.

use std::time::{Duration, Instant};

use bbb_client::{ChecksumAlgorithm, checksum::checksum};
use store::{ApiToken, NewApiToken, PlacementFilter};

use crate::common::TestApp;

/// A token of the app's group and a signer of URLs of its per-token path.
async fn token(app: &TestApp) -> (ApiToken, impl Fn(&str, &str) -> String) {
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken::new("lms", app.group.id))
        .await
        .unwrap();
    let secret = created.secret.expose().to_owned();
    let base = format!(
        "{}/t/{}/bigbluebutton/api/",
        app.address, created.token.guid
    );
    let sign = move |call: &str, query: &str| {
        let sum = checksum(ChecksumAlgorithm::Sha1, call, query, &secret);
        if query.is_empty() {
            format!("{base}{call}?checksum={sum}")
        } else {
            format!("{base}{call}?{query}&checksum={sum}")
        }
    };
    (created.token, sign)
}

async fn get_text(app: &TestApp, url: String) -> String {
    app.http
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The server each of the token's meetings was placed on, by client meetingID.
async fn server_of(app: &TestApp, token: &ApiToken, meeting_id: &str) -> i64 {
    app.state
        .store
        .placements()
        .list(&PlacementFilter {
            token_id: Some(token.id),
            ..PlacementFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|placement| placement.client_meeting_id == meeting_id)
        .unwrap_or_else(|| panic!("no placement of {meeting_id}"))
        .server_id
}

async fn create(app: &TestApp, sign: &impl Fn(&str, &str) -> String, query: &str) {
    let answer = get_text(app, sign("create", query)).await;
    assert!(
        answer.contains("<returncode>SUCCESS</returncode>"),
        "{query}: {answer}"
    );
}

#[tokio::test]
async fn getmeetings_waits_for_a_slow_server_no_longer_than_endpoint_fan_out_timeout() {
    let app = TestApp::spawn_with(|config| {
        config.endpoint.fan_out_timeout = Duration::from_millis(300);
    })
    .await;
    let (_, sign) = token(&app).await;
    // Under the default 5 s the gateway would wait for this server's answer.
    app.simulators[1].set_latency(Duration::from_secs(3));
    let started = Instant::now();
    let answer = get_text(&app, sign("getMeetings", "")).await;
    let elapsed = started.elapsed();
    assert!(
        answer.contains("<returncode>SUCCESS</returncode>"),
        "{answer}"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "answered after {elapsed:?}"
    );
    app.simulators[1].set_latency(Duration::ZERO);
}

#[tokio::test]
async fn a_deleted_token_stops_working_after_endpoint_secret_cache_ttl() {
    let app = TestApp::spawn_with(|config| {
        config.endpoint.secret_cache_ttl = Duration::from_millis(200);
    })
    .await;
    let (token, sign) = token(&app).await;
    let url = sign("getMeetings", "");
    let answer = get_text(&app, url.clone()).await;
    assert!(
        answer.contains("<returncode>SUCCESS</returncode>"),
        "{answer}"
    );
    app.state.store.tokens().delete(token.id).await.unwrap();
    // Well within the default 10 s for which the cached secret would still be accepted.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let answer = get_text(&app, url).await;
    assert!(
        answer.contains("<returncode>FAILED</returncode>"),
        "{answer}"
    );
}

#[tokio::test]
async fn balancer_default_seats_sizes_the_reservation_of_a_meeting_without_a_hint() {
    let app = TestApp::spawn_with(|config| {
        config.balancer.default_seats = 20;
    })
    .await;
    let (token, sign) = token(&app).await;
    // 10 seats on the first server (equal load: the lower id wins), then 20 on the other for
    // a meeting without a hint: the next one without a hint goes back to the first (10 < 20).
    // With the default 5 seats it would stay on the second (5 < 10).
    create(&app, &sign, "meetingID=big&name=Big&maxParticipants=10").await;
    create(&app, &sign, "meetingID=small-1&name=Small").await;
    create(&app, &sign, "meetingID=small-2&name=Small").await;
    let big = server_of(&app, &token, "big").await;
    let small_1 = server_of(&app, &token, "small-1").await;
    let small_2 = server_of(&app, &token, "small-2").await;
    assert_ne!(big, small_1);
    assert_eq!(small_2, big);
}

#[tokio::test]
async fn reservations_fade_within_balancer_reservation_decay() {
    let app = TestApp::spawn_with(|config| {
        config.balancer.reservation_decay = Duration::from_millis(1);
    })
    .await;
    let (token, sign) = token(&app).await;
    // No poll has seen any attendee: once the reservations have faded every server is
    // empty, and the lower id wins each time. Under the default 10 minutes the meetings
    // would alternate between the two servers.
    for room in ["room-1", "room-2", "room-3"] {
        create(&app, &sign, &format!("meetingID={room}&name=Room")).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = server_of(&app, &token, "room-1").await;
    for room in ["room-2", "room-3"] {
        assert_eq!(server_of(&app, &token, room).await, first, "{room}");
    }
}
