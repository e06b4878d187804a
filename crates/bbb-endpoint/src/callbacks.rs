//! BBB's callbacks to an integration, passed through the gateway. On create, the meeting's
//! `meta_endCallbackUrl` and `meta_bbb-recording-ready-url` are replaced by gateway URLs that
//! carry the original URL and an HMAC of it under the token's secret (so the gateway relays
//! only URLs a token asked for, never arbitrary ones). When BBB calls back, the gateway relays
//! the call to the original URL: the end callback as it is (plus BBB's `recordingmarks`), the
//! recording-ready JWT verified with the backend's secret and re-signed with the token's, with
//! the backend meetingID turned back into the client's.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bbb_client::Params;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::auth::TokenEntry;
use crate::{Endpoint, Shared};

const END: &str = "end";
const RECORDING_READY: &str = "recording-ready";

/// The callback a `meta_` parameter names, if any (meta names are case-insensitive in BBB).
fn kind_of(param: &str) -> Option<&'static str> {
    kind_of_metadata(param.strip_prefix("meta_")?)
}

/// The callback a metadata name (a `meta_` parameter without its prefix) names, if any.
fn kind_of_metadata(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("endCallbackUrl") {
        Some(END)
    } else if name.eq_ignore_ascii_case("bbb-recording-ready-url") {
        Some(RECORDING_READY)
    } else {
        None
    }
}

/// create's parameters with the callback URLs routed through the gateway at `base`.
pub fn route_through_gateway(params: Params, base: &str, token: &TokenEntry) -> Params {
    params
        .into_iter()
        .map(|(name, value)| match kind_of(&name) {
            Some(kind) => {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("url", &value)
                    .append_pair("sig", &url_signature(token.current_secret(), kind, &value))
                    .finish();
                let relay = format!(
                    "{}/bigbluebutton/callback/{kind}/{}?{query}",
                    base.trim_end_matches('/'),
                    token.token.guid
                );
                (name, relay)
            }
            None => (name, value),
        })
        .collect()
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

fn url_signature(secret: &str, kind: &str, url: &str) -> String {
    let mut mac = hmac_sha256(secret);
    mac.update(kind.as_bytes());
    mac.update(b"\n");
    mac.update(url.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn hmac_sha256(key: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length")
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
pub async fn relay(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<RelayQuery>,
    body: web::Bytes,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let (kind, token) = path.into_inner();
    let shared = &endpoint.inner;
    let entry = match Uuid::parse_str(&token) {
        Ok(guid) => shared.auth.token(&shared.store, guid).await,
        Err(_) => Ok(None),
    };
    let entry = match entry {
        Ok(Some(entry)) => entry,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(error) => {
            tracing::error!(%error, "callback: cannot load the token");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let signed_by_token = entry.secrets().any(|secret| {
        let mut mac = hmac_sha256(secret);
        mac.update(kind.as_bytes());
        mac.update(b"\n");
        mac.update(query.url.as_bytes());
        hex::decode(&query.sig).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
    });
    if !signed_by_token || !(query.url.starts_with("http://") || query.url.starts_with("https://"))
    {
        return HttpResponse::Forbidden().finish();
    }
    let relayed = match kind.as_str() {
        END if req.method() == actix_web::http::Method::GET => {
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
        RECORDING_READY if req.method() == actix_web::http::Method::POST => {
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
        Ok(response) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(response.status().as_u16())
                .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY),
        )
        .finish(),
        Err(error) => {
            tracing::warn!(error = %error.without_url(), kind, "callback relay failed");
            HttpResponse::BadGateway().finish()
        }
    }
}

/// The form body to relay for a recording-ready callback: BBB's JWT verified with one of the
/// group's server secrets, its meetingID turned into the client's, re-signed with the token's
/// secret. `None` when the JWT is not from a server of the group or names no placement of it.
async fn recording_ready(shared: &Shared, entry: &TokenEntry, body: &[u8]) -> Option<String> {
    let jwt = form_urlencoded::parse(body)
        .find(|(name, _)| name == "signed_parameters")
        .map(|(_, value)| value.into_owned())?;
    let servers = shared
        .fleet
        .group(&shared.store, entry.token.group_id)
        .await
        .ok()?;
    let claims: RecordingReady = servers
        .servers
        .iter()
        .find_map(|server| verify_jwt(&jwt, server.api.secret()))?;
    let placements = shared
        .store
        .placements()
        .list_by_backend_ids(
            entry.token.group_id,
            std::slice::from_ref(&claims.meeting_id),
        )
        .await
        .ok()?;
    let placement = placements
        .into_iter()
        .find(|p| p.token_id == Some(entry.token.id))?;
    let relayed = sign_jwt(
        &RecordingReady {
            meeting_id: placement.client_meeting_id,
            record_id: claims.record_id,
        },
        entry.current_secret(),
    );
    Some(
        form_urlencoded::Serializer::new(String::new())
            .append_pair("signed_parameters", &relayed)
            .finish(),
    )
}

fn sign_jwt(claims: &RecordingReady, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut mac = hmac_sha256(secret);
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// The claims of an HS256 JWT signed with `secret`; the signature is checked in constant time.
fn verify_jwt<T: serde::de::DeserializeOwned>(jwt: &str, secret: &str) -> Option<T> {
    let (signing_input, signature) = jwt.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header.get("alg").and_then(|alg| alg.as_str()) != Some("HS256") {
        return None;
    }
    let mut mac = hmac_sha256(secret);
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_round_trips_and_refuses_other_secrets_and_algorithms() {
        let claims = RecordingReady {
            meeting_id: "m".into(),
            record_id: "r".into(),
        };
        let jwt = sign_jwt(&claims, "secret");
        let back: RecordingReady = verify_jwt(&jwt, "secret").unwrap();
        assert_eq!(
            (back.meeting_id.as_str(), back.record_id.as_str()),
            ("m", "r")
        );
        assert!(verify_jwt::<RecordingReady>(&jwt, "other").is_none());
        let (_, rest) = jwt.split_once('.').unwrap();
        let none_alg = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
        assert!(verify_jwt::<RecordingReady>(&none_alg, "secret").is_none());
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
    fn only_the_two_callback_parameters_are_recognised() {
        assert_eq!(kind_of("meta_endCallbackUrl"), Some(END));
        assert_eq!(kind_of("meta_endcallbackurl"), Some(END));
        assert_eq!(
            kind_of("meta_bbb-recording-ready-url"),
            Some(RECORDING_READY)
        );
        assert_eq!(kind_of("endCallbackUrl"), None);
        assert_eq!(kind_of("meta_other"), None);
    }
}
