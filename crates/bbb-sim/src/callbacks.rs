//! Requests the simulated server makes on its own: the end callbacks (`meta_endCallbackUrl`,
//! and the create parameter `meetingEndedURL`),
//! the recording-ready callback (`meta_bbb-recording-ready-url`, else `bn-`, else `canvas-`),
//! the analytics callback (`meta_analytics-callback-url`) and bbb-webhooks events.
//! Delivery runs in the background and never affects an API call's answer.

use std::time::Duration;

use bbb_client::checksum::ChecksumAlgorithm;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::ids::now_millis;

/// One outgoing request.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// GET to the meeting's end callback URL, `recordingmarks` appended.
    MeetingEnded { url: String, recording_marks: bool },
    /// GET the create's `meetingEndedURL` as it is.
    MeetingEndedUrl { url: String },
    /// POST `signed_parameters=<JWT>` to the recording-ready URL.
    RecordingReady {
        url: String,
        meeting_id: String,
        record_id: String,
    },
    /// POST the meeting's events as JSON to `meta_analytics-callback-url`, authorised by an
    /// HS512 JWT `{"exp"}` (`Authorization: Bearer`), as BBB's post_events analytics script.
    Analytics {
        url: String,
        meeting_id: String,
        internal_meeting_id: String,
        meeting_name: String,
        metadata: std::collections::BTreeMap<String, String>,
    },
    /// POST one bbb-webhooks event to a hook's callback URL.
    Webhook { callback_url: String, event: Value },
}

/// The queue deliveries go through. Webhooks keep their order (one at a time, as
/// bbb-webhooks sends them per hook); callbacks go out concurrently.
#[derive(Debug, Clone)]
pub struct Outbox {
    sender: mpsc::UnboundedSender<Delivery>,
}

/// What the delivery worker needs to sign and address requests.
pub struct Sender {
    pub client: reqwest::Client,
    pub secret: String,
    /// `domain=` of webhook bodies: the server's host name.
    pub domain: String,
}

const WEBHOOK_ATTEMPTS: u32 = 3;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl Outbox {
    /// Starts the delivery worker on `runtime`; it ends when every `Outbox` clone is dropped.
    pub fn start(runtime: &tokio::runtime::Handle, sender: Sender) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
        let inner_runtime = runtime.clone();
        runtime.spawn(async move {
            let sender = std::sync::Arc::new(sender);
            while let Some(delivery) = rx.recv().await {
                if let Delivery::Webhook {
                    callback_url,
                    event,
                } = delivery
                {
                    sender.webhook(&callback_url, &event).await;
                } else {
                    let sender = sender.clone();
                    inner_runtime.spawn(async move { sender.callback(delivery).await });
                }
            }
        });
        Self { sender: tx }
    }

    pub fn send(&self, delivery: Delivery) {
        // The worker only stops when the server is gone; nothing is left to notify then.
        let _ = self.sender.send(delivery);
    }
}

impl Sender {
    async fn callback(&self, delivery: Delivery) {
        let request = match &delivery {
            Delivery::MeetingEnded {
                url,
                recording_marks,
            } => {
                let separator = if url.contains('?') { '&' } else { '?' };
                self.client
                    .get(format!("{url}{separator}recordingmarks={recording_marks}"))
            }
            Delivery::MeetingEndedUrl { url } => self.client.get(url),
            Delivery::RecordingReady {
                url,
                meeting_id,
                record_id,
            } => {
                let token = recording_ready_token(meeting_id, record_id, &self.secret);
                let body = form_urlencoded::Serializer::new(String::new())
                    .append_pair("signed_parameters", &token)
                    .finish();
                self.client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            }
            Delivery::Analytics {
                url,
                meeting_id,
                internal_meeting_id,
                meeting_name,
                metadata,
            } => {
                let body = analytics_body(meeting_id, internal_meeting_id, meeting_name, metadata);
                self.client
                    .post(url)
                    .header("content-type", "application/json")
                    .header(
                        "authorization",
                        format!("Bearer {}", analytics_token(&self.secret)),
                    )
                    .header("user-agent", "BigBlueButton Analytics Callback")
                    .body(body.to_string())
            }
            Delivery::Webhook { .. } => return,
        };
        match request.timeout(REQUEST_TIMEOUT).send().await {
            Ok(response) => {
                tracing::debug!(status = %response.status(), ?delivery, "callback sent")
            }
            Err(error) => tracing::warn!(%error, ?delivery, "callback failed"),
        }
    }

    async fn webhook(&self, callback_url: &str, event: &Value) {
        let (url, body) = webhook_request(callback_url, event, &self.domain, &self.secret);
        for attempt in 1..=WEBHOOK_ATTEMPTS {
            let result = self
                .client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .timeout(REQUEST_TIMEOUT)
                .send()
                .await;
            match result {
                // bbb-webhooks counts 2xx and 401 as delivered.
                Ok(r) if r.status().is_success() || r.status().as_u16() == 401 => return,
                Ok(r) => tracing::warn!(status = %r.status(), %url, attempt, "webhook refused"),
                Err(error) => tracing::warn!(%error, %url, attempt, "webhook failed"),
            }
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
        }
    }
}

/// The URL and form body of a webhook POST: `checksum = sha1(callbackURL + body + secret)`
/// appended to the callback URL; the body is `domain=…&event=[…]&timestamp=…`.
pub fn webhook_request(
    callback_url: &str,
    event: &Value,
    domain: &str,
    secret: &str,
) -> (String, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("domain", domain)
        .append_pair("event", &Value::Array(vec![event.clone()]).to_string())
        .append_pair("timestamp", &now_millis().to_string())
        .finish();
    let checksum = ChecksumAlgorithm::Sha1.hex_digest(&[
        callback_url.as_bytes(),
        body.as_bytes(),
        secret.as_bytes(),
    ]);
    let separator = if callback_url.contains('?') { '&' } else { '?' };
    (
        format!("{callback_url}{separator}checksum={checksum}"),
        body,
    )
}

/// The HS256 JWT `signed_parameters` of the recording-ready callback, signed with the
/// server's secret, as BBB's `recording_ready_callback` script sends it.
pub fn recording_ready_token(meeting_id: &str, record_id: &str, secret: &str) -> String {
    let claims = json!({"meeting_id": meeting_id, "record_id": record_id});
    signed_jwt(Algorithm::HS256, &claims, secret)
}

/// A JWT of `claims` signed with `secret` by HMAC (`algorithm` is HS256 or HS512), the one
/// signer of the simulator's callbacks.
fn signed_jwt(algorithm: Algorithm, claims: &Value, secret: &str) -> String {
    let key = EncodingKey::from_secret(secret.as_bytes());
    // A JSON value always serialises and HMAC takes keys of any length: this cannot fail,
    // and a callback goes out regardless (without a valid token) rather than panicking.
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).unwrap_or_default()
}

/// The body of the analytics callback: BBB's `{version, meeting_id, internal_meeting_id,
/// data}` with the parsed events in `data` (here the meeting's name and metadata only; BBB
/// strips `meeting_id` from the metadata).
pub fn analytics_body(
    meeting_id: &str,
    internal_meeting_id: &str,
    meeting_name: &str,
    metadata: &std::collections::BTreeMap<String, String>,
) -> Value {
    let mut metadata = metadata.clone();
    metadata.remove("meeting_id");
    json!({
        "version": "1.0",
        "meeting_id": meeting_id,
        "internal_meeting_id": internal_meeting_id,
        "data": {"meeting_name": meeting_name, "metadata": metadata, "attendees": []},
    })
}

/// The analytics callback's bearer token: an HS512 JWT `{"exp": now + 24 h}` signed with the
/// server's secret, as BBB's `post_events_analytics_callback` script makes it.
pub fn analytics_token(secret: &str) -> String {
    let expires = now_millis() / 1000 + 24 * 3600;
    signed_jwt(Algorithm::HS512, &json!({"exp": expires}), secret)
}

/// A bbb-webhooks event document: `{"data": {"type": "event", "id", "attributes", "event"}}`.
pub fn event(id: &str, attributes: Value) -> Value {
    json!({
        "data": {
            "type": "event",
            "id": id,
            "attributes": attributes,
            "event": {"ts": now_millis()},
        }
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Sha256, Sha512};

    use super::*;

    #[test]
    fn jwt_is_hs256_over_header_and_claims() {
        let token = recording_ready_token("m1", "r1", "secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims, json!({"meeting_id": "m1", "record_id": "r1"}));
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
        assert_ne!(token, recording_ready_token("m1", "r1", "other"));
    }

    #[test]
    fn analytics_token_is_hs512_over_header_and_an_expiry_a_day_ahead() {
        let token = analytics_token("secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS512");
        assert_eq!(header["typ"], "JWT");
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let expires = claims["exp"].as_u64().unwrap();
        let day_ahead = now_millis() / 1000 + 24 * 3600;
        assert!((day_ahead - 5..=day_ahead).contains(&expires), "{claims}");
        let mut mac = Hmac::<Sha512>::new_from_slice(b"secret").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
    }

    #[test]
    fn webhook_checksum_covers_url_body_and_secret() {
        let ev = event(
            "meeting-ended",
            json!({"meeting": {"external-meeting-id": "m"}}),
        );
        let (url, body) = webhook_request("http://h/cb?x=1", &ev, "sim.local", "s");
        let (base, sum) = url.split_once("&checksum=").unwrap();
        assert_eq!(base, "http://h/cb?x=1");
        let expected =
            ChecksumAlgorithm::Sha1.hex_digest(&[base.as_bytes(), body.as_bytes(), b"s"]);
        assert_eq!(sum, expected);
        let fields: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["domain", "event", "timestamp"]);
        let events: Value = serde_json::from_str(&fields[1].1).unwrap();
        assert_eq!(events[0]["data"]["id"], "meeting-ended");
    }
}
