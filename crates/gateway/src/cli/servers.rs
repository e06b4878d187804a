//! `bbb-gateway group …` and `bbb-gateway server …`: server groups and the BBB servers in
//! them, including draining a server before maintenance.

use std::time::{Duration, Instant};

use clap::Subcommand;
use store::{Server, ServerGroup, ServerState, Site, Store};

use super::{open_store, parse_duration, read_secret_line, show_time, site, table};
use crate::{
    config::Config,
    error::GatewayError,
    http::{health_name, state_name},
};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a server group (servers and API tokens belong to one).
    Create {
        name: String,
        /// Domain of the group's site; the default site when absent.
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
    /// List the server groups of a site.
    List {
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
}

/// Names a server: by name, with its group when the name alone is ambiguous.
#[derive(Debug, clap::Args)]
pub struct ServerRef {
    /// The server's name.
    name: String,
    /// Its server group; needed only when several groups have a server of that name.
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// Domain of the site; the default site when absent.
    #[arg(long, value_name = "DOMAIN")]
    site: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Add a BBB server to a group. It is polled before it gets meetings.
    Add {
        /// Name, unique in the group (e.g. `bbb-1`).
        name: String,
        #[arg(long, value_name = "GROUP")]
        group: String,
        /// BBB API base URL, e.g. https://bbb1.example.org/bigbluebutton/api/
        #[arg(long, value_name = "URL")]
        url: String,
        /// The server's shared secret (`bbb-conf --secret`); prefer --secret-stdin, which
        /// keeps it out of the process list and shell history.
        #[arg(
            long,
            value_name = "SECRET",
            conflicts_with = "secret_stdin",
            required_unless_present = "secret_stdin"
        )]
        secret: Option<String>,
        /// Read the shared secret from the first line of standard input.
        #[arg(long)]
        secret_stdin: bool,
        /// Relative capacity: load is divided by it.
        #[arg(long, value_name = "N", default_value_t = 1)]
        weight: i32,
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
    /// List servers with their state, health, last poll and load.
    List {
        /// Only the servers of this group.
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
    /// Stop giving the server new meetings; running ones continue.
    Cordon(ServerRef),
    /// Let the server take new meetings again.
    Enable(ServerRef),
    /// Take the server out of use entirely.
    Disable(ServerRef),
    /// Cordon the server, then wait until its meetings have ended, printing progress.
    Drain {
        #[command(flatten)]
        server: ServerRef,
        /// Give up (exit status 1; the server stays cordoned) after this long.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        timeout: Option<Duration>,
        /// Time between two looks at the server.
        #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
        interval: Duration,
    },
}

pub async fn run_group(config: &Config, command: GroupCommand) -> Result<(), GatewayError> {
    let store = open_store(config).await?;
    match command {
        GroupCommand::Create { name, site: domain } => {
            let site = site(&store, domain.as_deref()).await?;
            let group = store.groups().create(site.id, &name).await?;
            println!(
                "created server group {} (id {}) in site {}",
                group.name, group.id, site.domain
            );
        }
        GroupCommand::List { site: domain } => {
            let site = site(&store, domain.as_deref()).await?;
            let mut rows = Vec::new();
            for group in store.groups().list(site.id).await? {
                let servers = store.servers().list(group.id).await?.len();
                rows.push(vec![group.id.to_string(), group.name, servers.to_string()]);
            }
            table::print(&["ID", "NAME", "SERVERS"], &rows);
        }
    }
    store.close().await?;
    Ok(())
}

pub async fn run_server(config: &Config, command: ServerCommand) -> Result<(), GatewayError> {
    let store = open_store(config).await?;
    match command {
        ServerCommand::Add {
            name,
            group,
            url,
            secret,
            secret_stdin,
            weight,
            site: domain,
        } => {
            let secret = match secret {
                Some(secret) if !secret_stdin => secret,
                _ => read_secret_line("server secret")?,
            };
            let site = site(&store, domain.as_deref()).await?;
            let group = group_by_name(&store, &site, &group).await?;
            let (server, warning) = service::servers::add_as_operator(
                &store,
                service::servers::ServerInput {
                    group_id: group.id,
                    name,
                    api_url: url,
                    secret: store::Secret::new(secret),
                    weight,
                    state: ServerState::Enabled,
                },
                &config.outbound_policy()?,
            )
            .await?;
            if let Some(reason) = warning {
                eprintln!(
                    "bbb-gateway: warning: the gateway will not connect to server {}: {reason}; \
                     admit it with `outbound.allow` in the configuration (e.g. \
                     outbound.allow = [\"10.0.0.0/8\"])",
                    server.name
                );
            }
            println!(
                "added server {} (id {}) to group {}: {}",
                server.name, server.id, group.name, server.api_url
            );
        }
        ServerCommand::List {
            group,
            site: domain,
        } => {
            let site = site(&store, domain.as_deref()).await?;
            let groups = match group {
                Some(group) => vec![group_by_name(&store, &site, &group).await?],
                None => store.groups().list(site.id).await?,
            };
            let mut rows = Vec::new();
            for group in groups {
                for server in store.servers().list(group.id).await? {
                    rows.push(server_row(&group, server));
                }
            }
            table::print(
                &[
                    "GROUP",
                    "NAME",
                    "URL",
                    "WEIGHT",
                    "STATE",
                    "HEALTH",
                    "LAST_POLL",
                    "MEETINGS",
                    "ATTENDEES",
                    "LAST_ERROR",
                ],
                &rows,
            );
        }
        ServerCommand::Cordon(server) => set_state(&store, &server, ServerState::Cordoned).await?,
        ServerCommand::Enable(server) => set_state(&store, &server, ServerState::Enabled).await?,
        ServerCommand::Disable(server) => set_state(&store, &server, ServerState::Disabled).await?,
        ServerCommand::Drain {
            server,
            timeout,
            interval,
        } => drain(&store, config, &server, timeout, interval).await?,
    }
    store.close().await?;
    Ok(())
}

fn server_row(group: &ServerGroup, server: Server) -> Vec<String> {
    vec![
        group.name.clone(),
        server.name,
        server.api_url,
        server.weight.to_string(),
        state_name(server.state).to_owned(),
        health_name(server.health).to_owned(),
        show_time(server.last_polled_at),
        server.meeting_count.to_string(),
        server.attendee_count.to_string(),
        server.last_poll_error.unwrap_or_else(|| "-".to_owned()),
    ]
}

async fn set_state(
    store: &Store,
    reference: &ServerRef,
    state: ServerState,
) -> Result<(), GatewayError> {
    let server = find_server(store, reference).await?;
    store.servers().set_state(server.id, state).await?;
    println!("server {} is now {}", server.name, state_name(state));
    Ok(())
}

/// Cordons the server, then asks it for its meetings every `interval` until none is left.
async fn drain(
    store: &Store,
    config: &Config,
    reference: &ServerRef,
    timeout: Option<Duration>,
    interval: Duration,
) -> Result<(), GatewayError> {
    let server = find_server(store, reference).await?;
    if server.state != ServerState::Cordoned {
        store
            .servers()
            .set_state(server.id, ServerState::Cordoned)
            .await?;
    }
    println!("cordoned {}: it gets no new meetings", server.name);
    let endpoint = service::bbb::endpoint(store, &server)
        .map_err(|error| GatewayError::internal(format!("server {}: {error}", server.name)))?;
    let client = bbb_client::Client::builder()
        .timeout(config.bbb.request_timeout)
        .connect_timeout(config.bbb.connect_timeout)
        .outbound_policy(config.outbound_policy()?)
        .build()?;
    let started = Instant::now();
    loop {
        match client.get_meetings(&endpoint).await {
            Ok(meetings) => {
                let running: Vec<_> = meetings
                    .iter()
                    .filter(|meeting| !meeting.has_been_forcibly_ended)
                    .collect();
                let attendees: u64 = running
                    .iter()
                    .map(|meeting| u64::from(meeting.participant_count))
                    .sum();
                if running.is_empty() {
                    println!("drained {}: no meetings left", server.name);
                    return Ok(());
                }
                println!(
                    "draining {}: {} meetings, {attendees} attendees left",
                    server.name,
                    running.len()
                );
            }
            Err(error) => println!("draining {}: cannot ask the server ({error})", server.name),
        }
        if let Some(timeout) = timeout
            && started.elapsed() + interval > timeout
        {
            return Err(GatewayError::bad_input(format!(
                "server {} was not drained within {}; it stays cordoned",
                server.name,
                humantime_serde::re::humantime::format_duration(timeout)
            )));
        }
        tokio::time::sleep(interval).await;
    }
}

pub(super) async fn group_by_name(
    store: &Store,
    site: &Site,
    name: &str,
) -> Result<ServerGroup, GatewayError> {
    store
        .groups()
        .find_by_name(site.id, name)
        .await?
        .ok_or_else(|| {
            GatewayError::bad_field(
                "group",
                format!(
                    "no server group `{name}` in site {}; create it with `bbb-gateway group create {name}`",
                    site.domain
                ),
            )
        })
}

async fn find_server(store: &Store, reference: &ServerRef) -> Result<Server, GatewayError> {
    let site = site(store, reference.site.as_deref()).await?;
    let groups = match &reference.group {
        Some(group) => vec![group_by_name(store, &site, group).await?],
        None => store.groups().list(site.id).await?,
    };
    let mut found = Vec::new();
    for group in groups {
        found.extend(
            store
                .servers()
                .list(group.id)
                .await?
                .into_iter()
                .filter(|server| server.name == reference.name)
                .map(|server| (group.name.clone(), server)),
        );
    }
    match found.len() {
        0 => Err(GatewayError::bad_field(
            "name",
            format!(
                "no server is named `{}`; see `bbb-gateway server list`",
                reference.name
            ),
        )),
        1 => Ok(found.remove(0).1),
        _ => {
            let groups: Vec<String> = found.into_iter().map(|(group, _)| group).collect();
            Err(GatewayError::bad_field(
                "name",
                format!(
                    "several servers are named `{}` (groups {}); pick one with --group",
                    reference.name,
                    groups.join(", ")
                ),
            ))
        }
    }
}
