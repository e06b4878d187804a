//! The `login` mutation.

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
