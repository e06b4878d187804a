//! The one place where failures become what a client sees: every error of the gateway is a
//! [`GatewayError`], and every GraphQL error leaves with one of the stable
//! `extensions.code` values below.
//!
//! Resolvers may simply use `?` on a `GatewayError` (or on anything that converts into one,
//! such as `service::ServiceError`): [`assign_codes`], which every transport applies to every
//! response, finds the `GatewayError` behind each GraphQL error and applies its code and client-safe message, so no error can
//! leave without a code. `.extend()` (from [`ErrorExtensions`]) gives the same result for code
//! that builds `async_graphql::Error`s by hand.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, ErrorExtensions, ServerError};

/// The stable `extensions.code` values: the service layer's codes, so every front door speaks
/// the same vocabulary.
pub use service::ErrorCode;
use service::{ErrorChain, ServiceError};

/// Every failure of the gateway. The `Display` text of the client-facing variants is what the
/// client reads; the detail of `Config`, `Internal` and of the service's BBB and internal
/// failures goes to the log only.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// No valid credentials: missing or refused bearer token, wrong password.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// The input cannot be used; `field` names the offending argument or input field.
    #[error("{message}")]
    BadUserInput {
        field: Option<String>,
        message: String,
    },
    /// A guest asked to join a meeting that has not been started by a moderator yet.
    #[error("the meeting has not started yet; try again once a moderator has started it")]
    MeetingNotStarted,
    /// Too many failed attempts (logins): refused without trying, until `retry_after` has
    /// passed (`extensions.retryAfter`, whole seconds).
    #[error("too many failed attempts; try again in {} s", retry_after_seconds(*.retry_after))]
    RateLimited { retry_after: std::time::Duration },
    /// The configuration is unusable; names the key and the expected form.
    #[error("invalid configuration `{key}`: {expected}")]
    Config { key: String, expected: String },
    /// A failure with no error below it (a missing piece of request state), in words: build it
    /// with [`GatewayError::internal`]. A failure caused by an error is [`Self::Failed`], which
    /// keeps it. Detail is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
    /// A call that should not fail did (a task, the file system, the JWT encoder, the password
    /// hasher): what failed, in words, and the error as the source, for the log only.
    #[error("internal error: {what}")]
    Failed {
        what: std::borrow::Cow<'static, str>,
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// A failure of the domain layer, kept whole with its sources for the log. What the client
    /// sees of it (code, message, `extensions.field`) is decided in one place:
    /// [`GatewayError::code`], [`GatewayError::client_message`] and `set_extensions` below.
    /// Shared (`Arc`) because DataLoaders hand one error to every field that waited for it.
    #[error(transparent)]
    Service(Arc<ServiceError>),
}

impl GatewayError {
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        GatewayError::Unauthenticated(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        GatewayError::Forbidden(message.into())
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        GatewayError::NotFound(what.into())
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        GatewayError::BadUserInput {
            field: None,
            message: message.into(),
        }
    }

    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        GatewayError::BadUserInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn config(key: impl Into<String>, expected: impl Into<String>) -> Self {
        GatewayError::Config {
            key: key.into(),
            expected: expected.into(),
        }
    }

    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        GatewayError::RateLimited { retry_after }
    }

    /// A failure no error lies below, said in words; for one caused by an error, use
    /// [`Self::failed`] or [`Self::caused`], which keep it.
    pub fn internal(message: impl Into<String>) -> Self {
        GatewayError::Internal(message.into())
    }

    /// For `map_err`: `what` (`reading the key`) failed with `source`, which is kept (not
    /// stringified) for the log.
    pub fn failed<E: std::error::Error + Send + Sync + 'static>(
        what: &'static str,
    ) -> impl FnOnce(E) -> Self {
        Self::caused(format!("{what} failed"))
    }

    /// For `map_err`: the failure said in words (`cannot write /etc/x`), with `source` kept
    /// (not stringified) for the log.
    pub fn caused<E: std::error::Error + Send + Sync + 'static>(
        what: impl Into<std::borrow::Cow<'static, str>>,
    ) -> impl FnOnce(E) -> Self {
        let what = what.into();
        move |source| GatewayError::Failed {
            what,
            source: Arc::new(source),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            GatewayError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            GatewayError::Forbidden(_) => ErrorCode::Forbidden,
            GatewayError::NotFound(_) => ErrorCode::NotFound,
            GatewayError::BadUserInput { .. } => ErrorCode::BadUserInput,
            GatewayError::MeetingNotStarted => ErrorCode::MeetingNotStarted,
            GatewayError::RateLimited { .. } => ErrorCode::RateLimited,
            GatewayError::Config { .. }
            | GatewayError::Internal(_)
            | GatewayError::Failed { .. } => ErrorCode::Internal,
            GatewayError::Service(error) => error.code(),
        }
    }

    /// What the client may read. Logs the detail of errors whose text stays on the server.
    pub fn client_message(&self) -> String {
        match self {
            GatewayError::Config { .. }
            | GatewayError::Internal(_)
            | GatewayError::Failed { .. } => {
                tracing::error!(error = %ErrorChain(self), "internal error");
                "internal server error".to_owned()
            }
            GatewayError::Service(error) => service_client_message(error),
            client_facing => client_facing.to_string(),
        }
    }

    fn set_extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("code", self.code().as_str());
        match self {
            GatewayError::BadUserInput {
                field: Some(field), ..
            } => extensions.set("field", field.as_str()),
            GatewayError::Service(error) => {
                if let ServiceError::BadField { field, .. } = error.as_ref() {
                    extensions.set("field", graphql_field_name(field));
                }
            }
            GatewayError::RateLimited { retry_after } => {
                extensions.set("retryAfter", retry_after_seconds(*retry_after));
            }
            _ => {}
        }
    }

    /// The error as a GraphQL response error (for failures outside of query execution, such as
    /// an unreadable HTTP request).
    pub fn to_server_error(&self) -> ServerError {
        let mut error = ServerError::new(self.client_message(), None);
        self.set_extensions(error.extensions.get_or_insert_with(Default::default));
        error
    }
}

/// A wait in whole seconds, rounded up: a client waiting that long is never early.
pub fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl ErrorExtensions for GatewayError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.client_message())
            .extend_with(|_, extensions| self.set_extensions(extensions))
    }
}

/// The one mapping of the domain layer's errors to what a GraphQL client reads (the code comes
/// from [`ServiceError::code`]): refusals and bad input in their own words, with the input
/// field they are about in `extensions.field`; BBB and internal failures as a generic message,
/// their detail and sources logged.
impl From<ServiceError> for GatewayError {
    fn from(error: ServiceError) -> Self {
        GatewayError::Service(Arc::new(error))
    }
}

fn service_client_message(error: &ServiceError) -> String {
    match error.code() {
        ErrorCode::Internal => {
            tracing::error!(error = %ErrorChain(error), "internal error");
            "internal server error".to_owned()
        }
        ErrorCode::BbbUnavailable => {
            tracing::warn!(detail = %ErrorChain(error), "BBB call failed");
            "BigBlueButton is unavailable; try again later".to_owned()
        }
        ErrorCode::Unauthenticated => "log in to do this".to_owned(),
        _ => match error {
            ServiceError::Forbidden(reason) => (*reason).to_owned(),
            ServiceError::NotFound(entity) => format!("{entity} not found"),
            client_facing => client_facing.to_string(),
        },
    }
}

/// An input field as GraphQL spells it (`conference_pin` is `conferencePin`): the service
/// names fields as the store does, clients know them by their GraphQL names.
fn graphql_field_name(field: &str) -> String {
    let mut name = String::with_capacity(field.len());
    let mut upper_next = false;
    for character in field.chars() {
        if character == '_' {
            upper_next = !name.is_empty();
        } else if upper_next {
            name.extend(character.to_uppercase());
            upper_next = false;
        } else {
            name.push(character);
        }
    }
    name
}

/// For the composition root, which opens the database itself: the same mapping as every
/// other store failure, through the service layer's.
impl From<store::StoreError> for GatewayError {
    fn from(error: store::StoreError) -> Self {
        ServiceError::from(error).into()
    }
}

impl From<bbb_client::Error> for GatewayError {
    fn from(error: bbb_client::Error) -> Self {
        ServiceError::from(error).into()
    }
}

/// Gives every error of a GraphQL response its code; each transport applies it to every
/// response it sends (`graphql::finish_operation`):
/// - errors already carrying a `code` (built with `.extend()`) are left alone;
/// - errors caused by a [`GatewayError`] get its code and client message;
/// - errors caused by anything else come from a bug (a resolver used `?` on a foreign error):
///   `INTERNAL`, with the detail logged and a generic message;
/// - errors without a cause are async-graphql's own parse, validation and input-coercion
///   errors, which are all about the request: `BAD_USER_INPUT`.
pub fn assign_codes(errors: &mut [ServerError]) {
    for error in errors {
        assign_code(error);
    }
}

fn assign_code(error: &mut ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some());
    if has_code {
        return;
    }
    let source = error.source.clone();
    let extensions = error.extensions.get_or_insert_with(Default::default);
    match source.as_deref() {
        Some(source) => match source.downcast_ref::<GatewayError>() {
            Some(gateway_error) => {
                gateway_error.set_extensions(extensions);
                error.message = gateway_error.client_message();
            }
            None => {
                tracing::error!(error = %error.message, "resolver failed with an unclassified error");
                extensions.set("code", ErrorCode::Internal.as_str());
                error.message = "internal server error".to_owned();
            }
        },
        None => extensions.set("code", ErrorCode::BadUserInput.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
    use serde_json::json;

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        async fn forbidden(&self) -> Result<i32, GatewayError> {
            Err(GatewayError::forbidden("not yours"))
        }
        async fn duplicate(&self) -> Result<i32, GatewayError> {
            Err(store::StoreError::Duplicate {
                entity: "meeting URL",
                field: "slug",
            }
            .into())
        }
        async fn broken(&self) -> Result<i32, GatewayError> {
            Err(GatewayError::internal("disk on fire at /var/lib/x"))
        }
        async fn bbb_down(&self) -> Result<i32, GatewayError> {
            Err(bbb_client::Error::Timeout.into())
        }
        async fn foreign(&self) -> async_graphql::Result<i32> {
            Err(std::io::Error::other("secret detail").into())
        }
        async fn limited(&self) -> Result<i32, GatewayError> {
            Err(GatewayError::rate_limited(
                std::time::Duration::from_millis(2_100),
            ))
        }
        async fn extended(&self) -> async_graphql::Result<i32> {
            Err(GatewayError::not_found("meeting").extend())
        }
        async fn taken_pin(&self) -> Result<i32, GatewayError> {
            Err(ServiceError::from(store::StoreError::Duplicate {
                entity: "meeting",
                field: "conference_pin",
            })
            .into())
        }
        async fn refused(&self) -> Result<i32, GatewayError> {
            Err(ServiceError::Forbidden("not yours").into())
        }
        async fn anonymous(&self) -> Result<i32, GatewayError> {
            Err(ServiceError::Unauthenticated.into())
        }
        async fn service_broken(&self) -> Result<i32, GatewayError> {
            Err(ServiceError::Internal("disk on fire at /var/lib/x".into()).into())
        }
    }

    async fn first_error(field: &str) -> serde_json::Value {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription).finish();
        let mut response = schema.execute(format!("{{ {field} }}")).await;
        assign_codes(&mut response.errors);
        let json = serde_json::to_value(&response).unwrap();
        let error = &json["errors"][0];
        json!({ "message": error["message"], "extensions": error["extensions"] })
    }

    #[tokio::test]
    async fn resolver_errors_carry_their_code() {
        assert_eq!(
            first_error("forbidden").await,
            json!({ "message": "not yours", "extensions": { "code": "FORBIDDEN" } })
        );
        assert_eq!(
            first_error("extended").await,
            json!({ "message": "meeting not found", "extensions": { "code": "NOT_FOUND" } })
        );
    }

    #[tokio::test]
    async fn store_duplicates_name_the_field() {
        assert_eq!(
            first_error("duplicate").await,
            json!({
                "message": "a meeting URL with this slug already exists",
                "extensions": { "code": "BAD_USER_INPUT", "field": "slug" },
            })
        );
    }

    #[tokio::test]
    async fn service_errors_name_the_field_as_graphql_spells_it() {
        assert_eq!(
            first_error("takenPin").await,
            json!({
                "message": "a meeting with this conference_pin already exists",
                "extensions": { "code": "BAD_USER_INPUT", "field": "conferencePin" },
            })
        );
        assert_eq!(graphql_field_name("apiUrl"), "apiUrl");
        assert_eq!(graphql_field_name("slug"), "slug");
        assert_eq!(graphql_field_name("max_meetings"), "maxMeetings");
    }

    #[tokio::test]
    async fn service_refusals_read_as_before() {
        assert_eq!(
            first_error("refused").await,
            json!({ "message": "not yours", "extensions": { "code": "FORBIDDEN" } })
        );
        assert_eq!(
            first_error("anonymous").await,
            json!({ "message": "log in to do this", "extensions": { "code": "UNAUTHENTICATED" } })
        );
    }

    #[test]
    fn failures_of_libraries_keep_their_source() {
        let error = GatewayError::failed("reading the key")(std::io::Error::other("disk gone"));
        assert_eq!(error.code(), ErrorCode::Internal);
        assert_eq!(
            ErrorChain(&error).to_string(),
            "internal error: reading the key failed: disk gone"
        );
        assert_eq!(error.client_message(), "internal server error");
    }

    #[test]
    fn the_log_reads_each_cause_once() {
        let error = GatewayError::from(store::StoreError::Crypto("bad key".into()));
        assert_eq!(
            ErrorChain(&error).to_string(),
            "internal error: secret handling failed: bad key"
        );
        let hashing =
            GatewayError::failed("hashing a password")(argon2::password_hash::Error::Password);
        // The hasher's error itself, not words copied from it (argon2's `std` feature).
        assert_eq!(
            std::error::Error::source(&hashing).map(ToString::to_string),
            Some(argon2::password_hash::Error::Password.to_string())
        );
    }

    #[test]
    fn service_error_details_and_sources_reach_the_log() {
        let store_error = store::StoreError::Crypto("bad key".into());
        let error = GatewayError::from(store_error);
        assert_eq!(error.code(), ErrorCode::Internal);
        let chain = ErrorChain(&error).to_string();
        assert!(chain.contains("bad key"), "{chain}");
    }

    #[tokio::test]
    async fn internal_details_stay_on_the_server() {
        for field in ["broken", "foreign", "serviceBroken"] {
            assert_eq!(
                first_error(field).await,
                json!({ "message": "internal server error", "extensions": { "code": "INTERNAL" } }),
                "{field}"
            );
        }
        let bbb = first_error("bbbDown").await;
        assert_eq!(bbb["extensions"], json!({ "code": "BBB_UNAVAILABLE" }));
        assert!(
            !bbb["message"].as_str().unwrap().contains("in time"),
            "{bbb}"
        );
    }

    #[tokio::test]
    async fn rate_limits_say_when_to_retry_in_whole_seconds() {
        assert_eq!(
            first_error("limited").await,
            json!({
                "message": "too many failed attempts; try again in 3 s",
                "extensions": { "code": "RATE_LIMITED", "retryAfter": 3 },
            })
        );
        assert_eq!(retry_after_seconds(std::time::Duration::from_secs(4)), 4);
        assert_eq!(retry_after_seconds(std::time::Duration::from_millis(1)), 1);
    }

    #[tokio::test]
    async fn request_errors_are_bad_user_input() {
        let error = first_error("nonexistent").await;
        assert_eq!(error["extensions"], json!({ "code": "BAD_USER_INPUT" }));
    }

    #[test]
    fn store_errors_map_to_codes() {
        use store::StoreError;
        let code = |error: StoreError| GatewayError::from(error).code();
        assert_eq!(
            code(StoreError::NotFound { entity: "meeting" }),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(StoreError::Validation {
                field: "slug",
                message: "too long".into()
            }),
            ErrorCode::BadUserInput
        );
        assert_eq!(
            code(StoreError::InvalidReference { field: None }),
            ErrorCode::BadUserInput
        );
        assert_eq!(
            code(StoreError::Crypto("bad key".into())),
            ErrorCode::Internal
        );
        assert_eq!(
            code(StoreError::UnsupportedUrl("mysql://".into())),
            ErrorCode::Internal
        );
    }
}
