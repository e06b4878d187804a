//! Cross-origin requests from browsers: preflights of `/graphql` answered from `cors.*`, other
//! origins refused, credentials only when configured, and the BBB endpoint left as BBB is.

use gateway::config::{Config, DEV_CORS_ORIGINS};
use reqwest::{Method, Response};
use serde_json::json;

use crate::common::{TestApp, error_code};

const APP_ORIGIN: &str = "https://app.example.org";

async fn spawn_for_app(allow_credentials: bool) -> TestApp {
    TestApp::spawn_with(|config| {
        config.cors.allowed_origins = vec![APP_ORIGIN.to_owned(), "http://localhost:*".to_owned()];
        config.cors.allow_credentials = allow_credentials;
    })
    .await
}

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> Response {
    app.http
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_gets_the_configured_answer() {
    let app = spawn_for_app(true).await;
    let response = preflight(
        &app,
        "/graphql",
        APP_ORIGIN,
        "POST",
        "content-type,authorization",
    )
    .await;
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(header(&response, "access-control-max-age"), Some("3600"));
    let methods = header(&response, "access-control-allow-methods").unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let headers = header(&response, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    // Caches must not hand one origin's answer to another.
    assert!(
        header(&response, "vary")
            .unwrap()
            .to_ascii_lowercase()
            .contains("origin")
    );

    // Any port of localhost, for a dev server.
    let response = preflight(
        &app,
        "/graphql",
        "http://localhost:5173",
        "POST",
        "content-type",
    )
    .await;
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

#[tokio::test]
async fn a_preflight_from_another_origin_is_refused_with_a_coded_error() {
    let app = spawn_for_app(true).await;
    for origin in [
        "https://evil.example",
        "https://app.example.org.evil.example",
        "http://app.example.org",
        "http://localhost.evil.example:5173",
        "null",
    ] {
        let response = preflight(&app, "/graphql", origin, "POST", "content-type").await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            header(&response, "access-control-allow-credentials"),
            None,
            "{origin}"
        );
        let (status, body) = app
            .send(
                app.http
                    .request(Method::OPTIONS, app.url("/graphql"))
                    .header("origin", origin)
                    .header("access-control-request-method", "POST"),
            )
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "BAD_USER_INPUT"),
            "{origin}: {body}"
        );
    }
    // A method or header not configured is refused too.
    let response = preflight(&app, "/graphql", APP_ORIGIN, "DELETE", "content-type").await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let response = preflight(&app, "/graphql", APP_ORIGIN, "POST", "x-not-allowed").await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn requests_from_an_allowed_origin_may_read_the_answer_others_may_not() {
    let app = spawn_for_app(true).await;
    let send = |origin: &'static str| {
        app.http
            .post(app.url("/graphql"))
            .header("origin", origin)
            .header("content-type", "application/json")
            .body(json!({ "query": "{ __typename }" }).to_string())
            .send()
    };
    let allowed = send(APP_ORIGIN).await.unwrap();
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        header(&allowed, "access-control-allow-credentials"),
        Some("true")
    );
    assert!(
        header(&allowed, "access-control-expose-headers")
            .unwrap()
            .to_ascii_lowercase()
            .contains("x-request-id")
    );
    let other = send("https://evil.example").await.unwrap();
    assert_eq!(header(&other, "access-control-allow-origin"), None);
    assert_eq!(header(&other, "access-control-allow-credentials"), None);
}

#[tokio::test]
async fn credentials_are_allowed_only_when_configured() {
    let app = spawn_for_app(false).await;
    let response = preflight(&app, "/graphql", APP_ORIGIN, "POST", "content-type").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert_eq!(header(&response, "access-control-allow-credentials"), None);
}

#[tokio::test]
async fn without_configured_origins_no_origin_is_allowed() {
    let app = TestApp::spawn().await;
    let response = preflight(
        &app,
        "/graphql",
        "http://localhost:5173",
        "POST",
        "content-type",
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn the_bbb_endpoint_adds_no_cors_headers_as_bbb_adds_none() {
    let app = spawn_for_app(true).await;
    for path in [
        "/bigbluebutton/api/create",
        "/bigbluebutton/api",
        "/t/0123456789abcdef/bigbluebutton/api/getMeetings",
    ] {
        let response = preflight(&app, path, APP_ORIGIN, "GET", "content-type").await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{path}"
        );
        let response = app
            .http
            .get(app.url(path))
            .header("origin", APP_ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{path}"
        );
        assert_eq!(
            header(&response, "access-control-allow-credentials"),
            None,
            "{path}"
        );
    }
}

#[test]
fn the_configuration_refuses_unusable_cors_settings_naming_the_key() {
    let refusal = |adjust: &dyn Fn(&mut Config)| {
        let mut config = valid_config();
        adjust(&mut config);
        config.validate().unwrap_err().to_string()
    };
    let error = refusal(&|config| {
        config.cors.allowed_origins = vec!["https://app.example.org/".to_owned()]
    });
    assert!(error.contains("cors.allowed_origins[0]"), "{error}");
    let error = refusal(&|config| {
        config.cors.allowed_origins = vec!["*".to_owned()];
        config.cors.allow_credentials = true;
    });
    assert!(error.contains("cors.allowed_origins[0]"), "{error}");
    let error = refusal(&|config| config.cors.allowed_methods = vec!["GET POST".to_owned()]);
    assert!(error.contains("cors.allowed_methods[0]"), "{error}");
    let error = refusal(&|config| config.cors.allowed_headers = vec!["bad header".to_owned()]);
    assert!(error.contains("cors.allowed_headers[0]"), "{error}");

    // `*` without credentials, and the origins of `serve --dev`, are fine.
    let mut config = valid_config();
    config.cors.allowed_origins = vec!["*".to_owned()];
    config.validate().unwrap();
    config.cors.allowed_origins = DEV_CORS_ORIGINS.map(str::to_owned).to_vec();
    config.validate().unwrap();
}

fn valid_config() -> Config {
    let mut config = Config {
        secret_key: Some(gateway::config::Secret::new(
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned(),
        )),
        ..Config::default()
    };
    config.jwt.secret = Some(gateway::config::Secret::new(
        crate::common::JWT_SECRET.to_owned(),
    ));
    config.validate().unwrap();
    config
}
