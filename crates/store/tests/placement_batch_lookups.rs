//! The batch lookups the BBB-compatible endpoint uses to map many meetings and recordings back
//! to their clients at once.

mod common;

use common::{fixture, new_server};
use store::{NewPlacement, TestDb};

fn placement(group_id: i64, server_id: i64, namespace: &str, client_id: &str) -> NewPlacement {
    NewPlacement {
        group_id,
        server_id,
        namespace: namespace.to_owned(),
        client_meeting_id: client_id.to_owned(),
        bbb_meeting_id: format!("{namespace}-{client_id}"),
        token_id: None,
        meeting_id: None,
    }
}

#[tokio::test]
async fn client_id_lookup_spans_namespaces_and_honours_live_only() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let other_group = store.groups().create(f.site.id, "other").await.unwrap();
    let other_server = store
        .servers()
        .add(new_server(other_group.id, "bbb2"))
        .await
        .unwrap();
    let placements = store.placements();
    let (a, _) = placements
        .create_or_get(placement(f.group.id, server.id, "ns-a", "room"))
        .await
        .unwrap();
    let (b, _) = placements
        .create_or_get(placement(f.group.id, server.id, "ns-b", "room"))
        .await
        .unwrap();
    placements
        .create_or_get(placement(f.group.id, server.id, "ns-a", "other-room"))
        .await
        .unwrap();
    placements
        .create_or_get(placement(other_group.id, other_server.id, "ns-a", "room"))
        .await
        .unwrap();
    placements.mark_ended(a.id).await.unwrap();

    let ids = |list: Vec<store::Placement>| list.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(
        ids(placements
            .list_by_client_id(f.group.id, "room", false)
            .await
            .unwrap()),
        [b.id, a.id],
        "newest first, ended included, other group excluded"
    );
    assert_eq!(
        ids(placements
            .list_by_client_id(f.group.id, "room", true)
            .await
            .unwrap()),
        [b.id]
    );
    assert!(
        placements
            .list_by_client_id(f.group.id, "nothing", false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn backend_id_lookup_finds_live_and_ended_placements_in_the_group() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let other_group = store.groups().create(f.site.id, "other").await.unwrap();
    let other_server = store
        .servers()
        .add(new_server(other_group.id, "bbb2"))
        .await
        .unwrap();
    let placements = store.placements();
    let (ended, _) = placements
        .create_or_get(placement(f.group.id, server.id, "ns", "one"))
        .await
        .unwrap();
    placements.mark_ended(ended.id).await.unwrap();
    let (live, _) = placements
        .create_or_get(placement(f.group.id, server.id, "ns", "two"))
        .await
        .unwrap();
    placements
        .create_or_get(placement(other_group.id, other_server.id, "ns", "one"))
        .await
        .unwrap();

    let wanted = [
        "ns-one".to_owned(),
        "ns-two".to_owned(),
        "ns-none".to_owned(),
    ];
    let found = placements
        .list_by_backend_ids(f.group.id, &wanted)
        .await
        .unwrap();
    let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    assert_eq!(ids, [live.id, ended.id]);
    assert!(
        placements
            .list_by_backend_ids(f.group.id, &[])
            .await
            .unwrap()
            .is_empty()
    );

    // More IDs than one statement takes are looked up in chunks.
    let many: Vec<String> = (0..1200)
        .map(|i| format!("ns-missing-{i}"))
        .chain(["ns-two".to_owned()])
        .collect();
    let found = placements
        .list_by_backend_ids(f.group.id, &many)
        .await
        .unwrap();
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [live.id]);
}
