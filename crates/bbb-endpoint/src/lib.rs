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
//! token may see is decided by its scope over the placement table, by the service's rules
//! (`service::permissions::api_token_sees`, through `service::tokens::TokenView`). New meetings
//! go to the least loaded healthy server (the service layer's balancer). The endpoint reaches
//! the domain through `service` only, with the actor of the request's token.
//!
//! ```no_run
//! # fn demo(store: service::Store) -> Result<(), bbb_client::Error> {
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

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use service::Store;
use service::bbb::balancer::Balancer;

#[doc(hidden)]
pub use auth::CacheStats;
pub use callbacks::RelayKey;
pub use error::EndpointError;
pub use ids::backend_meeting_id;
pub use reply::FailedOutcome;
pub use routes::configure;

/// Everything the endpoint is given: the operator's [`EndpointTunables`] and what the
/// composition root wires in.
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    /// Every operator-tunable limit, cache and timeout: the gateway's `[endpoint]` section.
    pub tunables: EndpointTunables,
    /// Largest form body read, and the most of any body read before the request is
    /// authenticated (when the checksum can only be in a form body). The gateway sets it from
    /// `http.max_body_bytes`.
    pub max_body_bytes: usize,
    /// Where the endpoint reports its requests (`front_door="bbb"`) and token uses; `None`
    /// reports nothing.
    pub metrics: Option<metrics::Metrics>,
    /// The URL at which BBB servers reach the gateway, for the callbacks it relays; by default
    /// the scheme and host of the create request that set them.
    pub public_url: Option<String>,
    /// Where relayed callbacks may go (checked on the addresses connected to, after DNS):
    /// public addresses only unless the operator's allow-list admits more.
    pub outbound: bbb_client::OutboundPolicy,
    /// Authenticates the relay URLs create puts into BBB's callback metadata. The gateway
    /// derives it from its `secret_key`, so that every instance accepts every other's URLs
    /// and they outlive rotations of the token's secret; by default a random key, good for
    /// this process only.
    pub relay_key: RelayKey,
}

impl Default for EndpointSettings {
    fn default() -> Self {
        EndpointSettings {
            tunables: EndpointTunables::default(),
            max_body_bytes: 256 * 1024,
            metrics: None,
            public_url: None,
            outbound: bbb_client::OutboundPolicy::public_only(),
            relay_key: RelayKey::random(),
        }
    }
}

/// The endpoint's operator-tunable settings, defined once: the gateway's configuration embeds
/// this struct as its `[endpoint]` section (keys are the field names, durations in humantime
/// form such as `10s`), and the endpoint reads it as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointTunables {
    /// Largest XML or multipart upload (create's pre-upload modules, insertDocument, text
    /// tracks), read only after the URL's checksum has verified.
    pub max_upload_bytes: usize,
    /// Most parameters of one request, URL and form body together; checked before any parsing
    /// or hashing.
    pub max_params: usize,
    /// Longest URL query string; checked before any parsing or hashing.
    pub max_query_bytes: usize,
    /// Whether POST form-body parameters, which no checksum covers (as in bbb-web), are taken.
    pub unsigned_form_params: UnsignedFormParams,
    /// How long API tokens' decrypted secrets, the sites' domains and unknown token guids are
    /// reused: a deleted or rotated token may keep working this long on an instance that
    /// had it cached.
    #[serde(with = "humantime_serde")]
    pub secret_cache_ttl: Duration,
    /// How long a server group's server list (state, health, secrets) is reused.
    #[serde(with = "humantime_serde")]
    pub server_cache_ttl: Duration,
    /// How long a found placement (meeting → server) is reused: this instance's own changes
    /// are seen at once, other instances' within this time.
    #[serde(with = "humantime_serde")]
    pub placement_cache_ttl: Duration,
    /// Most API tokens (unknown guids included, remembered as absent) and sites' token lists
    /// kept in the cache.
    pub token_cache_capacity: u64,
    /// Most placements kept, in each of the placement cache's two maps.
    pub placement_cache_capacity: u64,
    /// How long getMeetings and getRecordings wait for each server before answering with
    /// those that did answer.
    #[serde(with = "humantime_serde")]
    pub fan_out_timeout: Duration,
}

impl Default for EndpointTunables {
    fn default() -> Self {
        EndpointTunables {
            max_upload_bytes: 32 * 1024 * 1024,
            // Tomcat's (bbb-web's servlet container) own default cap on parameters.
            max_params: 1000,
            // Twice the 8 KiB request line BBB's nginx admits: whatever works against BBB
            // works here.
            max_query_bytes: 16 * 1024,
            unsigned_form_params: UnsignedFormParams::Accept,
            secret_cache_ttl: Duration::from_secs(10),
            server_cache_ttl: Duration::from_secs(1),
            placement_cache_ttl: Duration::from_secs(2),
            token_cache_capacity: 100_000,
            placement_cache_capacity: 100_000,
            fan_out_timeout: Duration::from_secs(5),
        }
    }
}

/// What the endpoint does with parameters in a POST form body (`endpoint.unsigned_form_params`).
/// bbb-web merges them into the call's parameters although the checksum covers the URL query
/// only: whoever holds one signed URL of a call that takes POST can add any parameter there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnsignedFormParams {
    /// As bbb-web: merged (on POST, for calls bbb-web routes POST to).
    #[default]
    Accept,
    /// A form body may carry the checksum and nothing else; any other parameter is answered
    /// `FAILED`/`validationError`.
    Refuse,
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
        let callbacks = callbacks::http_client(&settings);
        Endpoint {
            inner: Arc::new(Shared {
                auth: auth::Authenticator::new(
                    settings.tunables.secret_cache_ttl,
                    settings.tunables.token_cache_capacity,
                ),
                fleet: fleet::Fleet::new(settings.tunables.server_cache_ttl),
                placements: placement_cache::PlacementCache::new(
                    settings.tunables.placement_cache_ttl,
                    settings.tunables.placement_cache_capacity,
                ),
                callbacks,
                store,
                bbb,
                balancer,
                settings,
            }),
        }
    }
}

/// `load()`, made and boxed only once it is awaited: for the rarely taken paths of the hot calls,
/// such as a cache's loader. An async fn's future holds the futures of everything it awaits,
/// and a cache's `try_get_with` holds the unpolled loader it is given, a few times over, so a
/// database read inlined there made every request's future kilobytes larger, cache hits
/// included; and the handler's future is built on the stack and copied into its box once per
/// request (12 KB when the service's reads were inlined, 2 KB with them deferred). Deferred,
/// the caller's future holds a closure of a few references, and the load's own future is
/// allocated only when it runs.
pub(crate) async fn deferred<F: Future>(load: impl FnOnce() -> F) -> F::Output {
    Box::pin(load()).await
}

impl Endpoint {
    /// What the authentication caches hold and how often they read the database: for tests
    /// that bound the work an unauthenticated request can cause, and for debugging.
    #[doc(hidden)]
    pub async fn cache_stats(&self) -> CacheStats {
        self.inner.auth.stats().await
    }
}
