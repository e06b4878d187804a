//! Fixtures shared by the store's integration tests.

#![allow(dead_code)] // each test binary uses its own subset

use store::{NewServer, NewUser, Secret, ServerGroup, ServerState, Site, Store, User};

pub struct Fixture {
    pub site: Site,
    pub group: ServerGroup,
    pub user: User,
}

pub async fn fixture(store: &Store) -> Fixture {
    let site = store.sites().default_site().await.unwrap();
    let group = store.groups().create(site.id, "main").await.unwrap();
    let user = store
        .users()
        .create(NewUser::new(site.id, "alice"))
        .await
        .unwrap();
    Fixture { site, group, user }
}

pub fn new_server(group_id: i64, name: &str) -> NewServer {
    NewServer {
        group_id,
        name: name.to_owned(),
        api_url: format!("https://{name}.example.org/bigbluebutton/api/"),
        secret: Secret::new(format!("server-secret-of-{name}-0123456789")),
        weight: 1,
        state: ServerState::Enabled,
    }
}
