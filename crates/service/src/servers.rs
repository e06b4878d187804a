//! BBB servers of a server group: add, change weight and state, remove, list. The secret goes
//! in encrypted (the store does that) and never comes out of this module.
//!
//! A server's URL is checked when it is written by the rule every BBB call is later made with
//! ([`bbb_client::parse_api_url`]), so that a stored URL always makes a usable server, and by
//! the operator's outbound rule: a group admin must not aim the gateway's poller at loopback or
//! the private network unless the operator admits it (`outbound.allow`). The operator's own
//! CLI may add such a server anyway, with a warning ([`add_as_operator`]).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bbb_client::OutboundPolicy;
use store::{NewServer, Secret, Server, ServerChanges, ServerState, Store};

use crate::groups::load_for_servers;
use crate::permissions::{
    can_override_outbound_rule, can_reconnect_servers, require, require_same_site,
};
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

/// Where a server is reached: its BBB API URL and the shared secret calls are signed with.
#[derive(Debug, Clone)]
pub struct ServerConnection {
    pub api_url: String,
    pub secret: Secret,
}

/// The input field a server's URL comes in, as error messages name it.
const API_URL_FIELD: &str = "apiUrl";

/// How long a write waits for the URL's host name to resolve before leaving the outbound
/// check to the connections (which check every time anyway).
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

/// The URL as it is stored (trimmed), if it passes the rule BBB calls are made with: http or
/// https, a host, a valid port, no credentials, no query and no fragment.
pub fn validate_api_url(url: &str) -> Result<String, ServiceError> {
    bbb_client::parse_api_url(url).map_err(|error| ServiceError::BadField {
        field: API_URL_FIELD,
        message: match error {
            bbb_client::Error::InvalidInput(reason) => format!("invalid API URL: {reason}"),
            other => format!("invalid API URL: {other}"),
        },
    })?;
    Ok(url.trim().to_owned())
}

/// Why `outbound` would refuse connections to the server at `url` (already validated), if it
/// would: an IP address it does not admit, or a name whose every address it refuses. A name
/// that does not resolve (yet) passes: connections are checked again each time.
pub async fn outbound_refusal(url: &str, outbound: &OutboundPolicy) -> Option<String> {
    if !outbound.is_public_only() {
        return None;
    }
    let parsed = bbb_client::parse_api_url(url).ok()?;
    let host = parsed
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = parsed.port_or_known_default()?;
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(address) => vec![SocketAddr::new(address, port)],
        Err(_) => {
            match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port))).await
            {
                Ok(Ok(found)) => found.collect(),
                _ => return None,
            }
        }
    };
    let mut refusals = addresses
        .iter()
        .map(|address| outbound.check(host, address.ip()));
    let first = refusals.next()?;
    // Admitted when any address is: connections then go to the admitted ones only.
    match first {
        Ok(()) => None,
        Err(refused) if refusals.all(|other| other.is_err()) => Some(refused.to_string()),
        Err(_) => None,
    }
}

/// The error for a URL the outbound rule refuses.
fn refused_url(reason: String) -> ServiceError {
    ServiceError::BadField {
        field: API_URL_FIELD,
        message: format!(
            "the gateway may not connect to this server: {reason}; the operator can admit it \
             with `outbound.allow` in the configuration"
        ),
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

/// Adds a server. Needs `add_servers` on the group (or staff). Its URL must pass the URL rule
/// and the outbound rule.
pub async fn add(
    store: &Store,
    actor: &Actor,
    input: ServerInput,
    outbound: &OutboundPolicy,
) -> Result<Server, ServiceError> {
    load_for_servers(store, actor, input.group_id).await?;
    let api_url = validate_input(&input)?;
    if let Some(reason) = outbound_refusal(&api_url, outbound).await {
        return Err(refused_url(reason));
    }
    insert(store, input, api_url).await
}

/// Adds a server for the operator (the admin CLI), who holds `add_servers` on every group of
/// the site. The URL rule applies, and a URL the outbound rule refuses is added anyway — the
/// operator writes that rule and may be about to admit it — with the refusal returned as a
/// warning to show. Nobody else may ([`can_override_outbound_rule`]): for them, [`add`].
pub async fn add_as_operator(
    store: &Store,
    actor: &Actor,
    input: ServerInput,
    outbound: &OutboundPolicy,
) -> Result<(Server, Option<String>), ServiceError> {
    require(
        can_override_outbound_rule(actor),
        "only the operator may add a server the outbound rule refuses",
    )?;
    load_for_servers(store, actor, input.group_id).await?;
    let api_url = validate_input(&input)?;
    let warning = outbound_refusal(&api_url, outbound).await;
    Ok((insert(store, input, api_url).await?, warning))
}

/// Checks what a new server is made of; the URL as stored.
fn validate_input(input: &ServerInput) -> Result<String, ServiceError> {
    let api_url = validate_api_url(&input.api_url)?;
    validate_weight(input.weight)?;
    validate_secret(&input.secret)?;
    Ok(api_url)
}

fn validate_secret(secret: &Secret) -> Result<(), ServiceError> {
    if secret.expose().trim().is_empty() {
        return Err(ServiceError::BadInput(
            "the server's secret must not be empty".to_owned(),
        ));
    }
    Ok(())
}

async fn insert(
    store: &Store,
    input: ServerInput,
    api_url: String,
) -> Result<Server, ServiceError> {
    Ok(store
        .servers()
        .add(NewServer {
            group_id: input.group_id,
            name: input.name,
            api_url,
            secret: input.secret,
            weight: input.weight,
            state: input.state,
        })
        .await?)
}

/// A server the actor may manage (`add_servers` on its group, or staff).
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Server, ServiceError> {
    actor.require_authenticated()?;
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

/// Points a server at another URL and secret (a reinstalled or moved BBB server; the
/// simulators `serve --dev` starts on new ports each time), with `update`'s changes in the
/// same write. The operator only ([`can_reconnect_servers`]). The URL rule applies; a URL the
/// outbound rule refuses is taken as by [`add_as_operator`], with the refusal returned as a
/// warning to show — checked here too, so that widening who may reconnect never widens who
/// may override the outbound rule.
pub async fn reconnect_as_operator(
    store: &Store,
    actor: &Actor,
    id: i64,
    connection: ServerConnection,
    update: ServerUpdate,
    outbound: &OutboundPolicy,
) -> Result<(Server, Option<String>), ServiceError> {
    require(
        can_reconnect_servers(actor),
        "only the operator may point a server at another URL and secret",
    )?;
    get(store, actor, id).await?;
    let api_url = validate_api_url(&connection.api_url)?;
    validate_secret(&connection.secret)?;
    if let Some(weight) = update.weight {
        validate_weight(weight)?;
    }
    let warning = outbound_refusal(&api_url, outbound).await;
    if let Some(reason) = &warning
        && !can_override_outbound_rule(actor)
    {
        return Err(refused_url(reason.clone()));
    }
    let server = store
        .servers()
        .update(
            id,
            ServerChanges {
                api_url: Some(api_url),
                secret: Some(connection.secret),
                weight: update.weight,
                state: update.state,
                ..ServerChanges::default()
            },
        )
        .await?;
    Ok((server, warning))
}

/// The meetings BBB reports on a server the actor may manage (`server drain` watches them
/// go): its secret stays in the service. The outer error is the actor's or the server row's
/// (a URL or secret no call can be made with), the inner one the BBB call's.
pub async fn meetings_on(
    store: &Store,
    actor: &Actor,
    client: &bbb_client::Client,
    id: i64,
) -> Result<Result<Vec<bbb_client::model::MeetingInfo>, bbb_client::Error>, ServiceError> {
    let server = get(store, actor, id).await?;
    let endpoint = crate::bbb::endpoint(store, &server)?;
    Ok(client.get_meetings(&endpoint).await)
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

/// The servers of the group an API token works in (the actor's), each with the client-side
/// endpoint calls are made with, its secret decrypted: the BBB endpoint calls them on the
/// token's behalf. A row no call can be made with (an older database's URL, a secret under
/// another key) is left out, logged as an error by [`crate::bbb::endpoint`]: the group's
/// other servers keep serving, and the balancer never picks the bad one.
pub async fn for_api_token(
    store: &Store,
    actor: &Actor,
) -> Result<Vec<(Server, bbb_client::Server)>, ServiceError> {
    let token = actor.api_token_used().ok_or(ServiceError::Forbidden(
        "the servers of a group are called through an API token of the group",
    ))?;
    Ok(store
        .servers()
        .list(token.group_id)
        .await?
        .into_iter()
        .filter_map(|row| {
            let api = crate::bbb::endpoint(store, &row).ok()?;
            Some((row, api))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_follow_the_rule_bbb_calls_are_made_with() {
        assert_eq!(
            validate_api_url(" https://bbb.example.org/bigbluebutton/api/ ").unwrap(),
            "https://bbb.example.org/bigbluebutton/api/"
        );
        assert!(validate_api_url("http://10.0.0.1:8090/bigbluebutton/api").is_ok());
        for bad in [
            "",
            "https://",
            "ftp://bbb.example.org",
            "bbb.example.org",
            "https://a b",
            "https://bbb.example.org/bigbluebutton/api/?x=1",
            "https://bbb.example.org/bigbluebutton/api/#x",
            "https://admin:pw@bbb.example.org/bigbluebutton/api/",
            "https://bbb.example.org:99999/bigbluebutton/api/",
            "https://bbb.example.org:0/bigbluebutton/api/",
        ] {
            match validate_api_url(bad) {
                Err(ServiceError::BadField { field, message }) => {
                    assert_eq!(field, "apiUrl");
                    assert!(!message.contains("pw@"), "{message}");
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn the_outbound_rule_refuses_special_addresses_unless_allowed() {
        let strict = OutboundPolicy::public_only();
        for url in [
            "http://127.0.0.1:8090/bigbluebutton/api/",
            "http://localhost:8090/bigbluebutton/api/",
            "http://[::1]/bigbluebutton/api/",
            "http://169.254.169.254/latest/",
            "https://10.1.2.3/bigbluebutton/api/",
        ] {
            assert!(outbound_refusal(url, &strict).await.is_some(), "{url}");
        }
        assert!(
            outbound_refusal("https://8.8.8.8/bigbluebutton/api/", &strict)
                .await
                .is_none()
        );
        let private = strict.allow("10.0.0.0/8").unwrap();
        assert!(
            outbound_refusal("https://10.1.2.3/bigbluebutton/api/", &private)
                .await
                .is_none()
        );
        assert!(
            outbound_refusal("http://127.0.0.1/", &OutboundPolicy::unrestricted())
                .await
                .is_none()
        );
    }

    #[test]
    fn weights_must_be_positive() {
        assert!(validate_weight(1).is_ok());
        assert!(validate_weight(0).is_err());
        assert!(validate_weight(-3).is_err());
    }
}
