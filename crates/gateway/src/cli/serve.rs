//! `bbb-gateway serve`: the service itself.

use std::{net::SocketAddr, path::PathBuf};

use clap::Args;

use crate::{
    app::{Application, BuildOptions},
    config::{Config, DEV_CORS_ORIGINS, Loaded, LogFormat, Sources},
    dev,
    error::GatewayError,
    telemetry,
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
        let cwd = std::env::current_dir()
            .map_err(GatewayError::failed("reading the current directory"))?;
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
    let shutdown = shutdown_signal()?;
    for key in &unknown_keys {
        tracing::warn!(%key, "unknown configuration key is ignored");
    }
    let application = Application::build_with(
        config,
        BuildOptions {
            listen_address_is_public: args.dev,
        },
    )
    .await?;
    // Kept alive until shutdown: dropping them would stop the simulated servers.
    let simulators = if args.dev {
        dev::provision(application.state(), &application.base_url()).await?
    } else {
        Vec::new()
    };
    tracing::info!(
        address = %application.address(),
        base_url = %application.base_url(),
        "bbb-gateway listening"
    );
    application
        .run_until(async {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await?;
    for simulator in simulators {
        simulator.shutdown().await;
    }
    tracing::info!("bbb-gateway stopped");
    Ok(())
}

/// Listens for Ctrl-C and SIGTERM from now on: the handlers are installed before the
/// gateway serves, so that a SIGTERM right after its first answer stops it gracefully instead
/// of killing it. The returned future resolves on either signal.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, GatewayError> {
    use tokio::signal::unix::{SignalKind, signal};
    let install =
        |kind: SignalKind| signal(kind).map_err(GatewayError::caused("cannot listen for signals"));
    let mut interrupt = install(SignalKind::interrupt())?;
    let mut terminate = install(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, GatewayError> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
