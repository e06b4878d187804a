//! The one error type of the service layer. Every front door maps [`ErrorCode`] to its own
//! vocabulary (GraphQL `extensions.code`, BBB messageKeys, CLI messages) in one place.
//!
//! Convention of every error of the workspace: a variant that keeps an error as its source
//! says only what failed at its own level and does not print the source again; whoever shows
//! the whole story (a log line, the CLI) prints the chain with [`ErrorChain`], so each cause
//! appears once.

use store::StoreError;

/// The stable codes the README lists (section "Running bbb-gateway"), as GraphQL spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    BbbUnavailable,
    /// Refused without trying after too many failed attempts; `retryAfter` says for how long.
    RateLimited,
    /// A guest asked to join a meeting that nobody allowed to start it has started yet: worth
    /// asking again later, unlike `FORBIDDEN`.
    MeetingNotStarted,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::BbbUnavailable => "BBB_UNAVAILABLE",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::MeetingNotStarted => "MEETING_NOT_STARTED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    BadInput(String),
    /// Bad input in one named input field (`apiUrl`), for front doors that can point at it.
    #[error("{message}")]
    BadField {
        field: &'static str,
        message: String,
    },
    /// Guests never start meetings (that is for `join_as_moderator`): they wait until it runs.
    #[error("the meeting has not started yet; try again once a moderator has started it")]
    MeetingNotStarted,
    /// No BBB server can do it, for a reason the service found itself (no server in the
    /// group, servers that kept failing); no error lies below.
    #[error("BBB server unavailable: {0}")]
    BbbUnavailable(String),
    /// A BBB call failed; the client's error (a timeout, a refused connection with its
    /// `io::Error`, a `FAILED` answer with its messageKey) is kept as the source.
    #[error("BBB server unavailable")]
    Bbb(#[from] bbb_client::Error),
    /// A server could not be asked for live figures; which one and why is the source.
    #[error("BBB server unavailable")]
    ServerUnavailable(#[source] crate::bbb::Unavailable),
    /// A quota of the API token the call came with would be exceeded (`quota` names the
    /// token's field): the BBB endpoint answers it with its own messageKey
    /// (`maxMeetingsReached`), so it is told apart from other bad input.
    #[error("the {quota} quota of {limit} is reached")]
    QuotaExceeded { quota: &'static str, limit: u32 },
    /// The store failed, through no fault of the caller (the database, a secret that cannot
    /// be decrypted); the store's error is kept as the source. Details are for the log only;
    /// callers see a generic message.
    #[error("internal error")]
    Store(#[source] StoreError),
    /// Anything else that is no fault of the caller, with its cause as the source. Details are
    /// for the log only; callers see a generic message.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An error with its sources, for a log line or an operator: `outer: cause: root cause`.
/// Errors of this workspace never repeat their source in their own text; a cause whose text
/// the line already holds (other crates' errors may print their source themselves) is not
/// written twice.
pub struct ErrorChain<'e>(pub &'e (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut line = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        formatter.write_str(&line)
    }
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Unauthenticated => ErrorCode::Unauthenticated,
            ServiceError::Forbidden(_) => ErrorCode::Forbidden,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::BadInput(_)
            | ServiceError::BadField { .. }
            | ServiceError::QuotaExceeded { .. } => ErrorCode::BadUserInput,
            ServiceError::MeetingNotStarted => ErrorCode::MeetingNotStarted,
            ServiceError::BbbUnavailable(_)
            | ServiceError::Bbb(_)
            | ServiceError::ServerUnavailable(_) => ErrorCode::BbbUnavailable,
            ServiceError::Store(_) | ServiceError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// An [`ServiceError::Internal`] caused by `error` (or, for a failure with no error below
    /// it, described by a string).
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ServiceError::Internal(error.into())
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => ServiceError::NotFound(entity),
            // The store knows which field a rejected write was about: front doors point at it
            // (GraphQL's `extensions.field`).
            StoreError::Duplicate { field, .. }
            | StoreError::Validation { field, .. }
            | StoreError::InvalidReference { field: Some(field) } => ServiceError::BadField {
                field,
                message: error.to_string(),
            },
            StoreError::InvalidReference { field: None } => {
                ServiceError::BadInput(error.to_string())
            }
            StoreError::Crypto(_) | StoreError::UnsupportedUrl(_) | StoreError::Database(_) => {
                ServiceError::Store(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn each_cause_is_printed_once() {
        let bbb = ServiceError::from(bbb_client::Error::Timeout);
        let timeout = bbb_client::Error::Timeout.to_string();
        assert_eq!(
            ErrorChain(&bbb).to_string(),
            format!("BBB server unavailable: {timeout}")
        );
        assert!(
            bbb.source()
                .is_some_and(|source| source.is::<bbb_client::Error>())
        );

        let store = ServiceError::from(StoreError::Crypto("bad key".into()));
        assert_eq!(
            ErrorChain(&store).to_string(),
            "internal error: secret handling failed: bad key"
        );
        let internal = ServiceError::internal("disk on fire");
        assert_eq!(
            ErrorChain(&internal).to_string(),
            "internal error: disk on fire"
        );
    }

    #[test]
    fn a_foreign_error_that_prints_its_source_is_not_repeated() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer: {0}")]
        struct Repeats(#[source] std::io::Error);
        let error = ServiceError::internal(Repeats(std::io::Error::other("gone")));
        assert_eq!(
            ErrorChain(&error).to_string(),
            "internal error: outer: gone"
        );
    }
}
