//! How one simulated BBB server is set up.

use std::net::SocketAddr;
use std::time::Duration;

use bbb_client::checksum::ChecksumAlgorithm;

/// Settings of one simulated server. `Default` gives a server on `127.0.0.1:<free port>` with
/// secret `bbb-sim-secret`, every checksum algorithm, and BBB's own timing defaults.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// The shared secret (`securitySalt`). Empty disables checksum checks, as in bbb-web.
    pub secret: String,
    /// HTTP worker threads. One is plenty for tests; benchmarks want one per core.
    pub workers: usize,
    /// Base URL the server presents in redirects, playback and text-track links
    /// (default `http://<bind address>`), e.g. when it runs behind a proxy or in a container.
    pub public_url: Option<String>,
    /// Checksum algorithms accepted (bbb-web's `supportedChecksumAlgorithms`).
    pub supported_algorithms: Vec<ChecksumAlgorithm>,
    /// How long an ended meeting stays visible (`hasBeenForciblyEnded=true`) before removal.
    pub ended_meeting_retention: Duration,
    /// How often meetings are checked for expiry (`duration`, `meetingExpire*` parameters).
    pub expiry_check_interval: Duration,
    /// `<bbbVersion>` in the version document.
    pub bbb_version: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret: "bbb-sim-secret".to_owned(),
            workers: 1,
            public_url: None,
            supported_algorithms: ChecksumAlgorithm::ALL.to_vec(),
            ended_meeting_retention: Duration::from_secs(5),
            expiry_check_interval: Duration::from_secs(1),
            bbb_version: "3.0.19".to_owned(),
        }
    }
}
