//! The README's configuration reference against the code: every key of `Config` has a row,
//! and every row names a key of `Config`.

use std::collections::BTreeSet;

use gateway::config::Config;
use serde_json::Value;

fn config_keys() -> BTreeSet<String> {
    fn walk(prefix: &str, value: &Value, keys: &mut BTreeSet<String>) {
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
                keys.insert(prefix.to_owned());
            }
        }
    }
    let mut keys = BTreeSet::new();
    walk(
        "",
        &serde_json::to_value(Config::default()).unwrap(),
        &mut keys,
    );
    keys
}

/// The first-column keys of the table under `### Configuration`.
fn readme_keys() -> BTreeSet<String> {
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
        .map(|rest| rest.split('`').next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_readme_documents_exactly_the_configuration_keys() {
    let code = config_keys();
    let readme = readme_keys();
    assert!(code.len() > 10, "{code:?}");
    let undocumented: Vec<_> = code.difference(&readme).collect();
    let unknown: Vec<_> = readme.difference(&code).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "keys without a README row: {undocumented:?}; README rows without a key: {unknown:?}"
    );
}
