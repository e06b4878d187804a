//! The HTTP edges: health (GraphiQL: `graphiql.rs`), and requests that never reach GraphQL execution — all
//! answered with coded JSON errors.

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let (status, body) = app.send(app.http.get(app.url("/healthz"))).await;
    assert_eq!((status, body), (200, json!({ "status": "ok" })));
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let app = TestApp::spawn().await;
    // Paths beside the BBB endpoint's trees (`/t/{token}/bigbluebutton/api`,
    // `/bigbluebutton/api`) are not the endpoint's either.
    for path in [
        "/nowhere",
        "/t",
        "/t/abc",
        "/t/abc/bigbluebutton",
        "/t/abc/bigbluebutton/apix/create",
        "/bigbluebutton/apix",
    ] {
        let (status, body) = app.send(app.http.get(app.url(path))).await;
        assert_eq!((status, error_code(&body)), (404, "NOT_FOUND"), "{path}");
    }
    let (status, body) = app.send(app.http.put(app.url("/graphql"))).await;
    assert_eq!((status, error_code(&body)), (405, "BAD_USER_INPUT"));
}

#[tokio::test]
async fn malformed_json_is_bad_user_input() {
    let app = TestApp::spawn().await;
    for body in [
        "{\"query\": ",
        "not json",
        "[]",
        "{\"variables\": {}}",
        "42",
    ] {
        let (status, answer) = app.post_json("/graphql", body, None).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, "BAD_USER_INPUT"),
            "{body}: {answer}"
        );
    }
}

#[tokio::test]
async fn a_wrong_content_type_is_refused() {
    let app = TestApp::spawn().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = app
            .http
            .post(app.url("/graphql"))
            .body(r#"{"query":"{ viewer { id } }"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, answer) = app.send(request).await;
        assert_eq!(
            (status, error_code(&answer)),
            (415, "BAD_USER_INPUT"),
            "{content_type:?}"
        );
    }
    let request = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"query":"{ viewer { id } }"}"#);
    let (status, answer) = app.send(request).await;
    assert_eq!(
        (status, answer),
        (200, json!({ "data": { "viewer": null } }))
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn_with(|config| config.http.max_body_bytes = 4096).await;
    let padding = " ".repeat(5000);
    let body = format!(r#"{{"query":"{{ viewer {{ id }} }}{padding}"}}"#);
    let (status, answer) = app.post_json("/graphql", &body, None).await;
    assert_eq!((status, error_code(&answer)), (413, "BAD_USER_INPUT"));
    let body = format!(r#"{{"query":"{{ viewer {{ id }} }}{}"}}"#, " ".repeat(3000));
    let (status, _) = app.post_json("/graphql", &body, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn get_runs_queries_with_variables() {
    let app = TestApp::spawn().await;
    let request = app
        .http
        .get(app.url("/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D"));
    let (status, answer) = app.send(request).await;
    assert_eq!(
        (status, answer),
        (200, json!({ "data": { "viewer": null } }))
    );

    let query = "query($id: ID!) { node(id: $id) { id } }";
    let unknown = gateway::graphql::relay::encode_id("Nothing", 1).0;
    let mut url = url::Url::parse(&app.url("/graphql")).unwrap();
    url.query_pairs_mut()
        .append_pair("query", query)
        .append_pair("variables", &json!({ "id": unknown }).to_string());
    let (status, answer) = app.send(app.http.get(url.as_str())).await;
    assert_eq!((status, answer), (200, json!({ "data": { "node": null } })));

    url.query_pairs_mut()
        .clear()
        .append_pair("query", query)
        .append_pair("variables", "{oops");
    let (status, answer) = app.send(app.http.get(url.as_str())).await;
    assert_eq!((status, error_code(&answer)), (400, "BAD_USER_INPUT"));
    let (status, answer) = app.send(app.http.get(app.url("/graphql"))).await;
    assert_eq!((status, error_code(&answer)), (400, "BAD_USER_INPUT"));
}

#[tokio::test]
async fn get_refuses_mutations() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "wonderland").await;
    let mutation = r#"mutation { login(username: "alice", password: "wonderland") { token } }"#;
    let (status, answer) = app
        .send(
            app.http
                .get(app.url(&format!("/graphql?{}", query_string(mutation, None)))),
        )
        .await;
    assert_eq!((status, error_code(&answer)), (405, "BAD_USER_INPUT"));
    assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");

    // A document with a query and a mutation: the operation name decides.
    let document = "query Me { viewer { id } } mutation LogIn { login(username: \"alice\", password: \"wonderland\") { token } }";
    let (status, _) = app
        .send(app.http.get(app.url(&format!(
            "/graphql?{}",
            query_string(document, Some("LogIn"))
        ))))
        .await;
    assert_eq!(status, 405);
    let (status, answer) = app
        .send(
            app.http
                .get(app.url(&format!("/graphql?{}", query_string(document, Some("Me")))))
                .bearer_auth(app.token_for(&alice)),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["data"]["viewer"]["id"].is_string(), "{answer}");
}

#[tokio::test]
async fn batches_run_every_operation() {
    let app = TestApp::spawn().await;
    let body = json!([{ "query": "{ viewer { id } }" }, { "query": "{ __typename }" }]);
    let (status, answer) = app.post_json("/graphql", &body.to_string(), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!([{ "data": { "viewer": null } }, { "data": { "__typename": "Query" } }])
    );
    let too_many = Value::Array(vec![json!({ "query": "{ __typename }" }); 11]);
    let (status, answer) = app.post_json("/graphql", &too_many.to_string(), None).await;
    assert_eq!((status, error_code(&answer)), (400, "BAD_USER_INPUT"));
}

fn query_string(query: &str, operation_name: Option<&str>) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.append_pair("query", query);
    if let Some(name) = operation_name {
        serializer.append_pair("operationName", name);
    }
    serializer.finish()
}
