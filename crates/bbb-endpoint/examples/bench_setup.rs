//! Sets up the endpoint benchmark (benches/endpoint.sh): one simulated BBB server, a fresh
//! database with `--tokens N` API tokens, the endpoint in front of the simulator, and one
//! running meeting with a few attendees. Writes `name url` lines for wrk to `--urls FILE` —
//! each call once through the gateway's per-token path and once signed for the simulator
//! directly — then serves until interrupted.
//!
//! `cargo run --release -p bbb-endpoint --example bench_setup -- --tokens 10000 --urls /tmp/urls`

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer};
use bbb_client::{ChecksumAlgorithm, Client, CreateMeeting, Params, Server};
use bbb_endpoint::{Endpoint, EndpointSettings, configure};
use bbb_sim::{SimConfig, SimServer};
use service::bbb::balancer::Balancer;
use store::{NewApiToken, NewServer, Secret, ServerState, TestDb};

/// HTTP workers of the gateway and of the simulator (`BENCH_WORKERS`, default 2 = cores).
fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2)
}

fn argument(name: &str) -> Option<String> {
    let mut args = std::env::args();
    args.position(|arg| arg == name)?;
    args.next()
}

#[tokio::main]
async fn main() {
    let tokens: usize = argument("--tokens").map_or(1, |n| n.parse().expect("--tokens N"));
    let urls_file = argument("--urls").expect("--urls FILE");

    let sim = SimServer::spawn(SimConfig {
        workers: workers(),
        secret: "bench-simulator-secret-0123456789".to_owned(),
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let db = TestDb::new().await;
    let store = db.store().clone();
    let site = store.sites().default_site().await.unwrap();
    let group = store.groups().create(site.id, "bench").await.unwrap();
    store
        .servers()
        .add(NewServer {
            group_id: group.id,
            name: "sim".to_owned(),
            api_url: sim.api_url(),
            secret: Secret::new(sim.secret()),
            weight: 1,
            state: ServerState::Enabled,
        })
        .await
        .unwrap();
    let started = Instant::now();
    let bench = store
        .tokens()
        .create(NewApiToken::new("bench", group.id))
        .await
        .unwrap();
    for n in 1..tokens {
        store
            .tokens()
            .create(NewApiToken::new(format!("filler-{n}"), group.id))
            .await
            .unwrap();
    }
    eprintln!("{tokens} tokens created in {:?}", started.elapsed());

    let client = Client::new().unwrap();
    let endpoint = Endpoint::new(
        store.clone(),
        client.clone(),
        Arc::new(Balancer::default()),
        EndpointSettings::default(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mount = configure(endpoint);
    let server = HttpServer::new(move || App::new().configure(mount.clone()))
        .workers(workers())
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    let handle = server.handle();
    tokio::spawn(server);

    let gateway = Server::new(
        &format!(
            "http://127.0.0.1:{port}/t/{}/bigbluebutton/api/",
            bench.token.guid
        ),
        bench.secret.expose(),
    )
    .unwrap()
    .with_algorithm(ChecksumAlgorithm::Sha1);
    let direct = Server::new(&sim.api_url(), sim.secret())
        .unwrap()
        .with_algorithm(ChecksumAlgorithm::Sha1);
    client
        .create(&gateway, &CreateMeeting::new("bench-room", "Bench room"))
        .await
        .unwrap();
    let backend_id = bbb_endpoint::backend_meeting_id(bench.token.guid, "bench-room");
    sim.add_attendees(&backend_id, 5).unwrap();

    let mut lines = Vec::new();
    for (side, server, meeting_id) in [
        ("gateway", &gateway, "bench-room"),
        ("direct", &direct, backend_id.as_str()),
    ] {
        let meeting: Params = [("meetingID", meeting_id)].into_iter().collect();
        let mut join = meeting.clone();
        join.push("fullName", "Bench User").push("role", "VIEWER");
        for (call, params) in [
            ("isMeetingRunning", &meeting),
            ("getMeetingInfo", &meeting),
            ("getMeetings", &Params::new()),
            ("join", &join),
        ] {
            lines.push(format!("{side}_{call} {}", server.signed_url(call, params)));
        }
    }
    std::fs::write(&urls_file, lines.join("\n") + "\n").unwrap();
    eprintln!("ready: {urls_file}");

    tokio::signal::ctrl_c().await.unwrap();
    handle.stop(false).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    sim.shutdown().await;
}
