//! The composition root: the one place that opens the database and assembles the gateway from
//! its configuration — the application state, the BBB endpoint, the background work and the
//! HTTP server. `serve`, `serve --dev` and the test harness all build the gateway through
//! [`Application::build`], so what runs in tests is what runs in production. Besides `service`,
//! this is the only module of the gateway that uses the store directly.

use std::{
    future::Future,
    net::{SocketAddr, TcpListener},
    sync::Arc,
};

use actix_web::dev::ServerHandle;
use metrics::Metrics;
use service::{
    Store,
    bbb::{Balancer, events::MeetingWatchers},
};
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    auth::{LoginThrottle, TokenIssuer, TokenVerifier},
    background,
    config::Config,
    election::Election,
    error::GatewayError,
    graphql::{self, GatewaySchema},
    http,
};

/// One migration of the database schema and whether it is applied.
pub use store::MigrationState;

/// Opens the configured database and brings its schema up to date, as `serve` does at start;
/// the admin commands work on the database so opened.
// The front doors may not open the database (clippy.toml); this, the composition root, is
// where it is opened for all of them.
#[allow(clippy::disallowed_methods)]
pub async fn open_store(config: &Config) -> Result<Store, GatewayError> {
    Ok(
        store::connect(Some(config.database_url()), config.secret_key()?)
            .await?
            .with_lookup_ttl(config.lookup_cache_ttl),
    )
}

/// Closes a store opened with [`open_store`], once the admin command is done with it.
pub async fn close_store(store: Store) -> Result<(), GatewayError> {
    Ok(store.close().await?)
}

/// The configured database's schema, for the `migrate` commands: opened without migrating.
pub struct Schema {
    connection: sea_orm::DatabaseConnection,
}

impl Schema {
    // The composition root opens the database for the `migrate` commands, which must not
    // migrate it on opening as `connect` does; no front door may (clippy.toml).
    #[allow(clippy::disallowed_methods)]
    pub async fn open(config: &Config) -> Result<Schema, GatewayError> {
        Ok(Schema {
            connection: store::open_database(Some(config.database_url())).await?,
        })
    }

    /// Applies pending migrations: all, or the next `steps`.
    pub async fn up(&self, steps: Option<u32>) -> Result<(), GatewayError> {
        Ok(store::migrate_up(&self.connection, steps).await?)
    }

    /// Reverts applied migrations, newest first: all, or the last `steps`.
    pub async fn down(&self, steps: Option<u32>) -> Result<(), GatewayError> {
        Ok(store::migrate_down(&self.connection, steps).await?)
    }

    /// Every known migration, oldest first.
    pub async fn status(&self) -> Result<Vec<MigrationState>, GatewayError> {
        Ok(store::migration_status(&self.connection).await?)
    }

    pub async fn close(self) -> Result<(), GatewayError> {
        self.connection
            .close()
            .await
            .map_err(GatewayError::failed("closing the database"))
    }
}

/// What [`Application::build_with`] fills in that the configuration leaves open.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Without `public_url`, the address listened on becomes it: for `serve --dev` and the
    /// tests, whose simulated BBB servers call back on this machine (the BBB endpoint relays
    /// callbacks only with a public URL).
    pub listen_address_is_public: bool,
}

/// The gateway, built and bound to its address, not yet serving.
pub struct Application {
    state: AppState,
    address: SocketAddr,
    server: actix_web::dev::Server,
}

impl Application {
    /// Validates the configuration, opens the database (migrating it), builds the state, the
    /// BBB endpoint and the HTTP server, and binds `listen` (port 0: a free port, see
    /// [`address`](Self::address)).
    pub async fn build(config: Config) -> Result<Application, GatewayError> {
        Self::build_with(config, BuildOptions::default()).await
    }

    pub async fn build_with(
        mut config: Config,
        options: BuildOptions,
    ) -> Result<Application, GatewayError> {
        config.validate()?;
        let listener = TcpListener::bind(config.listen).map_err(|error| {
            GatewayError::config("listen", format!("a free address to listen on ({error})"))
        })?;
        let address = listener
            .local_addr()
            .map_err(GatewayError::failed("reading the listening address"))?;
        // The port actually listened on, when the configuration left it to the system (0).
        config.listen = address;
        if options.listen_address_is_public && config.public_url.is_none() {
            config.public_url = Some(
                config
                    .base_url()
                    .parse()
                    .map_err(GatewayError::failed("parsing the base URL"))?,
            );
        }
        let store = open_store(&config).await?;
        let state = AppState::new(config, store)?;
        let server = http::start(state.clone(), listener)?;
        Ok(Application {
            state,
            address,
            server,
        })
    }

    /// The address listened on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The URL clients reach the gateway at: `public_url`, or `http://<address listened on>`;
    /// no trailing slash.
    pub fn base_url(&self) -> String {
        self.state.config.base_url()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves, and runs the background work, until `shutdown` resolves; then stops as
    /// [`Running::stop`] does.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), GatewayError> {
        let running = self.start();
        shutdown.await;
        running.stop().await
    }

    /// Starts serving and the background work (the health poller, while this instance is
    /// elected to run it).
    pub fn start(self) -> Running {
        let election = Election::for_database(self.state.config.database_url());
        let (stop_background, stopping) = watch::channel(false);
        let background = tokio::spawn(background::run(self.state.clone(), election, stopping));
        let mut running = self.start_serving_only();
        running.background = Some((stop_background, background));
        running
    }

    /// Starts serving without the background work: for tests that run the poller themselves,
    /// when they choose to.
    pub fn start_serving_only(self) -> Running {
        let handle = self.server.handle();
        Running {
            state: self.state,
            address: self.address,
            server: handle,
            serving: tokio::spawn(self.server),
            background: None,
        }
    }
}

/// The gateway serving; stopped with [`stop`](Self::stop).
pub struct Running {
    state: AppState,
    address: SocketAddr,
    server: ServerHandle,
    serving: JoinHandle<std::io::Result<()>>,
    background: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl Running {
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops the background work, lets requests in flight finish (within
    /// `http.shutdown_timeout`), then closes the database.
    pub async fn stop(self) -> Result<(), GatewayError> {
        if let Some((stop_background, _)) = &self.background {
            stop_background.send_replace(true);
        }
        self.server.stop(true).await;
        self.serving
            .await
            .map_err(GatewayError::failed("the HTTP server task"))?
            .map_err(GatewayError::failed("the HTTP server"))?;
        if let Some((_, background)) = self.background {
            background
                .await
                .map_err(GatewayError::failed("the background task"))?;
        }
        self.state.store.close().await?;
        Ok(())
    }
}

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    /// One pooled HTTP client for every BBB server.
    pub bbb: bbb_client::Client,
    /// Issues tokens to local users.
    pub tokens: Arc<TokenIssuer>,
    /// Verifies bearer tokens of every accepted issuer.
    pub verifier: Arc<TokenVerifier>,
    /// The process's one balancer: every front door and the poller share its reservations.
    pub balancer: Arc<Balancer>,
    /// The process's Prometheus metrics, reported to by every front door and the poller.
    pub metrics: Metrics,
    /// The process's watchers of live meetings, shared by every `meetingEvents` subscription.
    pub meeting_watchers: MeetingWatchers,
    /// The `getMeetings` calls in flight, which concurrent GraphQL requests share.
    pub meeting_calls: service::bbb::live::MeetingCalls,
    /// Failed-login counters and the bound on concurrent password verifications.
    pub login_throttle: Arc<LoginThrottle>,
    /// Missed meeting URL lookups per client, against slug guessing.
    pub slug_throttle: Arc<graphql::SlugLookupThrottle>,
    /// Authenticates the callback URLs the BBB endpoint hands to BBB (from `secret_key`).
    pub relay_key: bbb_endpoint::RelayKey,
    /// The BBB-compatible endpoint, sharing the store, client, balancer and metrics.
    pub endpoint: bbb_endpoint::Endpoint,
}

impl AppState {
    /// Builds the state from a validated configuration and a connected store.
    pub fn new(config: Config, store: Store) -> Result<Self, GatewayError> {
        let bbb = bbb_client::Client::builder()
            .timeout(config.bbb.request_timeout)
            .connect_timeout(config.bbb.connect_timeout)
            .user_agent(concat!("bbb-gateway/", env!("CARGO_PKG_VERSION")))
            // Server URLs are a group admin's choice: every connection to one is held to the
            // operator's outbound rule (poller, BBB endpoint, GraphQL live calls alike).
            .outbound_policy(config.outbound_policy()?)
            .build()?;
        let meeting_watchers = MeetingWatchers::new(
            store.clone(),
            bbb.clone(),
            config.graphql.subscription_poll_interval,
        );
        let relay_key = config.relay_key()?;
        let metrics = Metrics::new();
        let balancer = Arc::new(Balancer::new(config.balancer.settings()));
        let endpoint = bbb_endpoint::Endpoint::new(
            store.clone(),
            bbb.clone(),
            balancer.clone(),
            endpoint_settings(&config, &metrics, &bbb, &relay_key),
        );
        Ok(AppState {
            tokens: Arc::new(TokenIssuer::from_config(&config)?),
            login_throttle: Arc::new(LoginThrottle::new(&config.login)),
            slug_throttle: Arc::new(graphql::SlugLookupThrottle::new(&config.graphql)),
            verifier: Arc::new(TokenVerifier::from_config(&config)?),
            config: Arc::new(config),
            store,
            bbb,
            balancer,
            metrics,
            meeting_watchers,
            meeting_calls: service::bbb::live::MeetingCalls::default(),
            relay_key,
            endpoint,
        })
    }

    /// The executable schema, with this state as its data.
    pub fn schema(&self) -> GatewaySchema {
        graphql::schema_builder(&self.config.graphql)
            .data(self.clone())
            .data(graphql::Loaders::new(&self.store))
            .data(self.balancer.clone())
            .finish()
    }
}

/// The endpoint's settings: every one from the configuration, reporting to the process's
/// metrics.
fn endpoint_settings(
    config: &Config,
    metrics: &Metrics,
    bbb: &bbb_client::Client,
    relay_key: &bbb_endpoint::RelayKey,
) -> bbb_endpoint::EndpointSettings {
    bbb_endpoint::EndpointSettings {
        tunables: config.endpoint.clone(),
        // Form bodies and whatever is read before authentication: the same limit as every
        // other route's bodies.
        max_body_bytes: config.http.max_body_bytes,
        metrics: Some(metrics.clone()),
        public_url: config.public_url.as_ref().map(|url| url.to_string()),
        // Relayed callbacks are held to the same outbound rule as the BBB servers.
        outbound: bbb.outbound_policy().clone(),
        relay_key: relay_key.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_endpoint_setting_comes_from_the_configuration() {
        let mut config = Config::default();
        let endpoint = &mut config.endpoint;
        endpoint.secret_cache_ttl = Duration::from_secs(61);
        endpoint.server_cache_ttl = Duration::from_secs(62);
        endpoint.placement_cache_ttl = Duration::from_secs(63);
        endpoint.token_cache_capacity = 64;
        endpoint.placement_cache_capacity = 65;
        endpoint.fan_out_timeout = Duration::from_secs(66);
        endpoint.max_upload_bytes = 67;
        endpoint.max_params = 68;
        endpoint.max_query_bytes = 69;
        endpoint.unsigned_form_params = bbb_endpoint::UnsignedFormParams::Refuse;
        config.http.max_body_bytes = 70;
        config.public_url = Some("https://gw.example".parse().unwrap());
        let bbb = bbb_client::Client::new().unwrap();
        let key = bbb_endpoint::RelayKey::random();

        let settings = endpoint_settings(&config, &Metrics::new(), &bbb, &key);
        let tunables = &settings.tunables;
        assert_eq!(tunables.secret_cache_ttl, Duration::from_secs(61));
        assert_eq!(tunables.server_cache_ttl, Duration::from_secs(62));
        assert_eq!(tunables.placement_cache_ttl, Duration::from_secs(63));
        assert_eq!(tunables.token_cache_capacity, 64);
        assert_eq!(tunables.placement_cache_capacity, 65);
        assert_eq!(tunables.fan_out_timeout, Duration::from_secs(66));
        assert_eq!(tunables.max_upload_bytes, 67);
        assert_eq!(tunables.max_params, 68);
        assert_eq!(tunables.max_query_bytes, 69);
        assert_eq!(
            tunables.unsigned_form_params,
            bbb_endpoint::UnsignedFormParams::Refuse
        );
        assert_eq!(settings.max_body_bytes, 70);
        assert_eq!(settings.public_url.as_deref(), Some("https://gw.example/"));
        assert!(settings.metrics.is_some());
    }

    #[test]
    fn the_balancer_settings_come_from_the_configuration() {
        let mut config = Config::default();
        config.balancer.default_seats = 9;
        config.balancer.reservation_decay = Duration::from_secs(42);
        let settings = config.balancer.settings();
        assert_eq!(settings.default_seats, 9);
        assert_eq!(settings.reservation_decay, Duration::from_secs(42));
    }
}
