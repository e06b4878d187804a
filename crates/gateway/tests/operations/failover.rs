//! Two gateway processes on one PostgreSQL database: both serve, exactly one polls, and when
//! that one is killed the other takes over within one poll interval.

use std::time::{Duration, Instant};

use bbb_sim::{SimConfig, SimServer};
use store::{NewServer, ServerState, TestDb};

use crate::process::{Gateway, database_env, http};

const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Process scheduling and the scrape itself, on a busy CI machine.
const MARGIN: Duration = Duration::from_secs(2);

async fn leaders(gateways: &[&Gateway]) -> Vec<Option<i64>> {
    let mut values = Vec::new();
    for gateway in gateways {
        values.push(gateway.gauge("bbb_gateway_poller_leader").await);
    }
    values
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_moves_to_the_other_instance_when_the_leader_is_killed() {
    let db = TestDb::new().await;
    if !db.is_postgres() {
        eprintln!(
            "skipped: leader election needs PostgreSQL; set TEST_DATABASE_URL (.ci/run does)"
        );
        return;
    }
    let sim = SimServer::spawn(SimConfig::default()).unwrap();
    let site = db.store().sites().default_site().await.unwrap();
    let group = db.store().groups().create(site.id, "main").await.unwrap();
    let server = db
        .store()
        .servers()
        .add(NewServer {
            group_id: group.id,
            name: "bbb-1".to_owned(),
            api_url: sim.api_url(),
            secret: store::Secret::new(sim.secret()),
            weight: 1,
            state: ServerState::Enabled,
        })
        .await
        .unwrap();

    let mut env = database_env(&db);
    env.push(("BBB_GATEWAY_POLLER__INTERVAL", "1s".to_owned()));
    let mut a = Gateway::start(&env, &[]).await;
    let mut b = Gateway::start(&env, &[]).await;

    // Both serve the same data.
    for gateway in [&a, &b] {
        let ready = http().get(gateway.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let metrics = http()
            .get(gateway.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("server=\"bbb-1\""), "{metrics}");
    }

    // Exactly one leads, and keeps leading.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !leaders(&[&a, &b]).await.contains(&Some(1)) {
        assert!(Instant::now() < deadline, "nobody leads");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..5 {
        let mut now = leaders(&[&a, &b]).await;
        now.sort();
        assert_eq!(now, [Some(0), Some(1)], "exactly one leader");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let a_leads = a.gauge("bbb_gateway_poller_leader").await == Some(1);
    let (leader, follower) = if a_leads {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    assert!(
        leader
            .log_text()
            .contains("this instance now runs the health poller"),
        "{}",
        leader.log_text()
    );
    assert!(
        !follower
            .log_text()
            .contains("this instance now runs the health poller"),
        "{}",
        follower.log_text()
    );

    leader.kill();
    let killed_at = Instant::now();
    let polled_before = chrono::Utc::now();
    loop {
        if follower.gauge("bbb_gateway_poller_leader").await == Some(1) {
            break;
        }
        assert!(
            killed_at.elapsed() < POLL_INTERVAL + MARGIN,
            "no takeover within {:?}; follower's log:\n{}",
            POLL_INTERVAL + MARGIN,
            follower.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("takeover after {:?}", killed_at.elapsed());

    // And it polls: the server's last poll moves past the kill.
    let deadline = Instant::now() + POLL_INTERVAL * 3;
    loop {
        let polled = db
            .store()
            .servers()
            .get(server.id)
            .await
            .unwrap()
            .last_polled_at;
        if polled.is_some_and(|at| at > polled_before) {
            break;
        }
        assert!(Instant::now() < deadline, "the new leader does not poll");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    follower.terminate();
    assert!(follower.wait(Duration::from_secs(20)).await.success());
    sim.shutdown().await;
}
