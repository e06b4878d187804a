//! How much one request may ask the gateway to *do*: one `login`, and at most
//! `graphql.max_mutation_fields` root fields of mutations, per request — a batch as a whole —
//! on every transport ([`check_mutation_bounds`], through `super::prepare_operations`).
//!
//! Depth and complexity limits bound what a query reads, but each root field of a mutation is
//! a separate action — a BBB call, an argon2 verification, a database write — and aliases let
//! one document repeat the same mutation any number of times (`a: joinMeetingByUrl(…)
//! b: joinMeetingByUrl(…) …`). A small bound keeps one request from buying many actions
//! (or many guesses of a slug, a password, an ID) at once.
//!
//! Across requests, [`SlugLookupThrottle`] bounds the meeting URL slugs one client may look up
//! in vain: slugs may be three characters long, and a guest URL found is a way into a meeting.

use std::{
    collections::{HashMap, HashSet},
    net::IpAddr,
};

use async_graphql::{
    Name, Positioned, Request,
    parser::types::{
        DocumentOperations, ExecutableDocument, FragmentDefinition, OperationType, Selection,
        SelectionSet,
    },
};

use crate::{
    auth::{ClientKey, FailureCounter},
    config::GraphqlConfig,
    error::GatewayError,
};

/// Most clients whose missed slug lookups are remembered (a counter is a few dozen bytes);
/// under a flood of addresses the least used go first.
const TRACKED_CLIENTS: u64 = 100_000;

/// Missed lookups of meeting URL slugs per client address, in fixed windows: past
/// `graphql.max_slug_misses_per_client` in `graphql.slug_miss_window`, every lookup of that
/// client is `RATE_LIMITED` until the window ends. Each lookup is charged before it runs
/// (aliases and concurrent requests cannot slip past together) and refunded when the slug led
/// somewhere, so guests who have the right link are never held up by it.
pub struct SlugLookupThrottle {
    misses: FailureCounter<ClientKey>,
}

/// One admitted lookup; a dropped one counts as a miss.
pub struct SlugLookup<'a> {
    throttle: &'a SlugLookupThrottle,
    client: Option<ClientKey>,
}

impl SlugLookupThrottle {
    pub fn new(config: &GraphqlConfig) -> Self {
        SlugLookupThrottle {
            misses: FailureCounter::new(
                config.max_slug_misses_per_client,
                config.slug_miss_window,
                TRACKED_CLIENTS,
            ),
        }
    }

    /// Admits one lookup from `client` (unknown for in-process callers, which are not
    /// limited), or refuses it with `RATE_LIMITED` and the time until its window ends.
    pub fn admit(&self, client: Option<IpAddr>) -> Result<SlugLookup<'_>, GatewayError> {
        let client = client.map(ClientKey::from);
        if let Some(client) = &client {
            self.misses
                .charge(client)
                .map_err(GatewayError::rate_limited)?;
        }
        Ok(SlugLookup {
            throttle: self,
            client,
        })
    }
}

impl SlugLookup<'_> {
    /// Settles the lookup by its outcome: only `NOT_FOUND` — an unknown slug, or one not for
    /// the caller — stays charged.
    pub fn settle<T>(
        self,
        outcome: Result<T, service::ServiceError>,
    ) -> Result<T, service::ServiceError> {
        let missed = matches!(outcome, Err(service::ServiceError::NotFound(_)));
        if let (false, Some(client)) = (missed, &self.client) {
            self.throttle.misses.refund(client);
        }
        outcome
    }
}

/// How many root fields of mutations the operation `request` runs would execute: aliases and
/// fragments included, as async-graphql executes every occurrence. `only` counts just the
/// fields of that name (`Some("login")`). 0 for a document that does not parse: execution
/// reports that. Parses the document once (execution reuses it) and is linear in its size.
pub fn mutation_fields(request: &mut Request, only: Option<&str>) -> usize {
    let operation_name = request.operation_name.clone();
    match request.parsed_query() {
        Ok(document) => count_in_document(document, operation_name.as_deref(), only),
        Err(_) => 0,
    }
}

/// Checks the operations of one request (a single operation, or a whole batch) against the
/// bounds on what they may do, before any of them runs: `login` at most once — one request
/// must not buy many password guesses — and at most `max_mutation_fields` mutation fields in
/// all, so that ten operations of ten fields each cannot buy a hundred actions either.
pub fn check_mutation_bounds(
    requests: &mut [Request],
    max_mutation_fields: usize,
) -> Result<(), GatewayError> {
    let mut count = |only| {
        requests
            .iter_mut()
            .map(|request| mutation_fields(request, only))
            .fold(0, usize::saturating_add)
    };
    if count(Some("login")) > 1 {
        return Err(GatewayError::bad_field(
            "login",
            "one `login` per request: send each login as a request of its own",
        ));
    }
    if count(None) > max_mutation_fields {
        return Err(GatewayError::bad_input(format!(
            "at most {max_mutation_fields} mutation fields (aliases and fragments included) \
             per request: send the rest in further requests"
        )));
    }
    Ok(())
}

/// Counts the root fields of the mutation operations `operation_name` selects (all of them
/// when it names none). Each fragment is counted once and nothing recurses on the call stack,
/// however the document nests (it is not validated yet).
fn count_in_document(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    only: Option<&str>,
) -> usize {
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations
            .iter()
            .filter(|(name, _)| operation_name.is_none_or(|wanted| name.as_str() == wanted))
            .map(|(_, operation)| operation)
            .collect(),
    };
    let mut fragments = FragmentCounts {
        definitions: &document.fragments,
        only,
        counted: HashMap::new(),
    };
    operations
        .into_iter()
        .filter(|operation| operation.node.ty == OperationType::Mutation)
        .map(|operation| {
            let (direct, spreads) = direct_fields(&operation.node.selection_set.node, only);
            spreads.iter().fold(direct, |sum, name| {
                sum.saturating_add(fragments.count(name))
            })
        })
        .fold(0, usize::saturating_add)
}

/// The counted fields of one selection set, through its inline fragments, and the names of
/// the fragments it spreads (once per spread).
fn direct_fields<'d>(
    selection_set: &'d SelectionSet,
    only: Option<&str>,
) -> (usize, Vec<&'d Name>) {
    let mut fields = 0usize;
    let mut spreads = Vec::new();
    let mut pending = vec![selection_set];
    while let Some(set) = pending.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if only.is_none_or(|name| field.node.name.node == name) {
                        fields = fields.saturating_add(1);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    spreads.push(&spread.node.fragment_name.node);
                }
                Selection::InlineFragment(inline) => {
                    pending.push(&inline.node.selection_set.node);
                }
            }
        }
    }
    (fields, spreads)
}

/// A fragment to count, with its direct fields and spreads once expanded.
type PendingFragment<'d> = (&'d Name, Option<(usize, Vec<&'d Name>)>);

/// Counted fields per named fragment, each computed once, in post-order on an explicit stack.
/// A fragment spreading itself (which validation refuses later) counts what it holds besides.
struct FragmentCounts<'d, 'o> {
    definitions: &'d HashMap<Name, Positioned<FragmentDefinition>>,
    only: Option<&'o str>,
    counted: HashMap<&'d Name, usize>,
}

impl<'d> FragmentCounts<'d, '_> {
    fn count(&mut self, name: &Name) -> usize {
        let Some((root, _)) = self.definitions.get_key_value(name) else {
            return 0; // unknown fragment: validation refuses it
        };
        let mut stack: Vec<PendingFragment<'d>> = vec![(root, None)];
        let mut in_progress: HashSet<&'d Name> = HashSet::new();
        while let Some((name, expanded)) = stack.pop() {
            if self.counted.contains_key(name) {
                continue;
            }
            match expanded {
                None => {
                    let definition = &self.definitions[name];
                    let (direct, spreads) =
                        direct_fields(&definition.node.selection_set.node, self.only);
                    in_progress.insert(name);
                    let unresolved: Vec<&'d Name> = spreads
                        .iter()
                        .filter_map(|spread| self.definitions.get_key_value(*spread))
                        .map(|(known, _)| known)
                        .filter(|known| {
                            !self.counted.contains_key(known) && !in_progress.contains(known)
                        })
                        .collect();
                    stack.push((name, Some((direct, spreads))));
                    stack.extend(unresolved.into_iter().map(|dependency| (dependency, None)));
                }
                Some((direct, spreads)) => {
                    // A dependency still in progress is a cycle: it adds nothing.
                    let total = spreads.iter().fold(direct, |sum, spread| {
                        sum.saturating_add(self.counted.get(spread).copied().unwrap_or(0))
                    });
                    in_progress.remove(name);
                    self.counted.insert(name, total);
                }
            }
        }
        self.counted.get(name).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str, only: Option<&str>) -> usize {
        mutation_fields(&mut Request::new(query), only)
    }

    #[test]
    fn every_executed_root_field_of_a_mutation_is_counted() {
        let aliases = "mutation { a: endMeeting(id: 1) { wasRunning } b: endMeeting(id: 2) { wasRunning } login(username: \"a\", password: \"b\") { token } }";
        assert_eq!(fields(aliases, None), 3);
        assert_eq!(fields(aliases, Some("login")), 1);
        // Fragments, spread twice, nested, inline; nested selections are no root fields.
        let fragments = "mutation { ...F ...F } fragment F on Mutation { ... on Mutation { ...G } } fragment G on Mutation { startMeeting(id: 1) { id name } }";
        assert_eq!(fields(fragments, None), 2);
        // Queries run no mutation; a named operation counts alone.
        assert_eq!(
            fields(
                "{ a: meeting(id: 1) { id } b: meeting(id: 2) { id } }",
                None
            ),
            0
        );
        let mut named =
            Request::new("mutation One { a { x } } mutation Two { a { x } b { x } c { x } }")
                .operation_name("Two");
        assert_eq!(mutation_fields(&mut named, None), 3);
        assert_eq!(
            fields("mutation { a( ", None),
            0,
            "unparsable: execution says so"
        );
    }

    #[test]
    fn fragment_cycles_and_doubling_chains_cost_linear_work() {
        assert_eq!(
            fields(
                "mutation { ...A } fragment A on Mutation { ...A a { x } }",
                None
            ),
            1
        );
        // 40 fragments each spreading the next twice: 2^40 fields when expanded, counted
        // without expanding.
        let mut query = String::from("mutation { ...F0 }");
        for i in 0..40 {
            query.push_str(&format!(
                " fragment F{i} on Mutation {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        query.push_str(" fragment F40 on Mutation { a { x } }");
        assert_eq!(fields(&query, None), 1 << 40);
    }
}
