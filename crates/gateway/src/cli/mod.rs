//! The `bbb-gateway` command line: `serve`, and the admin commands of an operator, who has
//! direct access to the database. Admin commands act as [`Actor::operator`] through the same
//! service functions as every other front door, so the service's rules and validation apply
//! (the operator holds every permission of the site it works in). Every failure ends the
//! process with a non-zero status and one line that names the problem ([`CliError`]).

mod error;
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
use service::{Actor, Store, model::Site};

pub use self::error::CliError;
use crate::{
    app,
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
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let file = cli.config;
    match cli.command {
        Command::Serve(args) => Ok(serve::serve(file, args).await?),
        Command::Migrate(command) => migrate::run(&load_config(file)?, command).await,
        Command::User(command) => users::run(&load_config(file)?, command).await,
        Command::Group(command) => servers::run_group(&load_config(file)?, command).await,
        Command::Token(command) => tokens::run(&load_config(file)?, command).await,
        Command::Server(command) => servers::run_server(&load_config(file)?, command).await,
        Command::ExportSchema { output } => export_schema(&output),
        Command::Config(ConfigCommand::Show) => show_config(file),
    }
}

fn export_schema(output: &std::path::Path) -> Result<(), CliError> {
    let sdl = graphql::sdl();
    if output.as_os_str() == "-" {
        print!("{sdl}");
        return Ok(());
    }
    std::fs::write(output, sdl).map_err(GatewayError::caused(format!(
        "cannot write {}",
        output.display()
    )))?;
    eprintln!("wrote {}", output.display());
    Ok(())
}

fn show_config(file: Option<PathBuf>) -> Result<(), CliError> {
    let loaded = Config::load(&Sources {
        file,
        dev_secrets: None,
    })?;
    print!("{}", loaded.config.to_masked_toml()?);
    warn_unknown_keys(&loaded.unknown_keys);
    Ok(loaded.config.validate()?)
}

/// The configuration of an admin command. Only what the command uses must be valid (a
/// database URL, the secret key), so it is not validated as a whole.
fn load_config(file: Option<PathBuf>) -> Result<Config, CliError> {
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

/// The operator at work: the database (with its schema brought up to date, as `serve` would
/// have it) and the actor every service is called as.
struct Operator {
    store: Store,
    actor: Actor,
}

impl Operator {
    /// The operator in the site with `domain`, or in the default site.
    async fn open(config: &Config, domain: Option<&str>) -> Result<Operator, CliError> {
        let store = app::open_store(config).await?;
        let site = site(&store, domain).await?;
        Ok(Operator {
            store,
            actor: Actor::operator(site),
        })
    }

    /// The same operator, at work in `site`.
    fn move_to(&mut self, site: Site) {
        self.actor = Actor::operator(site);
    }

    fn site(&self) -> &Site {
        &self.actor.site
    }

    async fn close(self) -> Result<(), CliError> {
        Ok(app::close_store(self.store).await?)
    }
}

/// The site an admin command works in: the one with `domain`, or the default site.
async fn site(store: &Store, domain: Option<&str>) -> Result<Site, CliError> {
    match domain {
        None => Ok(service::sites::default_site(store).await?),
        Some(domain) => service::sites::find_by_domain(store, domain)
            .await?
            .ok_or_else(|| CliError::usage(format!("no site has the domain `{domain}`"))),
    }
}

/// One line of standard input without its line break, for secrets that must not appear in
/// the process list or the shell history.
fn read_secret_line(what: &str) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("{what}: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|error| {
        CliError::usage(format!(
            "cannot read the {what} from standard input: {error}"
        ))
    })?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        return Err(CliError::usage(format!(
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
