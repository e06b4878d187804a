//! Persisted queries: Apollo's automatic persisted queries on POST and GET, and the operator's
//! trusted documents, which lock the API to known documents.

use gateway::app::Application;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{TestApp, error_code, test_config};

const QUERY: &str = "query Typename { __typename }";
const MUTATION: &str = "mutation Typename { __typename }";

fn sha256(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    app.post_json("/graphql", &body.to_string(), None).await
}

/// `/graphql?<parameters>`, URL-encoded.
fn graphql_get_url(app: &TestApp, parameters: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(parameters)
        .finish();
    app.url(&format!("/graphql?{query}"))
}

/// GET /graphql with the hash only, as Apollo Client's `useGETForHashedQueries` sends it.
async fn get_by_hash(app: &TestApp, hash: &str) -> (u16, Value) {
    let extensions = persisted(hash).to_string();
    app.send(
        app.http
            .get(graphql_get_url(app, &[("extensions", extensions.as_str())])),
    )
    .await
}

#[tokio::test]
async fn an_unknown_hash_is_not_found_then_registered_with_its_document_on_post_and_get() {
    let app = TestApp::spawn().await;
    let hash = sha256(QUERY);

    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        (status, error_code(&body)),
        (200, "PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    // The message Apollo's clients look for.
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    let (status, body) = get_by_hash(&app, &hash).await;
    assert_eq!(
        (status, error_code(&body)),
        (200, "PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );

    let (status, body) = post(
        &app,
        json!({ "query": QUERY, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "data": { "__typename": "Query" } }))
    );

    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "data": { "__typename": "Query" } }))
    );
    let (status, body) = get_by_hash(&app, &hash.to_ascii_uppercase()).await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "data": { "__typename": "Query" } }))
    );
}

#[tokio::test]
async fn a_document_that_does_not_match_its_hash_is_refused_and_not_registered() {
    let app = TestApp::spawn().await;
    let hash = sha256(QUERY);
    // Someone registers another document under the hash of QUERY.
    let (status, body) = post(
        &app,
        json!({ "query": "{ viewer { id } }", "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body}"
    );
    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        (status, error_code(&body)),
        (200, "PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_persisted_query_extensions_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let hash = sha256(QUERY);
    for extensions in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
        json!({ "persistedQuery": { "sha256Hash": hash } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "abc" } }),
        json!({ "persistedQuery": { "version": 1 } }),
        json!({ "persistedQuery": "yes" }),
    ] {
        let (status, body) = post(&app, json!({ "query": QUERY, "extensions": extensions })).await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "BAD_USER_INPUT"),
            "{extensions}: {body}"
        );
    }
    let (status, body) = app
        .send(
            app.http
                .get(graphql_get_url(&app, &[("extensions", "not json")])),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "BAD_USER_INPUT"),
        "{body}"
    );
}

#[tokio::test]
async fn a_hash_of_a_mutation_cannot_run_with_get() {
    let app = TestApp::spawn().await;
    let hash = sha256(MUTATION);
    let (status, body) = post(
        &app,
        json!({ "query": MUTATION, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(
        (status, &body["data"]),
        (200, &json!({ "__typename": "Mutation" }))
    );
    // A link or a prefetch must never change anything, whatever stands for the document.
    let (status, body) = get_by_hash(&app, &hash).await;
    assert_eq!(
        (status, error_code(&body)),
        (405, "BAD_USER_INPUT"),
        "{body}"
    );
}

async fn spawn_trusted(documents: &[&str]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let manifest: serde_json::Map<String, Value> = documents
        .iter()
        .map(|document| (sha256(document), json!(document)))
        .collect();
    let path = dir.path().join("trusted-documents.json");
    std::fs::write(&path, Value::Object(manifest).to_string()).unwrap();
    let app = TestApp::spawn_with(|config| config.graphql.trusted_documents = Some(path)).await;
    (app, dir)
}

#[tokio::test]
async fn with_trusted_documents_only_those_run_by_hash_or_in_full() {
    let (app, _dir) = spawn_trusted(&[QUERY]).await;
    let hash = sha256(QUERY);
    let typename = json!({ "data": { "__typename": "Query" } });

    assert_eq!(
        post(&app, json!({ "extensions": persisted(&hash) })).await,
        (200, typename.clone())
    );
    assert_eq!(get_by_hash(&app, &hash).await, (200, typename.clone()));
    assert_eq!(
        post(&app, json!({ "query": QUERY })).await,
        (200, typename.clone())
    );
    assert_eq!(
        post(
            &app,
            json!({ "query": QUERY, "extensions": persisted(&hash) })
        )
        .await,
        (200, typename)
    );

    // Any other document is refused, sent in full, by GET or registered through APQ.
    let other = "{ viewer { id } }";
    let (status, body) = post(&app, json!({ "query": other })).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "OPERATION_NOT_ALLOWED"),
        "{body}"
    );
    let (status, body) = app
        .send(app.http.get(graphql_get_url(&app, &[("query", other)])))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "OPERATION_NOT_ALLOWED"),
        "{body}"
    );
    let (status, body) = post(
        &app,
        json!({ "query": other, "extensions": persisted(&sha256(other)) }),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "OPERATION_NOT_ALLOWED"),
        "{body}"
    );
    // … and nothing was learnt.
    let (status, body) = post(&app, json!({ "extensions": persisted(&sha256(other)) })).await;
    assert_eq!(
        (status, error_code(&body)),
        (200, "PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    // A batch with one untrusted document is refused whole.
    let (status, body) = post(&app, json!([{ "query": QUERY }, { "query": other }])).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "OPERATION_NOT_ALLOWED"),
        "{body}"
    );
}

#[tokio::test]
async fn a_trusted_documents_file_that_is_unreadable_or_wrong_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let wrong_hash = json!({ sha256("{ a }"): "{ b }" }).to_string();
    for (name, contents) in [
        ("missing.json", None),
        ("not-a-map.json", Some("[1, 2]".to_owned())),
        ("wrong-hash.json", Some(wrong_hash)),
    ] {
        let path = dir.path().join(name);
        if let Some(contents) = contents {
            std::fs::write(&path, contents).unwrap();
        }
        let db = store::TestDb::new().await;
        let config = test_config(&db, |config| config.graphql.trusted_documents = Some(path));
        let error = Application::build(config)
            .await
            .err()
            .expect("the gateway does not start")
            .to_string();
        assert!(
            error.contains("graphql.trusted_documents"),
            "{name}: {error}"
        );
    }
}
