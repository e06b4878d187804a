//! Users, sites and the checks behind GraphQL's viewer, `node(id:)` on users and
//! `meetingEvents`: who sees whom, the users external identity providers bring, and the
//! refreshed actor of a long-lived connection.

use service::bbb::events::require_may_watch;
use service::users::{self, NewExternalUser, UserRef};
use service::{grants, sites};
use store::{MeetingPermission, UserChanges};

use crate::fixture::{World, assert_forbidden, assert_not_found, assert_unauthenticated};

#[tokio::test]
async fn users_are_seen_by_themselves_and_by_staff_of_their_site() {
    let world = World::new().await;
    let store = world.store();
    let alice = world.as_user(&world.alice);
    assert_eq!(
        users::get(store, &alice, world.alice.id).await.unwrap(),
        world.alice
    );
    assert_forbidden(users::get(store, &alice, world.bob.id).await);
    for staff in [&world.staff, &world.superuser] {
        let staff = world.as_user(staff);
        assert_eq!(
            users::get(store, &staff, world.bob.id).await.unwrap(),
            world.bob
        );
        assert_not_found(users::get(store, &staff, world.other_user.id).await);
        assert_not_found(users::get(store, &staff, i64::MAX).await);
    }
    assert_unauthenticated(users::get(store, &world.anonymous(), world.alice.id).await);
}

#[tokio::test]
async fn external_users_get_the_preferred_name_unless_a_user_holds_it() {
    let world = World::new().await;
    let store = world.store();
    let newcomer = |subject: &'static str, preferred: &str| NewExternalUser {
        issuer: "https://idp.example",
        subject,
        preferred_username: Some(preferred.to_owned()),
        fallback_username: format!("idp:{subject}"),
        display_name: "Someone".to_owned(),
        email: String::new(),
    };
    let taken = users::create_external(store, world.site.id, newcomer("s-1", "alice"))
        .await
        .unwrap();
    assert_eq!(taken.username, "idp:s-1");
    let again = users::create_external(store, world.site.id, newcomer("s-1", "alice"))
        .await
        .unwrap();
    assert_eq!(again.id, taken.id);
    let free = users::create_external(store, world.site.id, newcomer("s-2", "dora"))
        .await
        .unwrap();
    assert_eq!(free.username, "dora");
    let found = users::find_external(store, "https://idp.example", "s-2")
        .await
        .unwrap();
    assert_eq!(found.map(|user| user.id), Some(free.id));
}

#[tokio::test]
async fn a_refreshed_actor_has_the_stored_roles_and_a_deleted_user_is_not_found() {
    let world = World::new().await;
    let store = world.store();
    let bob = world.as_user(&world.bob);
    store
        .users()
        .update(
            world.bob.id,
            UserChanges {
                is_staff: Some(true),
                ..UserChanges::default()
            },
        )
        .await
        .unwrap();
    assert!(!bob.is_staff());
    assert!(users::refreshed(store, &bob).await.unwrap().is_staff());
    store.users().delete(world.bob.id).await.unwrap();
    assert_not_found(users::refreshed(store, &bob).await);
    let anonymous = users::refreshed(store, &world.anonymous()).await.unwrap();
    assert!(anonymous.user.is_none());
    assert_not_found(users::session_user(store, world.bob.id).await);
}

#[tokio::test]
async fn hosts_pick_their_site_and_unknown_hosts_the_default_one() {
    let world = World::new().await;
    let store = world.store();
    assert_eq!(
        sites::for_host(store, "OTHER.example:443").await.unwrap(),
        world.other_site
    );
    assert_eq!(
        sites::for_host(store, "nowhere.example").await.unwrap(),
        world.site
    );
    assert_eq!(
        sites::find_by_domain(store, "nowhere.example")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn grant_changes_name_the_user_they_are_about() {
    let world = World::new().await;
    let owner = world.as_user(&world.owner);
    let change = grants::grant(
        world.store(),
        &owner,
        world.meeting.id,
        &UserRef::Username("bob".to_owned()),
        MeetingPermission::JoinAsAttendee,
    )
    .await
    .unwrap();
    assert_eq!(change.user, world.bob);
}

#[tokio::test]
async fn watching_a_meetings_events_needs_a_way_into_it() {
    let world = World::new().await;
    let store = world.store();
    let meeting = world.meeting.id;
    assert_forbidden(require_may_watch(store, &world.as_user(&world.alice), meeting).await);
    world
        .grant(&world.alice, MeetingPermission::JoinAsAttendee)
        .await;
    require_may_watch(store, &world.as_user(&world.alice), meeting)
        .await
        .unwrap();
    require_may_watch(store, &world.as_user(&world.staff), meeting)
        .await
        .unwrap();
    assert_not_found(
        require_may_watch(store, &world.as_user(&world.other_superuser), meeting).await,
    );
    assert_unauthenticated(require_may_watch(store, &world.anonymous(), meeting).await);
}
