//! Bearer tokens through HTTP: the viewer they give, and every refusal as UNAUTHENTICATED.

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::time::Duration;

use store::{ExternalProfile, NewSite, NewUser, UserChanges};

use crate::common::{EXTERNAL_AUDIENCE, JWT_SECRET, TestApp, error_code, read_key};

const VIEWER: &str = "{ viewer { id username displayName email isStaff isSuperuser } }";

fn claims(issuer: &str, audience: &str, subject: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({ "iss": issuer, "aud": audience, "sub": subject, "iat": now, "nbf": now, "exp": now + 600 })
}

fn external_claims(issuer: &str, subject: &str) -> Value {
    claims(
        &format!("https://{issuer}.example"),
        EXTERNAL_AUDIENCE,
        subject,
    )
}

fn sign(algorithm: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(read_key("rsa-private.TEST-ONLY.pem").as_bytes()).unwrap()
}

fn rsa_token(claims: &Value) -> String {
    sign(Algorithm::RS256, None, claims, &rsa_key())
}

async fn viewer(app: &TestApp, token: &str) -> Value {
    app.graphql(VIEWER, json!({}), Some(token)).await
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let request = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .bearer_auth(token)
        .body(json!({ "query": VIEWER }).to_string());
    let (status, answer) = app.send(request).await;
    assert_eq!(status, 401, "{why}: {answer}");
    assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{why}: {answer}");
    assert!(
        answer.get("data").is_none_or(Value::is_null),
        "{why}: {answer}"
    );
}

fn b64(value: &Value) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn the_viewer_is_null_without_a_token() {
    let app = TestApp::spawn().await;
    let answer = app.graphql(VIEWER, json!({}), None).await;
    assert_eq!(answer, json!({ "data": { "viewer": null } }));
}

#[tokio::test]
async fn the_viewer_is_the_user_of_a_gateway_token() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "wonderland").await;
    let answer = viewer(&app, &app.token_for(&alice)).await;
    let expected_id = gateway::graphql::relay::encode_id("User", alice.id).0;
    assert_eq!(
        answer,
        json!({ "data": { "viewer": {
            "id": expected_id,
            "username": "alice",
            "displayName": "alice (test)",
            "email": "alice@example.org",
            "isStaff": false,
            "isSuperuser": false,
        } } })
    );
}

#[tokio::test]
async fn external_tokens_of_every_key_type_create_or_find_their_user() {
    let app = TestApp::spawn().await;
    let ec_key = EncodingKey::from_ec_pem(read_key("ec-private.TEST-ONLY.pem").as_bytes()).unwrap();
    let cases = [
        ("rsa", Algorithm::RS256, rsa_key(), None),
        ("ec", Algorithm::ES256, ec_key, None),
        ("jwks", Algorithm::RS256, rsa_key(), Some("test-rsa")),
    ];
    for (issuer, algorithm, key, kid) in cases {
        let mut claims = external_claims(issuer, "subject-1");
        claims["preferred_username"] = json!(format!("{issuer}-user"));
        claims["email"] = json!("ext@example.org");
        let token = sign(algorithm, kid, &claims, &key);
        let first = viewer(&app, &token).await;
        assert_eq!(
            first["data"]["viewer"]["username"],
            format!("{issuer}-user"),
            "{first}"
        );
        assert_eq!(first["data"]["viewer"]["email"], "ext@example.org");
        let again = viewer(&app, &token).await;
        assert_eq!(again["data"]["viewer"]["id"], first["data"]["viewer"]["id"]);
    }
}

#[tokio::test]
async fn an_external_username_taken_locally_falls_back_to_the_qualified_subject() {
    let app = TestApp::spawn().await;
    app.create_user("bob", "local").await;
    let mut claims = external_claims("rsa", "sub-77");
    claims["preferred_username"] = json!("bob");
    let answer = viewer(&app, &rsa_token(&claims)).await;
    assert_eq!(
        answer["data"]["viewer"]["username"], "rsa:sub-77",
        "{answer}"
    );
}

#[tokio::test]
async fn issuers_without_create_users_only_accept_known_subjects() {
    let app = TestApp::spawn().await;
    let key =
        EncodingKey::from_ed_pem(read_key("ed25519-private.TEST-ONLY.pem").as_bytes()).unwrap();
    let token = sign(
        Algorithm::EdDSA,
        None,
        &external_claims("ed", "carol-at-idp"),
        &key,
    );
    assert_refused(&app, &token, "unknown subject").await;

    let profile = ExternalProfile {
        username: "carol".to_owned(),
        display_name: "Carol".to_owned(),
        email: String::new(),
    };
    app.state
        .store
        .users()
        .find_or_create_external(app.site.id, "https://ed.example", "carol-at-idp", profile)
        .await
        .unwrap();
    let answer = viewer(&app, &token).await;
    assert_eq!(answer["data"]["viewer"]["username"], "carol", "{answer}");
}

#[tokio::test]
async fn every_invalid_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "wonderland").await;
    let local = |claims: &Value, secret: &str| {
        sign(
            Algorithm::HS256,
            None,
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
    };
    let alice_claims = claims("bbb-gateway", "bbb-gateway", &alice.id.to_string());
    assert_eq!(
        viewer(&app, &local(&alice_claims, JWT_SECRET)).await["data"]["viewer"]["username"],
        "alice",
        "the baseline token must be accepted for the refusals below to mean anything"
    );

    let unsigned = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&alice_claims)
    );
    assert_refused(&app, &unsigned, "alg none").await;

    let confused = sign(
        Algorithm::HS256,
        None,
        &external_claims("rsa", "x"),
        &EncodingKey::from_secret(read_key("rsa-public.pem").as_bytes()),
    );
    assert_refused(&app, &confused, "HS256 signed with the RSA public key").await;

    assert_refused(
        &app,
        &rsa_token(&alice_claims),
        "RS256 token claiming the local issuer",
    )
    .await;

    let other_key =
        EncodingKey::from_rsa_pem(read_key("rsa-other-private.TEST-ONLY.pem").as_bytes()).unwrap();
    let wrong_key = sign(
        Algorithm::RS256,
        None,
        &external_claims("rsa", "x"),
        &other_key,
    );
    assert_refused(&app, &wrong_key, "wrong RSA key").await;
    assert_refused(
        &app,
        &local(&alice_claims, "another-secret-0123456789-0123456789"),
        "wrong HS256 key",
    )
    .await;

    assert_refused(
        &app,
        &rsa_token(&claims("https://evil.example", EXTERNAL_AUDIENCE, "x")),
        "wrong issuer",
    )
    .await;
    assert_refused(
        &app,
        &rsa_token(&claims("https://rsa.example", "someone-else", "x")),
        "wrong audience",
    )
    .await;
    let mut local_wrong_audience = alice_claims.clone();
    local_wrong_audience["aud"] = json!("someone-else");
    assert_refused(
        &app,
        &local(&local_wrong_audience, JWT_SECRET),
        "wrong local audience",
    )
    .await;

    let mut expired = alice_claims.clone();
    expired["exp"] = json!(Utc::now().timestamp() - 300);
    assert_refused(&app, &local(&expired, JWT_SECRET), "expired").await;
    let mut early = alice_claims.clone();
    early["nbf"] = json!(Utc::now().timestamp() + 300);
    assert_refused(&app, &local(&early, JWT_SECRET), "not yet valid").await;

    let unknown_kid = sign(
        Algorithm::RS256,
        Some("nobody"),
        &external_claims("jwks", "x"),
        &rsa_key(),
    );
    assert_refused(&app, &unknown_kid, "unknown kid").await;

    for garbage in ["garbage", "a.b.c", "Bearer"] {
        assert_refused(&app, garbage, "garbage").await;
    }
}

#[tokio::test]
async fn only_bearer_authorization_is_accepted() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "wonderland").await;
    for header in [
        format!("Basic {}", app.token_for(&alice)),
        app.token_for(&alice),
        "Bearer ".to_owned(),
    ] {
        let request = app
            .http
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .header("authorization", header.clone())
            .body(json!({ "query": VIEWER }).to_string());
        let (status, answer) = app.send(request).await;
        assert_eq!(
            (status, error_code(&answer)),
            (401, "UNAUTHENTICATED"),
            "{header}"
        );
    }
}

#[tokio::test]
async fn tokens_of_deleted_users_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "wonderland").await;
    let token = app.token_for(&alice);
    app.state.store.users().delete(alice.id).await.unwrap();
    assert_refused(&app, &token, "deleted user").await;
}

#[tokio::test]
async fn tokens_only_work_on_their_users_site() {
    let app = TestApp::spawn().await;
    let other_site = app
        .state
        .store
        .sites()
        .create(NewSite {
            domain: "other.example".to_owned(),
            name: "Other".to_owned(),
        })
        .await
        .unwrap();
    let dave = app
        .create_user_with(store::NewUser::new(other_site.id, "dave"))
        .await;
    let token = app.token_for(&dave);
    assert_refused(&app, &token, "token of another site's user").await;

    let request = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("host", "other.example")
        .bearer_auth(&token)
        .body(json!({ "query": VIEWER }).to_string());
    let (status, answer) = app.send(request).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["viewer"]["username"], "dave");
}

fn demotion() -> UserChanges {
    UserChanges {
        is_staff: Some(false),
        ..UserChanges::default()
    }
}

/// Another gateway process on the same database (or the CLI).
async fn other_instance(app: &TestApp) -> store::Store {
    store::connect(
        Some(app.state.config.database_url()),
        app.state.config.secret_key().unwrap(),
    )
    .await
    .unwrap()
}

async fn staff_user(app: &TestApp) -> (store::User, String) {
    let alice = app
        .create_user_with(NewUser {
            is_staff: true,
            ..NewUser::new(app.site.id, "alice")
        })
        .await;
    let token = app.token_for(&alice);
    let answer = viewer(app, &token).await;
    assert_eq!(answer["data"]["viewer"]["isStaff"], true, "{answer}");
    (alice, token)
}

#[tokio::test]
async fn a_user_demoted_or_deleted_through_this_instance_loses_their_token_at_once() {
    // A long lookup TTL: only the instance's own invalidation can make this pass.
    let app =
        TestApp::spawn_with(|config| config.lookup_cache_ttl = Duration::from_secs(600)).await;
    let (alice, token) = staff_user(&app).await;
    app.state
        .store
        .users()
        .update(alice.id, demotion())
        .await
        .unwrap();
    let answer = viewer(&app, &token).await;
    assert_eq!(answer["data"]["viewer"]["isStaff"], false, "{answer}");
    app.state.store.users().delete(alice.id).await.unwrap();
    assert_refused(&app, &token, "deleted while the token was in use").await;
}

#[tokio::test]
async fn a_change_by_another_instance_reaches_this_one_within_lookup_cache_ttl() {
    let ttl = Duration::from_millis(400);
    let app = TestApp::spawn_with(|config| config.lookup_cache_ttl = ttl).await;
    let other = other_instance(&app).await;
    let (alice, token) = staff_user(&app).await;
    other.users().update(alice.id, demotion()).await.unwrap();
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    let answer = viewer(&app, &token).await;
    assert_eq!(answer["data"]["viewer"]["isStaff"], false, "{answer}");
    other.users().delete(alice.id).await.unwrap();
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    assert_refused(&app, &token, "deleted by another instance").await;
}

#[tokio::test]
async fn with_a_zero_lookup_cache_ttl_another_instances_change_counts_at_once() {
    let app = TestApp::spawn_with(|config| config.lookup_cache_ttl = Duration::ZERO).await;
    let other = other_instance(&app).await;
    let (alice, token) = staff_user(&app).await;
    other.users().update(alice.id, demotion()).await.unwrap();
    let answer = viewer(&app, &token).await;
    assert_eq!(answer["data"]["viewer"]["isStaff"], false, "{answer}");
}
