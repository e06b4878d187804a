//! The harness itself: simulated BBB servers registered in a group, and a clean stop.

use crate::common::{SIMULATED_SERVERS, TestApp};

#[tokio::test]
async fn the_test_group_holds_working_simulated_servers() {
    let app = TestApp::spawn().await;
    let servers = app.state.store.servers().list(app.group.id).await.unwrap();
    assert_eq!(servers.len(), SIMULATED_SERVERS);
    for (server, simulator) in servers.iter().zip(&app.simulators) {
        assert_eq!(server.api_url, simulator.api_url());
        let secret = app.state.store.servers().secret(server).unwrap();
        let endpoint = bbb_client::Server::new(&server.api_url, secret.expose()).unwrap();
        let meetings = app.state.bbb.get_meetings(&endpoint).await.unwrap();
        assert!(meetings.is_empty());
    }

    // Registering again (a dev restart) updates instead of duplicating.
    let again = gateway::dev::register_simulators(&app.state, &app.site, "test", &app.simulators)
        .await
        .unwrap();
    assert_eq!(again.id, app.group.id);
    assert_eq!(
        app.state
            .store
            .servers()
            .list(app.group.id)
            .await
            .unwrap()
            .len(),
        SIMULATED_SERVERS
    );
}

#[tokio::test]
async fn a_stopped_app_no_longer_answers() {
    let app = TestApp::spawn().await;
    let health = app.url("/healthz");
    let client = app.http.clone();
    assert!(
        client
            .get(&health)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    app.stop().await;
    assert!(client.get(&health).send().await.is_err());
}
