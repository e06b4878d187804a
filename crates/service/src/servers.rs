//! BBB servers of a server group: add, change weight and state, remove, list. The secret goes
//! in encrypted (the store does that) and never comes out of this module.

use store::{NewServer, Secret, Server, ServerChanges, ServerState, Store};

use crate::groups::load_for_servers;
use crate::permissions::require_same_site;
use crate::{Actor, ServiceError};

/// A server to add.
#[derive(Debug, Clone)]
pub struct ServerInput {
    pub group_id: i64,
    pub name: String,
    /// The BBB API base URL; http or https.
    pub api_url: String,
    pub secret: Secret,
    pub weight: i32,
    pub state: ServerState,
}

/// What an operator changes on a running server; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ServerUpdate {
    pub weight: Option<i32>,
    pub state: Option<ServerState>,
}

fn validate_api_url(url: &str) -> Result<(), ServiceError> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host_and_path) if !host_and_path.is_empty() && !url.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(ServiceError::BadInput(
            "the server's API URL must be an http:// or https:// URL".to_owned(),
        )),
    }
}

fn validate_weight(weight: i32) -> Result<(), ServiceError> {
    if weight > 0 {
        Ok(())
    } else {
        Err(ServiceError::BadInput(
            "a server's weight must be positive".to_owned(),
        ))
    }
}

/// Adds a server. Needs `add_servers` on the group (or staff).
pub async fn add(store: &Store, actor: &Actor, input: ServerInput) -> Result<Server, ServiceError> {
    load_for_servers(store, actor, input.group_id).await?;
    validate_api_url(&input.api_url)?;
    validate_weight(input.weight)?;
    if input.secret.expose().trim().is_empty() {
        return Err(ServiceError::BadInput(
            "the server's secret must not be empty".to_owned(),
        ));
    }
    Ok(store
        .servers()
        .add(NewServer {
            group_id: input.group_id,
            name: input.name,
            api_url: input.api_url.trim().to_owned(),
            secret: input.secret,
            weight: input.weight,
            state: input.state,
        })
        .await?)
}

/// A server the actor may manage (`add_servers` on its group, or staff).
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Server, ServiceError> {
    actor.require_user()?;
    let server = store.servers().get(id).await?;
    let group = store.groups().get(server.group_id).await?;
    require_same_site(actor, group.site_id, "server")?;
    load_for_servers(store, actor, server.group_id).await?;
    Ok(server)
}

/// Changes weight and administrative state (enabled, cordoned, disabled).
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    update: ServerUpdate,
) -> Result<Server, ServiceError> {
    get(store, actor, id).await?;
    if let Some(weight) = update.weight {
        validate_weight(weight)?;
    }
    Ok(store
        .servers()
        .update(
            id,
            ServerChanges {
                weight: update.weight,
                state: update.state,
                ..ServerChanges::default()
            },
        )
        .await?)
}

/// Removes a server; returns it as it was.
pub async fn remove(store: &Store, actor: &Actor, id: i64) -> Result<Server, ServiceError> {
    let server = get(store, actor, id).await?;
    store.servers().remove(id).await?;
    Ok(server)
}

/// The servers of a group.
pub async fn list(
    store: &Store,
    actor: &Actor,
    group_id: i64,
) -> Result<Vec<Server>, ServiceError> {
    load_for_servers(store, actor, group_id).await?;
    Ok(store.servers().list(group_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_must_be_http_or_https() {
        assert!(validate_api_url("https://bbb.example.org/bigbluebutton/api/").is_ok());
        assert!(validate_api_url("http://10.0.0.1:8090/bigbluebutton/api").is_ok());
        for bad in [
            "",
            "https://",
            "ftp://bbb.example.org",
            "bbb.example.org",
            "https://a b",
        ] {
            assert!(validate_api_url(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn weights_must_be_positive() {
        assert!(validate_weight(1).is_ok());
        assert!(validate_weight(0).is_err());
        assert!(validate_weight(-3).is_err());
    }
}
