//! Smoke test of the BBB-compatible endpoint mounted in the gateway: an API token drives
//! create, getMeetingInfo and join through both of its paths; the endpoint's own tests are in
//! crates/bbb-endpoint.

#[allow(dead_code)] // each test binary uses its own part of the harness
mod common;

use bbb_client::{Client, CreateMeeting, JoinMeeting, Role, Server};
use common::TestApp;
use store::NewApiToken;

#[tokio::test]
async fn the_bbb_endpoint_is_mounted_and_serves_an_api_token() {
    let app = TestApp::spawn().await;
    let created = app
        .state
        .store
        .tokens()
        .create(NewApiToken::new("smoke", app.group.id))
        .await
        .unwrap();
    let secret = created.secret.expose();
    let per_token = Server::new(
        &format!(
            "{}/t/{}/bigbluebutton/api/",
            app.address, created.token.guid
        ),
        secret,
    )
    .unwrap();
    let site_wide = Server::new(&format!("{}/bigbluebutton/api", app.address), secret).unwrap();
    let bbb = Client::new().unwrap();

    let version = bbb.version(&site_wide).await.unwrap();
    assert_eq!(version.version, "2.0");
    let meeting = bbb
        .create(&per_token, &CreateMeeting::new("smoke-room", "Smoke"))
        .await
        .unwrap();
    assert_eq!(meeting.meeting_id, "smoke-room");
    let info = bbb
        .get_meeting_info(&site_wide, "smoke-room")
        .await
        .unwrap();
    assert_eq!(info.meeting_name, "Smoke");
    let joined = bbb
        .join(
            &per_token,
            &JoinMeeting::new("smoke-room", "Ann").role(Role::Moderator),
        )
        .await
        .unwrap();
    assert_eq!(joined.message_key, "successfullyJoined");
    // A wrong secret is a BBB checksumError, not the gateway's JSON error.
    let wrong = Server::new(
        &format!("{}/bigbluebutton/api", app.address),
        "wrong-secret",
    )
    .unwrap();
    let error = bbb.get_meetings(&wrong).await.unwrap_err();
    assert_eq!(error.message_key(), Some("checksumError"));
}
