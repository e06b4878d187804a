//! Smoke test of the BBB-compatible endpoint mounted in the gateway: an API token drives
//! create, getMeetingInfo and join through both of its paths; the endpoint's own tests are in
//! crates/bbb-endpoint. Then attacks that need both front doors: tokens minted or rotated
//! through GraphQL, used on the BBB endpoint.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[allow(dead_code)] // each test binary uses its own part of the harness
mod common;

use bbb_client::{Client, CreateMeeting, JoinMeeting, Role, Server};
use common::{TestApp, error_code};
use gateway::graphql::relay::encode_id;
use serde_json::json;
use store::{GroupPermission, NewApiToken, NewUser, TokenScope, UserChanges};

#[tokio::test]
async fn the_bbb_endpoint_is_mounted_and_serves_an_api_token() {
    let app = TestApp::spawn().await;
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken::new("smoke", app.group.id))
        .await
        .unwrap();
    let secret = created.secret.expose();
    let per_token = Server::new(
        &format!(
            "{}/t/{}/bigbluebutton/api/",
            app.address, created.token.guid
        ),
        secret,
    )
    .unwrap();
    let site_wide = Server::new(&format!("{}/bigbluebutton/api", app.address), secret).unwrap();
    let bbb = Client::new().unwrap();

    let version = bbb.version(&site_wide).await.unwrap();
    assert_eq!(version.version, "2.0");
    let meeting = bbb
        .create(&per_token, &CreateMeeting::new("smoke-room", "Smoke"))
        .await
        .unwrap();
    assert_eq!(meeting.meeting_id, "smoke-room");
    let info = bbb
        .get_meeting_info(&site_wide, "smoke-room")
        .await
        .unwrap();
    assert_eq!(info.meeting_name, "Smoke");
    let joined = bbb
        .join(
            &per_token,
            &JoinMeeting::new("smoke-room", "Ann").role(Role::Moderator),
        )
        .await
        .unwrap();
    assert_eq!(joined.message_key, "successfullyJoined");
    // A wrong secret is a BBB checksumError, not the gateway's JSON error.
    let wrong = Server::new(
        &format!("{}/bigbluebutton/api", app.address),
        "wrong-secret",
    )
    .unwrap();
    let error = bbb.get_meetings(&wrong).await.unwrap_err();
    assert_eq!(error.message_key(), Some("checksumError"));
}

/// The BBB API URL of a token, on its per-token path.
fn token_api(app: &TestApp, guid: &str, secret: &str) -> Server {
    Server::new(
        &format!("{}/t/{guid}/bigbluebutton/api/", app.address),
        secret,
    )
    .unwrap()
}

/// Issue 12, defect 2, as the attacker ran it: a user holding only `ADD_API_TOKENS` on the
/// group asks GraphQL for a `GLOBAL` token, lists the group's meetings through the BBB endpoint
/// — a superuser's persistent GraphQL meeting among them — and joins it as moderator. Now the
/// token is refused, and what they may create instead sees nothing of the admin's meeting.
#[tokio::test]
async fn an_add_apitokens_holder_cannot_mint_a_global_token_to_moderate_the_admins_meeting() {
    let app = TestApp::spawn().await;
    let store = &app.state.store;
    let admin = app
        .create_user_with(NewUser {
            is_superuser: true,
            ..NewUser::new(app.site.id, "admin")
        })
        .await;
    let mallory = app.create_user("mallory", "password").await;
    store
        .groups()
        .grant(app.group.id, mallory.id, GroupPermission::AddApiTokens)
        .await
        .unwrap();
    let group_id = encode_id("ServerGroup", app.group.id).0;

    // The admin's persistent meeting, started on BBB through GraphQL.
    let admin_jwt = app.token_for(&admin);
    let created = app
        .graphql(
            "mutation($g: ID!) { createMeeting(input: { groupId: $g, name: \"Board\" }) { id guid } }",
            json!({ "g": group_id }),
            Some(&admin_jwt),
        )
        .await;
    let meeting = &created["data"]["createMeeting"];
    let guid = meeting["guid"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    let started = app
        .graphql(
            "mutation($id: ID!) { startMeeting(id: $id) { id } }",
            json!({ "id": meeting["id"] }),
            Some(&admin_jwt),
        )
        .await;
    assert!(started.get("errors").is_none(), "{started}");

    // Mallory asks for a global token: refused, and nothing is stored.
    let mallory_jwt = app.token_for(&mallory);
    let create_token = "mutation($g: ID!, $scope: TokenScope!) { createApiToken(input: { groupId: $g, name: \"lms\", scope: $scope }) { secret apiToken { guid } } }";
    let answer = app
        .graphql(
            create_token,
            json!({ "g": group_id, "scope": "GLOBAL" }),
            Some(&mallory_jwt),
        )
        .await;
    if let Some(secret) = answer["data"]["createApiToken"]["secret"].as_str() {
        // What the attack did with it, to show the failure in full.
        let guid_of_token = answer["data"]["createApiToken"]["apiToken"]["guid"]
            .as_str()
            .unwrap();
        let stolen = token_api(&app, guid_of_token, secret);
        let bbb = Client::new().unwrap();
        let listed = bbb.get_meetings(&stolen).await.unwrap();
        let joined = bbb
            .join(
                &stolen,
                &JoinMeeting::new(guid, "Mallory").role(Role::Moderator),
            )
            .await;
        panic!(
            "a global token was minted: it lists {:?} and joining the admin's meeting as moderator gives {joined:?}",
            listed.iter().map(|m| &m.meeting_id).collect::<Vec<_>>()
        );
    }
    assert_eq!(error_code(&answer), "FORBIDDEN", "{answer}");
    assert!(
        store
            .tokens()
            .list_for_site(app.site.id)
            .await
            .unwrap()
            .is_empty()
    );

    // The token Mallory may create sees her own meetings only.
    let answer = app
        .graphql(
            create_token,
            json!({ "g": group_id, "scope": "TOKEN" }),
            Some(&mallory_jwt),
        )
        .await;
    let payload = &answer["data"]["createApiToken"];
    let own = token_api(
        &app,
        payload["apiToken"]["guid"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}")),
        payload["secret"].as_str().unwrap(),
    );
    let bbb = Client::new().unwrap();
    assert!(bbb.get_meetings(&own).await.unwrap().is_empty());
    let refused = bbb
        .join(
            &own,
            &JoinMeeting::new(guid, "Mallory").role(Role::Moderator),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.message_key(), Some("invalidMeetingIdentifier"));
}

/// Issue 12, defect 2 (read): staff rotating another user's `USER` token would receive its
/// secret and act as that user. Refused; the owner's secret keeps working.
#[tokio::test]
async fn staff_cannot_take_over_a_users_token_by_rotating_it() {
    let app = TestApp::spawn().await;
    let store = &app.state.store;
    let staff = app
        .create_user_with(NewUser {
            is_staff: true,
            ..NewUser::new(app.site.id, "helpdesk")
        })
        .await;
    let alice = app.create_user("alice", "password").await;
    store
        .groups()
        .grant(app.group.id, alice.id, GroupPermission::AddApiTokens)
        .await
        .unwrap();
    let answer = app
        .graphql(
            "mutation($g: ID!) { createApiToken(input: { groupId: $g, name: \"alice-lms\", scope: USER }) { secret apiToken { id guid } } }",
            json!({ "g": encode_id("ServerGroup", app.group.id).0 }),
            Some(&app.token_for(&alice)),
        )
        .await;
    let payload = &answer["data"]["createApiToken"];
    let secret = payload["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    let token_id = &payload["apiToken"]["id"];
    let alices = token_api(&app, payload["apiToken"]["guid"].as_str().unwrap(), secret);

    // Staff see the token, and could delete it, but not get its secret.
    let rotated = app
        .graphql(
            "mutation($id: ID!) { rotateApiToken(id: $id, previousSecretValidForMinutes: 0) { secret } }",
            json!({ "id": token_id }),
            Some(&app.token_for(&staff)),
        )
        .await;
    assert_eq!(error_code(&rotated), "FORBIDDEN", "{rotated}");
    assert!(rotated["data"].is_null(), "{rotated}");
    let listed = app
        .graphql(
            "{ apiTokens { edges { node { name rotationInProgress } } } }",
            json!({}),
            Some(&app.token_for(&staff)),
        )
        .await;
    assert_eq!(
        listed["data"]["apiTokens"]["edges"],
        json!([{ "node": { "name": "alice-lms", "rotationInProgress": false } }])
    );
    let bbb = Client::new().unwrap();
    bbb.create(&alices, &CreateMeeting::new("still-mine", "Still mine"))
        .await
        .unwrap();
}

#[tokio::test]
async fn bbb_requests_and_token_uses_show_in_the_metrics() {
    let app = TestApp::spawn().await;
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken::new("metered", app.group.id))
        .await
        .unwrap();
    let token_id = created.token.id;
    let base = format!(
        "{}/t/{}/bigbluebutton/api/",
        app.address, created.token.guid
    );
    let api = Server::new(&base, created.secret.expose()).unwrap();
    let bbb = Client::new().unwrap();

    bbb.get_meetings(&api).await.unwrap();
    bbb.get_meetings(&api).await.unwrap();
    bbb.create(&api, &CreateMeeting::new("metered-room", "Metered"))
        .await
        .unwrap();
    let missing = bbb
        .get_meeting_info(&api, "no-such-room")
        .await
        .unwrap_err();
    assert_eq!(missing.message_key(), Some("notFound"));
    // Not authenticated: counted as a request, not as a use of the token.
    let wrong = Server::new(&base, "not-the-secret").unwrap();
    let refused = bbb.get_meetings(&wrong).await.unwrap_err();
    assert_eq!(refused.message_key(), Some("checksumError"));
    // Names that are no BBB call, and deeper paths, share one label value, whatever the client
    // sends.
    for name in ["fooBar", "bazQux", "hooks/list"] {
        let body = app
            .http
            .get(format!("{base}{name}?checksum={}", "0".repeat(40)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            body.contains("<messageKey>unsupportedRequest</messageKey>"),
            "{body}"
        );
    }

    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"bbb_gateway_requests_total{front_door="bbb",call="getMeetings",outcome="ok"} 2"#.to_owned(),
        r#"bbb_gateway_requests_total{front_door="bbb",call="create",outcome="ok"} 1"#.to_owned(),
        r#"bbb_gateway_requests_total{front_door="bbb",call="getMeetingInfo",outcome="notFound"} 1"#.to_owned(),
        r#"bbb_gateway_requests_total{front_door="bbb",call="getMeetings",outcome="checksumError"} 1"#.to_owned(),
        r#"bbb_gateway_requests_total{front_door="bbb",call="unknown",outcome="unsupportedRequest"} 3"#.to_owned(),
        r#"bbb_gateway_request_duration_seconds_count{front_door="bbb",call="getMeetings"} 3"#.to_owned(),
        format!(r#"bbb_gateway_token_requests_total{{token_id="{token_id}"}} 4"#),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing in\n{metrics}"
        );
    }
    assert!(
        !metrics.contains("fooBar") && !metrics.contains("bazQux"),
        "{metrics}"
    );
}

/// The endpoint's request limits come from the configuration: `http.max_body_bytes` holds BBB
/// form bodies as it holds GraphQL's, and the `endpoint.*` keys reach the endpoint.
#[tokio::test]
async fn the_bbb_endpoint_takes_its_limits_from_the_configuration() {
    let app = TestApp::spawn_with(|config| {
        config.http.max_body_bytes = 4096;
        config.endpoint.max_params = 20;
        config.endpoint.max_query_bytes = 1024;
        config.endpoint.unsigned_form_params = gateway::config::UnsignedFormParams::Refuse;
    })
    .await;
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken::new("limited", app.group.id))
        .await
        .unwrap();
    let secret = created.secret.expose();
    let base = format!(
        "{}/t/{}/bigbluebutton/api/",
        app.address, created.token.guid
    );
    let sign = |call: &str, query: &str| {
        let sum = bbb_client::checksum::checksum(
            bbb_client::ChecksumAlgorithm::Sha1,
            call,
            query,
            secret,
        );
        format!("{base}{call}?{query}&checksum={sum}")
    };
    let post = |url: String, body: String| {
        let http = app.http.clone();
        async move {
            http.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let message = |body: &str| {
        assert!(
            body.contains("<messageKey>validationError</messageKey>"),
            "{body}"
        );
        body.split_once("<message>")
            .and_then(|(_, rest)| rest.split_once("</message>"))
            .map(|(message, _)| message.to_owned())
            .unwrap()
    };
    // A signed create with a 5 KB form body: past http.max_body_bytes.
    let body = post(
        sign("create", "meetingID=room-1&name=Room"),
        format!("welcome={}", "w".repeat(5000)),
    )
    .await;
    assert_eq!(message(&body), "The request body is too large.");
    // Any unsigned form parameter: refused.
    let body = post(
        sign("create", "meetingID=room-1&name=Room"),
        "welcome=hi".to_owned(),
    )
    .await;
    assert!(message(&body).contains("signed URL query"), "{body}");
    // 21 parameters, or a query past 1 KB.
    let many = (0..21)
        .map(|n| format!("p{n}=1"))
        .collect::<Vec<_>>()
        .join("&");
    let body = app
        .http
        .get(sign("getMeetings", &many))
        .send()
        .await
        .unwrap();
    let body = body.text().await.unwrap();
    assert_eq!(message(&body), "The request has too many parameters.");
    let long = format!("meetingID={}", "x".repeat(1024));
    let body = app
        .http
        .get(sign("getMeetingInfo", &long))
        .send()
        .await
        .unwrap();
    let body = body.text().await.unwrap();
    assert_eq!(message(&body), "The query string is too long.");
    // Within the limits the endpoint works as usual.
    let bbb = Client::new().unwrap();
    let api = Server::new(&base, secret).unwrap();
    bbb.create(&api, &CreateMeeting::new("room-1", "Room"))
        .await
        .unwrap();
}

/// A `global` token of `owner`, stored as the code before issue 12 stored what anyone with
/// `ADD_API_TOKENS` asked for.
async fn global_token(app: &TestApp, name: &str, owner: i64) -> Server {
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken {
            user_id: Some(owner),
            scope: TokenScope::Global,
            ..NewApiToken::new(name, app.group.id)
        })
        .await
        .unwrap();
    token_api(
        app,
        &created.token.guid.to_string(),
        created.secret.expose(),
    )
}

/// A `global` token reaches no further than its owner could through GraphQL, whenever it was
/// issued: one minted through the old hole by an `ADD_API_TOKENS` holder (stored directly here,
/// as the old code stored it) sees only its own meetings, a superuser's sees the group, and
/// once that superuser is demoted theirs does not either.
#[tokio::test]
async fn a_global_token_reaches_no_further_than_its_owner() {
    let app = TestApp::spawn().await;
    let store = &app.state.store;
    let admin = app
        .create_user_with(NewUser {
            is_superuser: true,
            ..NewUser::new(app.site.id, "admin")
        })
        .await;
    let mallory = app.create_user("mallory", "password").await;
    let admin_jwt = app.token_for(&admin);
    let created = app
        .graphql(
            "mutation($g: ID!) { createMeeting(input: { groupId: $g, name: \"Board\" }) { id guid } }",
            json!({ "g": encode_id("ServerGroup", app.group.id).0 }),
            Some(&admin_jwt),
        )
        .await;
    let meeting = &created["data"]["createMeeting"];
    let guid = meeting["guid"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    let started = app
        .graphql(
            "mutation($id: ID!) { startMeeting(id: $id) { id } }",
            json!({ "id": meeting["id"] }),
            Some(&admin_jwt),
        )
        .await;
    assert!(started.get("errors").is_none(), "{started}");

    let bbb = Client::new().unwrap();
    let moderator = JoinMeeting::new(guid, "Someone").role(Role::Moderator);

    let minted = global_token(&app, "minted-by-mallory", mallory.id).await;
    assert!(bbb.get_meetings(&minted).await.unwrap().is_empty());
    let refused = bbb.join(&minted, &moderator).await.unwrap_err();
    assert_eq!(refused.message_key(), Some("invalidMeetingIdentifier"));
    // What it creates itself it still sees: it is a working `token` token.
    bbb.create(&minted, &CreateMeeting::new("own-room", "Own"))
        .await
        .unwrap();
    let own: Vec<String> = bbb
        .get_meetings(&minted)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.meeting_id)
        .collect();
    assert_eq!(own, ["own-room"]);

    let admins = global_token(&app, "admins", admin.id).await;
    let listed = bbb.get_meetings(&admins).await.unwrap();
    assert!(listed.iter().any(|m| m.meeting_id == guid), "{listed:?}");
    assert_eq!(
        bbb.join(&admins, &moderator).await.unwrap().message_key,
        "successfullyJoined"
    );

    store
        .users()
        .update(
            admin.id,
            UserChanges {
                is_superuser: Some(false),
                ..UserChanges::default()
            },
        )
        .await
        .unwrap();
    // A fresh view (the endpoint remembers found placements for a moment): the meeting list
    // asks the placement table each time.
    let listed = bbb.get_meetings(&admins).await.unwrap();
    assert!(listed.iter().all(|m| m.meeting_id != guid), "{listed:?}");
}

/// A listener that answers every HTTP request with an empty 200 and reports its request line.
async fn callback_receiver(
    address: &str,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (sender, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    match socket.read_u8().await {
                        Ok(byte) => head.push(byte),
                        Err(_) => return,
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let _ = sender.send(text.lines().next().unwrap_or_default().to_owned());
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (base, received)
}

#[tokio::test]
async fn callbacks_go_only_where_the_operators_outbound_rule_admits() {
    // The simulators listen on 127.0.0.1, admitted; 127.0.0.2 (loopback too) is not.
    let app =
        TestApp::spawn_with(|config| config.outbound.allow = vec!["127.0.0.1/32".to_owned()]).await;
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken::new("tenant", app.group.id))
        .await
        .unwrap();
    let api = Server::new(
        &format!(
            "{}/t/{}/bigbluebutton/api/",
            app.address, created.token.guid
        ),
        created.secret.expose(),
    )
    .unwrap();
    let bbb = Client::new().unwrap();
    let (refused_base, mut refused) = callback_receiver("127.0.0.2:0").await;
    let (admitted_base, mut admitted) = callback_receiver("127.0.0.1:0").await;
    for (meeting, base) in [("internal", &refused_base), ("allowed", &admitted_base)] {
        bbb.create(
            &api,
            &CreateMeeting::new(meeting, "Meeting").meta("endCallbackUrl", format!("{base}/end")),
        )
        .await
        .unwrap();
        bbb.end(&api, meeting).await.unwrap();
    }
    let wait = std::time::Duration::from_secs(5);
    let got = tokio::time::timeout(wait, admitted.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(got.starts_with("GET /end?recordingmarks=false"), "{got}");
    let nothing = tokio::time::timeout(std::time::Duration::from_millis(500), refused.recv()).await;
    assert!(
        nothing.is_err(),
        "the refused address was reached: {nothing:?}"
    );
    app.stop().await;
}
