//! Fault and load knobs, in process and over HTTP, and several servers in one process.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[tokio::test]
async fn simulated_attendees_count_and_make_meetings_run() {
    let sim = spawn();
    create(&sim, "load", "").await;
    assert_eq!(sim.add_attendees("load", 20).unwrap(), 20);
    let info = call(&sim, "getMeetingInfo", "meetingID=load").await;
    assert_eq!(info.text("response/running").as_deref(), Some("true"));
    assert_eq!(
        info.text("response/participantCount").as_deref(),
        Some("20")
    );
    assert_eq!(count(&info.body, "response/attendees/attendee"), 20);
    assert_eq!(sim.remove_attendees("load", 5).unwrap(), 5);
    assert_eq!(sim.meetings_snapshot()[0].attendees.len(), 15);
    assert_eq!(sim.remove_attendees("load", 100).unwrap(), 15);
    assert!(sim.add_attendees("nope", 1).is_err());
    assert!(sim.remove_attendees("nope", 1).is_err());
}

#[tokio::test]
async fn capacity_limits_joins_and_simulated_attendees() {
    let sim = spawn();
    create(&sim, "cap", "").await;
    sim.set_capacity(Some(3));
    assert_eq!(sim.add_attendees("cap", 2).unwrap(), 2);
    join(&sim, "cap", "").await.assert_success();
    join(&sim, "cap", "")
        .await
        .assert_failed("maxParticipantsReached");
    assert_eq!(sim.add_attendees("cap", 5).unwrap(), 0);
    sim.set_capacity(None);
    join(&sim, "cap", "").await.assert_success();
}

#[tokio::test]
async fn latency_delays_api_answers() {
    let sim = spawn();
    sim.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    call(&sim, "getMeetings", "").await.assert_success();
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.set_latency(Duration::ZERO);
    let started = Instant::now();
    call(&sim, "getMeetings", "").await.assert_success();
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn error_rate_answers_like_a_broken_backend() {
    let sim = spawn();
    sim.set_error_rate(1.0);
    let a = call(&sim, "getMeetings", "").await;
    assert_eq!(a.status, 502);
    assert!(a.content_type.starts_with("text/html"));
    assert!(a.body.contains("502 Bad Gateway"));
    sim.set_error_rate(0.0);
    call(&sim, "getMeetings", "").await.assert_success();
}

#[tokio::test]
async fn down_refuses_connections_and_up_keeps_the_state() {
    let sim = spawn();
    create(&sim, "survivor", "").await;
    let client = http();
    let url = url(&sim, "getMeetingInfo", "meetingID=survivor");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);

    sim.set_down(true).await.unwrap();
    assert!(sim.is_down().await);
    let error = client.get(&url).send().await.expect_err("server is down");
    assert!(error.is_connect() || error.is_request(), "{error:?}");
    // A fresh connection is refused outright.
    assert!(std::net::TcpStream::connect(sim.addr()).is_err());

    sim.set_down(false).await.unwrap();
    let a = get(&url).await;
    a.assert_success();
    assert_eq!(a.text("response/meetingID").as_deref(), Some("survivor"));
}

#[tokio::test]
async fn knobs_work_over_http() {
    let sim = spawn();
    let client = http();
    let knob = |path: &str| format!("{}{path}", sim.base_url());
    create(&sim, "remote", "").await;

    let added = client
        .post(knob("/sim/meetings/remote/attendees?count=20"))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    assert_eq!(answer(added).await.json()["added"], 20);
    let info = call(&sim, "getMeetingInfo", "meetingID=remote").await;
    assert_eq!(
        info.text("response/participantCount").as_deref(),
        Some("20")
    );
    let removed = client
        .delete(knob("/sim/meetings/remote/attendees?count=4"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(removed).await.json()["removed"], 4);
    let unknown = client
        .post(knob("/sim/meetings/none/attendees?count=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let bad = client
        .post(knob("/sim/meetings/remote/attendees?count=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let snapshot = answer(client.get(knob("/sim/meetings")).send().await.unwrap())
        .await
        .json();
    assert_eq!(snapshot[0]["meeting_id"], "remote");
    assert_eq!(snapshot[0]["attendees"].as_array().unwrap().len(), 16);

    assert_eq!(
        client
            .post(knob("/sim/capacity?max=16"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    join(&sim, "remote", "")
        .await
        .assert_failed("maxParticipantsReached");
    assert_eq!(
        client
            .post(knob("/sim/capacity?max=none"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    join(&sim, "remote", "").await.assert_success();
    assert_eq!(
        client
            .post(knob("/sim/capacity?max=-1"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );

    assert_eq!(
        client
            .post(knob("/sim/latency?ms=200"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let started = Instant::now();
    call(&sim, "getMeetings", "").await.assert_success();
    assert!(started.elapsed() >= Duration::from_millis(200));
    client.post(knob("/sim/latency?ms=0")).send().await.unwrap();

    assert_eq!(
        client
            .post(knob("/sim/error-rate?p=1"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(call(&sim, "getMeetings", "").await.status, 502);
    // The knobs themselves keep working while the API fails.
    assert_eq!(
        client
            .post(knob("/sim/error-rate?p=0"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    call(&sim, "getMeetings", "").await.assert_success();
    assert_eq!(
        client
            .post(knob("/sim/error-rate?p=2"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );

    let recordings = client.get(knob("/sim/recordings")).send().await.unwrap();
    assert_eq!(answer(recordings).await.json(), serde_json::json!([]));
}

#[tokio::test]
async fn down_over_http_comes_back_by_itself() {
    let sim = spawn();
    let client = http();
    let down = client
        .post(format!("{}/sim/down?ms=500", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        std::net::TcpStream::connect(sim.addr()).is_err(),
        "should be down"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    call(&sim, "getMeetings", "").await.assert_success();
    let refused = client
        .post(format!("{}/sim/down", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn several_servers_keep_their_own_state_and_secrets() {
    let a = spawn_with(bbb_sim::SimConfig {
        secret: "secret-a".into(),
        ..Default::default()
    });
    let b = spawn_with(bbb_sim::SimConfig {
        secret: "secret-b".into(),
        ..Default::default()
    });
    assert_ne!(a.addr(), b.addr());
    create(&a, "only-on-a", "").await;
    call(&b, "getMeetingInfo", "meetingID=only-on-a")
        .await
        .assert_failed("notFound");
    // A URL signed for A does not pass on B.
    let signed_for_a = url(&a, "getMeetings", "").replace(a.base_url(), b.base_url());
    get(&signed_for_a).await.assert_failed("checksumError");
    b.set_down(true).await.unwrap();
    call(&a, "getMeetingInfo", "meetingID=only-on-a")
        .await
        .assert_success();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn public_url_is_used_in_links() {
    let sim = spawn_with(bbb_sim::SimConfig {
        public_url: Some("https://bbb.example.org/".into()),
        ..Default::default()
    });
    assert_eq!(sim.api_url(), "https://bbb.example.org/bigbluebutton/api/");
    let local = format!("http://{}/bigbluebutton/api/", sim.addr());
    create_at(&sim, &local).await;
    let joined = get(&format!(
        "{local}join?{}",
        sign(
            &sim,
            "join",
            "meetingID=pub&fullName=A&role=VIEWER",
            bbb_client::checksum::ChecksumAlgorithm::Sha1
        )
    ))
    .await;
    assert!(
        joined
            .location
            .unwrap()
            .starts_with("https://bbb.example.org/html5client/join?sessionToken=")
    );
}

async fn create_at(sim: &bbb_sim::SimServer, api: &str) {
    let query = sign(
        sim,
        "create",
        "name=Pub&meetingID=pub",
        bbb_client::checksum::ChecksumAlgorithm::Sha1,
    );
    get(&format!("{api}create?{query}")).await.assert_success();
}

#[test]
fn spawn_outside_a_runtime_is_an_error() {
    assert!(bbb_sim::SimServer::spawn(bbb_sim::SimConfig::default()).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_multi_threaded_runtime_with_several_workers() {
    let sim = spawn_with(bbb_sim::SimConfig {
        workers: 2,
        ..Default::default()
    });
    create(&sim, "mt", "").await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let url = url(&sim, "getMeetingInfo", "meetingID=mt");
        requests.spawn(async move { get(&url).await });
    }
    while let Some(answer) = requests.join_next().await {
        answer.unwrap().assert_success();
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn polled_documents_follow_every_change() {
    let sim = spawn();
    create(&sim, "poll", "").await;
    let participants = |a: &Answer| a.text("response/participantCount");
    let listed = |a: &Answer| count(&a.body, "response/meetings/meeting/attendees/attendee");
    for expected in [0, 2, 5, 1] {
        let present = sim.meetings_snapshot()[0].attendees.len();
        if expected > present {
            sim.add_attendees("poll", expected - present).unwrap();
        } else {
            sim.remove_attendees("poll", present - expected).unwrap();
        }
        // Asked twice: the second answer may come from the cache and must still be current.
        for _ in 0..2 {
            let info = call(&sim, "getMeetingInfo", "meetingID=poll").await;
            assert_eq!(participants(&info), Some(expected.to_string()));
            assert_eq!(listed(&call(&sim, "getMeetings", "").await), expected);
        }
    }
    join(&sim, "poll", "").await.assert_success();
    let info = call(&sim, "getMeetingInfo", "meetingID=poll").await;
    assert_eq!(participants(&info).as_deref(), Some("2"));
    call(&sim, "end", "meetingID=poll").await.assert_success();
    let info = call(&sim, "getMeetingInfo", "meetingID=poll").await;
    assert_eq!(
        info.text("response/hasBeenForciblyEnded").as_deref(),
        Some("true")
    );
}

/// A client with warm keep-alive connections must not be answered once `set_down(true)`
/// returned (reported by the client engineer: pooled connections were sometimes still served).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_also_drops_pooled_connections() {
    let sim = spawn_with(bbb_sim::SimConfig {
        workers: 2,
        ..Default::default()
    });
    let client = http();
    let url = url(&sim, "getMeetings", "");
    for round in 0..60 {
        // Several connections in the pool, spread over both workers.
        let mut warm = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (client, url) = (client.clone(), url.clone());
            warm.spawn(async move { client.get(&url).send().await.unwrap().status() });
        }
        while let Some(status) = warm.join_next().await {
            assert_eq!(status.unwrap(), 200);
        }
        sim.set_down(true).await.unwrap();
        let answered = client.get(&url).send().await;
        assert!(
            answered.is_err(),
            "round {round}: answered while down: {answered:?}"
        );
        sim.set_down(false).await.unwrap();
    }
}

#[tokio::test]
async fn api_calls_are_counted_even_when_they_fail() {
    let sim = spawn();
    create(&sim, "counted", "").await;
    call(&sim, "getMeetings", "").await.assert_success();
    call(&sim, "getMeetings", "").await.assert_success();
    get(&raw_url(&sim, "getMeetings", "checksum=bad"))
        .await
        .assert_failed("checksumError");
    sim.set_error_rate(1.0);
    assert_eq!(
        call(&sim, "getMeetingInfo", "meetingID=counted")
            .await
            .status,
        502
    );
    sim.set_error_rate(0.0);
    get(&sim.api_url()).await.assert_success();
    call(&sim, "noSuchCall", "").await;
    let counts = sim.api_calls();
    let expected: std::collections::BTreeMap<String, u64> = [
        ("create".to_owned(), 1),
        ("getMeetings".to_owned(), 3),
        ("getMeetingInfo".to_owned(), 1),
        ("index".to_owned(), 1),
    ]
    .into();
    assert_eq!(counts, expected);

    let over_http = answer(
        http()
            .get(format!("{}/sim/calls", sim.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(over_http.json()["getMeetings"], 3);
    http()
        .delete(format!("{}/sim/calls", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert!(sim.api_calls().is_empty());
}
