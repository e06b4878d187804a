//! Persisted queries on `/graphql` (GET and POST) and on `/graphql/ws` (each operation a
//! client starts there, see `super::subscriptions`), resolved before anything else looks at
//! the document (so GET's queries-only rule, and the socket's subscriptions-only rule, apply
//! to the document a hash stands for). Both doors share one instance: a hash learnt on one is
//! known on the other, and trusted documents bind both.
//!
//! - Automatic persisted queries (Apollo's APQ, `extensions.persistedQuery` version 1): a
//!   client sends only `sha256Hash`; unknown hashes are answered `PERSISTED_QUERY_NOT_FOUND`,
//!   and the client sends the hash again with the document, which is checked against the hash
//!   and remembered. The cache is bounded (bytes of documents) and per instance: a client that
//!   reaches an instance which has not seen its hash pays one more round trip, and nothing
//!   else depends on it, so sharing it through the database would only add a query to every
//!   request.
//! - Trusted documents (`graphql.trusted_documents`): a JSON map hash → document, loaded at
//!   start; then only these documents run, by hash or in full, and nothing is learnt at run
//!   time (an unknown hash stays `PERSISTED_QUERY_NOT_FOUND`, any other document is
//!   `OPERATION_NOT_ALLOWED`).

use std::{collections::HashMap, path::Path, sync::Arc};

use actix_web::http::StatusCode;
use async_graphql::{ServerError, Value};
use sha2::{Digest, Sha256};

use crate::{config::GraphqlConfig, error::GatewayError};

/// The only version of Apollo's persisted query protocol.
const PROTOCOL_VERSION: i64 = 1;

/// Why a persisted query cannot run; each has a stable `extensions.code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersistedQueryError {
    /// The hash is unknown (and no document came with it). The message is the one Apollo's
    /// clients look for.
    #[error("PersistedQueryNotFound")]
    NotFound,
    /// A document that is not among the trusted documents, while only those may run.
    #[error("only the trusted documents may run; this document is not one of them")]
    NotTrusted,
    /// The document's SHA-256 is not the hash sent with it.
    #[error("extensions.persistedQuery.sha256Hash is not the SHA-256 of the query")]
    HashMismatch,
    /// `extensions.persistedQuery` is not `{"version": 1, "sha256Hash": "<64 hex digits>"}`.
    #[error(
        "extensions.persistedQuery must be {{\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}}: {0}"
    )]
    Malformed(&'static str),
}

impl PersistedQueryError {
    pub fn code(&self) -> &'static str {
        match self {
            PersistedQueryError::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            PersistedQueryError::NotTrusted => "OPERATION_NOT_ALLOWED",
            PersistedQueryError::HashMismatch | PersistedQueryError::Malformed(_) => {
                "BAD_USER_INPUT"
            }
        }
    }

    /// A miss is part of the protocol (the client answers it with the document): 200, as
    /// Apollo Server answers it; the others are bad requests.
    pub fn status(&self) -> StatusCode {
        match self {
            PersistedQueryError::NotFound => StatusCode::OK,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn to_server_error(&self) -> ServerError {
        let mut error = ServerError::new(self.to_string(), None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", self.code());
        error
    }
}

/// Where persisted documents come from.
enum Documents {
    /// APQ: learnt from clients, bounded by the documents' bytes.
    Automatic(moka::sync::Cache<String, Arc<str>>),
    /// Only the operator's manifest.
    Trusted(HashMap<String, Arc<str>>),
}

/// The persisted documents of this instance.
pub struct PersistedQueries {
    documents: Documents,
}

impl PersistedQueries {
    /// APQ with a cache of `graphql.persisted_queries_cache_bytes`, or the trusted documents
    /// of `graphql.trusted_documents` (read and checked now: a wrong manifest stops the start).
    pub fn from_config(config: &GraphqlConfig) -> Result<PersistedQueries, GatewayError> {
        let documents = match &config.trusted_documents {
            Some(path) => Documents::Trusted(load_manifest(path)?),
            None => Documents::Automatic(
                moka::sync::Cache::builder()
                    .max_capacity(config.persisted_queries_cache_bytes)
                    .weigher(|hash: &String, document: &Arc<str>| {
                        u32::try_from(hash.len() + document.len()).unwrap_or(u32::MAX)
                    })
                    .build(),
            ),
        };
        Ok(PersistedQueries { documents })
    }

    /// Puts the document a persisted query stands for into `request.query`, checks a
    /// document sent along with its hash, and in trusted mode refuses every other document.
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), PersistedQueryError> {
        let hash = persisted_query_hash(request)?;
        let has_document = !request.query.trim().is_empty();
        match (hash, has_document) {
            (Some(hash), false) => {
                let document = self.find(&hash).ok_or(PersistedQueryError::NotFound)?;
                request.query = document.to_string();
                Ok(())
            }
            (Some(hash), true) => {
                if sha256_hex(&request.query) != hash {
                    return Err(PersistedQueryError::HashMismatch);
                }
                match &self.documents {
                    Documents::Automatic(cache) => {
                        cache.insert(hash, Arc::from(request.query.as_str()));
                        Ok(())
                    }
                    Documents::Trusted(trusted) => trusted
                        .contains_key(&hash)
                        .then_some(())
                        .ok_or(PersistedQueryError::NotTrusted),
                }
            }
            (None, true) => match &self.documents {
                Documents::Automatic(_) => Ok(()),
                Documents::Trusted(trusted) => trusted
                    .contains_key(&sha256_hex(&request.query))
                    .then_some(())
                    .ok_or(PersistedQueryError::NotTrusted),
            },
            // No document at all: the caller's "no query" refusal.
            (None, false) => Ok(()),
        }
    }

    fn find(&self, hash: &str) -> Option<Arc<str>> {
        match &self.documents {
            Documents::Automatic(cache) => cache.get(hash),
            Documents::Trusted(trusted) => trusted.get(hash).cloned(),
        }
    }
}

/// The hash of `extensions.persistedQuery`, lower-case, if the request has one.
fn persisted_query_hash(
    request: &async_graphql::Request,
) -> Result<Option<String>, PersistedQueryError> {
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(fields) = persisted else {
        return Err(PersistedQueryError::Malformed("not an object"));
    };
    match fields.get("version") {
        Some(Value::Number(version)) if version.as_i64() == Some(PROTOCOL_VERSION) => {}
        _ => {
            return Err(PersistedQueryError::Malformed(
                "only version 1 is supported",
            ));
        }
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) if is_sha256_hex(hash) => Ok(Some(hash.to_ascii_lowercase())),
        _ => Err(PersistedQueryError::Malformed(
            "sha256Hash must be 64 hexadecimal digits",
        )),
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn sha256_hex(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

/// Reads a trusted-documents manifest: a JSON object of SHA-256 hashes (hex) to documents,
/// each hash checked against its document.
fn load_manifest(path: &Path) -> Result<HashMap<String, Arc<str>>, GatewayError> {
    const KEY: &str = "graphql.trusted_documents";
    let text = std::fs::read_to_string(path).map_err(|error| {
        GatewayError::config(
            KEY,
            format!("a readable JSON file, but {}: {error}", path.display()),
        )
    })?;
    let manifest: HashMap<String, String> = serde_json::from_str(&text).map_err(|error| {
        GatewayError::config(
            KEY,
            format!(
                "a JSON object of SHA-256 hashes to GraphQL documents, but {}: {error}",
                path.display()
            ),
        )
    })?;
    manifest
        .into_iter()
        .map(|(hash, document)| {
            let hash = hash.to_ascii_lowercase();
            if !is_sha256_hex(&hash) || sha256_hex(&document) != hash {
                return Err(GatewayError::config(
                    KEY,
                    format!(
                        "each key the SHA-256 (hex) of its document, but in {} {hash:?} is not",
                        path.display()
                    ),
                ));
            }
            Ok((hash, Arc::from(document)))
        })
        .collect()
}
