//! BBB server URLs through GraphQL over HTTP, from a group admin's side (`ADD_SERVERS` on a
//! group, no more): a URL no BBB call can be made with is refused with the field named, and
//! the gateway's poller cannot be aimed at loopback, private or link-local addresses unless
//! the operator's `outbound.allow` admits them. One bad row an older database holds does not
//! break its group.

use serde_json::{Value, json};
use store::{GroupPermission, NewServer, Secret, ServerState};

use crate::common::{TestApp, error_code};

const ADD_SERVER: &str = "mutation($g: ID!, $name: String!, $url: String!) { \
    addServer(input: { groupId: $g, name: $name, apiUrl: $url, secret: \"s3cret-0123456789\" }) \
    { name apiUrl } }";

/// A user holding `ADD_SERVERS` on the test group, and their bearer token.
async fn group_admin(app: &TestApp) -> String {
    let user = app.create_user("groupadmin", "group-admin-password").await;
    app.state
        .store
        .groups()
        .grant(app.group.id, user.id, GroupPermission::AddServers)
        .await
        .unwrap();
    app.token_for(&user)
}

async fn add_server(app: &TestApp, token: &str, name: &str, url: &str) -> Value {
    app.graphql(
        ADD_SERVER,
        json!({
            "g": gateway::graphql::relay::encode_id("ServerGroup", app.group.id).0,
            "name": name,
            "url": url,
        }),
        Some(token),
    )
    .await
}

#[track_caller]
fn assert_refused_url(answer: &Value, mentions: &str) {
    assert_eq!(error_code(answer), "BAD_USER_INPUT", "{answer:#}");
    assert_eq!(
        answer["errors"][0]["extensions"]["field"], "apiUrl",
        "{answer:#}"
    );
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(mentions), "{message}");
    assert!(answer["data"].is_null(), "{answer:#}");
}

#[tokio::test]
async fn add_server_refuses_urls_no_bbb_call_can_be_made_with() {
    let app = TestApp::spawn().await;
    let token = group_admin(&app).await;
    for (url, mentions) in [
        ("https://bbb.example.org/bigbluebutton/api/?x=1", "query"),
        ("https://bbb.example.org/bigbluebutton/api/#top", "fragment"),
        (
            "https://admin:pw@bbb.example.org/bigbluebutton/api/",
            "credentials",
        ),
        ("https://bbb.example.org:99999/bigbluebutton/api/", "port"),
        ("https://bbb.example.org:0/bigbluebutton/api/", "port 0"),
        ("ftp://bbb.example.org/", "http"),
    ] {
        assert_refused_url(&add_server(&app, &token, "bad", url).await, mentions);
    }
    let servers = app.state.store.servers().list(app.group.id).await.unwrap();
    assert_eq!(servers.len(), 2, "only the simulators: {servers:?}");
    app.stop().await;
}

#[tokio::test]
async fn add_server_refuses_internal_addresses_unless_the_operator_allows_them() {
    // The default configuration: public addresses only.
    let app = TestApp::spawn_with(|config| config.outbound.allow.clear()).await;
    let token = group_admin(&app).await;
    for url in [
        "http://127.0.0.1:8090/bigbluebutton/api/",
        "http://localhost:8090/bigbluebutton/api/",
        "http://[::1]/bigbluebutton/api/",
        "http://[::ffff:127.0.0.1]/bigbluebutton/api/",
        "http://10.0.0.5/bigbluebutton/api/",
        "http://192.168.1.20/bigbluebutton/api/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:8090/bigbluebutton/api/",
    ] {
        assert_refused_url(
            &add_server(&app, &token, "internal", url).await,
            "outbound.allow",
        );
    }
    app.stop().await;

    // Admitted by the operator: a private BBB network.
    let app = TestApp::spawn_with(|config| {
        config.outbound.allow = vec!["10.0.0.0/8".to_owned(), "127.0.0.0/8".to_owned()];
    })
    .await;
    let token = group_admin(&app).await;
    let answer = add_server(
        &app,
        &token,
        "private",
        "http://10.0.0.5/bigbluebutton/api/",
    )
    .await;
    assert_eq!(answer["data"]["addServer"]["name"], "private", "{answer:#}");
    let answer = add_server(&app, &token, "link", "http://169.254.169.254/latest/").await;
    assert_refused_url(&answer, "link-local");
    app.stop().await;
}

#[tokio::test]
async fn servers_stored_with_refused_addresses_are_never_connected_to() {
    // A server row pointing at loopback, as a database from before the rule may hold: with
    // the default configuration the gateway does not connect to it (the simulators of the
    // harness are on loopback too, so every poll fails, and says why).
    let app = TestApp::spawn_with(|config| config.outbound.allow.clear()).await;
    let settings = service::bbb::poller::PollSettings {
        interval: std::time::Duration::from_secs(1),
        request_timeout: std::time::Duration::from_secs(2),
        thresholds: store::HealthThresholds { rise: 1, fall: 1 },
    };
    let calls_before: u64 = app
        .simulators
        .iter()
        .map(|sim| sim.api_calls().values().sum::<u64>())
        .sum();
    let polls = service::bbb::poller::poll_once(&app.state.store, &app.state.bbb, &settings)
        .await
        .unwrap();
    assert_eq!(polls.len(), 2);
    for poll in &polls {
        let error = poll.outcome.as_ref().unwrap_err();
        assert!(error.contains("loopback"), "{error}");
    }
    let calls_after: u64 = app
        .simulators
        .iter()
        .map(|sim| sim.api_calls().values().sum::<u64>())
        .sum();
    assert_eq!(calls_before, calls_after, "a simulator was called");
    app.stop().await;
}

#[tokio::test]
async fn one_bad_server_row_does_not_break_graphql_meetings_of_its_group() {
    let app = TestApp::spawn().await;
    app.state
        .store
        .servers()
        .add(NewServer {
            group_id: app.group.id,
            name: "old-row".to_owned(),
            api_url: "https://bbb.example.org/bigbluebutton/api/?x=1".to_owned(),
            secret: Secret::new("an-old-secret"),
            // The heaviest: were it a candidate, it would be chosen first.
            weight: 100,
            state: ServerState::Enabled,
        })
        .await
        .unwrap();
    let user = app.create_user("organizer", "organizer-password").await;
    app.state
        .store
        .groups()
        .grant(app.group.id, user.id, GroupPermission::AddMeetings)
        .await
        .unwrap();
    let token = app.token_for(&user);
    // Each start reserves seats on its server: by the third, the idle bad row would be the
    // least loaded, were it a candidate.
    for n in 0..3 {
        let created = app
            .graphql(
                "mutation($g: ID!, $name: String!) { createMeeting(input: { groupId: $g, name: $name }) { id } }",
                json!({
                    "g": gateway::graphql::relay::encode_id("ServerGroup", app.group.id).0,
                    "name": format!("Room {n}"),
                }),
                Some(&token),
            )
            .await;
        let id = created["data"]["createMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{created:#}"))
            .to_owned();
        let started = app
            .graphql(
                "mutation($id: ID!) { startMeeting(id: $id) { id } }",
                json!({ "id": id }),
                Some(&token),
            )
            .await;
        assert_eq!(
            started["data"]["startMeeting"]["id"],
            id.as_str(),
            "{started:#}"
        );
    }
    app.stop().await;
}
