use bbb_client::OutboundPolicy;
use service::groups;
use service::servers::{self, ServerInput, ServerUpdate};
use service::users::UserRef;
use store::{GroupPermission, Secret, ServerState};

use crate::fixture::*;

fn server_input(world: &World, name: &str) -> ServerInput {
    ServerInput {
        group_id: world.group.id,
        name: name.to_owned(),
        api_url: format!("https://{name}.example.org/bigbluebutton/api/"),
        secret: Secret::new("a-shared-bbb-secret-0123456789"),
        weight: 1,
        state: ServerState::Enabled,
    }
}

#[tokio::test]
async fn server_groups_are_created_by_staff_and_seen_by_grantees() {
    let world = World::new().await;
    let store = world.store();
    for creator in [&world.staff, &world.superuser] {
        let name = format!("group-of-{}", creator.username);
        let created = groups::create(store, &world.as_user(creator), &name)
            .await
            .unwrap();
        assert_eq!(created.group.site_id, world.site.id);
    }
    assert_forbidden(groups::create(store, &world.as_user(&world.alice), "mine").await);
    assert_unauthenticated(groups::create(store, &world.anonymous(), "anon").await);
    assert_bad_input(
        groups::create(store, &world.as_user(&world.staff), "main").await,
        "name",
    );
    assert_eq!(store.groups().list(world.site.id).await.unwrap().len(), 3);

    let staff_sees = groups::list(store, &world.as_user(&world.staff))
        .await
        .unwrap();
    assert_eq!(staff_sees.len(), 3);
    assert!(staff_sees.iter().all(|g| g.access.can_manage_servers()));

    assert!(
        groups::list(store, &world.as_user(&world.alice))
            .await
            .unwrap()
            .is_empty()
    );
    assert_forbidden(groups::get(store, &world.as_user(&world.alice), world.group.id).await);
    world
        .grant_group(&world.alice, GroupPermission::AddMeetings)
        .await;
    let alice_sees = groups::list(store, &world.as_user(&world.alice))
        .await
        .unwrap();
    assert_eq!(alice_sees.len(), 1);
    assert_eq!(alice_sees[0].group.id, world.group.id);
    assert_eq!(
        alice_sees[0].access.held(),
        vec![GroupPermission::AddMeetings]
    );
    assert!(
        groups::get(store, &world.as_user(&world.alice), world.group.id)
            .await
            .is_ok()
    );

    assert_not_found(
        groups::get(
            store,
            &world.as_user(&world.other_superuser),
            world.group.id,
        )
        .await,
    );
    assert_unauthenticated(groups::list(store, &world.anonymous()).await);
}

#[tokio::test]
async fn group_permissions_are_granted_by_superusers_only() {
    let world = World::new().await;
    let store = world.store();
    let alice = UserRef::Id(world.alice.id);
    for denied in [&world.staff, &world.bob] {
        assert_forbidden(
            groups::grant(
                store,
                &world.as_user(denied),
                world.group.id,
                &alice,
                GroupPermission::AddServers,
            )
            .await,
        );
    }
    assert_not_found(
        groups::grant(
            store,
            &world.as_user(&world.other_superuser),
            world.group.id,
            &UserRef::Id(world.other_user.id),
            GroupPermission::AddServers,
        )
        .await,
    );
    assert!(
        store
            .groups()
            .grants(world.group.id)
            .await
            .unwrap()
            .is_empty()
    );

    let superuser = world.as_user(&world.superuser);
    let change = groups::grant(
        store,
        &superuser,
        world.group.id,
        &alice,
        GroupPermission::AddServers,
    )
    .await
    .unwrap();
    assert!(change.changed);
    assert!(
        store
            .groups()
            .has(world.group.id, world.alice.id, GroupPermission::AddServers)
            .await
            .unwrap()
    );
    assert_eq!(
        groups::grants(store, &superuser, world.group.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_forbidden(groups::grants(store, &world.as_user(&world.staff), world.group.id).await);
    assert_not_found(
        groups::grant(
            store,
            &superuser,
            world.group.id,
            &UserRef::Id(world.other_user.id),
            GroupPermission::AddServers,
        )
        .await,
    );
    let revoked = groups::revoke(
        store,
        &superuser,
        world.group.id,
        &alice,
        GroupPermission::AddServers,
    )
    .await
    .unwrap();
    assert!(revoked.changed);
    assert!(
        store
            .groups()
            .grants(world.group.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn servers_are_managed_with_add_servers_or_staff() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant_group(&world.alice, GroupPermission::AddServers)
        .await;
    world
        .grant_group(&world.bob, GroupPermission::AddMeetings)
        .await;
    world
        .grant_group(&world.bob, GroupPermission::AddApiTokens)
        .await;
    let alice = world.as_user(&world.alice);

    let added = servers::add(
        store,
        &alice,
        server_input(&world, "bbb1"),
        &OutboundPolicy::public_only(),
    )
    .await
    .unwrap();
    assert_eq!(added.weight, 1);
    assert!(
        !added.secret_ciphertext.contains("a-shared-bbb-secret"),
        "stored encrypted"
    );
    servers::add(
        store,
        &world.as_user(&world.staff),
        server_input(&world, "bbb2"),
        &OutboundPolicy::public_only(),
    )
    .await
    .unwrap();

    let bob = world.as_user(&world.bob);
    assert_forbidden(
        servers::add(
            store,
            &bob,
            server_input(&world, "bbb3"),
            &OutboundPolicy::public_only(),
        )
        .await,
    );
    assert_forbidden(servers::list(store, &bob, world.group.id).await);
    assert_forbidden(
        servers::update(
            store,
            &bob,
            added.id,
            ServerUpdate {
                weight: Some(5),
                state: None,
            },
        )
        .await,
    );
    assert_forbidden(servers::remove(store, &bob, added.id).await);
    assert_unauthenticated(servers::list(store, &world.anonymous(), world.group.id).await);
    let other = world.as_user(&world.other_superuser);
    assert_not_found(servers::list(store, &other, world.group.id).await);
    assert_not_found(servers::remove(store, &other, added.id).await);
    assert_not_found(
        servers::update(
            store,
            &other,
            added.id,
            ServerUpdate {
                weight: Some(5),
                state: None,
            },
        )
        .await,
    );
    assert_eq!(
        store.servers().get(added.id).await.unwrap(),
        added,
        "a denied call changed it"
    );

    let mut bad_url = server_input(&world, "bad");
    bad_url.api_url = "ftp://bbb.example.org/".to_owned();
    assert_bad_input(
        servers::add(store, &alice, bad_url, &OutboundPolicy::public_only()).await,
        "http",
    );
    let mut bad_weight = server_input(&world, "heavy");
    bad_weight.weight = 0;
    assert_bad_input(
        servers::add(store, &alice, bad_weight, &OutboundPolicy::public_only()).await,
        "weight",
    );
    assert_bad_input(
        servers::add(
            store,
            &alice,
            server_input(&world, "bbb1"),
            &OutboundPolicy::public_only(),
        )
        .await,
        "name",
    );

    let listed = servers::list(store, &alice, world.group.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    let cordoned = servers::update(
        store,
        &alice,
        added.id,
        ServerUpdate {
            weight: Some(3),
            state: Some(ServerState::Cordoned),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (cordoned.weight, cordoned.state),
        (3, ServerState::Cordoned)
    );
    assert_bad_input(
        servers::update(
            store,
            &alice,
            added.id,
            ServerUpdate {
                weight: Some(-1),
                state: None,
            },
        )
        .await,
        "weight",
    );
    servers::remove(store, &alice, added.id).await.unwrap();
    assert_eq!(store.servers().list(world.group.id).await.unwrap().len(), 1);
}
