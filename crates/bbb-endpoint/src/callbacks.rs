//! BBB's callbacks to an integration, passed through the gateway. On create, every metadata
//! URL BBB calls back ([`CALLBACK_METADATA`]), and the `meetingEndedURL` parameter, is
//! replaced by a gateway URL that carries the
//! original URL and an HMAC of it under the gateway's relay key (derived from its
//! `secret_key`, which no tenant knows: the relay serves only URLs the gateway itself put into
//! a create, never one a tenant made up). When BBB calls back, the gateway relays the call to
//! the original URL: the end callback as it is (plus BBB's `recordingmarks`), the
//! recording-ready and analytics JWTs verified with the backend's secret and re-signed with the
//! token's, with the backend meetingID turned back into the client's. A BBB server thus never
//! calls a tenant's URL itself: it could reach into the BBB network past the gateway's outbound
//! policy, and the JWTs it signs with its own secret would let the tenant brute-force that
//! secret offline.
//!
//! The relay URL starts with the configured `public_url`, never with what a request says the
//! gateway's host is (Host and X-Forwarded-Host are the client's to choose). Without
//! `public_url` the callback metadata is left out of the create, with a warning.
//!
//! The URL is the tenant's choice, so the relay goes only where the outbound policy admits,
//! checked on the addresses it connects to (see [`bbb_client::outbound`]); a refused callback
//! is logged and not sent. BBB gets the same answer whatever happened to the callback, so the
//! relay cannot be used to probe what answers where.

use actix_web::{HttpRequest, HttpResponse, web};
use bbb_client::OutboundPolicy;
use bbb_client::Params;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::auth::TokenEntry;
use crate::error::EndpointError;
use crate::routes::{DeclaredBody, read_body};
use crate::{Endpoint, EndpointSettings, Shared};

// The kinds of callback, as they stand in relay URLs (and in their MACs).
const END: &str = "end";
const RECORDING_READY: &str = "recording-ready";
const ANALYTICS: &str = "analytics";

/// Every metadata name BBB calls back on, as bbb-web stores it (lower-cased), and the kind of
/// callback. The recording-ready names are in the order BBB's recording-ready script looks
/// them up: it posts to the first one present only.
pub const CALLBACK_METADATA: [(&str, &str); 5] = [
    // bbb-web: GET on end, `recordingmarks=` appended.
    ("endcallbackurl", END),
    // post_publish_recording_ready_callback.rb: POST `signed_parameters=<HS256 JWT>`.
    ("bbb-recording-ready-url", RECORDING_READY),
    ("bn-recording-ready-url", RECORDING_READY),
    ("canvas-recording-ready-url", RECORDING_READY),
    // post_events_analytics_callback.rb: POST JSON, `Authorization: Bearer <HS512 JWT>`.
    ("analytics-callback-url", ANALYTICS),
];

/// Where a metadata name (a `meta_` parameter without its prefix) stands in
/// [`CALLBACK_METADATA`], if it is a callback; names match whatever their letter case, as
/// bbb-web lower-cases them.
fn callback_index(name: &str) -> Option<usize> {
    CALLBACK_METADATA
        .iter()
        .position(|(callback, _)| name.eq_ignore_ascii_case(callback))
}

/// The callback a metadata name names, if any.
fn kind_of_metadata(name: &str) -> Option<&'static str> {
    callback_index(name).map(|index| CALLBACK_METADATA[index].1)
}

/// bbb-web's server-side end callback, a create parameter (matched as bbb-web reads it,
/// letter case included): a GET of the URL as it is when the meeting ends.
const MEETING_ENDED_URL: &str = "meetingEndedURL";

/// The callback a create parameter names, if any: a callback metadata name, or
/// `meetingEndedURL`.
fn kind_of(param: &str) -> Option<&'static str> {
    if param == MEETING_ENDED_URL {
        return Some(END);
    }
    kind_of_metadata(param.strip_prefix("meta_")?)
}

/// The key of the relay URLs' MACs. Never shown by `Debug`.
#[derive(Clone)]
pub struct RelayKey([u8; 32]);

impl RelayKey {
    /// A key from 32 secret bytes; the gateway passes one derived from its `secret_key`.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RelayKey(bytes)
    }

    /// A random key: relay URLs then work on this process only, until it stops.
    pub fn random() -> Self {
        RelayKey(rand::random())
    }

    /// The MAC of a relay URL: the token it relays for, the kind of callback and the URL.
    fn mac(&self, token: Uuid, kind: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(token.as_bytes());
        mac.update(kind.as_bytes());
        mac.update(b"\n");
        mac
    }

    fn sign(&self, token: Uuid, kind: &str, url: &str) -> String {
        let mut mac = self.mac(token, kind);
        mac.update(url.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `sig` is this key's MAC of the URL (compared in constant time).
    fn verify(&self, token: Uuid, kind: &str, url: &str, sig: &str) -> bool {
        let mut mac = self.mac(token, kind);
        mac.update(url.as_bytes());
        hex::decode(sig).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
    }
}

impl std::fmt::Debug for RelayKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RelayKey(***)")
    }
}

/// The client that relays callbacks: no redirects followed (a redirect could lead anywhere),
/// no proxy (it would connect for us, past the policy), and names resolved through the
/// outbound policy. IP literals never reach a resolver; [`relay`] checks those itself.
pub fn http_client(settings: &EndpointSettings) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(PolicyResolver(settings.outbound.clone()))
        .timeout(settings.tunables.fan_out_timeout)
        .build()
        .unwrap_or_default()
}

/// Resolves names to the addresses the outbound policy admits, and only those: reqwest
/// connects to what this returns, so a name cannot resolve differently for the connection.
struct PolicyResolver(OutboundPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            // Port 0: reqwest puts in the URL's.
            let addresses = policy.resolve(name.as_str(), 0).await?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether the policy admits `url` as far as can be told before connecting: its scheme, and
/// its host when that is an IP address (names are checked as they resolve).
fn admitted_target(policy: &OutboundPolicy, url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|error| format!("not a URL: {error}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("not an http or https URL".to_owned());
    }
    let address = match parsed.host() {
        Some(url::Host::Ipv4(v4)) => std::net::IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => std::net::IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err("no host".to_owned()),
    };
    let host = parsed.host_str().unwrap_or_default();
    policy
        .check(host, address)
        .map_err(|refused| refused.to_string())
}

/// create's parameters with the callback URLs routed through the gateway at `public_base`:
/// the configured `public_url`, and nothing else. Never the request's Host or X-Forwarded-Host:
/// those are the client's to choose, and would let a tenant have BBB call back any host it
/// likes. Of the recording-ready names only the one BBB would post to
/// is kept, so that BBB never holds a second one. Without a public base there is nowhere to
/// route callbacks to: they are left out, with a warning, rather than handed to BBB as they are.
pub fn route_through_gateway(
    params: Params,
    public_base: Option<&str>,
    token: &TokenEntry,
    key: &RelayKey,
) -> Params {
    let guid = token.token.guid;
    let recording_ready = params
        .iter()
        .enumerate()
        .filter_map(|(at, (name, _))| {
            let index = callback_index(name.strip_prefix("meta_")?)?;
            (CALLBACK_METADATA[index].1 == RECORDING_READY).then_some((index, at))
        })
        .min()
        .map(|(_, at)| at);
    let mut left_out = Vec::new();
    let routed = params
        .into_iter()
        .enumerate()
        .filter_map(|(at, (name, value))| {
            let Some(kind) = kind_of(&name) else {
                return Some((name, value));
            };
            let Some(base) = public_base else {
                left_out.push(name);
                return None;
            };
            if kind == RECORDING_READY && Some(at) != recording_ready {
                tracing::debug!(%name, "create: a second recording-ready URL is left out");
                return None;
            }
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("url", &value)
                .append_pair("sig", &key.sign(guid, kind, &value))
                .finish();
            let relay = format!(
                "{}/bigbluebutton/callback/{kind}/{guid}?{query}",
                base.trim_end_matches('/'),
            );
            Some((name, relay))
        })
        .collect();
    if !left_out.is_empty() {
        tracing::warn!(
            token = %guid,
            parameters = ?left_out,
            "create: callback URLs left out: set public_url so that BBB can call back through \
             the gateway"
        );
    }
    routed
}

/// Metadata as the client set it: relayed callback URLs shown as the original ones.
pub fn unmask_metadata(metadata: &mut bbb_client::model::XmlMap) {
    for (name, value) in metadata.iter_mut() {
        if is_callback_metadata(name)
            && let Some(original) = original_url(value)
        {
            *value = original;
        }
    }
}

/// Whether a `<metadata>` entry of this name holds a callback URL that create routed through
/// the gateway.
pub fn is_callback_metadata(name: &str) -> bool {
    kind_of_metadata(name).is_some()
}

/// The client's own URL behind a callback URL routed through the gateway; `None` for any other
/// value, which is then shown as it is.
pub fn original_url(value: &str) -> Option<String> {
    if !value.contains("/bigbluebutton/callback/") {
        return None;
    }
    let (_, query) = value.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "url")
        .map(|(_, url)| url.into_owned())
}

#[derive(Deserialize)]
pub struct RelayQuery {
    url: String,
    sig: String,
    /// Appended by BBB to the end callback.
    recordingmarks: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct RecordingReady {
    meeting_id: String,
    record_id: String,
}

/// `GET|POST /bigbluebutton/callback/{kind}/{token}`: BBB calling back.
///
/// The URL's MAC (in the query) is checked first, before the token is looked up and before a
/// byte of the body is read: whoever did not get the URL from the gateway costs it nothing
/// but one HMAC.
pub async fn relay(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<RelayQuery>,
    payload: web::Payload,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let (kind, token) = path.into_inner();
    let shared = &endpoint.inner;
    let Ok(guid) = Uuid::parse_str(&token) else {
        return HttpResponse::NotFound().finish();
    };
    let signed_by_gateway = shared
        .settings
        .relay_key
        .verify(guid, &kind, &query.url, &query.sig);
    if !signed_by_gateway {
        return HttpResponse::Forbidden().finish();
    }
    let entry = match shared.auth.token(&shared.store, guid).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(error) => {
            tracing::error!(
                error = &error as &dyn std::error::Error,
                "callback: cannot load the token"
            );
            return HttpResponse::InternalServerError().finish();
        }
    };
    if let Err(reason) = admitted_target(&shared.settings.outbound, &query.url) {
        tracing::warn!(
            kind,
            token = %entry.token.guid,
            %reason,
            "callback not relayed: its URL is refused"
        );
        return relayed_answer();
    }
    let method = req.method();
    let body = if *method == actix_web::http::Method::POST {
        match DeclaredBody::of(&req) {
            Some(declared) => {
                match read_body(payload, &declared, shared.settings.max_body_bytes).await {
                    Ok(body) => body,
                    Err(EndpointError::BodyTooLarge) => {
                        return HttpResponse::PayloadTooLarge().finish();
                    }
                    Err(_) => return HttpResponse::BadRequest().finish(),
                }
            }
            None => web::Bytes::new(),
        }
    } else {
        web::Bytes::new()
    };
    let relayed = match kind.as_str() {
        END if *method == actix_web::http::Method::GET => {
            let separator = if query.url.contains('?') { '&' } else { '?' };
            let url = match &query.recordingmarks {
                Some(marks) => format!(
                    "{}{separator}recordingmarks={}",
                    query.url,
                    if marks == "true" { "true" } else { "false" }
                ),
                None => query.url.clone(),
            };
            shared.callbacks.get(url).send().await
        }
        ANALYTICS if *method == actix_web::http::Method::POST => {
            let bearer = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "));
            let Some((token, body)) = analytics(shared, &entry, bearer, &body).await else {
                return HttpResponse::Forbidden().finish();
            };
            shared
                .callbacks
                .post(&query.url)
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .header("user-agent", "BigBlueButton Analytics Callback")
                .body(body)
                .send()
                .await
        }
        RECORDING_READY if *method == actix_web::http::Method::POST => {
            let Some(body) = recording_ready(shared, &entry, &body).await else {
                return HttpResponse::Forbidden().finish();
            };
            shared
                .callbacks
                .post(&query.url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    match relayed {
        Ok(response) if !response.status().is_success() => {
            tracing::info!(
                kind,
                status = response.status().as_u16(),
                "callback target answered with an error"
            );
        }
        Ok(_) => {}
        // A refusal by the policy's resolver shows here too, as a connect error.
        Err(error) => {
            tracing::warn!(error = %error.without_url(), kind, "callback relay failed");
        }
    }
    relayed_answer()
}

/// What BBB gets from the relay once the relay URL is authentic, whatever the target answered,
/// whether it was reachable, and whether the policy let the callback go at all.
fn relayed_answer() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// The form body to relay for a recording-ready callback: BBB's JWT verified with one of the
/// group's server secrets, its meetingID turned into the client's, re-signed with the token's
/// secret. `None` when the JWT is not from a server of the group or names no placement of it.
async fn recording_ready(shared: &Shared, entry: &TokenEntry, body: &[u8]) -> Option<String> {
    let jwt = form_urlencoded::parse(body)
        .find(|(name, _)| name == "signed_parameters")
        .map(|(_, value)| value.into_owned())?;
    let servers = shared.fleet.group(&shared.store, &entry.actor).await.ok()?;
    let claims: RecordingReady = servers
        .servers
        .iter()
        .find_map(|server| verify_jwt(&jwt, Algorithm::HS256, server.api.secret()))?;
    let relayed = sign_jwt(
        &RecordingReady {
            meeting_id: client_meeting_id(shared, entry, &claims.meeting_id).await?,
            record_id: claims.record_id,
        },
        Algorithm::HS256,
        entry.current_secret(),
    )?;
    Some(
        form_urlencoded::Serializer::new(String::new())
            .append_pair("signed_parameters", &relayed)
            .finish(),
    )
}

/// The client's meetingID behind a backend meetingID, if it names a placement of the token.
async fn client_meeting_id(
    shared: &Shared,
    entry: &TokenEntry,
    backend_id: &str,
) -> Option<String> {
    let placements = service::bbb::placements::by_backend_ids(
        &shared.store,
        &entry.actor,
        &[backend_id.to_owned()],
    )
    .await
    .ok()?;
    placements
        .into_iter()
        .find(|p| p.token_id == Some(entry.token.id))
        .map(|placement| placement.client_meeting_id)
}

/// The claims of the analytics callback's bearer JWT: its expiry only.
#[derive(Serialize, Deserialize)]
struct AnalyticsClaims {
    exp: u64,
}

/// The bearer token and JSON body to relay for an analytics callback: BBB's HS512 JWT verified
/// with one of the group's server secrets and unexpired, re-signed with the token's secret
/// (same expiry), and the body's `meeting_id` turned into the client's. `None` when the JWT is
/// missing, not from a server of the group, expired, or the body names no placement of it.
async fn analytics(
    shared: &Shared,
    entry: &TokenEntry,
    bearer: Option<&str>,
    body: &[u8],
) -> Option<(String, String)> {
    let servers = shared.fleet.group(&shared.store, &entry.actor).await.ok()?;
    let claims: AnalyticsClaims = servers
        .servers
        .iter()
        .find_map(|server| verify_jwt(bearer?, Algorithm::HS512, server.api.secret()))?;
    let mut document: serde_json::Value = serde_json::from_slice(body).ok()?;
    let backend_id = document.get("meeting_id")?.as_str()?.to_owned();
    document["meeting_id"] = client_meeting_id(shared, entry, &backend_id).await?.into();
    let token = sign_jwt(&claims, Algorithm::HS512, entry.current_secret())?;
    Some((token, document.to_string()))
}

/// A JWT of BBB's callbacks, signed with `secret` by `algorithm` (HS256 for recording ready,
/// HS512 for analytics).
fn sign_jwt<T: Serialize>(claims: &T, algorithm: Algorithm, secret: &str) -> Option<String> {
    let key = EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).ok()
}

/// The claims of a JWT signed with `secret` by `algorithm` and no other (the header must name
/// it; `none` never passes), the signature checked in constant time. An `exp` claim, when
/// there is one, must lie in the future: later than now, without leeway. Nothing else is
/// asked of the claims (BBB's recording-ready JWT has none of the registered ones).
fn verify_jwt<T: serde::de::DeserializeOwned>(
    jwt: &str,
    algorithm: Algorithm,
    secret: &str,
) -> Option<T> {
    let mut validation = Validation::new(algorithm);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    validation.leeway = 0;
    // `exp - 1 < now`: an `exp` of now is expired already.
    validation.reject_tokens_expiring_in_less_than = 1;
    let key = DecodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::decode::<T>(jwt, &key, &validation)
        .ok()
        .map(|data| data.claims)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    #[test]
    fn analytics_jwts_expire_at_their_exp() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let fresh = sign_jwt(&AnalyticsClaims { exp: now + 60 }, Algorithm::HS512, "s").unwrap();
        assert!(verify_jwt::<AnalyticsClaims>(&fresh, Algorithm::HS512, "s").is_some());
        for exp in [0, now - 1, now] {
            let stale = sign_jwt(&AnalyticsClaims { exp }, Algorithm::HS512, "s").unwrap();
            assert!(
                verify_jwt::<AnalyticsClaims>(&stale, Algorithm::HS512, "s").is_none(),
                "exp {exp}"
            );
        }
    }

    #[test]
    fn jwt_round_trips_and_refuses_other_secrets_and_algorithms() {
        let claims = RecordingReady {
            meeting_id: "m".into(),
            record_id: "r".into(),
        };
        let jwt = sign_jwt(&claims, Algorithm::HS256, "secret").unwrap();
        let back: RecordingReady = verify_jwt(&jwt, Algorithm::HS256, "secret").unwrap();
        assert_eq!(
            (back.meeting_id.as_str(), back.record_id.as_str()),
            ("m", "r")
        );
        assert!(verify_jwt::<RecordingReady>(&jwt, Algorithm::HS256, "other").is_none());
        // An HS256 token is no HS512 one, and the other way round.
        assert!(verify_jwt::<RecordingReady>(&jwt, Algorithm::HS512, "secret").is_none());
        let hs512 = sign_jwt(&claims, Algorithm::HS512, "secret").unwrap();
        assert!(verify_jwt::<RecordingReady>(&hs512, Algorithm::HS512, "secret").is_some());
        assert!(verify_jwt::<RecordingReady>(&hs512, Algorithm::HS256, "secret").is_none());
        let (_, rest) = jwt.split_once('.').unwrap();
        let none_alg = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
        assert!(verify_jwt::<RecordingReady>(&none_alg, Algorithm::HS256, "secret").is_none());
    }

    #[test]
    fn original_urls_come_from_relayed_callback_urls_only() {
        let relayed = "https://gw.example/bigbluebutton/callback/end/abc?url=https%3A%2F%2Flms%2Fe%3Fa%3D1%26b%3D2&sig=00";
        assert_eq!(
            original_url(relayed).as_deref(),
            Some("https://lms/e?a=1&b=2")
        );
        assert_eq!(original_url("https://lms/e?url=x"), None);
        assert_eq!(
            original_url("https://gw.example/bigbluebutton/callback/end/abc?sig=00"),
            None
        );
        assert!(is_callback_metadata("endcallbackurl"));
        assert!(is_callback_metadata("BBB-Recording-Ready-URL"));
        assert!(!is_callback_metadata("meta_endCallbackUrl"));
    }

    #[test]
    fn only_the_callback_parameters_bbb_acts_on_are_recognised() {
        assert_eq!(kind_of("meta_endCallbackUrl"), Some(END));
        assert_eq!(kind_of("meta_endcallbackurl"), Some(END));
        assert_eq!(
            kind_of("meta_bbb-recording-ready-url"),
            Some(RECORDING_READY)
        );
        assert_eq!(
            kind_of("meta_BN-Recording-Ready-Url"),
            Some(RECORDING_READY)
        );
        assert_eq!(
            kind_of("meta_canvas-recording-ready-url"),
            Some(RECORDING_READY)
        );
        assert_eq!(kind_of("meta_Analytics-Callback-URL"), Some(ANALYTICS));
        assert_eq!(kind_of("meetingEndedURL"), Some(END));
        assert_eq!(kind_of("endCallbackUrl"), None);
        assert_eq!(kind_of("meta_other"), None);
    }
}
