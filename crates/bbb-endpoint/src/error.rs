//! The one error type of the endpoint and its BBB face: every failure becomes a `FAILED`
//! document with one of BBB's messageKeys (spec §4), with HTTP 200 as bbb-web sends it, never
//! an HTML page or a 500. Internal details go to the log, never to the client.

use std::sync::Arc;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use bbb_client::catalogue::{self, ChecksumCheck};
use bbb_client::model::ErrorItem;
use service::{ErrorChain, ErrorCode, ServiceError};

use crate::reply;

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// No, a duplicate, a malformed or a wrong checksum, or a token that does not exist: all
    /// look the same to the caller.
    #[error("checksum verification failed")]
    Checksum {
        /// The recording calls use bbb-web's legacy message text.
        legacy_text: bool,
    },
    #[error("unsupported request")]
    UnsupportedRequest,
    #[error("unsupported content type")]
    UnsupportedContentType,
    #[error("request body too large")]
    BodyTooLarge,
    /// The body broke off or was malformed (chunked encoding) while it was read.
    #[error("unreadable request body")]
    UnreadableBody,
    /// More parameters than `max_params`, URL and form body together.
    #[error("too many parameters")]
    TooManyParams,
    /// A URL query longer than `max_query_bytes`.
    #[error("query string too long")]
    QueryTooLong,
    /// A form-body parameter while the operator refuses unsigned ones.
    #[error("unsigned form parameters are refused")]
    UnsignedFormParams,
    #[error("missing meetingID")]
    MissingMeetingId,
    #[error("invalid meetingID: {0}")]
    InvalidMeetingId(&'static str),
    /// A meeting that does not exist or lies outside the token's scope: the two are
    /// indistinguishable on purpose.
    #[error("meeting not found")]
    MeetingNotFound,
    /// join's spelling of [`Self::MeetingNotFound`].
    #[error("meeting not found (join)")]
    InvalidMeetingIdentifier,
    #[error("recordings not found")]
    RecordingsNotFound,
    #[error("missing recordID")]
    MissingRecordId,
    #[error("missing publish")]
    MissingPublish,
    /// A `FAILED` answer of the backend, passed on (with backend IDs already rewritten).
    #[error("BBB answered {message_key}")]
    Backend {
        message_key: String,
        message: String,
        errors: Vec<ErrorItem>,
    },
    /// The server holding the meeting is down, disabled, removed, or too slow, for a reason
    /// the endpoint found itself (no error lies below: the text says it).
    #[error("server unavailable: {0}")]
    ServerUnavailable(String),
    /// A call to a backend failed without a usable answer; the client's error (a timeout, a
    /// refused connection, an unreadable answer) is the source.
    #[error("server {server}: {call} failed")]
    BackendFailed {
        server: String,
        call: String,
        #[source]
        source: bbb_client::Error,
    },
    /// A backend refused the gateway's own checksum: the server's secret in the database is
    /// wrong. The backend's `FAILED` answer is the source.
    #[error("server {server} refused the gateway's checksum: check its secret")]
    SecretRefused {
        server: String,
        #[source]
        source: bbb_client::Error,
    },
    /// No server of the group takes new meetings; the service's error says why.
    #[error("no server available")]
    NoServer(#[source] ServiceError),
    /// A service refused or failed: the client hears what [`service_key_and_message`] says,
    /// the cause goes to the log. Shared (`Arc`) because a cache load's error reaches every
    /// request that waited for that load.
    #[error("service call failed")]
    Service(#[source] Arc<ServiceError>),
    /// A meeting of a backend's answer could not be written back out.
    #[error("cannot serialise a meeting")]
    Serialize(#[source] bbb_client::xml::quick_xml::SeError),
    /// Anything else, said in words because no error lies below (a handler that panicked);
    /// the detail is logged, the client gets a generic text.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The BBB messageKey and message for a service's refusal or failure: the one place where
/// [`ServiceError`] meets BBB's vocabulary.
fn service_key_and_message(error: &ServiceError) -> (&str, &str) {
    if let ServiceError::QuotaExceeded { quota, .. } = error {
        return if *quota == "max_attendees" {
            // bbb-web's own key for a full meeting, which integrations already handle.
            (
                "maxParticipantsReached",
                "The number of participants allowed for this API token has been reached.",
            )
        } else {
            // BBB has no key for this; the text says what an operator can change.
            (
                "maxMeetingsReached",
                "The number of meetings allowed for this API token has been reached.",
            )
        };
    }
    match (error.code(), error) {
        (ErrorCode::BadUserInput, ServiceError::BadInput(message))
        | (ErrorCode::BadUserInput, ServiceError::BadField { message, .. }) => {
            ("validationError", message)
        }
        (ErrorCode::BbbUnavailable, _) => (
            "serverUnavailable",
            "The server for this meeting is unavailable. Please try again later.",
        ),
        (ErrorCode::NotFound, _) => ("notFound", "A meeting with that ID does not exist"),
        (
            ErrorCode::Unauthenticated
            | ErrorCode::Forbidden
            | ErrorCode::BadUserInput
            | ErrorCode::RateLimited
            | ErrorCode::MeetingNotStarted
            | ErrorCode::Internal,
            _,
        ) => ("internalError", "An internal error occurred."),
    }
}

impl From<ServiceError> for EndpointError {
    fn from(error: ServiceError) -> Self {
        EndpointError::Service(Arc::new(error))
    }
}

impl From<Arc<ServiceError>> for EndpointError {
    fn from(error: Arc<ServiceError>) -> Self {
        EndpointError::Service(error)
    }
}

impl EndpointError {
    /// The messageKey and message the client sees.
    fn key_and_message(&self) -> (&str, &str) {
        match self {
            // The gateway checks every call's checksum itself: the recording calls answer
            // with their legacy text, every other call with the validation layer's.
            EndpointError::Checksum { legacy_text: true } => (
                ChecksumCheck::MESSAGE_KEY,
                ChecksumCheck::Recording.mismatch_message(),
            ),
            EndpointError::Checksum { legacy_text: false } => (
                ChecksumCheck::MESSAGE_KEY,
                ChecksumCheck::Validation.mismatch_message(),
            ),
            EndpointError::UnsupportedRequest => {
                ("unsupportedRequest", "This request is not supported.")
            }
            EndpointError::UnsupportedContentType => catalogue::UNSUPPORTED_CONTENT_TYPE,
            EndpointError::BodyTooLarge => ("validationError", "The request body is too large."),
            EndpointError::UnreadableBody => {
                ("validationError", "The request body could not be read.")
            }
            EndpointError::TooManyParams => {
                ("validationError", "The request has too many parameters.")
            }
            EndpointError::QueryTooLong => ("validationError", "The query string is too long."),
            EndpointError::UnsignedFormParams => (
                "validationError",
                "This server takes no parameters from a form body, where no checksum covers \
                 them: put them in the signed URL query.",
            ),
            EndpointError::MissingMeetingId => {
                ("missingParamMeetingID", "You must provide a meeting ID")
            }
            EndpointError::InvalidMeetingId(why) => ("validationError", why),
            EndpointError::MeetingNotFound => ("notFound", "A meeting with that ID does not exist"),
            EndpointError::InvalidMeetingIdentifier => (
                "invalidMeetingIdentifier",
                "A meeting with that ID does not exist",
            ),
            EndpointError::RecordingsNotFound => ("notFound", "We could not find recordings"),
            EndpointError::MissingRecordId => {
                ("missingParamRecordID", "You must specify a recordID.")
            }
            EndpointError::MissingPublish => (
                "missingParamPublish",
                "You must specify a publish value true or false.",
            ),
            EndpointError::Backend {
                message_key,
                message,
                ..
            } => (message_key, message),
            EndpointError::ServerUnavailable(_) | EndpointError::BackendFailed { .. } => (
                "serverUnavailable",
                "The server for this meeting is unavailable. Please try again later.",
            ),
            EndpointError::NoServer(_) => (
                "serverUnavailable",
                "No server is available for new meetings. Please try again later.",
            ),
            EndpointError::Service(error) => service_key_and_message(error),
            EndpointError::Serialize(_)
            | EndpointError::SecretRefused { .. }
            | EndpointError::Internal(_) => ("internalError", "An internal error occurred."),
        }
    }

    /// The `outcome` label of the request metrics: the messageKey, from a fixed set so that a
    /// backend cannot add label values.
    pub(crate) fn outcome(&self) -> &'static str {
        outcome_of_key(self.key_and_message().0)
    }
}

/// Every messageKey of BBB's catalogue (spec §4) and the gateway's own ones, as a `&'static
/// str`; anything else is `otherError`.
pub(crate) fn outcome_of_key(key: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "checksumError",
        "unsupportedRequest",
        "unsupportedContentType",
        "validationError",
        "missingParamMeetingID",
        "missingParamFullName",
        "missingParamRecordID",
        "missingParamPublish",
        "invalidPassword",
        "Params required",
        "idNotUnique",
        "nonUniqueVoiceBridge",
        "parentMeetingIdMissing",
        "notFound",
        "invalidMeetingIdentifier",
        "meetingForciblyEnded",
        "mismatchCreateTimeParam",
        "maxParticipantsReached",
        "guestDeniedAccess",
        "noRecordings",
        "paramError",
        "invalidKind",
        "invalidLang",
        "upload_text_track_failed",
        "empty_uploaded_text_track",
        "noCaptionsFound",
        "apiNotEnabled",
        "serverUnavailable",
        "maxMeetingsReached",
        "internalError",
    ];
    KNOWN
        .iter()
        .find(|known| **known == key)
        .copied()
        .unwrap_or("otherError")
}

impl ResponseError for EndpointError {
    /// bbb-web answers `FAILED` with 200 (spec §0).
    fn status_code(&self) -> StatusCode {
        StatusCode::OK
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            EndpointError::Internal(detail) => tracing::error!(%detail, "BBB endpoint failed"),
            EndpointError::ServerUnavailable(detail) => {
                tracing::warn!(%detail, "BBB endpoint: no usable server")
            }
            EndpointError::BackendFailed { .. } | EndpointError::NoServer(_) => {
                tracing::warn!(detail = %ErrorChain(self), "BBB endpoint: no usable server")
            }
            EndpointError::SecretRefused { .. } => {
                tracing::error!(error = %ErrorChain(self), "BBB endpoint failed")
            }
            EndpointError::Service(error) => match error.code() {
                ErrorCode::Internal => {
                    tracing::error!(error = %ErrorChain(&**error), "BBB endpoint failed")
                }
                ErrorCode::BbbUnavailable => {
                    tracing::warn!(error = %ErrorChain(&**error), "BBB endpoint: no usable server")
                }
                _ => {}
            },
            EndpointError::Serialize(_) => {
                tracing::error!(error = %ErrorChain(self), "BBB endpoint failed")
            }
            _ => {}
        }
        let (key, message) = self.key_and_message();
        let errors = match self {
            EndpointError::Backend { errors, .. } if errors.len() > 1 => errors.as_slice(),
            _ => &[],
        };
        reply::failed(key, message, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_message_keys_from_a_fixed_set() {
        let own = [
            EndpointError::Checksum { legacy_text: true },
            EndpointError::BodyTooLarge,
            EndpointError::TooManyParams,
            EndpointError::UnsignedFormParams,
            EndpointError::MeetingNotFound,
            EndpointError::InvalidMeetingIdentifier,
            EndpointError::from(ServiceError::QuotaExceeded {
                quota: "max_meetings",
                limit: 1,
            }),
            EndpointError::from(ServiceError::QuotaExceeded {
                quota: "max_attendees",
                limit: 1,
            }),
            EndpointError::NoServer(ServiceError::BbbUnavailable("no server".to_owned())),
            EndpointError::BackendFailed {
                server: "bbb1".to_owned(),
                call: "create".to_owned(),
                source: bbb_client::Error::Timeout,
            },
            EndpointError::Internal(String::new()),
            EndpointError::from(ServiceError::Internal("boom".into())),
            EndpointError::from(ServiceError::BadInput("bad".to_owned())),
            EndpointError::from(ServiceError::NotFound("meeting")),
            EndpointError::from(ServiceError::Forbidden("no")),
        ];
        for error in own {
            assert_eq!(error.outcome(), error.key_and_message().0, "{error:?}");
        }
        let key = |error: ServiceError| EndpointError::from(error).key_and_message().0.to_owned();
        assert_eq!(
            key(ServiceError::QuotaExceeded {
                quota: "max_meetings",
                limit: 1
            }),
            "maxMeetingsReached"
        );
        assert_eq!(
            key(ServiceError::QuotaExceeded {
                quota: "max_attendees",
                limit: 1
            }),
            "maxParticipantsReached"
        );
        assert_eq!(key(ServiceError::Forbidden("no")), "internalError");
        assert_eq!(key(ServiceError::Internal("boom".into())), "internalError");
        let backend = |key: &str| EndpointError::Backend {
            message_key: key.to_owned(),
            message: String::new(),
            errors: Vec::new(),
        };
        assert_eq!(backend("idNotUnique").outcome(), "idNotUnique");
        assert_eq!(backend("anything a server says").outcome(), "otherError");
    }

    #[test]
    fn failures_keep_their_cause_and_answer_as_before() {
        use std::error::Error as _;
        let failed = EndpointError::BackendFailed {
            server: "bbb1".to_owned(),
            call: "getMeetings".to_owned(),
            source: bbb_client::Error::Timeout,
        };
        assert!(failed.source().is_some_and(|s| s.is::<bbb_client::Error>()));
        assert_eq!(
            ErrorChain(&failed).to_string(),
            format!(
                "server bbb1: getMeetings failed: {}",
                bbb_client::Error::Timeout
            )
        );
        assert_eq!(
            failed.key_and_message(),
            (
                "serverUnavailable",
                "The server for this meeting is unavailable. Please try again later."
            )
        );
        let refused = EndpointError::SecretRefused {
            server: "bbb1".to_owned(),
            source: bbb_client::Error::failed("checksumError", "Checksums do not match"),
        };
        assert!(
            refused
                .source()
                .is_some_and(|s| s.is::<bbb_client::Error>())
        );
        assert_eq!(
            refused.key_and_message(),
            ("internalError", "An internal error occurred.")
        );
        let no_server = EndpointError::NoServer(ServiceError::BbbUnavailable("none".to_owned()));
        assert!(no_server.source().is_some_and(|s| s.is::<ServiceError>()));
        assert_eq!(
            no_server.key_and_message(),
            (
                "serverUnavailable",
                "No server is available for new meetings. Please try again later."
            )
        );
    }

    #[test]
    fn checksum_texts_are_bbb_webs() {
        let legacy = EndpointError::Checksum { legacy_text: true };
        assert_eq!(
            legacy.key_and_message(),
            (
                "checksumError",
                "You did not pass the checksum security check"
            )
        );
        let current = EndpointError::Checksum { legacy_text: false };
        assert_eq!(
            current.key_and_message(),
            ("checksumError", "Checksums do not match")
        );
    }
}
