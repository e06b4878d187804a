//! Deleting a row takes its dependents with it, as the original's cascades did, and leaves
//! history where it should stay.

mod common;

use common::{fixture, new_server};
use store::{
    GroupPermission, MeetingPermission, MeetingSettings, NewApiToken, NewMeeting, NewMeetingUrl,
    NewPlacement, NewUser, PlacementFilter, StoreError, TestDb, TokenScope,
};

struct World {
    f: common::Fixture,
    meeting: store::Meeting,
    server: store::Server,
    token: store::ApiToken,
    url: store::MeetingUrl,
    placement: store::Placement,
}

async fn world(db: &TestDb) -> World {
    let store = db.store();
    let f = fixture(store).await;
    let meeting = store
        .meetings()
        .create(NewMeeting {
            group_id: f.group.id,
            owner_id: Some(f.user.id),
            settings: MeetingSettings::new("m"),
        })
        .await
        .unwrap();
    store
        .meeting_grants()
        .grant(meeting.id, f.user.id, MeetingPermission::JoinAsModerator)
        .await
        .unwrap();
    store
        .groups()
        .grant(f.group.id, f.user.id, GroupPermission::AddMeetings)
        .await
        .unwrap();
    let url = store
        .meeting_urls()
        .add(NewMeetingUrl {
            site_id: f.site.id,
            meeting_id: meeting.id,
            slug: "room".into(),
            allow_guests: false,
        })
        .await
        .unwrap();
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let token = store
        .tokens()
        .create(NewApiToken {
            scope: TokenScope::User,
            user_id: Some(f.user.id),
            ..NewApiToken::new("t", f.group.id)
        })
        .await
        .unwrap()
        .token;
    let (placement, _) = store
        .placements()
        .create_or_get(NewPlacement {
            group_id: f.group.id,
            server_id: server.id,
            namespace: token.guid.to_string(),
            client_meeting_id: "c".into(),
            bbb_meeting_id: "b".into(),
            token_id: Some(token.id),
            meeting_id: Some(meeting.id),
        })
        .await
        .unwrap();
    World {
        f,
        meeting,
        server,
        token,
        url,
        placement,
    }
}

fn gone<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound { .. })),
        "expected NotFound, got {result:?}"
    );
}

#[tokio::test]
async fn deleting_a_group_removes_servers_meetings_tokens_grants_urls_placements() {
    let db = TestDb::new().await;
    let w = world(&db).await;
    let store = db.store();
    store.groups().delete(w.f.group.id).await.unwrap();
    gone(store.servers().get(w.server.id).await);
    gone(store.meetings().get(w.meeting.id).await);
    gone(store.tokens().get(w.token.id).await);
    gone(store.meeting_urls().get(w.url.id).await);
    gone(store.placements().get(w.placement.id).await);
    assert!(
        store
            .groups()
            .grants_of_user(w.f.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .meeting_grants()
            .of_user(w.f.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    // The user is not part of the group.
    assert_eq!(store.users().get(w.f.user.id).await.unwrap(), w.f.user);
    gone(store.groups().delete(w.f.group.id).await);
}

#[tokio::test]
async fn deleting_a_meeting_removes_its_grants_and_urls_and_keeps_placement_history() {
    let db = TestDb::new().await;
    let w = world(&db).await;
    let store = db.store();
    store.meetings().delete(w.meeting.id).await.unwrap();
    assert!(
        store
            .meeting_grants()
            .list(w.meeting.id)
            .await
            .unwrap()
            .is_empty()
    );
    gone(store.meeting_urls().get(w.url.id).await);
    let placement = store.placements().get(w.placement.id).await.unwrap();
    assert_eq!(placement.meeting_id, None);
    assert_eq!(placement.token_id, Some(w.token.id));
}

#[tokio::test]
async fn deleting_a_user_removes_grants_and_tokens_and_orphans_meetings() {
    let db = TestDb::new().await;
    let w = world(&db).await;
    let store = db.store();
    let bystander = store
        .users()
        .create(NewUser::new(w.f.site.id, "bystander"))
        .await
        .unwrap();
    store
        .meeting_grants()
        .grant(
            w.meeting.id,
            bystander.id,
            MeetingPermission::JoinAsAttendee,
        )
        .await
        .unwrap();
    store.users().delete(w.f.user.id).await.unwrap();
    assert!(
        store
            .meeting_grants()
            .of_user(w.f.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .groups()
            .grants(w.f.group.id)
            .await
            .unwrap()
            .is_empty()
    );
    gone(store.tokens().get(w.token.id).await);
    assert_eq!(
        store.meetings().get(w.meeting.id).await.unwrap().owner_id,
        None
    );
    assert_eq!(
        store
            .meeting_grants()
            .list(w.meeting.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // The token's placement stays as history, without the token.
    assert_eq!(
        store
            .placements()
            .get(w.placement.id)
            .await
            .unwrap()
            .token_id,
        None
    );
}

#[tokio::test]
async fn deleting_a_server_removes_its_placements() {
    let db = TestDb::new().await;
    let w = world(&db).await;
    let store = db.store();
    store.servers().remove(w.server.id).await.unwrap();
    gone(store.placements().get(w.placement.id).await);
    assert!(
        store
            .placements()
            .list(&PlacementFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.meetings().get(w.meeting.id).await.is_ok());
}

#[tokio::test]
async fn deleting_a_token_keeps_its_placements_as_history() {
    let db = TestDb::new().await;
    let w = world(&db).await;
    let store = db.store();
    store.tokens().delete(w.token.id).await.unwrap();
    assert_eq!(
        store
            .placements()
            .get(w.placement.id)
            .await
            .unwrap()
            .token_id,
        None
    );
}

#[tokio::test]
async fn deleting_a_site_removes_everything_in_it() {
    let db = TestDb::new().await;
    let w = world(&db).await;
    let store = db.store();
    let other = store
        .sites()
        .create(store::NewSite {
            domain: "other.example".into(),
            name: "Other".into(),
        })
        .await
        .unwrap();
    store.sites().set_default(other.id).await.unwrap();
    store.sites().delete(w.f.site.id).await.unwrap();
    gone(store.users().get(w.f.user.id).await);
    gone(store.groups().get(w.f.group.id).await);
    gone(store.meetings().get(w.meeting.id).await);
    gone(store.placements().get(w.placement.id).await);
}
