//! The one error type of every client call: transport trouble, an unexpected HTTP answer, a
//! body that is not a BBB document, or a BBB `FAILED` answer with its messageKey.

use crate::model::ErrorItem;

/// Everything a BBB call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The TCP/TLS connection to the server could not be established.
    #[error("cannot connect to the BBB server: {0}")]
    Connect(String),
    /// The connection or the whole request took longer than the configured timeout.
    #[error("the BBB server did not answer in time")]
    Timeout,
    /// Any other failure while sending the request or reading the answer, e.g. a kept-alive
    /// connection the server closed or reset (a server going down often shows this way
    /// first), or an answer over the size limit. Not retried once any of the request may have
    /// reached the server: several BBB GET calls (join, end) are not idempotent. (A pooled
    /// connection found closed before anything was written is replaced silently.)
    #[error("HTTP transport error: {0}")]
    Transport(String),
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
        matches!(
            self.message_key(),
            Some("notFound" | "invalidMeetingIdentifier")
        )
    }

    pub(crate) fn malformed(call: &str, reason: impl std::fmt::Display) -> Self {
        Error::Malformed {
            call: call.to_owned(),
            reason: reason.to_string(),
        }
    }
}

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
        assert_eq!(Error::Connect("refused".into()).message_key(), None);
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
}
