use chrono::Duration;
use service::tokens::{self, ApiTokenInput};
use store::{GroupPermission, PageRequest, TokenScope};

use crate::fixture::*;

fn input(world: &World, name: &str, scope: TokenScope) -> ApiTokenInput {
    ApiTokenInput {
        name: name.to_owned(),
        group_id: world.group.id,
        scope,
        max_meetings: None,
        max_attendees: None,
    }
}

async fn token_count(world: &World) -> usize {
    world
        .store()
        .tokens()
        .list_for_site(world.site.id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn creating_tokens_needs_add_apitokens_or_staff() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant_group(&world.alice, GroupPermission::AddApiTokens)
        .await;
    world
        .grant_group(&world.bob, GroupPermission::AddMeetings)
        .await;
    world
        .grant_group(&world.bob, GroupPermission::AddServers)
        .await;

    let created = tokens::create(
        store,
        &world.as_user(&world.alice),
        input(&world, "moodle", TokenScope::User),
    )
    .await
    .unwrap();
    assert_eq!(created.token.user_id, Some(world.alice.id));
    assert_eq!(created.token.scope, TokenScope::User);
    assert!(
        created.secret.expose().len() >= 16,
        "a usable secret is returned once"
    );
    let stored = store.tokens().secrets(created.token.id).await.unwrap();
    assert_eq!(stored.current.expose(), created.secret.expose());

    for creator in [&world.staff, &world.superuser] {
        let name = format!("by-{}", creator.username);
        tokens::create(
            store,
            &world.as_user(creator),
            input(&world, &name, TokenScope::Token),
        )
        .await
        .unwrap();
    }

    let before = token_count(&world).await;
    assert_forbidden(
        tokens::create(
            store,
            &world.as_user(&world.bob),
            input(&world, "bobs", TokenScope::Token),
        )
        .await,
    );
    assert_unauthenticated(
        tokens::create(
            store,
            &world.anonymous(),
            input(&world, "anon", TokenScope::Token),
        )
        .await,
    );
    let mut foreign = input(&world, "foreign", TokenScope::Token);
    foreign.group_id = world.other_group.id;
    assert_not_found(tokens::create(store, &world.as_user(&world.superuser), foreign).await);
    assert_eq!(token_count(&world).await, before);
}

#[tokio::test]
async fn token_input_is_validated() {
    let world = World::new().await;
    let store = world.store();
    let staff = world.as_user(&world.staff);
    let mut zero_quota = input(&world, "quota", TokenScope::Token);
    zero_quota.max_attendees = Some(0);
    assert_bad_input(
        tokens::create(store, &staff, zero_quota).await,
        "maxAttendees",
    );
    assert_bad_input(
        tokens::create(store, &staff, input(&world, "   ", TokenScope::Token)).await,
        "name",
    );
    tokens::create(store, &staff, input(&world, "dup", TokenScope::Token))
        .await
        .unwrap();
    assert_bad_input(
        tokens::create(store, &staff, input(&world, "dup", TokenScope::Token)).await,
        "name",
    );
}

#[tokio::test]
async fn tokens_are_listed_rotated_and_deleted_by_their_owner_or_staff() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant_group(&world.alice, GroupPermission::AddApiTokens)
        .await;
    world
        .grant_group(&world.bob, GroupPermission::AddApiTokens)
        .await;
    let alice = world.as_user(&world.alice);
    let bob = world.as_user(&world.bob);
    let alices = tokens::create(store, &alice, input(&world, "alice-1", TokenScope::Token))
        .await
        .unwrap();
    let alices_second = tokens::create(store, &alice, input(&world, "alice-2", TokenScope::Token))
        .await
        .unwrap();
    let bobs = tokens::create(store, &bob, input(&world, "bob-1", TokenScope::Token))
        .await
        .unwrap();

    let ids =
        |page: store::Page<store::ApiToken>| page.items.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(tokens::list(store, &alice, PageRequest::first(10))
            .await
            .unwrap()),
        vec![alices.token.id, alices_second.token.id]
    );
    assert_eq!(
        ids(
            tokens::list(store, &world.as_user(&world.staff), PageRequest::first(10))
                .await
                .unwrap()
        ),
        vec![alices.token.id, alices_second.token.id, bobs.token.id]
    );
    let first = tokens::list(store, &alice, PageRequest::first(1))
        .await
        .unwrap();
    assert!(first.has_next_page);
    let rest = tokens::list(store, &alice, PageRequest::after(alices.token.id, 5))
        .await
        .unwrap();
    assert!(!rest.has_next_page);
    assert_eq!(ids(rest), vec![alices_second.token.id]);
    assert!(
        tokens::list(
            store,
            &world.as_user(&world.other_superuser),
            PageRequest::first(10)
        )
        .await
        .unwrap()
        .items
        .is_empty()
    );
    assert_unauthenticated(tokens::list(store, &world.anonymous(), PageRequest::first(10)).await);

    // Someone else's token: bob may neither rotate nor delete it; nothing changes.
    assert_forbidden(tokens::rotate(store, &bob, alices.token.id, None).await);
    assert_forbidden(tokens::delete(store, &bob, alices.token.id).await);
    assert_forbidden(tokens::get(store, &bob, alices.token.id).await);
    assert_not_found(
        tokens::delete(
            store,
            &world.as_user(&world.other_superuser),
            alices.token.id,
        )
        .await,
    );
    let unchanged = store.tokens().secrets(alices.token.id).await.unwrap();
    assert_eq!(unchanged.current.expose(), alices.secret.expose());
    assert!(unchanged.previous.is_none());

    // Rotation: a new secret, shown once; the old one still works until the rotation ends.
    let rotated = tokens::rotate(store, &alice, alices.token.id, None)
        .await
        .unwrap();
    assert_ne!(rotated.secret.expose(), alices.secret.expose());
    let during = store.tokens().secrets(alices.token.id).await.unwrap();
    assert_eq!(during.current.expose(), rotated.secret.expose());
    assert_eq!(
        during.previous.as_ref().map(|s| s.expose()),
        Some(alices.secret.expose())
    );
    tokens::finish_rotation(store, &alice, alices.token.id)
        .await
        .unwrap();
    assert!(
        store
            .tokens()
            .secrets(alices.token.id)
            .await
            .unwrap()
            .previous
            .is_none()
    );
    assert_bad_input(
        tokens::rotate(store, &alice, alices.token.id, Some(Duration::minutes(-1))).await,
        "grace period",
    );

    // Staff may delete anybody's token; rotating it would hand them its secret (see
    // `rotating_hands_out_a_secret_only_to_who_may_create_the_token`).
    tokens::delete(store, &world.as_user(&world.staff), bobs.token.id)
        .await
        .unwrap();
    let deleted = tokens::delete(store, &alice, alices.token.id)
        .await
        .unwrap();
    assert_eq!(deleted.name, "alice-1");
    assert_not_found(tokens::get(store, &alice, alices.token.id).await);
}

#[tokio::test]
async fn global_tokens_are_created_by_superusers_only() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant_group(&world.alice, GroupPermission::AddApiTokens)
        .await;
    let before = token_count(&world).await;
    // Neither every group permission nor staff reach every meeting of the group through
    // GraphQL, so neither may mint a token that does.
    for permission in [GroupPermission::AddMeetings, GroupPermission::AddServers] {
        world.grant_group(&world.alice, permission).await;
    }
    for creator in [&world.alice, &world.staff] {
        assert_forbidden(
            tokens::create(
                store,
                &world.as_user(creator),
                input(&world, "everything", TokenScope::Global),
            )
            .await,
        );
    }
    assert_eq!(token_count(&world).await, before, "nothing is stored");

    let created = tokens::create(
        store,
        &world.as_user(&world.superuser),
        input(&world, "everything", TokenScope::Global),
    )
    .await
    .unwrap();
    assert_eq!(created.token.scope, TokenScope::Global);
    assert_eq!(created.token.user_id, Some(world.superuser.id));
}

#[tokio::test]
async fn rotating_hands_out_a_secret_only_to_who_may_create_the_token() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant_group(&world.alice, GroupPermission::AddApiTokens)
        .await;
    let alice = world.as_user(&world.alice);
    let staff = world.as_user(&world.staff);
    let superuser = world.as_user(&world.superuser);
    let alices_user = tokens::create(store, &alice, input(&world, "a-user", TokenScope::User))
        .await
        .unwrap();
    let alices_token = tokens::create(store, &alice, input(&world, "a-token", TokenScope::Token))
        .await
        .unwrap();
    let global = tokens::create(store, &superuser, input(&world, "all", TokenScope::Global))
        .await
        .unwrap();

    // Staff see every token, but rotating one of someone else would give them its secret.
    for created in [&alices_user, &alices_token, &global] {
        let id = created.token.id;
        assert_forbidden(tokens::rotate(store, &staff, id, None).await);
        let unchanged = store.tokens().secrets(id).await.unwrap();
        assert_eq!(unchanged.current.expose(), created.secret.expose());
        assert!(unchanged.previous.is_none());
        tokens::get(store, &staff, id).await.unwrap();
    }

    // Its owner rotates it as long as they may create it; a superuser always.
    tokens::rotate(store, &alice, alices_user.token.id, None)
        .await
        .unwrap();
    tokens::rotate(store, &superuser, alices_token.token.id, None)
        .await
        .unwrap();
    tokens::rotate(store, &superuser, global.token.id, None)
        .await
        .unwrap();

    // A global token that a superuser handed to alice (through the CLI, say) is no way for
    // her to get a fresh global secret: rotating needs what creating it needs.
    let handed = store
        .tokens()
        .create(store::NewApiToken {
            user_id: Some(world.alice.id),
            scope: TokenScope::Global,
            ..store::NewApiToken::new("handed".to_owned(), world.group.id)
        })
        .await
        .unwrap();
    assert_forbidden(tokens::rotate(store, &alice, handed.token.id, None).await);

    // Without `add_apitokens` any more, alice cannot renew her own token's secret either.
    store
        .groups()
        .revoke(
            world.group.id,
            world.alice.id,
            GroupPermission::AddApiTokens,
        )
        .await
        .unwrap();
    assert_forbidden(tokens::rotate(store, &alice, alices_token.token.id, None).await);
}
