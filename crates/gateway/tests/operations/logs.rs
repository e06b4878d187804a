//! The log of a real run: JSON lines naming each request's id, and never a secret, password,
//! token or checksum — not even from requests that carry them, nor from the poller signing
//! its calls.

use std::time::Duration;

use bbb_sim::{SimConfig, SimServer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{NewApiToken, NewServer, NewUser, ServerState, TestDb};

use crate::process::{Gateway, JWT_SECRET, database_env, http};

const PASSWORD: &str = "pw-never-logged-4711";
const CLOSED_PORT_SECRET: &str = "secret-of-an-unreachable-server-0815";

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

async fn post_graphql(
    http: &reqwest::Client,
    gateway: &Gateway,
    body: Value,
    bearer: Option<&str>,
) -> Value {
    let mut request = http
        .post(gateway.url("/graphql"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let text = request.send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_name_requests_and_leak_no_secret() {
    let db = TestDb::new().await;
    let store = db.store();
    let site = store.sites().default_site().await.unwrap();
    store
        .users()
        .create(NewUser {
            password_hash: Some(gateway::auth::hash_password(PASSWORD).unwrap()),
            ..NewUser::new(site.id, "alice")
        })
        .await
        .unwrap();
    let group = store.groups().create(site.id, "main").await.unwrap();
    let sim = SimServer::spawn(SimConfig::default()).unwrap();
    let sim_secret = sim.secret().to_owned();
    for (name, url, secret) in [
        ("sim", sim.api_url(), sim.secret().to_owned()),
        (
            "gone",
            "http://127.0.0.1:9/bigbluebutton/api/".to_owned(),
            CLOSED_PORT_SECRET.to_owned(),
        ),
    ] {
        store
            .servers()
            .add(NewServer {
                group_id: group.id,
                name: name.to_owned(),
                api_url: url,
                secret: store::Secret::new(secret),
                weight: 1,
                state: ServerState::Enabled,
            })
            .await
            .unwrap();
    }
    let api_token = store
        .tokens()
        .create(NewApiToken::new("lms", group.id))
        .await
        .unwrap();
    let token_secret = api_token.secret.expose().to_owned();

    let mut env = database_env(&db);
    env.push(("BBB_GATEWAY_POLLER__INTERVAL", "200ms".to_owned()));
    // Debug level: what an operator hunting a problem turns on must not leak either.
    env.push(("BBB_GATEWAY_LOG__LEVEL", "debug".to_owned()));
    let mut gateway = Gateway::start(&env, &["--log-format", "json"]).await;
    let http = http();

    let login = post_graphql(
        &http,
        &gateway,
        json!({
            "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            "variables": { "u": "alice", "p": PASSWORD },
        }),
        None,
    )
    .await;
    let jwt = login["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("query", "{ viewer { username } }")
        .finish();
    let viewer = http
        .get(gateway.url(&format!("/graphql?{query}")))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let viewer: Value = serde_json::from_str(&viewer).unwrap();
    assert_eq!(viewer["data"]["viewer"]["username"], "alice", "{viewer}");
    // A wrong password and a refused token are logged as outcomes, not as values.
    post_graphql(
        &http,
        &gateway,
        json!({
            "query": "mutation { login(username: \"alice\", password: \"pw-wrong-and-never-logged\") { token } }",
        }),
        None,
    )
    .await;
    let tampered = format!("{jwt}tampered");
    post_graphql(
        &http,
        &gateway,
        json!({ "query": "{ viewer { username } }" }),
        Some(&tampered),
    )
    .await;
    // BBB calls carry their checksum in the query string.
    let query = "meetingID=room-1&name=Room";
    let create_checksum = sha256_hex(&format!("create{query}{token_secret}"));
    let meetings_checksum = sha256_hex(&format!("getMeetings{token_secret}"));
    for url in [
        gateway.url(&format!(
            "/bigbluebutton/api/create?{query}&checksum={create_checksum}"
        )),
        gateway.url(&format!(
            "/t/{}/bigbluebutton/api/getMeetings?checksum={meetings_checksum}",
            api_token.token.guid
        )),
    ] {
        http.get(url).send().await.unwrap();
    }
    // Some poll rounds, each signing getMeetings with the servers' secrets.
    tokio::time::sleep(Duration::from_millis(800)).await;
    gateway.terminate();
    assert!(gateway.wait(Duration::from_secs(20)).await.success());
    sim.shutdown().await;

    let log = gateway.log_text();
    let lines: Vec<Value> = log
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
        })
        .collect();
    let answered: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request answered")
        .collect();
    assert!(answered.len() >= 6, "{log}");
    for line in &answered {
        let request_id = line["span"]["request_id"].as_str().unwrap_or_default();
        assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{line}");
        let path = line["span"]["path"].as_str().unwrap();
        assert!(!path.contains('?'), "{line}");
    }
    assert!(
        answered
            .iter()
            .any(|line| line["span"]["path"] == "/bigbluebutton/api/create"),
        "{log}"
    );
    assert!(
        log.contains("this instance now runs the health poller"),
        "{log}"
    );
    assert!(log.contains("BBB server poll failed"), "{log}");

    let forbidden = [
        PASSWORD.to_owned(),
        "pw-wrong-and-never-logged".to_owned(),
        jwt.clone(),
        // The signature part of the JWT alone must not show either.
        jwt.rsplit('.').next().unwrap().to_owned(),
        JWT_SECRET.to_owned(),
        db.key().to_base64(),
        token_secret.clone(),
        create_checksum,
        meetings_checksum,
        sim_secret.clone(),
        CLOSED_PORT_SECRET.to_owned(),
        sha256_hex(&format!("getMeetings{sim_secret}")),
        sha256_hex(&format!("getMeetings{CLOSED_PORT_SECRET}")),
    ];
    for secret in &forbidden {
        assert!(
            !log.contains(secret.as_str()),
            "`{secret}` is in the log:\n{log}"
        );
    }
    assert!(!log.contains("checksum="), "{log}");
}

/// The access log lines of a run, by path.
fn answered_paths(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request answered")
        .map(|line| line["span"]["path"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Runs a gateway with `access` settings, asks `/readyz` nine times, an unknown path twice and
/// the BBB endpoint twice with a wrong checksum, and returns its access log lines' paths.
async fn access_log_of(access: &[(&'static str, &str)]) -> Vec<String> {
    let db = TestDb::new().await;
    let mut env = database_env(&db);
    env.extend(
        access
            .iter()
            .map(|(key, value)| (*key, (*value).to_owned())),
    );
    let mut gateway = Gateway::start(&env, &["--log-format", "json"]).await;
    let http = http();
    for _ in 0..9 {
        let response = http.get(gateway.url("/readyz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
    for _ in 0..2 {
        let response = http.get(gateway.url("/no-such-page")).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }
    // BBB's failures are HTTP 200 with a FAILED document: errors all the same.
    for _ in 0..2 {
        let response = http
            .get(gateway.url("/bigbluebutton/api/getMeetings?checksum=wrong"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        assert!(body.contains("<returncode>FAILED</returncode>"), "{body}");
    }
    gateway.terminate();
    let status = gateway.wait(Duration::from_secs(20)).await;
    let log = gateway.log_text();
    assert!(status.success(), "{status:?}: {log}");
    // The rest of the log is kept whatever the access log does.
    assert!(log.contains("bbb-gateway listening"), "{log}");
    answered_paths(&log)
}

const GET_MEETINGS: &str = "/bigbluebutton/api/getMeetings";

fn count(paths: &[String], path: &str) -> usize {
    paths.iter().filter(|logged| *logged == path).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_log_takes_every_request_a_sample_or_none() {
    let all = access_log_of(&[]).await;
    assert_eq!(count(&all, "/readyz"), 9, "{all:?}");
    assert_eq!(count(&all, "/no-such-page"), 2, "{all:?}");
    assert_eq!(count(&all, GET_MEETINGS), 2, "{all:?}");

    // One in three answers without an error status (of nine in a row, exactly three,
    // whatever the start-up probes took), and every error: an error status, or a BBB
    // endpoint's FAILED answer.
    let sampled = access_log_of(&[
        ("BBB_GATEWAY_LOG__ACCESS", "sampled"),
        ("BBB_GATEWAY_LOG__ACCESS_ONE_IN", "3"),
    ])
    .await;
    assert_eq!(count(&sampled, "/readyz"), 3, "{sampled:?}");
    assert_eq!(count(&sampled, "/no-such-page"), 2, "{sampled:?}");
    assert_eq!(count(&sampled, GET_MEETINGS), 2, "{sampled:?}");

    let off = access_log_of(&[("BBB_GATEWAY_LOG__ACCESS", "off")]).await;
    assert!(off.is_empty(), "{off:?}");
}
