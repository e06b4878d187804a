//! The one error type of the store, and the translation of database errors into it.
//!
//! Constraint violations come back from SQLite and PostgreSQL in different shapes: PostgreSQL
//! names the violated constraint, SQLite names a unique index's columns (and a CHECK's name).
//! Both are mapped through one table to the field the caller should hear about, so the gateway
//! never sees a raw driver message for a mistake its user made.

use sea_orm::sqlx::error::ErrorKind;
use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("a {entity} with this {field} already exists")]
    Duplicate {
        entity: &'static str,
        field: &'static str,
    },
    #[error("invalid {field}: {message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// A foreign key points nowhere (e.g. a meeting for a group that does not exist). SQLite
    /// does not say which key, so `field` is only known on PostgreSQL.
    #[error("a referenced row does not exist{}", .field.map(|f| format!(" ({f})")).unwrap_or_default())]
    InvalidReference { field: Option<&'static str> },
    /// The words of the [`CryptoError`] are its source, not repeated here (see
    /// `service::ErrorChain` for the convention).
    #[error("secret handling failed")]
    Crypto(#[source] CryptoError),
    #[error("unsupported database URL `{0}`: expected sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error")]
    Database(#[source] DbErr),
}

/// Why a secret could not be sealed or opened: the reason in words, and the error below it
/// when there is one (kept as the source, not copied into the words).
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct CryptoError {
    reason: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CryptoError {
    pub(crate) fn caused_by(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        CryptoError {
            reason: reason.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// A reason with no error below it (the AEAD's errors carry nothing to keep).
impl From<&str> for CryptoError {
    fn from(reason: &str) -> Self {
        CryptoError {
            reason: reason.to_owned(),
            source: None,
        }
    }
}

impl StoreError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        StoreError::Validation {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(entity: &'static str) -> Self {
        StoreError::NotFound { entity }
    }

    /// Whether this is a unique violation; used where a conflict is an expected outcome
    /// (idempotent grants, create-or-get of placements).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, StoreError::Duplicate { .. })
    }
}

/// The outcome of an insert that is allowed to find its row already there (granting a
/// permission twice): `true` if it inserted, `false` on a unique violation.
pub(crate) fn inserted_unless_duplicate<T>(
    inserted: Result<T, sea_orm::DbErr>,
) -> Result<bool, StoreError> {
    match inserted.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        Err(err) if err.is_duplicate() => Ok(false),
        Err(err) => Err(err),
    }
}

/// A unique index: its name (PostgreSQL reports it), its columns as SQLite reports them, and
/// what the caller is told.
struct UniqueIndex {
    name: &'static str,
    sqlite_columns: &'static str,
    entity: &'static str,
    field: &'static str,
}

const UNIQUE_INDEXES: &[UniqueIndex] = &[
    unique("ux_site_domain", "site.domain", "site", "domain"),
    unique("ux_site_default", "site.is_default", "site", "is_default"),
    unique(
        "ux_user_site_username",
        "user.site_id, user.username",
        "user",
        "username",
    ),
    unique(
        "ux_user_external",
        "user.external_issuer, user.external_subject",
        "user",
        "external_identity",
    ),
    unique(
        "ux_server_group_site_name",
        "server_group.site_id, server_group.name",
        "server group",
        "name",
    ),
    unique(
        "ux_group_grant_triple",
        "group_grant.group_id, group_grant.user_id, group_grant.permission",
        "group grant",
        "permission",
    ),
    unique(
        "ux_server_group_name",
        "server.group_id, server.name",
        "server",
        "name",
    ),
    unique("ux_meeting_guid", "meeting.guid", "meeting", "guid"),
    unique(
        "ux_meeting_conference_pin",
        "meeting.conference_pin",
        "meeting",
        "conference_pin",
    ),
    unique(
        "ux_meeting_grant_triple",
        "meeting_grant.meeting_id, meeting_grant.user_id, meeting_grant.permission",
        "meeting grant",
        "permission",
    ),
    unique(
        "ux_meeting_url_site_slug",
        "meeting_url.site_id, meeting_url.slug",
        "meeting URL",
        "slug",
    ),
    unique("ux_api_token_name", "api_token.name", "API token", "name"),
    unique(
        "ux_api_token_secret_hash",
        "api_token.secret_hash",
        "API token",
        "secret",
    ),
    unique(
        "ux_api_token_previous_secret_hash",
        "api_token.previous_secret_hash",
        "API token",
        "secret",
    ),
    unique("ux_api_token_guid", "api_token.guid", "API token", "guid"),
    unique(
        "ux_placement_live_client",
        "placement.group_id, placement.namespace, placement.client_meeting_id",
        "placement",
        "client_meeting_id",
    ),
    unique(
        "ux_placement_live_backend",
        "placement.server_id, placement.bbb_meeting_id",
        "placement",
        "bbb_meeting_id",
    ),
];

const fn unique(
    name: &'static str,
    sqlite_columns: &'static str,
    entity: &'static str,
    field: &'static str,
) -> UniqueIndex {
    UniqueIndex {
        name,
        sqlite_columns,
        entity,
        field,
    }
}

/// CHECK constraints by name, with the field and the rule in words.
const CHECKS: &[(&str, &str, &str)] = &[
    ("ck_site_domain", "domain", "must not be empty"),
    ("ck_user_username", "username", "must not be empty"),
    (
        "ck_user_external_pair",
        "external_identity",
        "issuer and subject must both be set or both be absent",
    ),
    ("ck_server_group_name", "name", "must not be empty"),
    (
        "ck_group_grant_permission",
        "permission",
        "unknown group permission",
    ),
    ("ck_server_name", "name", "must not be empty"),
    ("ck_server_api_url", "api_url", "must not be empty"),
    ("ck_server_weight", "weight", "must be positive"),
    ("ck_server_state", "state", "unknown server state"),
    ("ck_server_health", "health", "unknown server health"),
    ("ck_meeting_name", "name", "must not be empty"),
    (
        "ck_meeting_conference_pin",
        "conference_pin",
        "must be 1 to 10 digits",
    ),
    (
        "ck_meeting_max_participants",
        "max_participants",
        "must be positive",
    ),
    ("ck_meeting_duration", "duration", "must be positive"),
    (
        "ck_meeting_grant_permission",
        "permission",
        "unknown meeting permission",
    ),
    ("ck_meeting_url_slug", "slug", "must not be empty"),
    ("ck_api_token_name", "name", "must not be empty"),
    ("ck_api_token_scope", "scope", "unknown token scope"),
    (
        "ck_api_token_user_scope",
        "user",
        "scope `user` requires a user",
    ),
    (
        "ck_api_token_previous_secret",
        "previous_secret",
        "ciphertext and hash must both be set or both be absent",
    ),
    (
        "ck_api_token_max_meetings",
        "max_meetings",
        "must be positive",
    ),
    (
        "ck_api_token_max_attendees",
        "max_attendees",
        "must be positive",
    ),
    (
        "ck_placement_client_meeting_id",
        "client_meeting_id",
        "must not be empty",
    ),
    (
        "ck_placement_bbb_meeting_id",
        "bbb_meeting_id",
        "must not be empty",
    ),
];

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        let driver_error = match &err {
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
                e.as_database_error()
            }
            DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => {
                return StoreError::not_found("record");
            }
            _ => None,
        };
        let Some(driver_error) = driver_error else {
            return StoreError::Database(err);
        };
        // PostgreSQL names the constraint; SQLite puts what it knows into the message.
        let constraint = driver_error.constraint();
        let message = driver_error.message();
        match driver_error.kind() {
            ErrorKind::UniqueViolation => {
                let index = UNIQUE_INDEXES.iter().find(|index| match constraint {
                    Some(name) => name == index.name,
                    None => {
                        sqlite_subject(message, "UNIQUE constraint failed: ")
                            == Some(index.sqlite_columns)
                    }
                });
                match index {
                    Some(index) => StoreError::Duplicate {
                        entity: index.entity,
                        field: index.field,
                    },
                    None => StoreError::Database(err),
                }
            }
            ErrorKind::CheckViolation => {
                let name =
                    constraint.or_else(|| sqlite_subject(message, "CHECK constraint failed: "));
                match CHECKS.iter().find(|(check, _, _)| Some(*check) == name) {
                    Some((_, field, rule)) => StoreError::invalid(field, *rule),
                    None => StoreError::Database(err),
                }
            }
            ErrorKind::ForeignKeyViolation => StoreError::InvalidReference {
                field: constraint.and_then(|name| {
                    // Foreign keys are named `fk_<table>_<column>`; report the column.
                    FOREIGN_KEY_COLUMNS
                        .iter()
                        .copied()
                        .find(|column| name.starts_with("fk_") && name.ends_with(column))
                }),
            },
            _ => StoreError::Database(err),
        }
    }
}

const FOREIGN_KEY_COLUMNS: &[&str] = &[
    "site_id",
    "group_id",
    "user_id",
    "owner_id",
    "server_id",
    "meeting_id",
    "token_id",
];

/// The text after SQLite's fixed prefix, e.g. `site.domain` in
/// `UNIQUE constraint failed: site.domain`.
fn sqlite_subject<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix).map(str::trim)
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;

    #[test]
    fn crypto_errors_keep_their_cause_out_of_their_words() {
        let not_utf8 = String::from_utf8(vec![0xff]).unwrap_err();
        let error = StoreError::Crypto(CryptoError::caused_by(
            "decrypted secret is not UTF-8",
            not_utf8,
        ));
        // Each level says its own words once: the store's, then the reason (its source).
        assert_eq!(error.to_string(), "secret handling failed");
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("decrypted secret is not UTF-8")
        );
        let cause = error.source().and_then(Error::source);
        assert!(
            cause.is_some_and(|cause| cause.is::<std::string::FromUtf8Error>()),
            "{cause:?}"
        );
        let plain = StoreError::Crypto("bad key".into());
        assert!(plain.source().and_then(Error::source).is_none());
    }
}
