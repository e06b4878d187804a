//! The `login` mutation, and its limits against password guessing.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

const LOGIN: &str = "mutation($username: String!, $password: String!) {
    login(username: $username, password: $password) { token expiresAt user { username isSuperuser } }
}";

async fn login(app: &TestApp, username: &str, password: &str) -> Value {
    app.graphql(
        LOGIN,
        json!({ "username": username, "password": password }),
        None,
    )
    .await
}

#[tokio::test]
async fn login_returns_a_token_that_authenticates() {
    let app = TestApp::spawn().await;
    app.create_user("alice", "wonderland").await;
    let answer = login(&app, "alice", "wonderland").await;
    let payload = &answer["data"]["login"];
    assert_eq!(
        payload["user"],
        json!({ "username": "alice", "isSuperuser": false }),
        "{answer}"
    );
    let expires_at: chrono::DateTime<chrono::Utc> =
        payload["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(expires_at > chrono::Utc::now() + chrono::Duration::hours(11));

    let token = payload["token"].as_str().unwrap();
    let viewer = app
        .graphql("{ viewer { username } }", json!({}), Some(token))
        .await;
    assert_eq!(
        viewer,
        json!({ "data": { "viewer": { "username": "alice" } } })
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_error() {
    let app = TestApp::spawn().await;
    app.create_user("alice", "wonderland").await;
    let wrong_password = login(&app, "alice", "looking-glass").await;
    let unknown_user = login(&app, "mallory", "wonderland").await;
    assert_eq!(error_code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_user["errors"][0]["message"]
    );
    assert_eq!(
        wrong_password["errors"][0]["extensions"],
        unknown_user["errors"][0]["extensions"]
    );
    assert_eq!(wrong_password["data"], Value::Null);
}

#[tokio::test]
async fn users_without_a_password_cannot_log_in() {
    let app = TestApp::spawn().await;
    app.create_user_with(store::NewUser::new(app.site.id, "external-only"))
        .await;
    assert_eq!(
        error_code(&login(&app, "external-only", "").await),
        "UNAUTHENTICATED"
    );
}

/// A login through HTTP claiming to come from `client` in `X-Forwarded-For` (believed only
/// with `login.trust_forwarded_for`).
async fn login_from(app: &TestApp, client: &str, username: &str, password: &str) -> Value {
    let body = json!({
        "query": LOGIN,
        "variables": { "username": username, "password": password },
    });
    let request = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("x-forwarded-for", client)
        .body(body.to_string());
    app.send(request).await.1
}

/// `n` aliased logins in one operation.
fn aliased_logins(n: usize, username: &str, password: &str) -> String {
    let fields: String = (0..n)
        .map(|i| {
            format!("l{i}: login(username: \"{username}\", password: \"{password}\") {{ token }} ")
        })
        .collect();
    format!("mutation {{ {fields}}}")
}

#[track_caller]
fn assert_one_login_per_request(answer: &Value) {
    assert_eq!(error_code(answer), "BAD_USER_INPUT", "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["field"], "login",
        "{answer}"
    );
    assert_eq!(answer["errors"].as_array().unwrap().len(), 1, "{answer}");
    assert!(answer["data"].is_null(), "{answer}");
}

#[track_caller]
fn assert_rate_limited(answer: &Value, window_seconds: u64) -> u64 {
    assert_eq!(error_code(answer), "RATE_LIMITED", "{answer}");
    assert!(answer["data"].is_null(), "{answer}");
    let retry_after = answer["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfter in {answer}"));
    assert!((1..=window_seconds).contains(&retry_after), "{answer}");
    retry_after
}

/// Issue 12, defect 4: one request with 200 `login` aliases ran 200 argon2 verifications.
/// Now an operation or a batch with more than one `login` is refused before any runs: nothing
/// in it is answered, and not one attempt is charged to the username (attempts are charged
/// before their verification), so its failure budget is whole afterwards.
#[tokio::test]
async fn many_logins_in_one_request_are_refused_before_any_is_tried() {
    let app = TestApp::spawn_with(|config| config.login.max_failures_per_user = 3).await;
    app.create_user("alice", "wonderland").await;

    let many = app
        .graphql(&aliased_logins(200, "alice", "guess"), json!({}), None)
        .await;
    assert_one_login_per_request(&many);
    let right_among_wrong = app
        .graphql(
            "mutation { a: login(username: \"alice\", password: \"guess\") { token } b: login(username: \"alice\", password: \"wonderland\") { token } }",
            json!({}),
            None,
        )
        .await;
    assert_one_login_per_request(&right_among_wrong);
    // Hidden in fragments, spread twice, each spread runs.
    let fragments = app
        .graphql(
            "mutation { ...Guess ...Guess } fragment Guess on Mutation { login(username: \"alice\", password: \"guess\") { token } }",
            json!({}),
            None,
        )
        .await;
    assert_one_login_per_request(&fragments);
    // A batch of single logins is one request too.
    let single =
        json!({ "query": LOGIN, "variables": { "username": "alice", "password": "guess" } });
    let batch = json!([
        single, single, single, single, single, single, single, single, single, single
    ]);
    let (status, answer) = app.post_json("/graphql", &batch.to_string(), None).await;
    assert_eq!(status, 400, "{answer}");
    assert_one_login_per_request(&answer);

    // None of those guesses was charged: alice has all three failures left, then the limit.
    for _ in 0..3 {
        assert_eq!(
            error_code(&login(&app, "alice", "guess").await),
            "UNAUTHENTICATED"
        );
    }
    assert_rate_limited(&login(&app, "alice", "wonderland").await, 900);

    // One login beside other fields, and batches with one login, still work.
    app.create_user("bob", "builder").await;
    let batch = json!([
        { "query": LOGIN, "variables": { "username": "bob", "password": "builder" } },
        { "query": "{ __typename }" },
    ]);
    let (status, answer) = app.post_json("/graphql", &batch.to_string(), None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer[0]["data"]["login"]["user"]["username"], "bob",
        "{answer}"
    );
}

/// Guessing one user's password: after `max_failures_per_user` failures even the right
/// password is refused with RATE_LIMITED and a retry-after hint until the window ends, for
/// unknown usernames alike (the limit tells nothing about which exist); other users are not
/// held up, and after the window the right password works again.
#[tokio::test]
async fn repeated_failures_are_rate_limited_until_the_window_ends() {
    // Long enough for three failed logins of a debug build on a busy machine (about a second
    // each): the refusal must be seen while alice's window still runs.
    const WINDOW: Duration = Duration::from_secs(15);
    let app = TestApp::spawn_with(|config| {
        config.login.max_failures_per_user = 3;
        config.login.window = WINDOW;
    })
    .await;
    app.create_user("alice", "wonderland").await;
    app.create_user("bob", "builder").await;

    let started = Instant::now();
    for _ in 0..3 {
        let answer = login(&app, "alice", "guess").await;
        assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{answer}");
    }
    let retry_after = assert_rate_limited(&login(&app, "alice", "wonderland").await, 15);
    assert!(login(&app, "bob", "builder").await["data"]["login"]["token"].is_string());
    for _ in 0..3 {
        let answer = login(&app, "nobody", "guess").await;
        assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{answer}");
    }
    assert_rate_limited(&login(&app, "nobody", "guess").await, 15);

    // The hint is honest: once it has passed (and the window with it), alice logs in.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert!(started.elapsed() >= WINDOW, "{:?}", started.elapsed());
    let answer = login(&app, "alice", "wonderland").await;
    assert_eq!(
        answer["data"]["login"]["user"]["username"], "alice",
        "{answer}"
    );
}

/// The username limit holds whichever addresses the guesses come from (here through a trusted
/// proxy's X-Forwarded-For), and the client limit counts every username a client tries.
#[tokio::test]
async fn the_limits_apply_per_username_across_clients_and_per_client_across_usernames() {
    let app = TestApp::spawn_with(|config| {
        config.login.max_failures_per_user = 3;
        config.login.max_failures_per_client = 4;
        config.login.trust_forwarded_for = true;
    })
    .await;
    app.create_user("alice", "wonderland").await;
    app.create_user("bob", "builder").await;

    for client in ["192.0.2.1", "192.0.2.2", "2001:db8::1"] {
        let answer = login_from(&app, client, "alice", "guess").await;
        assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{answer}");
    }
    assert_rate_limited(
        &login_from(&app, "192.0.2.9", "alice", "wonderland").await,
        900,
    );

    // One client trying four usernames, then a fifth with its right password: refused; the
    // same user from elsewhere is fine. The proxy's entry is the last one: what the client
    // wrote before it does not change its address.
    for username in ["carol", "dave", "erin", "frank"] {
        let answer = login_from(&app, "198.51.100.7", username, "guess").await;
        assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{answer}");
    }
    assert_rate_limited(
        &login_from(&app, "203.0.113.1, 198.51.100.7", "bob", "builder").await,
        900,
    );
    let answer = login_from(&app, "198.51.100.8", "bob", "builder").await;
    assert_eq!(
        answer["data"]["login"]["user"]["username"], "bob",
        "{answer}"
    );
}

/// Without `login.trust_forwarded_for` the client is the TCP peer: a forged X-Forwarded-For
/// per guess does not make a client new.
#[tokio::test]
async fn a_forged_forwarded_for_does_not_escape_the_client_limit() {
    let app = TestApp::spawn_with(|config| config.login.max_failures_per_client = 3).await;
    app.create_user("alice", "wonderland").await;
    for (client, username) in [
        ("10.0.0.1", "carol"),
        ("10.0.0.2", "dave"),
        ("10.0.0.3", "erin"),
    ] {
        let answer = login_from(&app, client, username, "guess").await;
        assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{answer}");
    }
    assert_rate_limited(
        &login_from(&app, "10.0.0.4", "alice", "wonderland").await,
        900,
    );
}
