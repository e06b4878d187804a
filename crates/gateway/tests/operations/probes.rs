//! `/healthz`, `/readyz`, `/metrics` and request ids, on the in-process gateway; and the
//! background loop that polls while this instance leads.

use std::time::Duration;

use bbb_client::CreateMeeting;
use gateway::{background, election::Election};
use serde_json::json;
use store::{NewApiToken, NewPlacement};

use crate::common::TestApp;

async fn metrics_text(app: &TestApp) -> String {
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    response.text().await.unwrap()
}

fn assert_has(text: &str, line: &str) {
    assert!(
        text.lines().any(|candidate| candidate == line),
        "`{line}` missing in\n{text}"
    );
}

#[tokio::test]
async fn readiness_needs_the_database_and_every_migration() {
    let app = TestApp::spawn().await;
    let (status, body) = app.send(app.http.get(app.url("/readyz"))).await;
    assert_eq!((status, body), (200, json!({ "status": "ready" })));
    let (status, body) = app.send(app.http.get(app.url("/healthz"))).await;
    assert_eq!((status, body), (200, json!({ "status": "ok" })));

    let newest = store::migration_status(app.state.store.connection())
        .await
        .unwrap()
        .pop()
        .unwrap();
    store::migrate_down(app.state.store.connection(), Some(1))
        .await
        .unwrap();
    let (status, body) = app.send(app.http.get(app.url("/readyz"))).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(
        body["reason"],
        format!("migrations not applied: {}", newest.name)
    );
    // Alive all the same.
    let (status, _) = app.send(app.http.get(app.url("/healthz"))).await;
    assert_eq!(status, 200);

    store::migrate_up(app.state.store.connection(), None)
        .await
        .unwrap();
    app.state.store.clone().close().await.unwrap();
    let (status, body) = app.send(app.http.get(app.url("/readyz"))).await;
    assert_eq!(status, 503);
    assert_eq!(body["reason"], "database unavailable");
}

#[tokio::test]
async fn graphql_requests_are_counted_by_operation_type_and_outcome() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "wonderland").await;
    let token = app.token_for(&alice);
    for _ in 0..2 {
        app.graphql("{ viewer { username } }", json!({}), Some(&token))
            .await;
    }
    app.graphql("{ viewer { username } }", json!({}), Some("not-a-jwt"))
        .await;
    app.graphql(
        "mutation { login(username: \"alice\", password: \"wrong\") { token } }",
        json!({}),
        None,
    )
    .await;
    app.graphql("{ nope", json!({}), None).await;

    let text = metrics_text(&app).await;
    assert_has(
        &text,
        r#"bbb_gateway_requests_total{front_door="graphql",call="query",outcome="ok"} 2"#,
    );
    assert_has(
        &text,
        r#"bbb_gateway_requests_total{front_door="graphql",call="query",outcome="UNAUTHENTICATED"} 1"#,
    );
    assert_has(
        &text,
        r#"bbb_gateway_requests_total{front_door="graphql",call="mutation",outcome="UNAUTHENTICATED"} 1"#,
    );
    assert_has(
        &text,
        r#"bbb_gateway_requests_total{front_door="graphql",call="invalid",outcome="BAD_USER_INPUT"} 1"#,
    );
    assert_has(
        &text,
        r#"bbb_gateway_request_duration_seconds_count{front_door="graphql",call="query"} 3"#,
    );
    assert_has(&text, "bbb_gateway_poller_leader 0");
}

#[tokio::test]
async fn servers_and_token_meetings_are_reported_from_the_database() {
    let app = TestApp::spawn().await;
    let store = &app.state.store;
    let servers = store.servers().list(app.group.id).await.unwrap();
    let token = store
        .tokens()
        .create(NewApiToken::new("lms", app.group.id))
        .await
        .unwrap()
        .token;
    for meeting in ["a", "b"] {
        store
            .placements()
            .create_or_get(NewPlacement {
                group_id: app.group.id,
                server_id: servers[0].id,
                namespace: token.guid.to_string(),
                client_meeting_id: meeting.to_owned(),
                bbb_meeting_id: format!("backend-{meeting}"),
                token_id: Some(token.id),
                meeting_id: None,
            })
            .await
            .unwrap();
    }
    let text = metrics_text(&app).await;
    let labels = |server: &store::Server| {
        format!(
            r#"server_id="{}",server="{}",group_id="{}""#,
            server.id, server.name, server.group_id
        )
    };
    for server in &servers {
        assert_has(
            &text,
            &format!(
                "bbb_gateway_server_health{{{},status=\"unknown\"}} 1",
                labels(server)
            ),
        );
        assert_has(
            &text,
            &format!(
                "bbb_gateway_server_state{{{},status=\"enabled\"}} 1",
                labels(server)
            ),
        );
        assert_has(
            &text,
            &format!("bbb_gateway_server_meetings{{{}}} 0", labels(server)),
        );
    }
    assert_has(
        &text,
        &format!("bbb_gateway_token_meetings{{token_id=\"{}\"}} 2", token.id),
    );

    // A removed server disappears from the next scrape.
    store.servers().remove(servers[1].id).await.unwrap();
    let text = metrics_text(&app).await;
    assert!(!text.contains(&labels(&servers[1])), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_only_instance_leads_and_polls_until_shut_down() {
    let app = TestApp::spawn_with(|config| {
        config.poller.interval = Duration::from_millis(200);
        config.poller.healthy_after = 1;
    })
    .await;
    let store = &app.state.store;
    let servers = store.servers().list(app.group.id).await.unwrap();
    let token = store
        .tokens()
        .create(NewApiToken::new("lms", app.group.id))
        .await
        .unwrap()
        .token;
    let sim = &app.simulators[0];
    let endpoint = bbb_client::Server::new(&sim.api_url(), sim.secret()).unwrap();
    app.state
        .bbb
        .create(&endpoint, &CreateMeeting::new("backend-1", "Room"))
        .await
        .unwrap();
    sim.add_attendees("backend-1", 4).unwrap();
    store
        .placements()
        .create_or_get(NewPlacement {
            group_id: app.group.id,
            server_id: servers[0].id,
            namespace: token.guid.to_string(),
            client_meeting_id: "room".to_owned(),
            bbb_meeting_id: "backend-1".to_owned(),
            token_id: Some(token.id),
            meeting_id: None,
        })
        .await
        .unwrap();

    let (stop, stopping) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(background::run(
        app.state.clone(),
        Election::Single,
        stopping,
    ));
    let server_labels = format!(
        r#"server_id="{}",server="{}",group_id="{}""#,
        servers[0].id, servers[0].name, servers[0].group_id
    );
    let expected = [
        "bbb_gateway_poller_leader 1".to_owned(),
        format!("bbb_gateway_server_health{{{server_labels},status=\"healthy\"}} 1"),
        format!("bbb_gateway_server_attendees{{{server_labels}}} 4"),
        format!("bbb_gateway_token_attendees{{token_id=\"{}\"}} 4", token.id),
    ];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics_text(&app).await;
        if expected.iter().all(|line| text.lines().any(|l| l == line)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after 10 s still missing some of {expected:#?} in\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    stop.send_replace(true);
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the background loop stops on shutdown")
        .unwrap();
    assert_has(&metrics_text(&app).await, "bbb_gateway_poller_leader 0");
    let polled = store
        .servers()
        .get(servers[0].id)
        .await
        .unwrap()
        .last_polled_at;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        store
            .servers()
            .get(servers[0].id)
            .await
            .unwrap()
            .last_polled_at,
        polled,
        "no poll after shutdown"
    );
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");

    let response = app
        .http
        .get(app.url("/no-such-page"))
        .header("x-request-id", "lb-42.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-request-id"], "lb-42.abc");

    // An id that could forge log lines is replaced.
    let response = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "a\"b c")
        .send()
        .await
        .unwrap();
    let replaced = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(replaced).is_ok(), "{replaced}");
}
