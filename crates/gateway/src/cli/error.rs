//! The one translation of failures into what the operator reads after `bbb-gateway: `: one line
//! that names the problem. The service layer's errors come through [`CliError::Service`];
//! unlike a GraphQL client, the operator runs the server, so they read the whole cause.

use service::ServiceError;

use crate::error::GatewayError;

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An argument, or what came on standard input, cannot be used: the message names it and,
    /// where it helps, the command that shows the right values.
    #[error("{0}")]
    Usage(String),
    /// A rule or a validation of the service layer refused the command, or the service failed.
    /// The operator reads its message (which names the field or the rule) followed by each
    /// cause: `main` prints the error with [`ErrorChain`](service::ErrorChain).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The configuration, the database's opening and migrations, `serve`.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }
}

/// `message()` in place of the service's NOT_FOUND: the operator named something by hand (a
/// group, a user, a token), and the message says which and how to find the right name.
pub fn unless_not_found<T>(
    result: Result<T, ServiceError>,
    message: impl FnOnce() -> String,
) -> Result<T, CliError> {
    match result {
        Err(error) if error.code() == service::ErrorCode::NotFound => {
            Err(CliError::Usage(message()))
        }
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_read_as_their_message_without_debug_noise() {
        let refused = CliError::from(ServiceError::BadField {
            field: "apiUrl",
            message: "invalid API URL: it has a query".to_owned(),
        });
        assert_eq!(refused.to_string(), "invalid API URL: it has a query");
        let forbidden = CliError::from(ServiceError::Forbidden("not for you"));
        assert_eq!(forbidden.to_string(), "not allowed: not for you");
    }

    #[test]
    fn a_not_found_becomes_the_message_naming_what_was_typed() {
        let missing: Result<(), ServiceError> = Err(ServiceError::NotFound("server group"));
        let error = unless_not_found(missing, || "no server group `x`".to_owned()).unwrap_err();
        assert_eq!(error.to_string(), "no server group `x`");
        let other: Result<(), ServiceError> = Err(ServiceError::Forbidden("no"));
        let error = unless_not_found(other, || "unused".to_owned()).unwrap_err();
        assert_eq!(error.to_string(), "not allowed: no");
    }
}
