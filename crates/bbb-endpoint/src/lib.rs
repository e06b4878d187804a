//! bbb-gateway's BBB-compatible endpoint: it speaks the BigBlueButton API itself, so existing
//! BBB integrations (Moodle, Nextcloud, Greenlight, LMS plugins) can use the gateway as a
//! multi-tenant, load-balancing BBB server, authenticated by API tokens.
//!
//! A request is authenticated exactly as bbb-web authenticates it ([`auth`]), with the secret
//! of an API token: named in the path (`/t/{token guid}/bigbluebutton/api/{call}`, one lookup)
//! or found among the tokens of the Host's site (`/bigbluebutton/api/{call}`). The meetingID
//! it names lives in the token's namespace ([`ids`]) and is mapped through the placement table
//! to a backend server and a backend meetingID; the call is re-signed with that server's secret
//! and forwarded, and the answer comes back with the client's own meetingID in it (rewritten
//! as it streams by for the busy calls, [`rewrite`]; through the model types for the rest). What a
//! token may see is decided by its scope over the placement table ([`scope`]). New meetings go
//! to the least loaded healthy server (the service layer's balancer).
//!
//! ```no_run
//! # fn demo(store: store::Store) -> Result<(), bbb_client::Error> {
//! use std::sync::Arc;
//! let endpoint = bbb_endpoint::Endpoint::new(
//!     store,
//!     bbb_client::Client::new()?,
//!     Arc::new(service::bbb::balancer::Balancer::default()),
//!     bbb_endpoint::EndpointSettings::default(),
//! );
//! let app = actix_web::App::new().configure(bbb_endpoint::configure(endpoint));
//! # let _ = app;
//! # Ok(()) }
//! ```

mod auth;
mod call;
mod callbacks;
mod error;
mod fleet;
mod forward;
mod ids;
mod listing;
mod meetings;
mod placement_cache;
mod quota;
mod recordings;
mod reply;
mod rewrite;
mod routes;
mod scope;

use std::sync::Arc;
use std::time::Duration;

use service::bbb::balancer::Balancer;
use store::Store;

pub use error::EndpointError;
pub use ids::backend_meeting_id;
pub use routes::configure;

/// Tunables of the endpoint.
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    /// How long decrypted token secrets and Host→site answers are reused. Bounds how long a
    /// deleted token keeps working on an instance that had it cached.
    pub secret_cache_ttl: Duration,
    /// How long a group's server list (state, health, secrets) is reused.
    pub server_cache_ttl: Duration,
    /// How long a found placement is reused; this instance's own changes are seen at once,
    /// other instances' within this time.
    pub placement_cache_ttl: Duration,
    /// How long getMeetings and getRecordings wait for each server before answering with those
    /// that did answer.
    pub fan_out_timeout: Duration,
    /// Largest request body read (pre-upload slides, insertDocument, text tracks).
    pub max_body_bytes: usize,
    /// The URL at which BBB servers reach the gateway, for the callbacks it relays; by default
    /// the scheme and host of the create request that set them.
    pub public_url: Option<String>,
}

impl Default for EndpointSettings {
    fn default() -> Self {
        EndpointSettings {
            secret_cache_ttl: Duration::from_secs(10),
            server_cache_ttl: Duration::from_secs(1),
            placement_cache_ttl: Duration::from_secs(2),
            fan_out_timeout: Duration::from_secs(5),
            max_body_bytes: 32 * 1024 * 1024,
            public_url: None,
        }
    }
}

/// Everything the endpoint's requests share. Cheap to clone.
#[derive(Clone)]
pub struct Endpoint {
    inner: Arc<Shared>,
}

pub(crate) struct Shared {
    pub store: Store,
    pub bbb: bbb_client::Client,
    pub balancer: Arc<Balancer>,
    pub settings: EndpointSettings,
    pub auth: auth::Authenticator,
    pub fleet: fleet::Fleet,
    pub placements: placement_cache::PlacementCache,
    /// Relays BBB's callbacks to the integrations' URLs.
    pub callbacks: reqwest::Client,
}

impl Endpoint {
    /// `balancer` is the process's one balancer, shared with the GraphQL side so that both see
    /// each other's reservations.
    pub fn new(
        store: Store,
        bbb: bbb_client::Client,
        balancer: Arc<Balancer>,
        settings: EndpointSettings,
    ) -> Self {
        // reqwest is built without a bundled crypto provider; ring is the workspace's choice.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let callbacks = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.fan_out_timeout)
            .build()
            .unwrap_or_default();
        Endpoint {
            inner: Arc::new(Shared {
                auth: auth::Authenticator::new(settings.secret_cache_ttl),
                fleet: fleet::Fleet::new(settings.server_cache_ttl),
                placements: placement_cache::PlacementCache::new(settings.placement_cache_ttl),
                callbacks,
                store,
                bbb,
                balancer,
                settings,
            }),
        }
    }
}
