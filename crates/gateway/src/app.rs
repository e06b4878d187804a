//! The application state: everything a request needs, built once at start and shared by all
//! workers (every field is cheap to clone).

use std::sync::Arc;

use metrics::Metrics;
use service::bbb::{Balancer, events::MeetingWatchers};
use store::Store;

use crate::{
    auth::{LoginThrottle, TokenIssuer, TokenVerifier},
    config::Config,
    error::GatewayError,
    graphql::{self, GatewaySchema},
};

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
    /// Failed-login counters and the bound on concurrent password verifications.
    pub login_throttle: Arc<LoginThrottle>,
    /// Missed meeting URL lookups per client, against slug guessing.
    pub slug_throttle: Arc<graphql::SlugLookupThrottle>,
    /// Authenticates the callback URLs the BBB endpoint hands to BBB (from `secret_key`).
    pub relay_key: bbb_endpoint::RelayKey,
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
        Ok(AppState {
            relay_key: config.relay_key()?,
            tokens: Arc::new(TokenIssuer::from_config(&config)?),
            login_throttle: Arc::new(LoginThrottle::new(&config.login)),
            slug_throttle: Arc::new(graphql::SlugLookupThrottle::new(&config.graphql)),
            verifier: Arc::new(TokenVerifier::from_config(&config)?),
            config: Arc::new(config),
            store,
            bbb,
            balancer: Arc::new(Balancer::default()),
            metrics: Metrics::new(),
            meeting_watchers,
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
