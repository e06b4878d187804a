//! The gateway's record of live meetings follows BBB: meetings ended inside BBB (on the
//! simulator directly, not through the gateway) leave the per-token and per-server metrics and
//! free the token's `max_meetings` within a poll interval of the running background poller.

use std::time::Duration;

use bbb_client::{Client, CreateMeeting, Server};
use gateway::{background, election::Election};
use store::{NewApiToken, PlacementFilter};

use crate::common::TestApp;

async fn metrics_text(app: &TestApp) -> String {
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Scrapes until `done` holds for the metrics text, for at most 10 s.
async fn wait_for_metrics(app: &TestApp, what: &str, done: impl Fn(&str) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics_text(app).await;
        if done(&text) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after 10 s still not {what}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn meetings_ended_inside_bbb_leave_the_metrics_and_the_quota_within_a_poll() {
    let app = TestApp::spawn_with(|config| {
        config.poller.interval = Duration::from_millis(200);
        config.poller.healthy_after = 1;
    })
    .await;
    let store = &app.state.store;
    let created = store
        .tokens()
        .create(NewApiToken {
            max_meetings: Some(2),
            ..NewApiToken::new("lms", app.group.id)
        })
        .await
        .unwrap();
    let token = created.token;
    let api = Server::new(
        &format!("{}/t/{}/bigbluebutton/api/", app.address, token.guid),
        created.secret.expose(),
    )
    .unwrap();
    let bbb = Client::new().unwrap();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(background::run(
        app.state.clone(),
        Election::Single,
        stopping,
    ));

    for room in ["room-a", "room-b"] {
        bbb.create(&api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap();
    }
    let token_meetings = |count: u32| {
        format!(
            "bbb_gateway_token_meetings{{token_id=\"{}\"}} {count}",
            token.id
        )
    };
    let two = token_meetings(2);
    wait_for_metrics(&app, "two live meetings", |text| {
        text.lines().any(|line| line == two)
            && text
                .lines()
                .filter(|line| line.starts_with("bbb_gateway_server_meetings{"))
                .map(|line| line.rsplit(' ').next().unwrap_or_default())
                .map(|count| count.parse::<u32>().unwrap_or(0))
                .sum::<u32>()
                == 2
    })
    .await;

    // Both end inside BBB: each simulator's own API, with its own secret.
    let servers = store.servers().list(app.group.id).await.unwrap();
    let live = store
        .placements()
        .list(&PlacementFilter {
            token_id: Some(token.id),
            live_only: true,
            ..PlacementFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(live.len(), 2);
    for placement in &live {
        let row = servers
            .iter()
            .find(|server| server.id == placement.server_id)
            .unwrap();
        let sim = app
            .simulators
            .iter()
            .find(|sim| sim.api_url() == row.api_url)
            .unwrap();
        let backend = Server::new(&sim.api_url(), sim.secret()).unwrap();
        bbb.end(&backend, &placement.bbb_meeting_id).await.unwrap();
    }

    wait_for_metrics(&app, "without live meetings", |text| {
        !text.contains(&format!(
            "bbb_gateway_token_meetings{{token_id=\"{}\"}}",
            token.id
        )) && text
            .lines()
            .filter(|line| line.starts_with("bbb_gateway_server_meetings{"))
            .all(|line| line.ends_with(" 0"))
    })
    .await;
    // The quota agrees: two new meetings fit again.
    for room in ["room-c", "room-d"] {
        bbb.create(&api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap_or_else(|error| panic!("{room}: {error}"));
    }

    stop.send_replace(true);
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the background loop stops on shutdown")
        .unwrap();
    app.stop().await;
}
