//! The one error type of every client call: transport trouble, an unexpected HTTP answer, a
//! body that is not a BBB document, or a BBB `FAILED` answer with its messageKey.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::model::ErrorItem;
use crate::transport::describe;

/// Everything a BBB call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The TCP/TLS connection to the server could not be established.
    #[error("cannot connect to the BBB server: {0}")]
    Connect(#[source] Cause),
    /// The connection or the whole request took longer than the configured timeout.
    #[error("the BBB server did not answer in time")]
    Timeout,
    /// Any other failure while sending the request or reading the answer, e.g. a kept-alive
    /// connection the server closed or reset (a server going down often shows this way
    /// first). Not retried once any of the request may have
    /// reached the server: several BBB GET calls (join, end) are not idempotent. (A pooled
    /// connection found closed before anything was written is replaced silently.)
    #[error("HTTP transport error: {0}")]
    Transport(#[source] Cause),
    /// The server answered, but with more than the client's `max_answer_bytes` (`limit`): an
    /// answer, so no sign that the server is gone (unlike [`Error::Transport`]).
    #[error("the BBB server's answer is larger than {limit} bytes")]
    AnswerTooLarge { limit: usize },
    /// The server answered with a status BBB never uses for API answers (BBB sends 200 for
    /// `SUCCESS` and `FAILED` alike, 302 only for join).
    #[error("unexpected HTTP status {status}: {body_excerpt}")]
    HttpStatus { status: u16, body_excerpt: String },
    /// The body is neither a BBB XML nor a BBB JSON document of the expected shape.
    #[error("malformed {call} response: {reason}")]
    Malformed { call: String, reason: String },
    /// BBB answered `FAILED`. `message_key` is the stable key to match on (spec §4); `errors`
    /// holds every key/message pair the server sent, first one first (the multi-error envelope
    /// of `respondWithErrors` may carry several).
    #[error("BBB refused the call: {message_key}: {message}")]
    Failed {
        message_key: String,
        message: String,
        errors: Vec<ErrorItem>,
    },
    /// The caller passed something unusable (a server URL that is no HTTP(S) URL, a content
    /// type that is no MIME type); nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl Error {
    /// A `FAILED` answer with one key/message pair.
    pub fn failed(message_key: impl Into<String>, message: impl Into<String>) -> Self {
        let message_key = message_key.into();
        let message = message.into();
        Error::Failed {
            errors: vec![ErrorItem {
                key: message_key.clone(),
                message: message.clone(),
            }],
            message_key,
            message,
        }
    }

    /// The BBB messageKey of a `FAILED` answer.
    pub fn message_key(&self) -> Option<&str> {
        match self {
            Error::Failed { message_key, .. } => Some(message_key),
            _ => None,
        }
    }

    /// Whether BBB said the meeting (or recording) does not exist: `notFound` from most calls,
    /// `invalidMeetingIdentifier` from join.
    pub fn is_not_found(&self) -> bool {
        self.message_key()
            .is_some_and(crate::catalogue::says_not_found)
    }

    pub(crate) fn malformed(call: &str, reason: impl std::fmt::Display) -> Self {
        Error::Malformed {
            call: call.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// What lies under a [`Error::Connect`] or [`Error::Transport`]: the failure in words — its
/// whole chain of causes, as the error's text has always shown it — and the failure itself,
/// kept as [`source`](StdError::source) for callers that look for, say, an `io::Error`.
/// Shared, so that [`Error`] stays cloneable; two causes are equal when their words are.
#[derive(Debug, Clone)]
pub struct Cause {
    description: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl Cause {
    /// The cause `error`, described with its own causes.
    pub(crate) fn new(error: impl StdError + Send + Sync + 'static) -> Self {
        Cause {
            description: describe(&error),
            source: Some(Arc::new(error)),
        }
    }

    /// `error`, with what was being done when it happened (`context: error: …`).
    pub(crate) fn within(
        context: impl fmt::Display,
        error: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Cause {
            description: format!("{context}: {}", describe(&error)),
            source: Some(Arc::new(error)),
        }
    }

    /// A failure this library found itself: no error below.
    pub(crate) fn message(text: impl Into<String>) -> Self {
        Cause {
            description: text.into(),
            source: None,
        }
    }

    /// The failure in words, causes included (what [`Error`]'s text shows after its prefix).
    pub fn as_str(&self) -> &str {
        &self.description
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        let source: &(dyn StdError + Send + Sync + 'static) = self.source.as_deref()?;
        Some(source)
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.description == other.description
    }
}

impl Eq for Cause {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_covers_both_keys_and_nothing_else() {
        assert!(Error::failed("notFound", "x").is_not_found());
        assert!(Error::failed("invalidMeetingIdentifier", "x").is_not_found());
        assert!(!Error::failed("checksumError", "x").is_not_found());
        assert!(!Error::Timeout.is_not_found());
    }

    #[test]
    fn message_key_only_for_failed_answers() {
        assert_eq!(
            Error::failed("idNotUnique", "dup").message_key(),
            Some("idNotUnique")
        );
        assert_eq!(
            Error::Connect(Cause::message("refused")).message_key(),
            None
        );
    }

    #[test]
    fn failed_keeps_its_pair_in_errors() {
        let Error::Failed { errors, .. } = Error::failed("k", "m") else {
            panic!("not Failed");
        };
        assert_eq!(
            errors,
            [ErrorItem {
                key: "k".into(),
                message: "m".into()
            }]
        );
    }

    #[test]
    fn connect_and_transport_keep_their_cause() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = Error::Connect(Cause::within("bbb.example.com", refused));
        assert_eq!(
            error.to_string(),
            "cannot connect to the BBB server: bbb.example.com: refused"
        );
        let io = std::iter::successors(StdError::source(&error), |cause| (*cause).source())
            .find_map(|cause| cause.downcast_ref::<std::io::Error>())
            .expect("the io::Error is in the chain");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);

        let lost = Error::Transport(Cause::message("connection closed before the answer"));
        assert_eq!(
            lost.to_string(),
            "HTTP transport error: connection closed before the answer"
        );
        assert!(StdError::source(&lost).unwrap().source().is_none());

        let too_large = Error::AnswerTooLarge { limit: 10 };
        assert_eq!(
            too_large.to_string(),
            "the BBB server's answer is larger than 10 bytes"
        );
        assert!(StdError::source(&too_large).is_none());
    }
}
