//! `bbb-sim`: one or more simulated BigBlueButton servers in one process.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bbb_client::checksum::ChecksumAlgorithm;
use bbb_sim::{SimConfig, SimServer};
use clap::Parser;

const KNOBS_HELP: &str = "\
Each server answers the BBB API at http://HOST:PORT/bigbluebutton/api/ and these knobs:
  POST   /sim/latency?ms=N                  delay every API answer by N ms (0 = none)
  POST   /sim/error-rate?p=F                answer a share F (0..1) of API calls with HTTP 502
  POST   /sim/down?ms=N                     refuse connections for N ms, then come back
  POST   /sim/capacity?max=N|none           limit attendees across the server (joins beyond fail)
  POST   /sim/meetings/{meetingID}/attendees?count=N   N simulated attendees join
  DELETE /sim/meetings/{meetingID}/attendees?count=N   the N latest attendees leave
  GET    /sim/meetings                      the server's meetings as JSON
  GET    /sim/recordings                    its recordings as JSON
  GET    /sim/calls                         requests per API call name; DELETE resets

Example: bbb-sim --port 8081 --secret s1 --port 8082 --secret s2";

/// Simulated BigBlueButton servers for tests, demos and benchmarks.
#[derive(Debug, Parser)]
#[command(version, after_help = KNOBS_HELP)]
struct Args {
    /// Port of a server; repeat for several servers.
    #[arg(long = "port", required = true)]
    ports: Vec<u16>,
    /// Shared secret: one per --port, or a single one for all.
    #[arg(long = "secret", required = true)]
    secrets: Vec<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Base URL clients see in redirects and links: one per --port, or none.
    #[arg(long = "public-url")]
    public_urls: Vec<String>,
    /// Accepted checksum algorithms.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sha1,sha256,sha384,sha512"
    )]
    algorithms: Vec<String>,
    /// HTTP worker threads per server.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Seconds an ended meeting stays visible before removal.
    #[arg(long, default_value_t = 5)]
    ended_retention_secs: u64,
    /// Log filter (tracing-subscriber syntax, e.g. `info` or `bbb_sim=debug`).
    #[arg(long, default_value = "info", env = "RUST_LOG")]
    log_level: String,
}

fn configs(args: &Args) -> Result<Vec<SimConfig>, String> {
    let n = args.ports.len();
    if args.secrets.len() != n && args.secrets.len() != 1 {
        return Err(format!(
            "give one --secret per --port ({n}) or a single one"
        ));
    }
    if !args.public_urls.is_empty() && args.public_urls.len() != n {
        return Err(format!("give one --public-url per --port ({n}) or none"));
    }
    let algorithms = args
        .algorithms
        .iter()
        .map(|name| {
            ChecksumAlgorithm::from_name(name.trim())
                .ok_or_else(|| format!("unknown checksum algorithm {name:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(args
        .ports
        .iter()
        .enumerate()
        .map(|(i, &port)| SimConfig {
            bind: SocketAddr::new(args.host, port),
            secret: args.secrets.get(i).unwrap_or(&args.secrets[0]).clone(),
            workers: args.workers,
            public_url: args.public_urls.get(i).cloned(),
            supported_algorithms: algorithms.clone(),
            ended_meeting_retention: Duration::from_secs(args.ended_retention_secs),
            ..SimConfig::default()
        })
        .collect())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log_level)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let configs = match configs(&args) {
        Ok(configs) => configs,
        Err(message) => {
            eprintln!("bbb-sim: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut servers = Vec::new();
    for config in configs {
        match SimServer::spawn(config) {
            Ok(server) => {
                println!("bbb-sim: {} secret {}", server.api_url(), server.secret());
                servers.push(server);
            }
            Err(error) => {
                eprintln!("bbb-sim: {error}");
                for server in servers {
                    server.shutdown().await;
                }
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    for server in servers {
        server.shutdown().await;
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Args {
        Args::try_parse_from(line.split_whitespace()).unwrap()
    }

    #[test]
    fn ports_pair_with_secrets() {
        let configs = configs(&args("bbb-sim --port 1 --secret a --port 2 --secret b")).unwrap();
        assert_eq!(configs.len(), 2);
        assert_eq!(
            (configs[0].bind.port(), configs[0].secret.as_str()),
            (1, "a")
        );
        assert_eq!(
            (configs[1].bind.port(), configs[1].secret.as_str()),
            (2, "b")
        );
        let shared = configs_of("bbb-sim --port 1 --port 2 --secret s");
        assert!(shared.iter().all(|c| c.secret == "s"));
    }

    fn configs_of(line: &str) -> Vec<SimConfig> {
        configs(&args(line)).unwrap()
    }

    #[test]
    fn bad_combinations_are_refused() {
        assert!(
            configs(&args(
                "bbb-sim --port 1 --port 2 --port 3 --secret a --secret b"
            ))
            .is_err()
        );
        assert!(configs(&args("bbb-sim --port 1 --secret a --algorithms md5")).is_err());
        assert!(Args::try_parse_from(["bbb-sim", "--secret", "a"]).is_err());
    }

    #[test]
    fn algorithms_and_host_are_applied() {
        let c = configs_of("bbb-sim --port 9 --secret a --host 0.0.0.0 --algorithms sha256,SHA512");
        assert_eq!(
            c[0].supported_algorithms,
            [ChecksumAlgorithm::Sha256, ChecksumAlgorithm::Sha512]
        );
        assert!(c[0].bind.ip().is_unspecified());
    }
}
