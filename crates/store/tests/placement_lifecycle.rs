//! A placement's end when its meeting vanished from BBB: only as it was read (same server, same
//! BBB session), and undone when BBB answers a create for it after all.

mod common;

use common::{fixture, new_server};
use store::{NewPlacement, TestDb};

#[tokio::test]
async fn a_vanished_meeting_ends_its_placement_only_as_it_was_read() {
    let db = TestDb::new().await;
    let store = db.store();
    let f = fixture(store).await;
    let one = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let placements = store.placements();
    let new = |room: &str| NewPlacement {
        group_id: f.group.id,
        server_id: one.id,
        namespace: "ns".into(),
        client_meeting_id: room.to_owned(),
        bbb_meeting_id: format!("backend-{room}"),
        token_id: None,
        meeting_id: None,
    };

    // Re-created on BBB since it was read (a new session): stays live.
    let (read, _) = placements.create_or_get(new("recreated")).await.unwrap();
    let read = placements
        .set_backend_info(read.id, "internal-1", 1_000)
        .await
        .unwrap();
    placements
        .set_backend_info(read.id, "internal-2", 2_000)
        .await
        .unwrap();
    assert!(!placements.end_vanished(&read).await.unwrap());
    assert!(placements.get(read.id).await.unwrap().ended_at.is_none());

    // Unchanged: ends, once.
    let (read, _) = placements.create_or_get(new("gone")).await.unwrap();
    let read = placements
        .set_backend_info(read.id, "internal-3", 3_000)
        .await
        .unwrap();
    assert!(placements.end_vanished(&read).await.unwrap());
    assert!(placements.get(read.id).await.unwrap().ended_at.is_some());
    assert!(!placements.end_vanished(&read).await.unwrap());
}

#[tokio::test]
async fn a_create_answered_after_the_end_makes_the_placement_live_again() {
    let db = TestDb::new().await;
    let store = db.store();
    let f = fixture(store).await;
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let placements = store.placements();
    let new = |room: &str| NewPlacement {
        group_id: f.group.id,
        server_id: server.id,
        namespace: "ns".into(),
        client_meeting_id: room.to_owned(),
        bbb_meeting_id: format!("backend-{room}"),
        token_id: None,
        meeting_id: None,
    };
    // Ended by the poller while its creator re-created it on BBB: BBB's answer revives it.
    let (placement, _) = placements.create_or_get(new("room")).await.unwrap();
    placements.mark_ended(placement.id).await.unwrap();
    let revived = placements
        .set_backend_info(placement.id, "internal-1", 1_000)
        .await
        .unwrap();
    assert!(revived.ended_at.is_none());
    assert_eq!(revived.internal_meeting_id.as_deref(), Some("internal-1"));

    // Unless a newer placement of the meetingID took its place: then it stays history.
    placements.mark_ended(placement.id).await.unwrap();
    let (newer, created) = placements.create_or_get(new("room")).await.unwrap();
    assert!(created);
    let old = placements
        .set_backend_info(placement.id, "internal-2", 2_000)
        .await
        .unwrap();
    assert!(old.ended_at.is_some());
    assert_eq!(old.internal_meeting_id.as_deref(), Some("internal-2"));
    assert_eq!(
        placements
            .find_live(f.group.id, "ns", "room")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(newer.id)
    );
}
