//! The `bbb-gateway` command line.

use std::{
    net::{SocketAddr, TcpListener},
    path::PathBuf,
};

use clap::{Args, Parser, Subcommand};

use crate::{
    app::AppState,
    config::{Config, Loaded, Sources},
    dev,
    error::GatewayError,
    graphql, http, telemetry,
};

/// bbb-gateway: a GraphQL API over BigBlueButton for frontend teams, and a multi-tenant,
/// load-balancing BBB endpoint.
///
/// Configuration comes from built-in defaults, then the TOML file given with --config, then
/// BBB_GATEWAY_* environment variables (nested keys joined with `__`, e.g.
/// BBB_GATEWAY_JWT__SECRET). See `bbb-gateway config show`.
#[derive(Debug, Parser)]
#[command(name = "bbb-gateway", version)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, short, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: apply database migrations, then serve /graphql, /graphiql and
    /// /healthz until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
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

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Development mode: a SQLite file and generated secrets in the working directory,
    /// two simulated BBB servers in a group "dev", an admin user; prints a ready JWT.
    #[arg(long)]
    pub dev: bool,
    /// Address to listen on, overriding `listen` from the configuration.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration as TOML, secrets masked, then validate it.
    Show,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), GatewayError> {
    match cli.command {
        Command::Serve(args) => serve(cli.config, args).await,
        Command::ExportSchema { output } => export_schema(&output),
        Command::Config(ConfigCommand::Show) => show_config(cli.config),
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
    for key in &loaded.unknown_keys {
        eprintln!("warning: unknown configuration key `{key}` is ignored");
    }
    loaded.config.validate()
}

async fn serve(file: Option<PathBuf>, args: ServeArgs) -> Result<(), GatewayError> {
    let dev_secrets = if args.dev {
        let cwd = std::env::current_dir().map_err(GatewayError::internal)?;
        Some(dev::ensure_secrets_file(&cwd)?)
    } else {
        None
    };
    let Loaded {
        mut config,
        unknown_keys,
    } = Config::load(&Sources { file, dev_secrets })?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    telemetry::init(&config.log);
    for key in &unknown_keys {
        tracing::warn!(%key, "unknown configuration key is ignored");
    }
    config.validate()?;

    let store = store::connect(Some(config.database_url()), config.secret_key()?).await?;
    let listener = TcpListener::bind(config.listen).map_err(|error| {
        GatewayError::config("listen", format!("a free address to listen on ({error})"))
    })?;
    let base_url = match &config.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => format!(
            "http://{}",
            listener.local_addr().map_err(GatewayError::internal)?
        ),
    };
    let state = AppState::new(config, store)?;
    // Kept alive until shutdown: dropping them would stop the simulated servers.
    let simulators = if args.dev {
        dev::provision(&state, &base_url).await?
    } else {
        Vec::new()
    };

    let server = http::start(state.clone(), listener)?;
    let handle = server.handle();
    tracing::info!(%base_url, "bbb-gateway listening");
    let running = tokio::spawn(server);
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    handle.stop(true).await;
    running
        .await
        .map_err(GatewayError::internal)?
        .map_err(GatewayError::internal)?;
    for simulator in simulators {
        simulator.shutdown().await;
    }
    state.store.close().await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler installs");
        tokio::select! {
            _ = ctrl_c => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
