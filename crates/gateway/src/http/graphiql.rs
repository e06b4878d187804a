//! `/graphiql`: GraphiQL served entirely by the gateway, so it works offline and under a strict
//! Content-Security-Policy. Its script and stylesheet (GraphiQL, React, the graphql-ws client)
//! are bundled from npm packages pinned by `crates/gateway/graphiql/package-lock.json`
//! (`npm ci && npm run build` there; the Docker image does it) into the directory
//! `graphql.graphiql_assets`, served under `/graphiql/assets/`. The page itself has no inline
//! script or style: the endpoints are data attributes read by the bundle.

use std::path::Path;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};

use super::errors;
use crate::{app::AppState, error::GatewayError};
/// The bundle's entry point, whose presence means the assets are built.
const SCRIPT: &str = "graphiql.js";

/// Only the gateway's own origin: no CDN, no inline script or style, no framing.
/// `connect-src 'self'` covers `/graphql` and, in CSP Level 3, `ws:`/`wss:` to the same host
/// (`/graphql/ws`). Fonts and icons of GraphiQL's stylesheet are `data:` URLs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The GraphiQL page, or — when the bundle is not built — a page that says how to build it.
/// Relative URLs keep the page working behind a reverse proxy's path prefix.
pub fn page(assets: &Path) -> HttpResponse {
    let (status, html) = if assets.join(SCRIPT).is_file() {
        (StatusCode::OK, GRAPHIQL_PAGE.to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            NOT_BUILT_PAGE.replace("{assets}", &html_escape(&assets.display().to_string())),
        )
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(html)
}

/// Said once at start, so an operator learns it before a user opens `/graphiql`.
pub fn warn_if_not_built(assets: &Path) {
    if !assets.join(SCRIPT).is_file() {
        tracing::warn!(
            path = %assets.display(),
            "GraphiQL's assets are not built (graphql.graphiql_assets): /graphiql only says how \
             to build them (`npm ci && npm run build` in crates/gateway/graphiql)"
        );
    }
}

/// `GET /graphiql/assets/{name}`: a file of the bundle. Only plain file names (letters,
/// digits, `.`, `-`, `_`, not starting with a dot) of the directory itself are served: no
/// listing, no hidden file, no path that could lead outside it.
pub async fn asset(
    request: HttpRequest,
    name: web::Path<String>,
    app: web::Data<AppState>,
) -> HttpResponse {
    let name = name.into_inner();
    let plain = !name.starts_with('.')
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'));
    let path = app.config.graphql.graphiql_assets.join(&name);
    match plain && path.is_file() {
        true => match actix_files::NamedFile::open(&path) {
            Ok(file) => file.into_response(&request),
            Err(error) => errors::response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &GatewayError::caused(format!("cannot read {}", path.display()))(error),
            ),
        },
        false => errors::response(
            StatusCode::NOT_FOUND,
            &GatewayError::not_found("GraphiQL asset"),
        ),
    }
}

const GRAPHIQL_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bbb-gateway GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="graphiql/assets/graphiql.css">
</head>
<body>
<div id="graphiql" data-endpoint="graphql" data-subscription-endpoint="graphql/ws">Loading GraphiQL…</div>
<script src="graphiql/assets/graphiql.js"></script>
</body>
</html>
"#;

const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>bbb-gateway GraphiQL: assets not built</title></head>
<body>
<h1>GraphiQL's assets are not built</h1>
<p>The gateway serves GraphiQL from its own files, so that it works offline, and found no
<code>graphiql.js</code> in <code>{assets}</code> (the configuration key
<code>graphql.graphiql_assets</code>).</p>
<p>Build them once, with Node.js and npm, from the repository root:</p>
<pre>npm ci --prefix crates/gateway/graphiql &amp;&amp; npm run build --prefix crates/gateway/graphiql</pre>
<p>or point <code>graphql.graphiql_assets</code> (<code>BBB_GATEWAY_GRAPHQL__GRAPHIQL_ASSETS</code>)
at a directory holding them. <code>POST /graphql</code> works without them.</p>
</body>
</html>
"#;

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
