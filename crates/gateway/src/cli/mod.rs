//! The `bbb-gateway` command line: `serve`, and the admin commands of an operator, who has
//! direct access to the database. Admin commands call the store directly; its validation and
//! typed errors give the messages. Every failure ends the process with a non-zero status and
//! one line that names the problem.

mod migrate;
mod serve;
mod servers;
mod table;
mod tokens;
mod users;

use std::{
    io::{BufRead, IsTerminal},
    path::PathBuf,
    time::Duration,
};

use clap::{Parser, Subcommand};
use store::{Site, Store};

use crate::{
    config::{Config, Loaded, Sources},
    error::GatewayError,
    graphql,
};

/// bbb-gateway: a GraphQL API over BigBlueButton for frontend teams, and a multi-tenant,
/// load-balancing BBB endpoint.
///
/// Configuration comes from built-in defaults, then the TOML file given with --config, then
/// BBB_GATEWAY_* environment variables (nested keys joined with `__`, e.g.
/// BBB_GATEWAY_JWT__SECRET). See `bbb-gateway config show`.
///
/// The admin commands (migrate, user, group, token, server) work directly on the configured
/// database (`database_url`, and `secret_key` for anything holding secrets).
#[derive(Debug, Parser)]
#[command(name = "bbb-gateway", version, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, short, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: apply database migrations, then serve /graphql, /graphiql, the BBB
    /// API, /healthz, /readyz and /metrics until SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
    /// Apply, revert or list database migrations.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    /// Create users.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Create and list server groups.
    #[command(subcommand)]
    Group(servers::GroupCommand),
    /// Create, list, rotate and revoke API tokens of the BBB-compatible endpoint.
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// Add, list, cordon, enable, disable and drain BBB servers.
    #[command(subcommand)]
    Server(servers::ServerCommand),
    /// Write the GraphQL schema in SDL (the committed copy is schema.graphql).
    ExportSchema {
        /// Where to write it; `-` for standard output.
        #[arg(long, short, value_name = "PATH", default_value = "schema.graphql")]
        output: PathBuf,
    },
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration as TOML, secrets masked, then validate it.
    Show,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), GatewayError> {
    let file = cli.config;
    match cli.command {
        Command::Serve(args) => serve::serve(file, args).await,
        Command::Migrate(command) => migrate::run(&load_config(file)?, command).await,
        Command::User(command) => users::run(&load_config(file)?, command).await,
        Command::Group(command) => servers::run_group(&load_config(file)?, command).await,
        Command::Token(command) => tokens::run(&load_config(file)?, command).await,
        Command::Server(command) => servers::run_server(&load_config(file)?, command).await,
        Command::ExportSchema { output } => export_schema(&output),
        Command::Config(ConfigCommand::Show) => show_config(file),
    }
}

fn export_schema(output: &std::path::Path) -> Result<(), GatewayError> {
    let sdl = graphql::sdl();
    if output.as_os_str() == "-" {
        print!("{sdl}");
        return Ok(());
    }
    std::fs::write(output, sdl).map_err(|error| {
        GatewayError::internal(format!("cannot write {}: {error}", output.display()))
    })?;
    eprintln!("wrote {}", output.display());
    Ok(())
}

fn show_config(file: Option<PathBuf>) -> Result<(), GatewayError> {
    let loaded = Config::load(&Sources {
        file,
        dev_secrets: None,
    })?;
    print!("{}", loaded.config.to_masked_toml()?);
    warn_unknown_keys(&loaded.unknown_keys);
    loaded.config.validate()
}

/// The configuration of an admin command. Only what the command uses must be valid (a
/// database URL, the secret key), so it is not validated as a whole.
fn load_config(file: Option<PathBuf>) -> Result<Config, GatewayError> {
    let Loaded {
        config,
        unknown_keys,
    } = Config::load(&Sources {
        file,
        dev_secrets: None,
    })?;
    warn_unknown_keys(&unknown_keys);
    Ok(config)
}

fn warn_unknown_keys(keys: &[String]) {
    for key in keys {
        eprintln!("warning: unknown configuration key `{key}` is ignored");
    }
}

/// The database with its schema brought up to date, as `serve` would have it.
async fn open_store(config: &Config) -> Result<Store, GatewayError> {
    Ok(store::connect(Some(config.database_url()), config.secret_key()?).await?)
}

/// The site an admin command works in: the one with `domain`, or the default site.
async fn site(store: &Store, domain: Option<&str>) -> Result<Site, GatewayError> {
    match domain {
        None => Ok(store.sites().default_site().await?),
        Some(domain) => store.sites().find_by_domain(domain).await?.ok_or_else(|| {
            GatewayError::bad_field("site", format!("no site has the domain `{domain}`"))
        }),
    }
}

/// One line of standard input without its line break, for secrets that must not appear in
/// the process list or the shell history.
fn read_secret_line(what: &str) -> Result<String, GatewayError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("{what}: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|error| {
        GatewayError::bad_input(format!(
            "cannot read the {what} from standard input: {error}"
        ))
    })?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        return Err(GatewayError::bad_input(format!(
            "the {what} on standard input is empty"
        )));
    }
    Ok(secret)
}

/// A duration argument such as `30s`, `5m` or `1h30m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime_serde::re::humantime::parse_duration(text)
        .map_err(|error| format!("{error} (expected e.g. `30s`, `5m`, `2h`)"))
}

/// `2026-11-24 15:04:05 UTC`, or `never`.
fn show_time(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}
