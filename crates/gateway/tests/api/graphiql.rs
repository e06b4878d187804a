//! `/graphiql`: served from the gateway's own files under a strict Content-Security-Policy,
//! or a page saying how to build them. (The real bundle in a real browser:
//! `examples/spa/tests/graphiql.test.mjs`.)

use std::path::PathBuf;

use crate::common::{TestApp, error_code};

fn csp_of(response: &reqwest::Response) -> String {
    response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// The policy allows no third-party origin, no inline script or style and no framing.
fn assert_strict(csp: &str) {
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing in {csp}");
    }
    for loose in ["unsafe-inline", "unsafe-eval", "http:", "https:", "*"] {
        assert!(!csp.contains(loose), "{loose} in {csp}");
    }
}

async fn spawn_with_assets() -> (TestApp, tempfile::TempDir) {
    let assets = tempfile::tempdir().unwrap();
    std::fs::write(
        assets.path().join("graphiql.js"),
        "console.log('graphiql');",
    )
    .unwrap();
    std::fs::write(
        assets.path().join("graphiql.css"),
        "#graphiql { height: 100vh; }",
    )
    .unwrap();
    let path = assets.path().to_owned();
    let app = TestApp::spawn_with(|config| config.graphql.graphiql_assets = path).await;
    (app, assets)
}

#[tokio::test]
async fn graphiql_is_a_page_of_the_gateways_own_assets_under_a_strict_policy() {
    let (app, _assets) = spawn_with_assets().await;
    let response = app.http.get(app.url("/graphiql")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_strict(&csp_of(&response));
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"<script src="graphiql/assets/graphiql.js"></script>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"href="graphiql/assets/graphiql.css""#),
        "{page}"
    );
    assert!(page.contains(r#"data-endpoint="graphql""#), "{page}");
    assert!(
        page.contains(r#"data-subscription-endpoint="graphql/ws""#),
        "{page}"
    );
    // Nothing from elsewhere, and no inline script or style the policy would block.
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(
        !page.contains("<script>") && !page.contains("<style"),
        "{page}"
    );

    let script = app
        .http
        .get(app.url("/graphiql/assets/graphiql.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status().as_u16(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(script.text().await.unwrap(), "console.log('graphiql');");
}

#[tokio::test]
async fn only_files_of_the_assets_directory_are_served() {
    let (app, assets) = spawn_with_assets().await;
    std::fs::write(assets.path().join("..").join("outside.txt"), "secret").ok();
    for path in [
        "/graphiql/assets/missing.js",
        "/graphiql/assets/../outside.txt",
        "/graphiql/assets/%2e%2e/outside.txt",
        "/graphiql/assets/..%2foutside.txt",
        "/graphiql/assets/",
    ] {
        let (status, body) = app.send(app.http.get(app.url(path))).await;
        assert_eq!(
            (status, error_code(&body)),
            (404, "NOT_FOUND"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn without_built_assets_the_page_says_how_to_build_them() {
    let missing = PathBuf::from("/nonexistent/graphiql-dist");
    let app = TestApp::spawn_with(|config| config.graphql.graphiql_assets = missing).await;
    let response = app.http.get(app.url("/graphiql")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_strict(&csp_of(&response));
    let page = response.text().await.unwrap();
    assert!(page.contains("/nonexistent/graphiql-dist"), "{page}");
    assert!(page.contains("graphql.graphiql_assets"), "{page}");
    assert!(
        page.contains("npm ci --prefix crates/gateway/graphiql"),
        "{page}"
    );
    assert!(!page.contains("<script"), "{page}");
}
