//! The one error type of the service layer. Every front door maps [`ErrorCode`] to its own
//! vocabulary (GraphQL `extensions.code`, BBB messageKeys, CLI messages) in one place.

use store::StoreError;

/// The stable codes of DESIGN.md, as GraphQL spells them.
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
    #[error("BBB server unavailable: {0}")]
    BbbUnavailable(String),
    /// Details are for the log only; callers see a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Unauthenticated => ErrorCode::Unauthenticated,
            ServiceError::Forbidden(_) => ErrorCode::Forbidden,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::BadInput(_) | ServiceError::BadField { .. } => ErrorCode::BadUserInput,
            ServiceError::MeetingNotStarted => ErrorCode::MeetingNotStarted,
            ServiceError::BbbUnavailable(_) => ErrorCode::BbbUnavailable,
            ServiceError::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => ServiceError::NotFound(entity),
            StoreError::Duplicate { .. }
            | StoreError::Validation { .. }
            | StoreError::InvalidReference { .. }
            | StoreError::QuotaExceeded { .. } => ServiceError::BadInput(error.to_string()),
            StoreError::Crypto(_) | StoreError::UnsupportedUrl(_) | StoreError::Database(_) => {
                ServiceError::Internal(error.to_string())
            }
        }
    }
}

impl From<bbb_client::Error> for ServiceError {
    fn from(error: bbb_client::Error) -> Self {
        ServiceError::BbbUnavailable(error.to_string())
    }
}
