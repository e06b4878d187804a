//! `meetingEvents` over `/graphql/ws`, as a frontend uses it: a real WebSocket client speaking
//! graphql-transport-ws (and the older graphql-ws) watches a meeting start, fill, empty and
//! end on the simulated BBB servers; and the refusals, which come before any event.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[allow(dead_code)] // each test binary uses its own part of the harness
mod common;

use std::time::Duration;

use common::TestApp;
use futures_util::{SinkExt, StreamExt};
use gateway::graphql::relay::encode_id;
use serde_json::{Value, json};
use store::{GroupPermission, User};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// Far more than an event takes to arrive (one poll interval), however loaded the machine.
const PATIENCE: Duration = Duration::from_secs(15);

const MEETING_EVENTS: &str =
    "subscription($id: ID!) { meetingEvents(id: $id) { kind attendee { userId fullName role } } }";

/// The gateway, polling live meetings often so that events come quickly.
async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with the configuration adjusted further.
async fn spawn_app_with(adjust: impl FnOnce(&mut gateway::config::Config)) -> TestApp {
    TestApp::spawn_with(|config| {
        config.graphql.subscription_poll_interval = Duration::from_millis(100);
        adjust(config);
    })
    .await
}

/// A GraphQL WebSocket client of either protocol.
struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Opens `/graphql/ws` with `protocol`, adding `authorization` to the upgrade request.
    async fn open(app: &TestApp, protocol: &str, authorization: Option<&str>) -> Client {
        let url = app.url("/graphql/ws").replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(protocol).unwrap(),
        );
        if let Some(authorization) = authorization {
            headers.insert(
                "authorization",
                HeaderValue::from_str(authorization).unwrap(),
            );
        }
        let (socket, response) = connect_async(request).await.unwrap();
        assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
        Client { socket }
    }

    /// Opens a graphql-transport-ws connection and initialises it with `payload`.
    async fn connect(app: &TestApp, payload: Value) -> Client {
        let mut client = Client::open(app, "graphql-transport-ws", None).await;
        client.init(payload).await;
        client
    }

    async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = self.receive().await;
        assert_eq!(ack["type"], "connection_ack", "{ack:#}");
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    /// Subscribes (graphql-transport-ws) to the events of `meeting` under `id`.
    async fn subscribe_to(&mut self, id: &str, meeting: &str) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": MEETING_EVENTS, "variables": { "id": meeting } },
        }))
        .await;
    }

    /// Closes the connection as a browser tab does, and waits until the server let go of it
    /// (an open WebSocket would hold up the server's graceful stop).
    async fn close(mut self) {
        // The server may have closed first; then this only completes the handshake.
        let _ = self.socket.close(None).await;
        tokio::time::timeout(PATIENCE, async {
            while let Some(Ok(_)) = self.socket.next().await {}
        })
        .await
        .expect("the server closes the connection in time");
    }

    /// The next frame that is not a WebSocket-level ping or pong. The server pings every few
    /// seconds: the patience covers them all, or it would never run out.
    async fn frame(&mut self) -> Message {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .expect("the server answers in time")
                .expect("the connection stays open")
                .unwrap();
            if !matches!(frame, Message::Ping(_) | Message::Pong(_)) {
                return frame;
            }
        }
    }

    /// Waits until the server ends the connection: its close frame (code), or the TCP
    /// connection just ending. Panics if it stays open for `PATIENCE`.
    async fn closed_by_server(&mut self) -> Option<u16> {
        tokio::time::timeout(PATIENCE, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Close(frame))) => {
                        return frame.map(|frame| u16::from(frame.code));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(other)) => panic!("expected the connection to close, got {other:?}"),
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("the server closes the connection in time")
    }

    async fn receive(&mut self) -> Value {
        match self.frame().await {
            Message::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    /// The next event of subscription `id` (graphql-transport-ws `next`).
    async fn event(&mut self, id: &str) -> Value {
        let message = self.receive().await;
        assert_eq!(message["type"], "next", "{message:#}");
        assert_eq!(message["id"], id);
        assert!(message["payload"]["errors"].is_null(), "{message:#}");
        message["payload"]["data"]["meetingEvents"].clone()
    }

    /// The refusal of subscription `id`: its error code, after which the subscription is
    /// complete without any event.
    async fn refusal(&mut self, id: &str) -> String {
        let message = self.receive().await;
        assert_eq!(message["type"], "next", "{message:#}");
        assert_eq!(message["id"], id);
        assert!(message["payload"]["data"].is_null(), "{message:#}");
        let code = message["payload"]["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {message:#}"))
            .to_owned();
        let complete = self.receive().await;
        assert_eq!(complete, json!({ "type": "complete", "id": id }));
        code
    }
}

fn bearer(app: &TestApp, user: &User) -> String {
    format!("Bearer {}", app.token_for(user))
}

/// A user who may create meetings in the test group.
async fn organizer(app: &TestApp, username: &str) -> User {
    let user = app.create_user(username, "organizer-password").await;
    app.state
        .store
        .groups()
        .grant(app.group.id, user.id, GroupPermission::AddMeetings)
        .await
        .unwrap();
    user
}

const CREATE_MEETING: &str =
    "mutation($input: CreateMeetingInput!) { createMeeting(input: $input) { id } }";
const GRANT_ATTENDEE: &str =
    "mutation($m: ID!, $u: String!) { grantMeetingPermission(meetingId: $m,
             user: { username: $u }, permission: JOIN_AS_ATTENDEE) { __typename } }";
const START_MEETING: &str = "mutation($id: ID!) { startMeeting(id: $id) { id } }";

/// Runs a GraphQL operation that must succeed; returns its data.
async fn run(app: &TestApp, user: &User, query: &str, variables: Value) -> Value {
    let answer = app
        .graphql(query, variables, Some(&app.token_for(user)))
        .await;
    assert!(answer["errors"].is_null(), "{answer:#}");
    answer["data"].clone()
}

/// A meeting of `owner` that `attendee` may join; returns its global ID.
async fn shared_meeting(app: &TestApp, owner: &User, attendee: &User) -> String {
    let group = encode_id("ServerGroup", app.group.id);
    let created = run(
        app,
        owner,
        CREATE_MEETING,
        json!({ "input": { "name": "Watched", "groupId": group } }),
    )
    .await;
    let meeting = created["createMeeting"]["id"].as_str().unwrap().to_owned();
    run(
        app,
        owner,
        GRANT_ATTENDEE,
        json!({ "m": meeting, "u": attendee.username }),
    )
    .await;
    meeting
}

async fn start_meeting(app: &TestApp, user: &User, meeting: &str) {
    run(app, user, START_MEETING, json!({ "id": meeting })).await;
}

/// The BBB meetingID of a persistent meeting.
async fn guid_of(app: &TestApp, user: &User, meeting: &str) -> String {
    let data = run(
        app,
        user,
        "query($id: ID!) { meeting(id: $id) { guid } }",
        json!({ "id": meeting }),
    )
    .await;
    data["meeting"]["guid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_subscriber_sees_the_meeting_start_fill_empty_and_end_in_order() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    let guid = guid_of(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "Authorization": bearer(&app, &bob) })).await;
    client.subscribe_to("events", &meeting).await;

    start_meeting(&app, &olivia, &meeting).await;
    assert_eq!(
        client.event("events").await,
        json!({ "kind": "STARTED", "attendee": null })
    );

    // Bob joins through the gateway: BBB knows him by his user id and display name.
    let joined = run(
        &app,
        &bob,
        "mutation($id: ID!) { joinMeeting(id: $id) { url } }",
        json!({ "id": meeting }),
    )
    .await;
    let join_url = joined["joinMeeting"]["url"].as_str().unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(join_url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302, "join answered {answer:?}");
    let bob_in_bbb =
        json!({ "userId": bob.id.to_string(), "fullName": "bob (test)", "role": "ATTENDEE" });
    assert_eq!(
        client.event("events").await,
        json!({ "kind": "PARTICIPANT_JOINED", "attendee": bob_in_bbb })
    );

    // Bob's tab closes: the simulator lets its latest attendee leave.
    let left = app
        .simulators
        .iter()
        .map(|sim| sim.remove_attendees(&guid, 1).unwrap_or(0))
        .sum::<usize>();
    assert_eq!(left, 1);
    assert_eq!(
        client.event("events").await,
        json!({ "kind": "PARTICIPANT_LEFT", "attendee": bob_in_bbb })
    );

    run(
        &app,
        &olivia,
        "mutation($id: ID!) { endMeeting(id: $id) { wasRunning } }",
        json!({ "id": meeting }),
    )
    .await;
    assert_eq!(
        client.event("events").await,
        json!({ "kind": "ENDED", "attendee": null })
    );

    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_late_graphql_ws_subscriber_authenticated_by_header_starts_from_the_current_state() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    let guid = guid_of(&app, &olivia, &meeting).await;
    start_meeting(&app, &olivia, &meeting).await;
    let added = app
        .simulators
        .iter()
        .map(|sim| sim.add_attendees(&guid, 2).unwrap_or(0))
        .sum::<usize>();
    assert_eq!(added, 2);

    // subscriptions-transport-ws (the older protocol), credentials on the upgrade request.
    let mut client = Client::open(&app, "graphql-ws", Some(&bearer(&app, &bob))).await;
    client.init(json!({})).await;
    client
        .send(json!({
            "id": "1",
            "type": "start",
            "payload": { "query": MEETING_EVENTS, "variables": { "id": meeting } },
        }))
        .await;
    let mut events = Vec::new();
    for _ in 0..3 {
        let message = client.receive().await;
        assert_eq!(message["type"], "data", "{message:#}");
        assert!(message["payload"]["errors"].is_null(), "{message:#}");
        let event = &message["payload"]["data"]["meetingEvents"];
        events.push(json!([event["kind"], event["attendee"]["fullName"]]));
    }
    assert_eq!(
        events,
        [
            json!(["STARTED", null]),
            json!(["PARTICIPANT_JOINED", "Simulated User 1"]),
            json!(["PARTICIPANT_JOINED", "Simulated User 2"]),
        ]
    );
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn refusals_come_with_their_code_before_any_event() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let carol = app.create_user("carol", "carol-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    // Running, so that an accepted subscription would get STARTED at once.
    start_meeting(&app, &olivia, &meeting).await;

    let mut anonymous = Client::connect(&app, json!({})).await;
    anonymous.subscribe_to("1", &meeting).await;
    assert_eq!(anonymous.refusal("1").await, "UNAUTHENTICATED");

    let mut stranger = Client::connect(&app, json!({ "token": app.token_for(&carol) })).await;
    stranger.subscribe_to("1", &meeting).await;
    assert_eq!(stranger.refusal("1").await, "FORBIDDEN");
    let unknown = encode_id("Meeting", 999_999).0;
    stranger.subscribe_to("2", &unknown).await;
    assert_eq!(stranger.refusal("2").await, "NOT_FOUND");
    stranger.subscribe_to("3", "not-an-id").await;
    assert_eq!(stranger.refusal("3").await, "BAD_USER_INPUT");
    // A subscription that fails validation gets a code too.
    stranger
        .send(json!({
            "id": "4",
            "type": "subscribe",
            "payload": { "query": "subscription { meetingEvents(id: \"x\") { noSuchField } }" },
        }))
        .await;
    let invalid = stranger.receive().await;
    assert_eq!(invalid["id"], "4", "{invalid:#}");
    let errors = if invalid["type"] == "error" {
        &invalid["payload"]
    } else {
        &invalid["payload"]["errors"]
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "BAD_USER_INPUT",
        "{invalid:#}"
    );

    // Bob may see the meeting: the same subscription gets its events.
    let mut bob_client = Client::connect(
        &app,
        json!({ "headers": { "Authorization": bearer(&app, &bob) } }),
    )
    .await;
    bob_client.subscribe_to("1", &meeting).await;
    assert_eq!(bob_client.event("1").await["kind"], "STARTED");
    for client in [anonymous, stranger, bob_client] {
        client.close().await;
    }
    app.stop().await;
}

#[tokio::test]
async fn holders_of_permissions_that_do_not_let_them_join_cannot_watch_who_comes() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let grace = app.create_user("grace", "grace-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    // Grace may hand out attendee grants and add URLs: she sees the meeting, not who is in it.
    for permission in ["GRANT_ATTENDEE", "ADD_URLS"] {
        run(
            &app,
            &olivia,
            "mutation($m: ID!, $p: MeetingPermission!) { grantMeetingPermission(meetingId: $m,
                 user: { username: \"grace\" }, permission: $p) { __typename } }",
            json!({ "m": meeting, "p": permission }),
        )
        .await;
    }
    start_meeting(&app, &olivia, &meeting).await;

    let mut watcher = Client::connect(&app, json!({ "token": app.token_for(&grace) })).await;
    watcher.subscribe_to("1", &meeting).await;
    assert_eq!(watcher.refusal("1").await, "FORBIDDEN");
    watcher.close().await;
    app.stop().await;
}

#[tokio::test]
async fn refused_credentials_close_the_connection_without_an_ack() {
    let app = spawn_app().await;
    let mut client = Client::open(&app, "graphql-transport-ws", None).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not-a-jwt" } }))
        .await;
    match client.frame().await {
        Message::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 1002, "{frame:?}");
        }
        other => panic!("expected the connection to close, got {other:?}"),
    }
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn plain_http_on_the_websocket_path_is_refused_as_json() {
    let app = spawn_app().await;
    let (status, answer) = app.send(app.http.get(app.url("/graphql/ws"))).await;
    assert_eq!(status, 400, "{answer:#}");
    assert_eq!(common::error_code(&answer), "BAD_USER_INPUT");
    let (status, answer) = app.post_json("/graphql/ws", "{}", None).await;
    assert_eq!(status, 405, "{answer:#}");
    assert_eq!(common::error_code(&answer), "BAD_USER_INPUT");
    app.stop().await;
}

fn sha256(document: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(document.as_bytes()))
}

#[tokio::test]
async fn with_trusted_documents_only_those_start_over_the_websocket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trusted-documents.json");
    // The subscription, and what the test itself runs over HTTP to set the meeting up.
    let manifest: serde_json::Map<String, Value> = [
        MEETING_EVENTS,
        CREATE_MEETING,
        GRANT_ATTENDEE,
        START_MEETING,
    ]
    .into_iter()
    .map(|document| (sha256(document), json!(document)))
    .collect();
    std::fs::write(&path, Value::Object(manifest).to_string()).unwrap();
    let app = spawn_app_with(|config| config.graphql.trusted_documents = Some(path)).await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    start_meeting(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "token": app.token_for(&bob) })).await;
    // A document of the attacker's own: refused as on /graphql, before it runs.
    let own = "subscription($id: ID!) { meetingEvents(id: $id) { kind } }";
    let end = "mutation($id: ID!) { endMeeting(id: $id) { wasRunning } }";
    for (id, document) in [("own", own), ("end", end)] {
        client
            .send(json!({
                "id": id,
                "type": "subscribe",
                "payload": { "query": document, "variables": { "id": meeting } },
            }))
            .await;
        assert_eq!(client.refusal(id).await, "OPERATION_NOT_ALLOWED");
    }
    let persisted =
        |hash: String| json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    client
        .send(json!({
            "id": "unknown",
            "type": "subscribe",
            "payload": { "variables": { "id": meeting }, "extensions": persisted(sha256(own)) },
        }))
        .await;
    assert_eq!(client.refusal("unknown").await, "PERSISTED_QUERY_NOT_FOUND");

    // The trusted document runs, by hash and in full.
    client
        .send(json!({
            "id": "by-hash",
            "type": "subscribe",
            "payload": {
                "variables": { "id": meeting },
                "extensions": persisted(sha256(MEETING_EVENTS)),
            },
        }))
        .await;
    assert_eq!(client.event("by-hash").await["kind"], "STARTED");
    client.subscribe_to("in-full", &meeting).await;
    assert_eq!(client.event("in-full").await["kind"], "STARTED");
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn queries_and_mutations_are_refused_over_the_websocket() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    start_meeting(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "token": app.token_for(&olivia) })).await;
    client
        .send(json!({
            "id": "end",
            "type": "subscribe",
            "payload": {
                "query": "mutation($id: ID!) { endMeeting(id: $id) { wasRunning } }",
                "variables": { "id": meeting },
            },
        }))
        .await;
    assert_eq!(client.refusal("end").await, "OPERATION_NOT_ALLOWED");
    client
        .send(json!({
            "id": "query",
            "type": "subscribe",
            "payload": { "query": "{ viewer { username } }" },
        }))
        .await;
    assert_eq!(client.refusal("query").await, "OPERATION_NOT_ALLOWED");
    // The meeting still runs: the mutation did not.
    client.subscribe_to("events", &meeting).await;
    assert_eq!(client.event("events").await["kind"], "STARTED");
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_connection_that_never_initialises_is_closed() {
    let app =
        spawn_app_with(|config| config.graphql.ws_init_timeout = Duration::from_secs(1)).await;
    let mut idle = Client::open(&app, "graphql-transport-ws", None).await;
    idle.closed_by_server().await;
    // One that initialises in time stays open past the deadline.
    let mut client = Client::connect(&app, json!({})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.receive().await["type"], "pong");
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn operations_beyond_the_cap_of_a_connection_are_refused_and_the_connection_stays() {
    let app = spawn_app_with(|config| config.graphql.ws_max_operations = 2).await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    start_meeting(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "token": app.token_for(&bob) })).await;
    for id in ["1", "2"] {
        client.subscribe_to(id, &meeting).await;
        assert_eq!(client.event(id).await["kind"], "STARTED");
    }
    client.subscribe_to("3", &meeting).await;
    assert_eq!(client.refusal("3").await, "BAD_USER_INPUT");
    // Completing one frees its place.
    client.send(json!({ "id": "1", "type": "complete" })).await;
    client.subscribe_to("4", &meeting).await;
    loop {
        let message = client.receive().await;
        if message == json!({ "type": "complete", "id": "1" }) {
            continue;
        }
        assert_eq!(message["type"], "next", "{message:#}");
        assert_eq!(message["id"], "4", "{message:#}");
        assert_eq!(
            message["payload"]["data"]["meetingEvents"]["kind"],
            "STARTED"
        );
        break;
    }
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_watcher_whose_grant_is_revoked_is_cut_off_within_a_few_polls() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    start_meeting(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "token": app.token_for(&bob) })).await;
    client.subscribe_to("events", &meeting).await;
    assert_eq!(client.event("events").await["kind"], "STARTED");
    run(
        &app,
        &olivia,
        "mutation($m: ID!, $u: String!) { revokeMeetingPermission(meetingId: $m,
             user: { username: $u }, permission: JOIN_AS_ATTENDEE) { __typename } }",
        json!({ "m": meeting, "u": bob.username }),
    )
    .await;
    // Well within PATIENCE (150 poll intervals), and nothing of the meeting before it.
    assert_eq!(client.refusal("events").await, "FORBIDDEN");
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_deleted_watcher_is_cut_off() {
    let app = spawn_app().await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    start_meeting(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "token": app.token_for(&bob) })).await;
    client.subscribe_to("events", &meeting).await;
    assert_eq!(client.event("events").await["kind"], "STARTED");
    app.state.store.users().delete(bob.id).await.unwrap();
    assert_eq!(client.refusal("events").await, "UNAUTHENTICATED");
    client.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_connection_ends_when_its_token_expires() {
    let app = spawn_app_with(|config| config.jwt.ttl = Duration::from_secs(2)).await;
    let olivia = organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let meeting = shared_meeting(&app, &olivia, &bob).await;
    start_meeting(&app, &olivia, &meeting).await;

    let mut client = Client::connect(&app, json!({ "token": app.token_for(&bob) })).await;
    client.subscribe_to("events", &meeting).await;
    assert_eq!(client.event("events").await["kind"], "STARTED");
    // At expiry the operation ends with UNAUTHENTICATED, then the connection closes.
    assert_eq!(client.refusal("events").await, "UNAUTHENTICATED");
    client.closed_by_server().await;
    app.stop().await;
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let app = spawn_app().await;
    let mut client = Client::connect(&app, json!({})).await;
    // Not reading the socket, the client answers no ping (tungstenite answers while reading).
    tokio::time::sleep(Duration::from_secs(17)).await;
    client.closed_by_server().await;
    app.stop().await;
}
