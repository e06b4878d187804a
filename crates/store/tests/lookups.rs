//! The rows every request reads (the site a Host picks, the user a session names, a group's
//! site) come from memory: a write through the same store is seen at once, a write by another
//! process (a second instance, the CLI) within the lookup TTL, and never later.

mod common;

use std::time::Duration;

use common::fixture;
use store::{NewSite, Store, TestDb, UserChanges};

/// A second instance on the same database, as another gateway process would open it.
async fn other_instance(db: &TestDb) -> Store {
    store::connect(Some(db.url()), db.key().clone())
        .await
        .unwrap()
}

/// Whether `store`'s lookup (cached) says the user is staff.
async fn is_staff_now(store: &Store, user_id: i64) -> bool {
    store.users().get_recent(user_id).await.unwrap().is_staff
}

async fn promote(store: &Store, user_id: i64) {
    let staff = UserChanges {
        is_staff: Some(true),
        ..UserChanges::default()
    };
    store.users().update(user_id, staff).await.unwrap();
}

#[tokio::test]
async fn a_write_through_the_same_store_is_seen_at_once() {
    let db = TestDb::new().await;
    let store = db.store().clone().with_lookup_ttl(Duration::from_secs(600));
    let world = fixture(&store).await;

    assert!(!is_staff_now(&store, world.user.id).await);
    promote(&store, world.user.id).await;
    assert!(is_staff_now(&store, world.user.id).await);

    // Through a clone, as the GraphQL door and the tests share one store.
    store.clone().users().delete(world.user.id).await.unwrap();
    assert!(store.users().get_recent(world.user.id).await.is_err());

    assert_eq!(
        store
            .sites()
            .for_host("school.example:443")
            .await
            .unwrap()
            .id,
        world.site.id,
        "an unknown host falls back to the default site"
    );
    let school = store
        .sites()
        .create(NewSite {
            domain: "school.example".into(),
            name: "School".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        store.sites().for_host("School.Example").await.unwrap().id,
        school.id,
        "a host that fell back before picks its new site at once"
    );
    store.sites().delete(school.id).await.unwrap();
    assert_eq!(
        store.sites().for_host("school.example").await.unwrap().id,
        world.site.id
    );
}

#[tokio::test]
async fn a_write_by_another_instance_is_seen_within_the_ttl() {
    let db = TestDb::new().await;
    let ttl = Duration::from_millis(300);
    let store = db.store().clone().with_lookup_ttl(ttl);
    let other = other_instance(&db).await;
    let world = fixture(&store).await;

    assert!(!is_staff_now(&store, world.user.id).await);
    promote(&other, world.user.id).await;
    // Until the TTL runs out this instance answers from memory: that is the cache at work
    // (a read per request is what the cache is for avoiding).
    assert!(!is_staff_now(&store, world.user.id).await);
    assert!(
        store.users().get(world.user.id).await.unwrap().is_staff,
        "get reads fresh"
    );
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert!(is_staff_now(&store, world.user.id).await);

    other.users().delete(world.user.id).await.unwrap();
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert!(
        store.users().get_recent(world.user.id).await.is_err(),
        "a user deleted elsewhere is gone here within the TTL"
    );
}

#[tokio::test]
async fn a_zero_ttl_reads_every_time() {
    let db = TestDb::new().await;
    let store = db.store().clone().with_lookup_ttl(Duration::ZERO);
    let other = other_instance(&db).await;
    let world = fixture(&store).await;
    assert_eq!(
        store.sites().for_host("x.example").await.unwrap().id,
        world.site.id
    );
    let site = other
        .sites()
        .create(NewSite {
            domain: "x.example".into(),
            name: "X".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        store.sites().for_host("x.example").await.unwrap().id,
        site.id
    );
}

#[tokio::test]
async fn sites_of_groups_come_in_one_answer_and_skip_missing_groups() {
    let db = TestDb::new().await;
    let store = db.store();
    let world = fixture(store).await;
    let second = store
        .groups()
        .create(world.site.id, "second")
        .await
        .unwrap();
    let sites = store
        .groups()
        .sites_of(&[world.group.id, second.id, 999_999])
        .await
        .unwrap();
    assert_eq!(sites.len(), 2);
    assert_eq!(sites[&world.group.id], world.site.id);
    assert_eq!(sites[&second.id], world.site.id);
    // From memory the second time, and the same answer.
    assert_eq!(
        store.groups().sites_of(&[second.id]).await.unwrap()[&second.id],
        world.site.id
    );
    store.groups().delete(second.id).await.unwrap();
    assert!(
        store
            .groups()
            .sites_of(&[second.id])
            .await
            .unwrap()
            .is_empty()
    );
}
