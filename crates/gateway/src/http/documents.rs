//! Parsed GraphQL documents, kept by their text: a frontend sends the same few documents over
//! and over, and parsing one costs more than the rest of a small query's execution. Validation
//! still runs on every request (it depends on the schema and the variables), so a document
//! from here is treated exactly like one parsed anew.
//!
//! Only documents that ran without any error are kept: those passed validation, whose depth
//! and complexity limits bound the size of their tree, and none of them is a document made up
//! to fill the cache (a made-up field fails validation).

use std::time::Duration;

use async_graphql::{Request, Response, parser::types::ExecutableDocument};
use moka::sync::Cache;

/// Documents longer than this are parsed each time: real frontends' documents are far
/// shorter, and a bound keeps one request from filling the cache.
const MAX_DOCUMENT_BYTES: usize = 16 * 1024;
/// What the cache may hold in all, each document counted as a fixed overhead plus a generous
/// estimate of its tree per byte of text.
const CAPACITY_BYTES: u64 = 8 * 1024 * 1024;
const ENTRY_OVERHEAD_BYTES: usize = 1024;
const TREE_BYTES_PER_TEXT_BYTE: usize = 32;
/// A document no client sent for this long goes.
const IDLE: Duration = Duration::from_secs(3600);

pub struct ParsedDocuments {
    documents: Cache<String, ExecutableDocument>,
}

/// A document parsed for one request, to keep if the request runs without an error.
pub struct FreshDocument {
    text: String,
    document: ExecutableDocument,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        ParsedDocuments {
            documents: Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|text: &String, _| {
                    let estimate = ENTRY_OVERHEAD_BYTES + TREE_BYTES_PER_TEXT_BYTE * text.len();
                    u32::try_from(estimate).unwrap_or(u32::MAX)
                })
                .time_to_idle(IDLE)
                .build(),
        }
    }
}

impl ParsedDocuments {
    /// Gives `request` its parsed document, from the cache when its text was seen before; a
    /// document parsed now is handed back, for [`keep_if_clean`](Self::keep_if_clean) after
    /// the request ran. Documents that do not parse are left to execution, which reports
    /// their errors.
    pub fn prepare(&self, request: &mut Request) -> Option<FreshDocument> {
        if request.query.len() > MAX_DOCUMENT_BYTES {
            return None;
        }
        if let Some(document) = self.documents.get(request.query.as_str()) {
            request.set_parsed_query(document);
            return None;
        }
        let document = request.parsed_query().ok()?.clone();
        Some(FreshDocument {
            text: request.query.clone(),
            document,
        })
    }

    /// Keeps `fresh` if the request it was parsed for ran without any error.
    pub fn keep_if_clean(&self, fresh: Option<FreshDocument>, response: &Response) {
        if let Some(fresh) = fresh
            && response.errors.is_empty()
        {
            self.documents.insert(fresh.text, fresh.document);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_seen_before_comes_from_the_cache() {
        let documents = ParsedDocuments::default();
        let other = async_graphql::parser::parse_query("{ other }").unwrap();
        documents
            .documents
            .insert("{ viewer { id } }".to_owned(), other.clone());
        let mut request = Request::new("{ viewer { id } }");
        documents.prepare(&mut request);
        assert_eq!(
            format!("{:?}", request.parsed_query().unwrap()),
            format!("{other:?}"),
            "the cached tree, not a fresh parse of the text"
        );
    }

    fn clean() -> Response {
        Response::new(async_graphql::Value::Null)
    }

    fn failed() -> Response {
        Response::from_errors(vec![async_graphql::ServerError::new(
            "Unknown field \"noSuchField\"",
            None,
        )])
    }

    fn kept(documents: &ParsedDocuments) -> u64 {
        documents.documents.run_pending_tasks();
        documents.documents.entry_count()
    }

    #[test]
    fn only_documents_that_ran_cleanly_are_kept() {
        let documents = ParsedDocuments::default();
        let mut first = Request::new("{ viewer { id } }");
        let fresh = documents.prepare(&mut first);
        assert!(fresh.is_some());
        assert_eq!(
            kept(&documents),
            0,
            "nothing is kept before the request ran"
        );
        documents.keep_if_clean(fresh, &clean());
        assert_eq!(kept(&documents), 1);
        let mut again = Request::new("{ viewer { id } }");
        assert!(documents.prepare(&mut again).is_none(), "from the cache");

        // Parses, but fails validation (or anything else): never kept.
        let mut made_up = Request::new("{ noSuchField }");
        let fresh = documents.prepare(&mut made_up);
        assert!(fresh.is_some());
        documents.keep_if_clean(fresh, &failed());
        assert_eq!(kept(&documents), 1);

        let mut broken = Request::new("{ viewer { ");
        assert!(documents.prepare(&mut broken).is_none());
        assert!(broken.parsed_query().is_err());

        let mut huge = Request::new(format!("{{ {} }}", "a ".repeat(MAX_DOCUMENT_BYTES)));
        assert!(documents.prepare(&mut huge).is_none());
        assert_eq!(kept(&documents), 1);
    }
}
