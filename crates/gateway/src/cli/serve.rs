//! `bbb-gateway serve`: the service itself.

use std::{
    net::{SocketAddr, TcpListener},
    path::PathBuf,
};

use clap::Args;
use tokio::sync::watch;

use crate::{
    app::AppState,
    background,
    config::{Config, DEV_CORS_ORIGINS, Loaded, LogFormat, Sources},
    dev,
    election::Election,
    error::GatewayError,
    http, telemetry,
};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Development mode: a SQLite file and generated secrets in the working directory,
    /// two simulated BBB servers in a group "dev", an admin user; prints a ready JWT.
    #[arg(long)]
    pub dev: bool,
    /// Address to listen on, overriding `listen` from the configuration.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Log format, overriding `log.format`: `json` (one object per line) or `pretty`.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

pub async fn serve(file: Option<PathBuf>, args: ServeArgs) -> Result<(), GatewayError> {
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
    if let Some(format) = args.log_format {
        config.log.format = format;
    }
    if args.dev && config.cors.allowed_origins.is_empty() {
        // A frontend dev server on this machine (Vite on :5173, …) may call the API.
        config.cors.allowed_origins = DEV_CORS_ORIGINS.map(str::to_owned).to_vec();
    }
    if args.dev {
        dev::admit_loopback(&mut config);
    }
    telemetry::init(&config.log);
    for key in &unknown_keys {
        tracing::warn!(%key, "unknown configuration key is ignored");
    }
    config.validate()?;

    let store = store::connect(Some(config.database_url()), config.secret_key()?).await?;
    let election = Election::for_database(config.database_url());
    let listener = TcpListener::bind(config.listen).map_err(|error| {
        GatewayError::config("listen", format!("a free address to listen on ({error})"))
    })?;
    let address = listener.local_addr().map_err(GatewayError::internal)?;
    let base_url = match &config.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => format!("http://{address}"),
    };
    if args.dev && config.public_url.is_none() {
        // The dev simulators call back on this machine: the address listened on is the
        // gateway's public URL (the BBB endpoint relays callbacks only with a public_url).
        config.public_url = url::Url::parse(&base_url).ok();
    }
    let state = AppState::new(config, store)?;
    // Kept alive until shutdown: dropping them would stop the simulated servers.
    let simulators = if args.dev {
        dev::provision(&state, &base_url).await?
    } else {
        Vec::new()
    };

    let (stop_background, stopping) = watch::channel(false);
    let background = tokio::spawn(background::run(state.clone(), election, stopping));
    let server = http::start(state.clone(), listener)?;
    let handle = server.handle();
    tracing::info!(%address, %base_url, "bbb-gateway listening");
    let running = tokio::spawn(server);
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    stop_background.send_replace(true);
    handle.stop(true).await;
    running
        .await
        .map_err(GatewayError::internal)?
        .map_err(GatewayError::internal)?;
    background.await.map_err(GatewayError::internal)?;
    for simulator in simulators {
        simulator.shutdown().await;
    }
    state.store.close().await?;
    tracing::info!("bbb-gateway stopped");
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
