use service::users::UserRef;
use service::{grants, urls};
use store::MeetingPermission::{self, *};

use crate::fixture::*;

async fn held_by(world: &World, user: &store::User) -> Vec<MeetingPermission> {
    world
        .store()
        .meeting_grants()
        .permissions(world.meeting.id, user.id)
        .await
        .unwrap()
}

#[tokio::test]
async fn grant_attendee_hands_out_attendee_only() {
    let world = World::new().await;
    let store = world.store();
    world.grant(&world.alice, GrantAttendee).await;
    let alice = world.as_user(&world.alice);
    let bob = UserRef::Id(world.bob.id);

    let change = grants::grant(store, &alice, world.meeting.id, &bob, JoinAsAttendee)
        .await
        .unwrap();
    assert!(change.changed);
    assert_eq!(held_by(&world, &world.bob).await, vec![JoinAsAttendee]);
    // Granting again is no change, not an error.
    let again = grants::grant(store, &alice, world.meeting.id, &bob, JoinAsAttendee)
        .await
        .unwrap();
    assert!(!again.changed);

    for denied in [
        JoinAsModerator,
        GrantAttendee,
        GrantModerator,
        EnforceConferencePin,
        AddUrls,
    ] {
        assert_forbidden(grants::grant(store, &alice, world.meeting.id, &bob, denied).await);
        assert_forbidden(grants::revoke(store, &alice, world.meeting.id, &bob, denied).await);
    }
    assert_eq!(held_by(&world, &world.bob).await, vec![JoinAsAttendee]);

    let revoked = grants::revoke(store, &alice, world.meeting.id, &bob, JoinAsAttendee)
        .await
        .unwrap();
    assert!(revoked.changed);
    assert!(held_by(&world, &world.bob).await.is_empty());
}

#[tokio::test]
async fn grant_moderator_hands_out_both_join_permissions() {
    let world = World::new().await;
    let store = world.store();
    world.grant(&world.alice, GrantModerator).await;
    let alice = world.as_user(&world.alice);
    let bob = UserRef::Username("bob".to_owned());
    for allowed in [JoinAsModerator, JoinAsAttendee] {
        grants::grant(store, &alice, world.meeting.id, &bob, allowed)
            .await
            .unwrap();
    }
    for denied in [GrantAttendee, GrantModerator, EnforceConferencePin, AddUrls] {
        assert_forbidden(grants::grant(store, &alice, world.meeting.id, &bob, denied).await);
    }
    assert_eq!(
        held_by(&world, &world.bob).await,
        vec![JoinAsModerator, JoinAsAttendee]
    );
    grants::revoke(store, &alice, world.meeting.id, &bob, JoinAsModerator)
        .await
        .unwrap();
    assert_eq!(held_by(&world, &world.bob).await, vec![JoinAsAttendee]);
}

#[tokio::test]
async fn owner_only_permissions_come_from_the_owner_or_a_superuser() {
    let world = World::new().await;
    let store = world.store();
    let bob = UserRef::Id(world.bob.id);
    let owner_only = [GrantAttendee, GrantModerator, EnforceConferencePin, AddUrls];
    for permission in owner_only {
        grants::grant(
            store,
            &world.as_user(&world.owner),
            world.meeting.id,
            &bob,
            permission,
        )
        .await
        .unwrap();
    }
    assert_eq!(held_by(&world, &world.bob).await, owner_only.to_vec());
    for permission in owner_only {
        grants::revoke(
            store,
            &world.as_user(&world.superuser),
            world.meeting.id,
            &bob,
            permission,
        )
        .await
        .unwrap();
    }
    assert!(held_by(&world, &world.bob).await.is_empty());

    // Staff and plain users may not, and a denied grant writes nothing.
    for denied in [&world.staff, &world.alice] {
        assert_forbidden(
            grants::grant(
                store,
                &world.as_user(denied),
                world.meeting.id,
                &bob,
                JoinAsAttendee,
            )
            .await,
        );
    }
    assert_unauthenticated(
        grants::grant(
            store,
            &world.anonymous(),
            world.meeting.id,
            &bob,
            JoinAsAttendee,
        )
        .await,
    );
    assert_not_found(
        grants::grant(
            store,
            &world.as_user(&world.other_superuser),
            world.meeting.id,
            &UserRef::Id(world.other_user.id),
            JoinAsAttendee,
        )
        .await,
    );
    assert!(held_by(&world, &world.bob).await.is_empty());
}

#[tokio::test]
async fn grantees_must_exist_in_the_site() {
    let world = World::new().await;
    let store = world.store();
    let owner = world.as_user(&world.owner);
    for stranger in [
        UserRef::Id(world.other_user.id),
        UserRef::Id(999_999),
        UserRef::Username("carol".to_owned()),
    ] {
        assert_not_found(
            grants::grant(store, &owner, world.meeting.id, &stranger, JoinAsAttendee).await,
        );
    }
    let carol = store.meeting_grants().list(world.meeting.id).await.unwrap();
    assert!(carol.is_empty());
}

#[tokio::test]
async fn grant_lists_are_for_those_who_grant() {
    let world = World::new().await;
    let store = world.store();
    world.grant(&world.alice, GrantAttendee).await;
    world.grant(&world.bob, JoinAsModerator).await;
    for allowed in [&world.owner, &world.alice, &world.superuser] {
        let listed = grants::list(store, &world.as_user(allowed), world.meeting.id)
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
    }
    for denied in [&world.bob, &world.staff] {
        assert_forbidden(grants::list(store, &world.as_user(denied), world.meeting.id).await);
    }
    assert_not_found(
        grants::list(
            store,
            &world.as_user(&world.other_superuser),
            world.meeting.id,
        )
        .await,
    );
}

#[tokio::test]
async fn urls_need_add_urls_and_a_valid_free_slug() {
    let world = World::new().await;
    let store = world.store();
    world.grant(&world.alice, AddUrls).await;
    world.grant(&world.bob, JoinAsModerator).await;
    world.grant(&world.bob, GrantModerator).await;
    let alice = world.as_user(&world.alice);

    for bad in [
        "ab",
        "Team",
        "team_room",
        "team room",
        "tëam",
        &"a".repeat(65),
    ] {
        assert_bad_input(
            urls::add(store, &alice, world.meeting.id, bad, false).await,
            "slug",
        );
    }
    let url = urls::add(store, &alice, world.meeting.id, "team-42", true)
        .await
        .unwrap();
    assert!(url.allow_guests);
    assert_eq!(url.site_id, world.site.id);
    assert!(
        urls::add(store, &alice, world.meeting.id, &"a".repeat(64), false)
            .await
            .is_ok()
    );
    assert_bad_input(
        urls::add(store, &alice, world.meeting.id, "team-42", false).await,
        "slug",
    );

    for denied in [&world.bob, &world.staff] {
        assert_forbidden(
            urls::add(
                store,
                &world.as_user(denied),
                world.meeting.id,
                "bobs",
                false,
            )
            .await,
        );
        assert_forbidden(urls::remove(store, &world.as_user(denied), url.id).await);
    }
    assert_unauthenticated(urls::remove(store, &world.anonymous(), url.id).await);
    assert_not_found(urls::remove(store, &world.as_user(&world.other_superuser), url.id).await);
    assert_eq!(
        store
            .meeting_urls()
            .list(world.meeting.id)
            .await
            .unwrap()
            .len(),
        2
    );

    // Everyone who sees the meeting sees its URLs.
    let listed = urls::list(store, &world.as_user(&world.bob), world.meeting.id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        urls::list(store, &world.as_user(&world.staff), world.meeting.id)
            .await
            .is_ok()
    );
    assert_unauthenticated(urls::list(store, &world.anonymous(), world.meeting.id).await);
    assert_not_found(urls::list(store, &world.as_user(&world.owner), world.other_meeting.id).await);
    let dave = store
        .users()
        .create(store::NewUser::new(world.site.id, "dave"))
        .await
        .unwrap();
    assert_forbidden(urls::list(store, &world.as_user(&dave), world.meeting.id).await);

    let owner_removes = urls::remove(store, &world.as_user(&world.owner), url.id)
        .await
        .unwrap();
    assert_eq!(owner_removes.slug, "team-42");
    assert_eq!(
        store
            .meeting_urls()
            .list(world.meeting.id)
            .await
            .unwrap()
            .len(),
        1
    );
}
