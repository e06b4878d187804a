//! The README's configuration reference against the code: every key of `Config` has a row,
//! every row names a key of `Config`, and each default shown is the one in the code.

use std::collections::{BTreeMap, BTreeSet};

use gateway::config::Config;
use serde_json::Value;

/// Every key of the default configuration with its default value.
fn config_defaults() -> BTreeMap<String, Value> {
    fn walk(prefix: &str, value: &Value, keys: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(fields) => {
                for (name, field) in fields {
                    let key = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    walk(&key, field, keys);
                }
            }
            // Scalars, absent optionals and lists (issuers) are one key each.
            _ => {
                keys.insert(prefix.to_owned(), value.clone());
            }
        }
    }
    let mut keys = BTreeMap::new();
    walk(
        "",
        &serde_json::to_value(Config::default()).unwrap(),
        &mut keys,
    );
    keys
}

/// The rows of the table under `### Configuration`: key and default column.
fn readme_rows() -> BTreeMap<String, String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let section = readme
        .split_once("### Configuration\n")
        .expect("the README has a `### Configuration` section")
        .1;
    let section = section.split("\n#").next().unwrap();
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|row| {
            let mut cells = row.split(" | ");
            let key = cells.next().unwrap().trim_end_matches('`').to_owned();
            (key, cells.next().unwrap_or_default().trim().to_owned())
        })
        .collect()
}

#[test]
fn the_readme_documents_exactly_the_configuration_keys() {
    let code = config_defaults();
    let readme = readme_rows();
    assert!(code.len() > 10, "{code:?}");
    let code_keys: BTreeSet<_> = code.keys().collect();
    let readme_keys: BTreeSet<_> = readme.keys().collect();
    let undocumented: Vec<_> = code_keys.difference(&readme_keys).collect();
    let unknown: Vec<_> = readme_keys.difference(&code_keys).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "keys without a README row: {undocumented:?}; README rows without a key: {unknown:?}"
    );
}

#[test]
fn the_readme_shows_the_defaults_of_the_code() {
    let readme = readme_rows();
    for (key, default) in config_defaults() {
        let shown = match &default {
            // Absent by default: the README says what happens then (required, a fallback).
            Value::Null => continue,
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        assert_eq!(readme[&key], format!("`{shown}`"), "default of `{key}`");
    }
}
