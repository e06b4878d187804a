//! `serve --dev` lets browser apps on the local machine (any port of localhost and 127.0.0.1)
//! call `/graphql`, unless `cors.allowed_origins` names origins; plain `serve` allows none.

use store::TestDb;

use crate::process::{Gateway, database_env, http};

/// The `Access-Control-Allow-Origin` of a preflight of `POST /graphql` from `origin`.
async fn allowed_origin(gateway: &Gateway, origin: &str) -> Option<String> {
    let response = http()
        .request(reqwest::Method::OPTIONS, gateway.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap();
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn dev_mode_allows_local_origins_only() {
    let db = TestDb::new().await;
    let gateway = Gateway::start(&database_env(&db), &["--dev"]).await;
    for origin in [
        "http://localhost:5173",
        "http://127.0.0.1:3000",
        "http://localhost",
    ] {
        assert_eq!(
            allowed_origin(&gateway, origin).await.as_deref(),
            Some(origin),
            "{origin}; log:\n{}",
            gateway.log_text()
        );
    }
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example:5173",
        "http://127.0.0.2:3000",
    ] {
        assert_eq!(allowed_origin(&gateway, origin).await, None, "{origin}");
    }
}

#[tokio::test]
async fn configured_origins_replace_those_of_dev_mode_and_plain_serve_allows_none() {
    let db = TestDb::new().await;
    let mut env = database_env(&db);
    env.push((
        "BBB_GATEWAY_CORS__ALLOWED_ORIGINS",
        r#"["https://app.example.org"]"#.to_owned(),
    ));
    let gateway = Gateway::start(&env, &["--dev"]).await;
    assert_eq!(
        allowed_origin(&gateway, "https://app.example.org")
            .await
            .as_deref(),
        Some("https://app.example.org")
    );
    assert_eq!(
        allowed_origin(&gateway, "http://localhost:5173").await,
        None
    );
    drop(gateway);

    let gateway = Gateway::start(&database_env(&db), &[]).await;
    assert_eq!(
        allowed_origin(&gateway, "http://localhost:5173").await,
        None
    );
}
