//! `bbb-gateway group …` and `bbb-gateway server …`: server groups and the BBB servers in
//! them, including draining a server before maintenance.

use std::time::{Duration, Instant};

use clap::Subcommand;
use service::{
    groups::VisibleGroup,
    model::{Secret, Server, ServerGroup, ServerState},
    servers::{ServerInput, ServerUpdate},
};

use super::{
    CliError, Operator, error::unless_not_found, parse_duration, read_secret_line, show_time, table,
};
use crate::{config::Config, error::GatewayError};

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

pub async fn run_group(config: &Config, command: GroupCommand) -> Result<(), CliError> {
    match command {
        GroupCommand::Create { name, site: domain } => {
            let operator = Operator::open(config, domain.as_deref()).await?;
            let created = service::groups::create(&operator.store, &operator.actor, &name).await?;
            println!(
                "created server group {} (id {}) in site {}",
                created.group.name,
                created.group.id,
                operator.site().domain
            );
            operator.close().await
        }
        GroupCommand::List { site: domain } => {
            let operator = Operator::open(config, domain.as_deref()).await?;
            let mut rows = Vec::new();
            for VisibleGroup { group, .. } in
                service::groups::list(&operator.store, &operator.actor).await?
            {
                let servers = service::servers::list(&operator.store, &operator.actor, group.id)
                    .await?
                    .len();
                rows.push(vec![group.id.to_string(), group.name, servers.to_string()]);
            }
            table::print(&["ID", "NAME", "SERVERS"], &rows);
            operator.close().await
        }
    }
}

pub async fn run_server(config: &Config, command: ServerCommand) -> Result<(), CliError> {
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
            let operator = Operator::open(config, domain.as_deref()).await?;
            let group = group_by_name(&operator, &group).await?;
            let (server, warning) = service::servers::add_as_operator(
                &operator.store,
                &operator.actor,
                ServerInput {
                    group_id: group.id,
                    name,
                    api_url: url,
                    secret: Secret::new(secret),
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
            operator.close().await
        }
        ServerCommand::List {
            group,
            site: domain,
        } => {
            let operator = Operator::open(config, domain.as_deref()).await?;
            let mut rows = Vec::new();
            for group in groups_named(&operator, group.as_deref()).await? {
                for server in
                    service::servers::list(&operator.store, &operator.actor, group.id).await?
                {
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
            operator.close().await
        }
        ServerCommand::Cordon(server) => set_state(config, &server, ServerState::Cordoned).await,
        ServerCommand::Enable(server) => set_state(config, &server, ServerState::Enabled).await,
        ServerCommand::Disable(server) => set_state(config, &server, ServerState::Disabled).await,
        ServerCommand::Drain {
            server,
            timeout,
            interval,
        } => {
            let operator = Operator::open(config, server.site.as_deref()).await?;
            drain(&operator, config, &server, timeout, interval).await?;
            operator.close().await
        }
    }
}

fn server_row(group: &ServerGroup, server: Server) -> Vec<String> {
    vec![
        group.name.clone(),
        server.name,
        server.api_url,
        server.weight.to_string(),
        server.state.as_str().to_owned(),
        server.health.as_str().to_owned(),
        show_time(server.last_polled_at),
        server.meeting_count.to_string(),
        server.attendee_count.to_string(),
        server.last_poll_error.unwrap_or_else(|| "-".to_owned()),
    ]
}

async fn set_state(
    config: &Config,
    reference: &ServerRef,
    state: ServerState,
) -> Result<(), CliError> {
    let operator = Operator::open(config, reference.site.as_deref()).await?;
    let server = find_server(&operator, reference).await?;
    change_state(&operator, &server, state).await?;
    println!("server {} is now {}", server.name, state.as_str());
    operator.close().await
}

async fn change_state(
    operator: &Operator,
    server: &Server,
    state: ServerState,
) -> Result<Server, CliError> {
    let update = ServerUpdate {
        state: Some(state),
        ..ServerUpdate::default()
    };
    Ok(service::servers::update(&operator.store, &operator.actor, server.id, update).await?)
}

/// Cordons the server, then asks it for its meetings every `interval` until none is left.
async fn drain(
    operator: &Operator,
    config: &Config,
    reference: &ServerRef,
    timeout: Option<Duration>,
    interval: Duration,
) -> Result<(), CliError> {
    let server = find_server(operator, reference).await?;
    if server.state != ServerState::Cordoned {
        change_state(operator, &server, ServerState::Cordoned).await?;
    }
    println!("cordoned {}: it gets no new meetings", server.name);
    let client = bbb_client::Client::builder()
        .timeout(config.bbb.request_timeout)
        .connect_timeout(config.bbb.connect_timeout)
        .outbound_policy(config.outbound_policy()?)
        .build()
        .map_err(GatewayError::from)?;
    let started = Instant::now();
    loop {
        let asked =
            service::servers::meetings_on(&operator.store, &operator.actor, &client, server.id)
                .await
                .map_err(GatewayError::caused(format!("server {}", server.name)))?;
        match asked {
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
            return Err(CliError::usage(format!(
                "server {} was not drained within {}; it stays cordoned",
                server.name,
                humantime_serde::re::humantime::format_duration(timeout)
            )));
        }
        tokio::time::sleep(interval).await;
    }
}

/// The server group `name` of the operator's site.
pub(super) async fn group_by_name(
    operator: &Operator,
    name: &str,
) -> Result<ServerGroup, CliError> {
    let found = service::groups::find_by_name(&operator.store, &operator.actor, name).await;
    Ok(unless_not_found(found, || {
        format!(
            "no server group `{name}` in site {}; create it with `bbb-gateway group create {name}`",
            operator.site().domain
        )
    })?
    .group)
}

/// The group `name`, or every group of the operator's site.
async fn groups_named(
    operator: &Operator,
    name: Option<&str>,
) -> Result<Vec<ServerGroup>, CliError> {
    Ok(match name {
        Some(name) => vec![group_by_name(operator, name).await?],
        None => service::groups::list(&operator.store, &operator.actor)
            .await?
            .into_iter()
            .map(|visible| visible.group)
            .collect(),
    })
}

async fn find_server(operator: &Operator, reference: &ServerRef) -> Result<Server, CliError> {
    let mut found = Vec::new();
    for group in groups_named(operator, reference.group.as_deref()).await? {
        found.extend(
            service::servers::list(&operator.store, &operator.actor, group.id)
                .await?
                .into_iter()
                .filter(|server| server.name == reference.name)
                .map(|server| (group.name.clone(), server)),
        );
    }
    match found.len() {
        0 => Err(CliError::usage(format!(
            "no server is named `{}`; see `bbb-gateway server list`",
            reference.name
        ))),
        1 => Ok(found.remove(0).1),
        _ => {
            let groups: Vec<String> = found.into_iter().map(|(group, _)| group).collect();
            Err(CliError::usage(format!(
                "several servers are named `{}` (groups {}); pick one with --group",
                reference.name,
                groups.join(", ")
            )))
        }
    }
}
