//! Cross-origin requests to `/graphql` (actix-cors), from the `cors.*` configuration: which
//! origins, methods and headers browsers may use, whether credentials (cookies, HTTP auth) go
//! along, and how long a preflight answer may be cached. Only the GraphQL front door is
//! wrapped: the BBB-compatible endpoint answers as BBB does, with no CORS headers, and
//! `/graphql/ws` is a WebSocket, which browsers open across origins without CORS.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header},
    middleware::Next,
};

use super::errors;
use crate::{config::CorsConfig, error::GatewayError};

/// One entry of `cors.allowed_origins`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginPattern {
    /// `*`: every origin.
    Any,
    /// `https://app.example.org` or `http://localhost:5173`: exactly this origin.
    Exact(String),
    /// `http://localhost:*`: this scheme and host on any port (or none).
    AnyPort { scheme: String, host: String },
}

impl OriginPattern {
    /// Parses an entry; `None` when it is not `*`, an origin (`scheme://host[:port]`, nothing
    /// after) or an origin with the port `*`.
    pub fn parse(entry: &str) -> Option<OriginPattern> {
        if entry == "*" {
            return Some(OriginPattern::Any);
        }
        let (scheme, rest) = entry.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https") {
            return None;
        }
        if let Some(host) = rest.strip_suffix(":*") {
            // Check the host by parsing it with a port placeholder.
            let url = url::Url::parse(&format!("{scheme}://{host}:1")).ok()?;
            let parsed_host = url.host_str()?.to_owned();
            if url.path() != "/"
                || !host.eq_ignore_ascii_case(&parsed_host)
                || !has_plain_host(&url)
            {
                return None;
            }
            return Some(OriginPattern::AnyPort {
                scheme,
                host: parsed_host,
            });
        }
        let url = url::Url::parse(entry).ok()?;
        // An origin has no path, query, fragment or credentials: `https://a.example/` is a URL,
        // and a browser never sends it as `Origin`.
        let origin = url.origin().ascii_serialization();
        (origin.eq_ignore_ascii_case(entry) && has_plain_host(&url))
            .then_some(OriginPattern::Exact(origin))
    }

    fn admits(&self, origin: &str) -> bool {
        match self {
            OriginPattern::Any => true,
            OriginPattern::Exact(exact) => exact.eq_ignore_ascii_case(origin),
            OriginPattern::AnyPort { scheme, host } => {
                let Ok(url) = url::Url::parse(origin) else {
                    return false;
                };
                url.origin()
                    .ascii_serialization()
                    .eq_ignore_ascii_case(origin)
                    && url.scheme() == scheme
                    && url.host_str() == Some(host.as_str())
            }
        }
    }
}

/// A host name of letters, digits, hyphens and dots, or an IP address: the URL parser admits
/// more (`*.example.org`), which no browser sends as an origin and which would suggest a
/// wildcard that is not one.
fn has_plain_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.')),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        None => false,
    }
}

/// The CORS rules, built once from the configuration and shared by every worker's middleware.
#[derive(Debug, Clone)]
pub struct CorsPolicy {
    origins: Arc<Vec<OriginPattern>>,
    methods: Vec<Method>,
    headers: Vec<header::HeaderName>,
    allow_credentials: bool,
    max_age_seconds: usize,
}

impl CorsPolicy {
    /// The policy of `config` (validated: entries that do not parse are skipped).
    pub fn new(config: &CorsConfig) -> CorsPolicy {
        let origins: Vec<OriginPattern> = config
            .allowed_origins
            .iter()
            .filter_map(|entry| OriginPattern::parse(entry))
            .collect();
        CorsPolicy {
            origins: Arc::new(origins),
            methods: config
                .allowed_methods
                .iter()
                .filter_map(|method| method.parse().ok())
                .collect(),
            headers: config
                .allowed_headers
                .iter()
                .filter_map(|name| name.parse().ok())
                .collect(),
            allow_credentials: config.allow_credentials,
            max_age_seconds: config.max_age.as_secs() as usize,
        }
    }

    /// The actix-cors middleware of this policy (one per worker).
    pub fn middleware(&self) -> Cors {
        let origins = self.origins.clone();
        let mut cors = Cors::default()
            .allowed_origin_fn(move |origin, _| {
                origin
                    .to_str()
                    .is_ok_and(|origin| origins.iter().any(|pattern| pattern.admits(origin)))
            })
            .allowed_methods(self.methods.clone())
            .allowed_headers(self.headers.clone())
            // The request id lets a browser app quote the server's log line.
            .expose_headers([header::HeaderName::from_static("x-request-id")])
            .max_age(self.max_age_seconds);
        if self.allow_credentials {
            cors = cors.supports_credentials();
        }
        cors
    }
}

/// Wraps the CORS middleware so that its refusals look like every other refusal:
/// - a refused preflight (origin, method or header not allowed) gets the gateway's coded JSON
///   error instead of actix-cors' plain text;
/// - an answer to an origin that is not allowed carries no `Access-Control-*` header at all
///   (actix-cors would still send `Allow-Credentials` and `Expose-Headers`, which grant nothing
///   without `Allow-Origin` but suggest otherwise).
pub async fn refusals(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = next.call(request).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        for name in [
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
        ] {
            headers.remove(name);
        }
    }
    if !is_preflight || response.status() != StatusCode::BAD_REQUEST {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let reason = actix_web::body::to_bytes(response.into_body())
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let refusal = errors::response(
        StatusCode::BAD_REQUEST,
        &GatewayError::bad_input(format!("CORS preflight refused: {reason}")),
    );
    Ok(ServiceResponse::new(request, refusal))
}

#[cfg(test)]
mod tests {
    use super::OriginPattern;

    #[test]
    fn origin_patterns_parse_origins_and_port_wildcards_only() {
        assert_eq!(OriginPattern::parse("*"), Some(OriginPattern::Any));
        assert_eq!(
            OriginPattern::parse("https://app.example.org"),
            Some(OriginPattern::Exact("https://app.example.org".to_owned()))
        );
        assert!(matches!(
            OriginPattern::parse("http://localhost:*"),
            Some(OriginPattern::AnyPort { .. })
        ));
        for bad in [
            "app.example.org",
            "https://app.example.org/",
            "https://app.example.org/path",
            "ftp://app.example.org",
            "https://*.example.org",
            "http://localhost:*/x",
            "",
        ] {
            assert_eq!(OriginPattern::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn port_wildcards_admit_any_port_of_that_host_only() {
        let local = OriginPattern::parse("http://localhost:*").unwrap();
        assert!(local.admits("http://localhost:5173"));
        assert!(local.admits("http://localhost"));
        assert!(!local.admits("https://localhost:5173"));
        assert!(!local.admits("http://localhost.evil.example:5173"));
        assert!(!local.admits("http://evil.example"));
        let exact = OriginPattern::parse("https://app.example.org").unwrap();
        assert!(exact.admits("https://app.example.org"));
        assert!(!exact.admits("https://app.example.org:8443"));
        assert!(!exact.admits("https://app.example.org.evil.example"));
    }
}
