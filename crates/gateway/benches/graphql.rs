//! GraphQL throughput and latency under load, measured with wrk against the real HTTP server:
//!
//! - `viewer`: the framework floor (auth, one small query, no BBB);
//! - `meetings(first: 50)` with live fields over 50 running meetings on 3 simulated BBB
//!   servers (3 simulated attendees each), which must cost one getMeetings per server.
//!
//! ```text
//! cargo bench -p gateway --bench graphql                 # 10 s per scenario
//! BENCH_SECONDS=30 BENCH_CONNECTIONS=64 cargo bench -p gateway --bench graphql
//! ```
//!
//! Before loading, each query runs once and the simulators' call counters report the BBB calls
//! one request makes. `cargo bench` builds with the `bench` profile, which has the fat LTO of
//! the shipped `dist` profile (see the workspace Cargo.toml): what is measured is what ships.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[allow(dead_code)] // the benchmark uses a part of the test harness
#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::time::Duration;

use bbb_sim::{SimConfig, SimServer};
use common::TestApp;
use serde_json::json;
use store::{GroupPermission, NewServer, Secret, ServerState};

const MEETINGS: usize = 50;
const ATTENDEES_PER_MEETING: usize = 3;

const VIEWER_QUERY: &str = "{ viewer { id username } }";
const MEETINGS_QUERY: &str = "{ meetings(first: 50) { edges { node { id name \
     live { running participantCount moderatorCount attendees { fullName role } server { name } } } } } }";

#[tokio::main]
async fn main() {
    let seconds: u64 = env_or("BENCH_SECONDS", 10);
    let connections: u64 = env_or("BENCH_CONNECTIONS", 32);
    let app = TestApp::spawn().await;
    // The harness starts two simulators; the benchmark wants three.
    let third = SimServer::spawn(SimConfig {
        workers: 2,
        ..SimConfig::default()
    })
    .unwrap();
    app.state
        .store
        .servers()
        .add(NewServer {
            group_id: app.group.id,
            name: "test-3".to_owned(),
            api_url: third.api_url(),
            secret: Secret::new(third.secret()),
            weight: 1,
            state: ServerState::Enabled,
        })
        .await
        .unwrap();
    let simulators: Vec<&SimServer> = app.simulators.iter().chain([&third]).collect();

    let user = app.create_user("bench", "bench-password").await;
    app.state
        .store
        .groups()
        .grant(app.group.id, user.id, GroupPermission::AddMeetings)
        .await
        .unwrap();
    let token = app.token_for(&user);
    let group_id = gateway::graphql::relay::encode_id("ServerGroup", app.group.id).0;
    for number in 0..MEETINGS {
        let created = app
            .graphql(
                "mutation($input: CreateMeetingInput!) { createMeeting(input: $input) { id guid } }",
                json!({ "input": { "groupId": group_id, "name": format!("Bench room {number}") } }),
                Some(&token),
            )
            .await;
        let meeting = &created["data"]["createMeeting"];
        let started = app
            .graphql(
                "mutation($id: ID!) { startMeeting(id: $id) { id } }",
                json!({ "id": meeting["id"] }),
                Some(&token),
            )
            .await;
        assert!(started["errors"].is_null(), "{started:#}");
        let guid = meeting["guid"].as_str().unwrap();
        let added: usize = simulators
            .iter()
            .filter_map(|sim| sim.add_attendees(guid, ATTENDEES_PER_MEETING).ok())
            .sum();
        assert_eq!(added, ATTENDEES_PER_MEETING);
    }
    let per_server: Vec<usize> = simulators
        .iter()
        .map(|sim| sim.meetings_snapshot().len())
        .collect();
    println!(
        "setup: {MEETINGS} running meetings on {} simulated servers {per_server:?}, \
         {ATTENDEES_PER_MEETING} attendees each",
        simulators.len()
    );

    let bbb_calls = bbb_calls_per_request(&app, &simulators, &token).await;
    for (name, query) in [
        ("viewer", VIEWER_QUERY),
        ("meetings(first: 50) + live", MEETINGS_QUERY),
    ] {
        let answer = app.graphql(query, json!({}), Some(&token)).await;
        assert!(answer["errors"].is_null(), "{name}: {answer:#}");
        if query == MEETINGS_QUERY {
            let edges = answer["data"]["meetings"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), MEETINGS);
            assert!(edges.iter().all(
                |edge| edge["node"]["live"]["participantCount"] == json!(ATTENDEES_PER_MEETING)
            ));
        }
        let calls = bbb_calls.get(query).cloned().unwrap_or_default();
        println!(
            "\n== {name}: {connections} connections, {seconds} s; BBB calls per request: {calls:?}"
        );
        run_wrk(&app.url("/graphql"), query, &token, connections, seconds).await;
    }
    third.shutdown().await;
    app.stop().await;
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Runs each query once and reads the simulators' call counters; BBB calls by name, summed
/// over the servers.
async fn bbb_calls_per_request(
    app: &TestApp,
    simulators: &[&SimServer],
    token: &str,
) -> HashMap<&'static str, BTreeMap<String, u64>> {
    let mut per_query = HashMap::new();
    for query in [VIEWER_QUERY, MEETINGS_QUERY] {
        for sim in simulators {
            sim.reset_api_calls();
        }
        app.graphql(query, json!({}), Some(token)).await;
        let mut calls = BTreeMap::new();
        for sim in simulators {
            for (call, count) in sim.api_calls() {
                *calls.entry(call).or_default() += count;
            }
        }
        per_query.insert(query, calls);
    }
    per_query
}

/// Loads `url` with wrk (POSTing `query`), printing wrk's report with latency percentiles.
async fn run_wrk(url: &str, query: &str, token: &str, connections: u64, seconds: u64) {
    let body = json!({ "query": query }).to_string();
    let script = format!(
        "wrk.method = \"POST\"\n\
         wrk.body = {}\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n",
        lua_string(&body)
    );
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("graphql.lua");
    std::fs::write(&script_path, script).unwrap();
    let args: Vec<String> = vec![
        "-t2".into(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--timeout".into(),
        "10s".into(),
        "--latency".into(),
        "-s".into(),
        script_path.display().to_string(),
        url.to_owned(),
    ];
    println!("$ wrk {}", args.join(" "));
    let output = tokio::task::spawn_blocking(move || Command::new("wrk").args(&args).output())
        .await
        .unwrap()
        .expect("wrk is installed (e.g. apt-get install wrk)");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// `text` as a Lua string literal.
fn lua_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}
