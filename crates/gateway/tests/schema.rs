//! The committed schema.graphql must be what the code serves.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[test]
fn committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == gateway::graphql::sdl(),
        "schema.graphql is not the schema the code serves; update it with\n\n    \
         cargo run --bin bbb-gateway -- export-schema\n"
    );
}
