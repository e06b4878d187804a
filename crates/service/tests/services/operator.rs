//! The operator (the admin CLI) through the same services as everybody: it holds every
//! permission of the site it acts in, and nothing of another site; what only it may do
//! (create users, adopt a token secret, add a server the outbound rule refuses, find a token
//! by name in any site) stays refused to every user, superusers included.

use bbb_client::OutboundPolicy;
use service::{
    Actor, groups,
    servers::{self, ServerConnection, ServerInput, ServerUpdate},
    tokens::{self, ApiTokenInput},
    users::{self, NewLocalUser, UserRef},
};
use store::{Secret, ServerState, TokenScope};

use crate::fixture::*;

fn operator(world: &World) -> Actor {
    Actor::operator(world.site.clone())
}

fn token_input(world: &World, name: &str, scope: TokenScope) -> ApiTokenInput {
    ApiTokenInput {
        name: name.to_owned(),
        group_id: world.group.id,
        scope,
        max_meetings: None,
        max_attendees: None,
    }
}

fn local_user(name: &str) -> NewLocalUser {
    NewLocalUser {
        username: name.to_owned(),
        display_name: name.to_owned(),
        email: String::new(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        is_staff: false,
        is_superuser: true,
    }
}

fn loopback_server(world: &World, name: &str) -> ServerInput {
    ServerInput {
        group_id: world.group.id,
        name: name.to_owned(),
        api_url: "http://127.0.0.1:8090/bigbluebutton/api/".to_owned(),
        secret: Secret::new("s3cret"),
        weight: 1,
        state: ServerState::Enabled,
    }
}

#[tokio::test]
async fn the_operator_manages_groups_servers_tokens_and_users_of_its_site() {
    let world = World::new().await;
    let store = world.store();
    let operator = operator(&world);

    let created = groups::create(store, &operator, "lectures").await.unwrap();
    let found = groups::find_by_name(store, &operator, "lectures")
        .await
        .unwrap();
    assert_eq!(found.group.id, created.group.id);
    let listed = groups::list(store, &operator).await.unwrap();
    assert_eq!(listed.len(), 2, "main and lectures");

    let (server, warning) = servers::add_as_operator(
        store,
        &operator,
        loopback_server(&world, "local"),
        &OutboundPolicy::public_only(),
    )
    .await
    .unwrap();
    assert!(warning.is_some_and(|reason| reason.contains("loopback")));
    assert_eq!(
        servers::list(store, &operator, world.group.id)
            .await
            .unwrap()
            .len(),
        1
    );
    servers::update(
        store,
        &operator,
        server.id,
        servers::ServerUpdate {
            state: Some(ServerState::Cordoned),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let created = tokens::create_for(
        store,
        &operator,
        token_input(&world, "lms", TokenScope::Global),
        Some(&UserRef::Username("alice".to_owned())),
        Some(Secret::new("an-adopted-secret")),
    )
    .await
    .unwrap();
    assert_eq!(created.token.user_id, Some(world.alice.id));
    assert_eq!(created.secret.expose(), "an-adopted-secret");
    let (site, located) = tokens::locate_by_name(store, &operator, "lms")
        .await
        .unwrap();
    assert_eq!((site.id, located.id), (world.site.id, created.token.id));
    tokens::rotate(store, &operator, created.token.id, None)
        .await
        .unwrap();
    tokens::delete(store, &operator, created.token.id)
        .await
        .unwrap();

    let user = users::create_local(store, &operator, local_user("admin"))
        .await
        .unwrap();
    assert!(user.is_superuser && user.password_hash.is_some());
    assert!(
        users::list(store, &operator)
            .await
            .unwrap()
            .iter()
            .any(|listed| listed.id == user.id)
    );
}

#[tokio::test]
async fn the_operator_of_one_site_finds_nothing_of_another() {
    let world = World::new().await;
    let store = world.store();
    let operator = operator(&world);
    assert_not_found(groups::find_by_name(store, &operator, "theirs").await);
    assert_not_found(groups::get(store, &operator, world.other_group.id).await);
    assert_not_found(servers::list(store, &operator, world.other_group.id).await);
    assert_not_found(
        tokens::create_for(
            store,
            &operator,
            token_input(&world, "t", TokenScope::Token),
            Some(&UserRef::Username("carol".to_owned())),
            None,
        )
        .await,
    );
    let other_token = tokens::create_for(
        store,
        &Actor::operator(world.other_site.clone()),
        ApiTokenInput {
            group_id: world.other_group.id,
            ..token_input(&world, "theirs", TokenScope::Token)
        },
        None,
        None,
    )
    .await
    .unwrap();
    assert_not_found(tokens::get(store, &operator, other_token.token.id).await);
    assert_not_found(tokens::delete(store, &operator, other_token.token.id).await);
    // Found by name (names are unique across sites), then acted on in its own site only.
    let (site, _) = tokens::locate_by_name(store, &operator, "theirs")
        .await
        .unwrap();
    assert_eq!(site.id, world.other_site.id);
}

#[tokio::test]
async fn what_only_the_operator_may_do_stays_refused_to_superusers() {
    let world = World::new().await;
    let store = world.store();
    for user in [&world.superuser, &world.staff, &world.alice] {
        let actor = world.as_user(user);
        assert_forbidden(users::create_local(store, &actor, local_user("sneaky")).await);
        assert_forbidden(
            tokens::create_for(
                store,
                &actor,
                token_input(&world, "chosen", TokenScope::Token),
                Some(&UserRef::Id(user.id)),
                Some(Secret::new("a-secret-i-know")),
            )
            .await,
        );
        assert_forbidden(
            servers::add_as_operator(
                store,
                &actor,
                loopback_server(&world, "sneaky"),
                &OutboundPolicy::public_only(),
            )
            .await,
        );
        assert_forbidden(tokens::locate_by_name(store, &actor, "anything").await);
    }
    assert_forbidden(users::list(store, &world.as_user(&world.alice)).await);
    assert_unauthenticated(users::list(store, &world.anonymous()).await);
    let site_users = store.users().list(world.site.id).await.unwrap();
    assert!(site_users.iter().all(|user| user.username != "sneaky"));
    assert!(
        store
            .tokens()
            .find_by_name("chosen")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .servers()
            .list(world.group.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn staff_may_not_issue_a_token_for_somebody_else_through_create_for() {
    let world = World::new().await;
    let store = world.store();
    // The rule that guards `create` guards the owner named here too.
    assert_forbidden(
        tokens::create_for(
            store,
            &world.as_user(&world.staff),
            token_input(&world, "as-alice", TokenScope::User),
            Some(&UserRef::Id(world.alice.id)),
            None,
        )
        .await,
    );
    let by_superuser = tokens::create_for(
        store,
        &world.as_user(&world.superuser),
        token_input(&world, "for-alice", TokenScope::User),
        Some(&UserRef::Id(world.alice.id)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(by_superuser.token.user_id, Some(world.alice.id));
}

#[tokio::test]
async fn only_the_operator_points_a_server_at_another_url_and_secret() {
    let world = World::new().await;
    let store = world.store();
    let operator = operator(&world);
    let public_only = OutboundPolicy::public_only();
    let (server, _) = servers::add_as_operator(
        store,
        &operator,
        loopback_server(&world, "moving"),
        &public_only,
    )
    .await
    .unwrap();
    let connection = |api_url: &str, secret: &str| ServerConnection {
        api_url: api_url.to_owned(),
        secret: Secret::new(secret),
    };
    let moved = || connection("https://8.8.8.8/bigbluebutton/api/", "n3w");

    for user in [&world.superuser, &world.staff, &world.alice] {
        assert_forbidden(
            servers::reconnect_as_operator(
                store,
                &world.as_user(user),
                server.id,
                moved(),
                ServerUpdate::default(),
                &public_only,
            )
            .await,
        );
    }
    let unchanged = store.servers().get(server.id).await.unwrap();
    assert_eq!(unchanged.api_url, server.api_url);
    assert_eq!(
        store.servers().secret(&unchanged).unwrap().expose(),
        "s3cret"
    );

    // The rules a new server's URL and secret follow hold for the new ones.
    assert_bad_input(
        servers::reconnect_as_operator(
            store,
            &operator,
            server.id,
            connection("ftp://bbb.example.org/", "n3w"),
            ServerUpdate::default(),
            &public_only,
        )
        .await,
        "API URL",
    );
    assert_bad_input(
        servers::reconnect_as_operator(
            store,
            &operator,
            server.id,
            connection("https://8.8.8.8/bigbluebutton/api/", "  "),
            ServerUpdate::default(),
            &public_only,
        )
        .await,
        "secret",
    );

    let (reconnected, warning) = servers::reconnect_as_operator(
        store,
        &operator,
        server.id,
        moved(),
        ServerUpdate {
            state: Some(ServerState::Cordoned),
            ..ServerUpdate::default()
        },
        &public_only,
    )
    .await
    .unwrap();
    assert!(warning.is_none(), "{warning:?}");
    assert_eq!(reconnected.api_url, "https://8.8.8.8/bigbluebutton/api/");
    assert_eq!(reconnected.state, ServerState::Cordoned);
    assert_eq!(
        store.servers().secret(&reconnected).unwrap().expose(),
        "n3w"
    );

    // Like adding one, the operator may aim a server where the outbound rule refuses, warned.
    let (_, warning) = servers::reconnect_as_operator(
        store,
        &operator,
        server.id,
        connection("http://127.0.0.1:8091/bigbluebutton/api/", "n3w"),
        ServerUpdate::default(),
        &public_only,
    )
    .await
    .unwrap();
    assert!(warning.is_some_and(|reason| reason.contains("loopback")));
}
