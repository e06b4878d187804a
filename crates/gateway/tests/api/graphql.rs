//! GraphQL-level refusals (syntax, types, limits) and the Relay `node` field.

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

#[tokio::test]
async fn syntax_errors_are_bad_user_input() {
    let app = TestApp::spawn().await;
    for query in ["{ viewer { id }", "query {", "}{", "mutation { }"] {
        let answer = app.graphql(query, json!({}), None).await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{query}: {answer}");
    }
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let cases = [
        ("{ nope }", json!({})),
        ("{ viewer { password } }", json!({})),
        (
            "mutation { login(username: 42, password: \"x\") { token } }",
            json!({}),
        ),
        ("mutation { login(username: \"a\") { token } }", json!({})),
        (
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            json!({ "u": ["not", "a", "string"], "p": "x" }),
        ),
        ("query($id: ID!) { node(id: $id) { id } }", json!({})),
    ];
    for (query, variables) in cases {
        let answer = app.graphql(query, variables, None).await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{query}: {answer}");
    }
}

#[tokio::test]
async fn too_deep_queries_are_refused() {
    let app = TestApp::spawn_with(|config| config.graphql.max_depth = 4).await;
    let deep = "{ __schema { types { fields { type { ofType { name } } } } } }";
    let answer = app.graphql(deep, json!({}), None).await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{answer}"
    );
    let shallow = app
        .graphql("{ __schema { types { name } } }", json!({}), None)
        .await;
    assert!(shallow.get("errors").is_none(), "{shallow}");
}

#[tokio::test]
async fn too_complex_queries_are_refused() {
    let app = TestApp::spawn_with(|config| config.graphql.max_complexity = 5).await;
    let wide = "{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }";
    let answer = app.graphql(wide, json!({}), None).await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{answer}"
    );
}

#[tokio::test]
async fn the_default_limits_allow_graphiql_introspection() {
    let app = TestApp::spawn().await;
    let answer = app.graphql(INTROSPECTION, json!({}), None).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(answer["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn node_resolves_users_for_themselves_and_staff_only() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", "a").await;
    let bob = app.create_user("bob", "b").await;
    let staff = app
        .create_user_with(store::NewUser {
            is_staff: true,
            ..store::NewUser::new(app.site.id, "staff")
        })
        .await;
    let alice_id = gateway::graphql::relay::encode_id("User", alice.id).0;
    let query = "query($id: ID!) { node(id: $id) { id ... on User { username email } } }";
    let app = &app;
    let as_user = |user| {
        let token = app.token_for(user);
        let alice_id = alice_id.clone();
        async move {
            app.graphql(query, json!({ "id": alice_id }), Some(&token))
                .await
        }
    };

    let own = as_user(&alice).await;
    assert_eq!(
        own,
        json!({ "data": { "node": { "id": alice_id, "username": "alice", "email": "alice@example.org" } } })
    );
    assert_eq!(as_user(&staff).await["data"]["node"]["username"], "alice");
    assert_eq!(as_user(&bob).await, json!({ "data": { "node": null } }));
    let anonymous = app.graphql(query, json!({ "id": alice_id }), None).await;
    assert_eq!(anonymous, json!({ "data": { "node": null } }));
}

#[tokio::test]
async fn node_refuses_garbage_ids_and_ignores_unknown_types() {
    let app = TestApp::spawn().await;
    let query = "query($id: ID!) { node(id: $id) { id } }";
    for garbage in ["42", "not base64!", "VXNlcg=="] {
        let answer = app.graphql(query, json!({ "id": garbage }), None).await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{garbage}: {answer}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], "id");
        assert_eq!(answer["data"], Value::Null, "{answer}");
    }
    let unknown_type = gateway::graphql::relay::encode_id("Spaceship", 1).0;
    let answer = app
        .graphql(query, json!({ "id": unknown_type }), None)
        .await;
    assert_eq!(answer, json!({ "data": { "node": null } }));
}

/// The introspection query GraphiQL sends.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

/// A write the database refuses because a name or a PIN is taken is BAD_USER_INPUT naming the
/// input field, as GraphQL spells it, like every other refusal of an input.
#[tokio::test]
async fn taken_names_and_pins_name_their_input_field() {
    let app = TestApp::spawn().await;
    let staff = app
        .create_user_with(store::NewUser {
            is_staff: true,
            ..store::NewUser::new(app.site.id, "staff")
        })
        .await;
    let token = app.token_for(&staff);
    let group = gateway::graphql::relay::encode_id("ServerGroup", app.group.id).0;

    let create_group = "mutation { createServerGroup(name: \"east\") { id } }";
    let first = app.graphql(create_group, json!({}), Some(&token)).await;
    assert!(first.get("errors").is_none(), "{first}");
    let again = app.graphql(create_group, json!({}), Some(&token)).await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
    assert_eq!(again["errors"][0]["extensions"]["field"], "name", "{again}");

    let create_meeting = "mutation($g: ID!, $name: String!) { createMeeting(input: \
        { groupId: $g, name: $name, conferencePin: \"123456\" }) { id } }";
    let first = app
        .graphql(
            create_meeting,
            json!({ "g": group, "name": "One" }),
            Some(&token),
        )
        .await;
    assert!(first.get("errors").is_none(), "{first}");
    let again = app
        .graphql(
            create_meeting,
            json!({ "g": group, "name": "Two" }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
    assert_eq!(
        again["errors"][0]["extensions"]["field"], "conferencePin",
        "{again}"
    );
}

/// `meetings` pages hold exactly `first` of the viewer's meetings, with `hasNextPage` and
/// `endCursor` leading through all of them and past none of someone else's: at the smallest
/// page, the largest, the benchmark's 50 and a size the store does not write its page query
/// for (it rounds up and cuts, see `store::page`).
#[tokio::test]
async fn meeting_pages_follow_their_cursors_at_every_page_size() {
    let app = TestApp::spawn().await;
    let viewer = app.create_user("paula", "paula-password").await;
    let other = app.create_user("oscar", "oscar-password").await;
    let mut own = Vec::new();
    for number in 0..101 {
        for owner in [&viewer, &other] {
            let meeting = app
                .state
                .store
                .meetings()
                .create(store::NewMeeting {
                    group_id: app.group.id,
                    owner_id: Some(owner.id),
                    settings: store::MeetingSettings::new(format!("{} {number}", owner.username)),
                })
                .await
                .unwrap();
            if owner.id == viewer.id {
                own.push(meeting.name);
            }
        }
    }
    let token = app.token_for(&viewer);
    let query = "query($first: Int, $after: String) { meetings(first: $first, after: $after) \
        { nodes { name } pageInfo { hasNextPage endCursor } } }";
    for first in [1_usize, 30, 50, 100] {
        let mut seen: Vec<String> = Vec::new();
        let mut after = Value::Null;
        loop {
            let answer = app
                .graphql(
                    query,
                    json!({ "first": first, "after": after }),
                    Some(&token),
                )
                .await;
            assert!(answer.get("errors").is_none(), "{answer}");
            let meetings = &answer["data"]["meetings"];
            let names = meetings["nodes"].as_array().unwrap();
            let left = own.len() - seen.len();
            assert_eq!(names.len(), first.min(left), "first {first}: {answer}");
            seen.extend(
                names
                    .iter()
                    .map(|node| node["name"].as_str().unwrap().to_owned()),
            );
            let has_next_page = meetings["pageInfo"]["hasNextPage"].as_bool().unwrap();
            assert_eq!(
                has_next_page,
                seen.len() < own.len(),
                "first {first}: {answer}"
            );
            if !has_next_page {
                break;
            }
            after = meetings["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, own, "first {first}");
    }
}
