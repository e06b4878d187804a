//! Turning an HTTP answer into a typed BBB document or an [`Error`]: status handling, `FAILED`
//! detection in XML and JSON bodies (whatever the Content-Type says), the multi-error envelope,
//! and join's error redirects. Never panics, whatever the bytes.

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::meeting_reader;
use crate::model::*;
use crate::xml::from_xml;

/// A document BBB answers with. serde reads it (from XML, after a first pass over the envelope
/// for a failure; from JSON), unless the type has a one-pass reader for the plain successes
/// it covers: the documents that list meetings (see [`crate::meeting_reader`]).
pub trait Answer: DeserializeOwned {
    /// The document read in one pass from an XML answer that is a plain success, or `None`
    /// to leave it to serde, which reads it or says what is wrong with it.
    fn read_success(_xml: &str) -> Option<Self> {
        None
    }
}

impl Answer for MeetingsResponse {
    fn read_success(xml: &str) -> Option<Self> {
        meeting_reader::meetings_response(xml)
    }
}

impl Answer for MeetingInfo {
    fn read_success(xml: &str) -> Option<Self> {
        meeting_reader::meeting_info_response(xml)
    }
}

impl Answer for MessageResponse {}
impl Answer for VersionResponse {}
impl Answer for CreateResponse {}
impl Answer for JoinResponse {}
impl Answer for RunningResponse {}
impl Answer for RecordingsResponse {}
impl Answer for PublishResponse {}
impl Answer for DeleteResponse {}
impl Answer for UpdateResponse {}
impl Answer for HookCreateResponse {}
impl Answer for HookDestroyResponse {}
impl Answer for HookListResponse {}
impl Answer for TextTrackResponse {}

/// What came back from one request, unchanged: the gateway forwards it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: bytes::Bytes,
    /// The `Location` header of a redirect (join answers 302).
    pub location: Option<String>,
}

/// Keys that mean failure even under `returncode=SUCCESS`: the docs print
/// `upload_text_track_failed` with SUCCESS, bbb-web's code sends FAILED (spec §2.12).
const FAILURE_KEYS: &[&str] = &["upload_text_track_failed"];

/// How much of an unexpected body an [`Error::HttpStatus`] quotes.
const EXCERPT_CHARS: usize = 200;

impl RawResponse {
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }

    /// The body of a 2xx answer; every other status becomes an error. A redirect carrying
    /// bbb-web's `?errors=[…]` (join validation errors) becomes [`Error::Failed`], and so does a
    /// non-2xx answer whose body is a BBB `FAILED` document (some proxies pair them).
    pub fn success_body(&self, call: &str) -> Result<&[u8], Error> {
        if (200..300).contains(&self.status) {
            return Ok(&self.body);
        }
        if self.is_redirect()
            && let Some(failure) = self.location.as_deref().and_then(redirect_errors)
        {
            return Err(failure);
        }
        if let Err(failure @ Error::Failed { .. }) = decode::<MessageResponse>(call, &self.body) {
            return Err(failure);
        }
        Err(Error::HttpStatus {
            status: self.status,
            body_excerpt: excerpt(&self.body),
        })
    }

    /// [`Self::success_body`] then [`decode`].
    pub fn decode<T: Answer>(&self, call: &str) -> Result<T, Error> {
        decode(call, self.success_body(call)?)
    }
}

/// Parses a BBB answer body into `T`, or the error it reports. XML (`<response>…`) and JSON
/// (`{"response":{…}}`) are told apart by their first character, not by the Content-Type,
/// because bbb-web answers JSON errors to XML calls when content negotiation goes that way.
/// `SUCCESS` answers with a warning key (`duplicateWarning`, `noMeetings`, `noRecordings`)
/// are successes.
pub fn decode<T: Answer>(call: &str, body: &[u8]) -> Result<T, Error> {
    let text = std::str::from_utf8(body).map_err(|e| Error::malformed(call, e))?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    match text.as_bytes().first() {
        Some(b'<') => decode_xml(call, text),
        Some(b'{') => decode_json(call, text),
        Some(_) => Err(Error::malformed(call, "the body is neither XML nor JSON")),
        None => Err(Error::malformed(call, "the body is empty")),
    }
}

fn decode_xml<T: Answer>(call: &str, text: &str) -> Result<T, Error> {
    if let Some(document) = T::read_success(text) {
        return Ok(document);
    }
    let envelope: MessageResponse = from_xml(text).map_err(|e| Error::malformed(call, e))?;
    if let Some(failure) = failure(&envelope) {
        return Err(failure);
    }
    from_xml(text).map_err(|e| Error::malformed(call, e))
}

fn decode_json<T: DeserializeOwned>(call: &str, text: &str) -> Result<T, Error> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::malformed(call, e))?;
    // BBB wraps JSON answers in `{"response": …}`; a few endpoints answer unwrapped.
    let inner = value.get("response").unwrap_or(&value);
    let field = |name: &str| inner.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let returncode = field("returncode")
        .ok_or_else(|| Error::malformed(call, "the JSON body has no returncode"))?;
    let envelope = MessageResponse {
        returncode: if returncode == "SUCCESS" {
            ReturnCode::Success
        } else {
            ReturnCode::Failed
        },
        message_key: field("messageKey"),
        message: field("message"),
        errors: None,
    };
    if let Some(failure) = failure(&envelope) {
        return Err(failure);
    }
    T::deserialize(inner).map_err(|e| Error::malformed(call, e))
}

/// Whether a `messageKey` means failure even under `returncode=SUCCESS`.
pub(crate) fn is_failure_key(message_key: &str) -> bool {
    FAILURE_KEYS.contains(&message_key.trim())
}

/// The error an envelope reports, if it reports one.
fn failure(envelope: &MessageResponse) -> Option<Error> {
    let key = envelope.message_key.as_deref().unwrap_or_default().trim();
    if envelope.returncode == ReturnCode::Success && !is_failure_key(key) {
        return None;
    }
    let listed: Vec<ErrorItem> = envelope
        .errors
        .iter()
        .flat_map(|list| &list.error)
        .map(|item| ErrorItem {
            key: item.key.trim().to_owned(),
            message: item.message.trim().to_owned(),
        })
        .collect();
    let errors = if listed.is_empty() {
        vec![ErrorItem {
            key: key.to_owned(),
            message: envelope
                .message
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }]
    } else {
        listed
    };
    Some(Error::Failed {
        message_key: errors[0].key.clone(),
        message: errors[0].message.clone(),
        errors,
    })
}

/// bbb-web redirects join errors to `<url>?errors=<urlencoded JSON [{"key","message"}…]>`
/// (spec §2.2); other redirects carry no error.
fn redirect_errors(location: &str) -> Option<Error> {
    let url = url::Url::parse(location).ok()?;
    let (_, raw) = url.query_pairs().find(|(name, _)| name == "errors")?;
    let items: Vec<serde_json::Value> = serde_json::from_str(&raw).ok()?;
    let errors: Vec<ErrorItem> = items
        .iter()
        .map(|item| {
            let text = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            ErrorItem {
                key: text("key"),
                message: text("message"),
            }
        })
        .collect();
    let first = errors.first()?.clone();
    Some(Error::Failed {
        message_key: first.key,
        message: first.message,
        errors,
    })
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CreateResponse, MeetingsResponse, TextTrackResponse};

    fn raw(status: u16, body: &str, location: Option<&str>) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("text/xml".into()),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
            location: location.map(str::to_owned),
        }
    }

    fn failed_parts(error: Error) -> (String, String, Vec<(String, String)>) {
        match error {
            Error::Failed {
                message_key,
                message,
                errors,
            } => (
                message_key,
                message,
                errors.into_iter().map(|e| (e.key, e.message)).collect(),
            ),
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[test]
    fn xml_failure_is_detected() {
        let body = "<response><returncode>FAILED</returncode><messageKey>idNotUnique</messageKey>\
                    <message>A meeting already exists with that meeting ID.</message></response>";
        let (key, message, errors) =
            failed_parts(decode::<CreateResponse>("create", body.as_bytes()).unwrap_err());
        assert_eq!(key, "idNotUnique");
        assert_eq!(message, "A meeting already exists with that meeting ID.");
        assert_eq!(errors, [(key.clone(), message.clone())]);
    }

    #[test]
    fn multi_error_envelope_maps_to_its_first_key_and_keeps_all() {
        let body = "<response><returncode>FAILED</returncode><errors>\
                    <error><key>nonUniqueVoiceBridge</key><message>The selected voice bridge is already in use.</message></error>\
                    <error><key>validationError</key><message>second</message></error>\
                    </errors></response>";
        let (key, message, errors) =
            failed_parts(decode::<CreateResponse>("create", body.as_bytes()).unwrap_err());
        assert_eq!(key, "nonUniqueVoiceBridge");
        assert_eq!(message, "The selected voice bridge is already in use.");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[1], ("validationError".into(), "second".into()));
    }

    #[test]
    fn json_failure_is_detected_for_an_xml_call() {
        let body = r#"{"response":{"returncode":"FAILED","messageKey":"checksumError","message":"Checksums do not match"}}"#;
        let (key, message, _) =
            failed_parts(decode::<CreateResponse>("create", body.as_bytes()).unwrap_err());
        assert_eq!(key, "checksumError");
        assert_eq!(message, "Checksums do not match");
    }

    #[test]
    fn json_success_decodes_the_inner_document() {
        let body = r#"{"response":{"returncode":"SUCCESS","messageKey":"upload_text_track_success","recordId":"r1"}}"#;
        let track: TextTrackResponse = decode("putRecordingTextTrack", body.as_bytes()).unwrap();
        assert_eq!(track.record_id.as_deref(), Some("r1"));
    }

    #[test]
    fn upload_failure_key_is_a_failure_even_under_success() {
        let body = r#"{"response":{"returncode":"SUCCESS","messageKey":"upload_text_track_failed","message":"Text track upload failed."}}"#;
        let error = decode::<TextTrackResponse>("putRecordingTextTrack", body.as_bytes());
        assert_eq!(
            error.unwrap_err().message_key(),
            Some("upload_text_track_failed")
        );
    }

    #[test]
    fn warnings_are_successes() {
        let body = "<response><returncode>SUCCESS</returncode><meetings/>\
                    <messageKey>noMeetings</messageKey><message>no meetings were found on this server</message></response>";
        let meetings: MeetingsResponse = decode("getMeetings", body.as_bytes()).unwrap();
        assert!(meetings.meetings.meeting.is_empty());
        assert_eq!(meetings.message_key.as_deref(), Some("noMeetings"));
    }

    #[test]
    fn cdata_and_declaration_and_bom_are_accepted() {
        let body = "\u{feff}<?xml version=\"1.0\"?>\n<response><returncode>FAILED</returncode>\
                    <messageKey><![CDATA[notFound]]></messageKey><message><![CDATA[a <b> & c]]></message></response>";
        let (key, message, _) =
            failed_parts(decode::<MessageResponse>("end", body.as_bytes()).unwrap_err());
        assert_eq!(key, "notFound");
        assert_eq!(message, "a <b> & c");
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let bodies: [&[u8]; 8] = [
            b"",
            b"   ",
            b"<html><body>502 Bad Gateway</body></html>",
            b"<response><returncode>SUCCESS</returncode>",
            b"{\"response\":{}}",
            b"{not json",
            b"plain text",
            b"\xff\xfe<response/>",
        ];
        for body in bodies {
            assert!(
                matches!(
                    decode::<CreateResponse>("create", body),
                    Err(Error::Malformed { .. })
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn unexpected_status_quotes_the_body() {
        let error = raw(502, "<html>Bad Gateway</html>", None)
            .decode::<MessageResponse>("end")
            .unwrap_err();
        assert_eq!(
            error,
            Error::HttpStatus {
                status: 502,
                body_excerpt: "<html>Bad Gateway</html>".into()
            }
        );
    }

    #[test]
    fn failed_document_under_an_error_status_is_a_failure() {
        let body = "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>\
                    <message>x</message></response>";
        let error = raw(401, body, None)
            .decode::<MessageResponse>("end")
            .unwrap_err();
        assert_eq!(error.message_key(), Some("checksumError"));
    }

    #[test]
    fn join_error_redirect_becomes_failed() {
        let location = "https://bbb.example.com/?errors=%5B%7B%22message%22%3A%22You+can+not+join%22%2C%22key%22%3A%22meetingForciblyEnded%22%7D%5D";
        let error = raw(302, "", Some(location))
            .decode::<MessageResponse>("join")
            .unwrap_err();
        let (key, message, _) = failed_parts(error);
        assert_eq!(key, "meetingForciblyEnded");
        assert_eq!(message, "You can not join");
    }

    #[test]
    fn plain_redirect_is_an_unexpected_status() {
        let error = raw(
            302,
            "",
            Some("https://bbb.example.com/html5client/join?sessionToken=abc"),
        )
        .decode::<MessageResponse>("join")
        .unwrap_err();
        assert!(matches!(error, Error::HttpStatus { status: 302, .. }));
    }

    #[test]
    fn excerpt_is_bounded() {
        let long = "x".repeat(1000);
        let Error::HttpStatus { body_excerpt, .. } = raw(500, &long, None)
            .decode::<MessageResponse>("end")
            .unwrap_err()
        else {
            panic!("not HttpStatus")
        };
        assert_eq!(body_excerpt.len(), EXCERPT_CHARS);
    }
}
