//! The gateway's configuration: defaults < TOML file (`--config PATH`) < `BBB_GATEWAY_*`
//! environment variables (nested keys joined with `__`, e.g. `BBB_GATEWAY_JWT__SECRET`).
//! Loaded and validated once at start; every error names the key and the expected form.

use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
    value::{Dict, Value},
};
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use serde::{Deserialize, Serialize, Serializer};
use url::Url;

use crate::error::GatewayError;

/// `endpoint.unsigned_form_params`, defined by the endpoint.
pub use bbb_endpoint::UnsignedFormParams;

/// Prefix of the environment variables that override the configuration.
pub const ENV_PREFIX: &str = "BBB_GATEWAY_";
/// Database used when `database_url` is absent: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://bbb-gateway.sqlite?mode=rwc";
/// Database of `serve --dev` when `database_url` is absent.
pub const DEV_DATABASE_URL: &str = "sqlite://bbb-gateway-dev.sqlite?mode=rwc";
/// HS256 keys shorter than this are guessable; RFC 7518 asks for at least the hash size.
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// A configuration value that must never be shown: `Debug`, `Display` and `Serialize` all
/// print `***`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

/// The longest `lookup_cache_ttl` accepted.
const MAX_LOOKUP_CACHE_TTL: Duration = Duration::from_secs(600);

/// The whole configuration. See the README section "Running bbb-gateway" for each key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: SocketAddr,
    /// The URL clients reach the gateway at, used to build links (callbacks, GraphiQL).
    pub public_url: Option<Url>,
    /// sea-orm database URL (`sqlite://…` or `postgres://…`); may hold a password.
    pub database_url: Option<Secret<String>>,
    /// How long the rows every request reads (the site of a Host, the user of a session
    /// token, a group's site) are kept in memory; a change made by another instance or the
    /// CLI is seen within it. Zero reads them from the database on every request.
    #[serde(with = "humantime_serde")]
    pub lookup_cache_ttl: Duration,
    /// Base64 of the 32-byte key that encrypts secrets at rest (BBB server secrets, API tokens).
    pub secret_key: Option<Secret<String>>,
    pub jwt: JwtConfig,
    /// External identity providers whose tokens are accepted.
    pub issuers: Vec<IssuerConfig>,
    pub bbb: BbbConfig,
    pub poller: PollerConfig,
    pub graphql: GraphqlConfig,
    pub http: HttpConfig,
    /// Limits, caches and timeouts of the BBB-compatible endpoint, as the endpoint defines
    /// them (its form bodies and any body read before authentication are held to
    /// `http.max_body_bytes`).
    pub endpoint: bbb_endpoint::EndpointTunables,
    pub balancer: BalancerConfig,
    pub cors: CorsConfig,
    pub outbound: OutboundConfig,
    pub login: LoginConfig,
    pub log: LogConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: None,
            lookup_cache_ttl: store::DEFAULT_LOOKUP_TTL,
            secret_key: None,
            jwt: JwtConfig::default(),
            issuers: Vec::new(),
            bbb: BbbConfig::default(),
            poller: PollerConfig::default(),
            graphql: GraphqlConfig::default(),
            http: HttpConfig::default(),
            endpoint: bbb_endpoint::EndpointTunables::default(),
            balancer: BalancerConfig::default(),
            cors: CorsConfig::default(),
            outbound: OutboundConfig::default(),
            login: LoginConfig::default(),
            log: LogConfig::default(),
        }
    }
}

/// Tokens the gateway issues to its local users (HS256).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct JwtConfig {
    /// The HS256 key, at least 32 bytes.
    pub secret: Option<Secret<String>>,
    pub issuer: String,
    pub audience: String,
    /// Lifetime of an issued token, e.g. `12h`.
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
}

impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            secret: None,
            issuer: "bbb-gateway".to_owned(),
            audience: "bbb-gateway".to_owned(),
            ttl: Duration::from_secs(12 * 3600),
        }
    }
}

/// An external identity provider whose tokens (RS256/ES256/EdDSA…) the gateway accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerConfig {
    /// A short name for logs and errors.
    pub name: String,
    /// The exact `iss` claim of its tokens.
    pub issuer: String,
    /// The `aud` claim its tokens must carry.
    pub audience: String,
    /// Accepted signature algorithms, all of one family (RSA, EC or EdDSA).
    pub algorithms: Vec<Algorithm>,
    /// The verification key as PEM text (exclusive with `jwks_file`).
    #[serde(default)]
    pub public_key_pem: Option<String>,
    /// A JWKS document whose keys are picked by the token's `kid` (exclusive with
    /// `public_key_pem`).
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// Whether an unknown subject becomes a new user on first sight.
    #[serde(default)]
    pub create_users: bool,
    /// Domain of the site its users belong to; the request's site when absent.
    #[serde(default)]
    pub site: Option<String>,
}

/// Limits of calls to BBB servers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BbbConfig {
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
}

impl Default for BbbConfig {
    fn default() -> Self {
        BbbConfig {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

/// The health poller of BBB servers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PollerConfig {
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// Consecutive failed polls after which a server is unhealthy.
    pub unhealthy_after: u32,
    /// Consecutive good polls after which an unhealthy server is healthy again.
    pub healthy_after: u32,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            interval: Duration::from_secs(10),
            unhealthy_after: 3,
            healthy_after: 2,
        }
    }
}

/// Limits of GraphQL queries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphqlConfig {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Most root fields of mutations (aliases included) one operation, and one batch, may
    /// carry: each is an action (a BBB call, a write), and aliases repeat one at will.
    pub max_mutation_fields: usize,
    /// Lookups of meeting URL slugs (`meetingByUrl`, `joinMeetingByUrl`) that find nothing,
    /// per client address (as `login` takes it) and `slug_miss_window`; then `RATE_LIMITED`.
    /// Slugs are short: without a bound they could be guessed until one admits guests.
    pub max_slug_misses_per_client: u32,
    #[serde(with = "humantime_serde")]
    pub slug_miss_window: Duration,
    /// How often a meeting with `meetingEvents` subscribers is asked for its live state: the
    /// most an event can lag behind BBB, against one BBB call per interval per meeting.
    #[serde(with = "humantime_serde")]
    pub subscription_poll_interval: Duration,
    /// The directory of the offline GraphiQL bundle (`graphiql.js`, `graphiql.css`), built
    /// from npm packages by `npm ci && npm run build` in `crates/gateway/graphiql`.
    pub graphiql_assets: PathBuf,
    /// Most bytes of documents the automatic persisted queries cache holds (per instance).
    pub persisted_queries_cache_bytes: u64,
    /// A JSON file mapping SHA-256 hashes to documents: when set, only these documents run.
    pub trusted_documents: Option<PathBuf>,
    /// How long a `/graphql/ws` connection may stay open without `connection_init`: an open
    /// socket holds memory and a file descriptor, and says nothing about who holds it.
    #[serde(with = "humantime_serde")]
    pub ws_init_timeout: Duration,
    /// Most operations running at once on one `/graphql/ws` connection; a further one is
    /// refused (the connection stays). Each holds a stream and a permission recheck.
    pub ws_max_operations: usize,
}

impl Default for GraphqlConfig {
    fn default() -> Self {
        // GraphiQL's introspection query is 13 levels deep; leave room above it.
        GraphqlConfig {
            max_depth: 16,
            max_complexity: 1000,
            max_mutation_fields: 10,
            // A mistyped or expired link now and then, not a search.
            max_slug_misses_per_client: 30,
            slug_miss_window: Duration::from_secs(15 * 60),
            subscription_poll_interval: Duration::from_secs(2),
            // Where `npm run build` puts it, relative to the repository root, from which
            // `cargo run` is started; the Docker image sets its own path.
            graphiql_assets: PathBuf::from("crates/gateway/graphiql/dist"),
            persisted_queries_cache_bytes: 8 * 1024 * 1024,
            trusted_documents: None,
            ws_init_timeout: Duration::from_secs(10),
            ws_max_operations: 100,
        }
    }
}

/// Limits of the HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// How long requests in flight may take to finish after SIGTERM (whole seconds).
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 256 * 1024,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// Limits of the `login` mutation against password guessing (see `auth::LoginThrottle`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginConfig {
    /// Failed logins of one username (in one site, from anywhere) per `window`; then
    /// `RATE_LIMITED` until the window ends, even with the right password.
    pub max_failures_per_user: u32,
    /// Failed logins from one client address (an IPv6 /64) per `window`, whatever usernames.
    pub max_failures_per_client: u32,
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    /// Password verifications (argon2) running at once; absent: the number of CPUs.
    pub concurrency: Option<usize>,
    /// Take the client address from the last `X-Forwarded-For` entry (the one the proxy in
    /// front added) instead of the TCP peer: only when every request comes through a proxy
    /// that sets it, or clients could pick their own address.
    pub trust_forwarded_for: bool,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            max_failures_per_user: 5,
            // An office or a campus behind one NAT address has many users.
            max_failures_per_client: 50,
            window: Duration::from_secs(15 * 60),
            concurrency: None,
            trust_forwarded_for: false,
        }
    }
}

/// How the least loaded server is chosen for a new meeting (see `service::bbb::balancer`):
/// seats reserved for a meeting just placed, until the health poller sees its attendees.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BalancerConfig {
    /// Seats reserved for a new meeting without a size hint (`maxParticipants`).
    pub default_seats: u32,
    /// Time in which a reservation shrinks linearly to nothing.
    #[serde(with = "humantime_serde")]
    pub reservation_decay: Duration,
}

impl Default for BalancerConfig {
    fn default() -> Self {
        // The balancer's own defaults, written once (in crates/service).
        let balancer = service::bbb::BalancerSettings::default();
        BalancerConfig {
            default_seats: balancer.default_seats,
            reservation_decay: balancer.reservation_decay,
        }
    }
}

impl BalancerConfig {
    pub fn settings(&self) -> service::bbb::BalancerSettings {
        service::bbb::BalancerSettings {
            default_seats: self.default_seats,
            reservation_decay: self.reservation_decay,
        }
    }
}

/// Where the gateway's own outbound requests may go: BBB server URLs (which a group admin
/// sets) and relayed callbacks (which a tenant sets). Public addresses always; loopback,
/// private, link-local and other special-use addresses only when listed here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboundConfig {
    /// Networks (`10.0.0.0/8`), addresses (`192.168.1.20`) and host names (`bbb.internal`)
    /// admitted besides public addresses, e.g. the private network the BBB servers sit in.
    pub allow: Vec<String>,
}

/// Origins `serve --dev` admits when `cors.allowed_origins` is empty: any port of the local
/// machine, where frontend dev servers (Vite on :5173, …) run.
pub const DEV_CORS_ORIGINS: [&str; 2] = ["http://localhost:*", "http://127.0.0.1:*"];

/// Cross-origin (CORS) access of browsers to `/graphql`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsConfig {
    /// Origins allowed to call `/graphql` from a browser: `https://app.example.org`,
    /// `http://localhost:*` (any port), or `*` (any origin, not with credentials).
    pub allowed_origins: Vec<String>,
    pub allowed_methods: Vec<String>,
    /// Request headers a cross-origin request may send.
    pub allowed_headers: Vec<String>,
    /// Whether the browser sends cookies and HTTP authentication along (bearer tokens in
    /// `Authorization` need not).
    pub allow_credentials: bool,
    /// How long a browser may cache a preflight answer.
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
}

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig {
            allowed_origins: Vec::new(),
            allowed_methods: vec!["GET".to_owned(), "POST".to_owned()],
            allowed_headers: vec![
                "authorization".to_owned(),
                "content-type".to_owned(),
                "x-request-id".to_owned(),
            ],
            allow_credentials: false,
            max_age: Duration::from_secs(3600),
        }
    }
}

impl CorsConfig {
    fn validate(&self) -> Result<(), GatewayError> {
        for (index, entry) in self.allowed_origins.iter().enumerate() {
            match crate::http::OriginPattern::parse(entry) {
                None => {
                    return Err(GatewayError::config(
                        format!("cors.allowed_origins[{index}]"),
                        format!(
                            "an origin such as `https://app.example.org` (no path), one with \
                             any port such as `http://localhost:*`, or `*`, but {entry:?} is none"
                        ),
                    ));
                }
                Some(crate::http::OriginPattern::Any) if self.allow_credentials => {
                    return Err(GatewayError::config(
                        format!("cors.allowed_origins[{index}]"),
                        "named origins when `cors.allow_credentials` is true: `*` with \
                         credentials would let every website act with the user's cookies",
                    ));
                }
                Some(_) => {}
            }
        }
        for (index, method) in self.allowed_methods.iter().enumerate() {
            if method.parse::<actix_web::http::Method>().is_err() || method.is_empty() {
                return Err(GatewayError::config(
                    format!("cors.allowed_methods[{index}]"),
                    format!("an HTTP method such as `GET` or `POST`, but {method:?} is none"),
                ));
            }
        }
        for (index, name) in self.allowed_headers.iter().enumerate() {
            if name.parse::<actix_web::http::header::HeaderName>().is_err() {
                return Err(GatewayError::config(
                    format!("cors.allowed_headers[{index}]"),
                    format!("an HTTP header name such as `authorization`, but {name:?} is none"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// `log.access`: which answered requests get an access log line ("request answered").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLogMode {
    /// Every request.
    All,
    /// Every answer with an error status (400 and above) and one in `log.access_one_in` of
    /// the others.
    Sampled,
    /// None (requests still carry their id into the lines they cause).
    Off,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `gateway=debug,sea_orm=warn`.
    pub level: String,
    /// Which requests get an access log line: `all`, `sampled` or `off`.
    pub access: AccessLogMode,
    /// With `access = "sampled"`: one in this many answers without an error status is
    /// logged.
    pub access_one_in: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Pretty,
            level: "info".to_owned(),
            access: AccessLogMode::All,
            access_one_in: 100,
        }
    }
}

/// Where the configuration comes from, besides defaults and the environment.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The TOML file given with `--config`; it must exist.
    pub file: Option<PathBuf>,
    /// In `serve --dev`: the generated secrets file, layered below the TOML file.
    pub dev_secrets: Option<PathBuf>,
}

/// A loaded configuration and the keys it did not recognise (to be warned about once logging
/// is set up).
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub unknown_keys: Vec<String>,
}

impl Config {
    /// Reads the configuration from its sources without validating it.
    pub fn load(sources: &Sources) -> Result<Loaded, GatewayError> {
        let figment = Self::figment(sources)?;
        let config: Config = figment.extract().map_err(figment_error)?;
        let given: Dict = figment.extract().map_err(figment_error)?;
        let known = serde_json::to_value(&config)
            .map_err(GatewayError::failed("listing the known keys"))?;
        let mut unknown_keys = Vec::new();
        collect_unknown_keys(&given, &known, "", &mut unknown_keys);
        Ok(Loaded {
            config,
            unknown_keys,
        })
    }

    fn figment(sources: &Sources) -> Result<Figment, GatewayError> {
        let mut figment = Figment::new();
        if let Some(dev_secrets) = &sources.dev_secrets {
            figment = figment
                .merge(Serialized::default("database_url", DEV_DATABASE_URL))
                .merge(Toml::file_exact(dev_secrets));
        }
        if let Some(file) = &sources.file {
            if !file.is_file() {
                return Err(GatewayError::config(
                    "--config",
                    format!("a readable TOML file, but {} is not a file", file.display()),
                ));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        Ok(figment.merge(Env::prefixed(ENV_PREFIX).split("__")))
    }

    /// Checks everything that deserialization cannot: ranges, key lengths, exclusive options.
    pub fn validate(&self) -> Result<(), GatewayError> {
        if let Some(url) = &self.public_url
            && !matches!(url.scheme(), "http" | "https")
        {
            return Err(GatewayError::config(
                "public_url",
                "an http:// or https:// URL",
            ));
        }
        self.secret_key()?;
        self.jwt_secret()?;
        if self.lookup_cache_ttl > MAX_LOOKUP_CACHE_TTL {
            return Err(GatewayError::config(
                "lookup_cache_ttl",
                "at most 10m: a deleted or demoted user keeps what they had on other \
                 instances for that long",
            ));
        }
        if self.jwt.ttl.is_zero() {
            return Err(GatewayError::config(
                "jwt.ttl",
                "a positive duration such as `12h`",
            ));
        }
        for (key, value) in [
            ("jwt.issuer", &self.jwt.issuer),
            ("jwt.audience", &self.jwt.audience),
        ] {
            if value.trim().is_empty() {
                return Err(GatewayError::config(key, "a non-empty string"));
            }
        }
        for (index, issuer) in self.issuers.iter().enumerate() {
            issuer.validate(&format!("issuers[{index}]"), &self.jwt.issuer)?;
            if self.issuers[..index]
                .iter()
                .any(|other| other.issuer == issuer.issuer)
            {
                return Err(GatewayError::config(
                    format!("issuers[{index}].issuer"),
                    "an issuer not configured twice",
                ));
            }
        }
        for (key, value) in [
            ("bbb.request_timeout", self.bbb.request_timeout),
            ("bbb.connect_timeout", self.bbb.connect_timeout),
            ("poller.interval", self.poller.interval),
            (
                "graphql.subscription_poll_interval",
                self.graphql.subscription_poll_interval,
            ),
            ("http.shutdown_timeout", self.http.shutdown_timeout),
            ("login.window", self.login.window),
            ("graphql.slug_miss_window", self.graphql.slug_miss_window),
            ("graphql.ws_init_timeout", self.graphql.ws_init_timeout),
            ("endpoint.secret_cache_ttl", self.endpoint.secret_cache_ttl),
            ("endpoint.server_cache_ttl", self.endpoint.server_cache_ttl),
            (
                "endpoint.placement_cache_ttl",
                self.endpoint.placement_cache_ttl,
            ),
            ("endpoint.fan_out_timeout", self.endpoint.fan_out_timeout),
            (
                "balancer.reservation_decay",
                self.balancer.reservation_decay,
            ),
        ] {
            if value.is_zero() {
                return Err(GatewayError::config(
                    key,
                    "a positive duration such as `10s`",
                ));
            }
        }
        for (key, value) in [
            (
                "poller.unhealthy_after",
                self.poller.unhealthy_after as usize,
            ),
            ("poller.healthy_after", self.poller.healthy_after as usize),
            ("graphql.max_depth", self.graphql.max_depth),
            ("graphql.max_complexity", self.graphql.max_complexity),
            (
                "graphql.max_mutation_fields",
                self.graphql.max_mutation_fields,
            ),
            (
                "graphql.max_slug_misses_per_client",
                self.graphql.max_slug_misses_per_client as usize,
            ),
            ("graphql.ws_max_operations", self.graphql.ws_max_operations),
            ("http.max_body_bytes", self.http.max_body_bytes),
            ("endpoint.max_upload_bytes", self.endpoint.max_upload_bytes),
            ("endpoint.max_params", self.endpoint.max_params),
            ("endpoint.max_query_bytes", self.endpoint.max_query_bytes),
            (
                "endpoint.token_cache_capacity",
                usize::try_from(self.endpoint.token_cache_capacity).unwrap_or(usize::MAX),
            ),
            (
                "endpoint.placement_cache_capacity",
                usize::try_from(self.endpoint.placement_cache_capacity).unwrap_or(usize::MAX),
            ),
            (
                "balancer.default_seats",
                self.balancer.default_seats as usize,
            ),
            ("log.access_one_in", self.log.access_one_in as usize),
            (
                "login.max_failures_per_user",
                self.login.max_failures_per_user as usize,
            ),
            (
                "login.max_failures_per_client",
                self.login.max_failures_per_client as usize,
            ),
            ("login.concurrency", self.login.concurrency.unwrap_or(1)),
        ] {
            if value == 0 {
                return Err(GatewayError::config(key, "a positive integer"));
            }
        }
        self.outbound_policy()?;
        self.cors.validate()?;
        if self.graphql.persisted_queries_cache_bytes == 0 {
            return Err(GatewayError::config(
                "graphql.persisted_queries_cache_bytes",
                "a positive number of bytes",
            ));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(GatewayError::config(
                "log.level",
                "a tracing filter such as `info` or `gateway=debug,sea_orm=warn`",
            ));
        }
        Ok(())
    }

    /// The key for secrets at rest (base64 or hex of 32 bytes).
    pub fn secret_key(&self) -> Result<store::SecretKey, GatewayError> {
        let expected =
            "32 random bytes as base64 (e.g. from `openssl rand -base64 32`) or 64 hex digits";
        let encoded = self
            .secret_key
            .as_ref()
            .ok_or_else(|| GatewayError::config("secret_key", format!("required: {expected}")))?;
        store::SecretKey::parse(encoded.expose())
            .map_err(|_| GatewayError::config("secret_key", expected))
    }

    /// A fresh random `secret_key`, in the form [`Config::secret_key`] reads: for the secrets
    /// file `serve --dev` writes on its first start.
    pub fn generate_secret_key() -> String {
        store::SecretKey::generate().to_base64()
    }

    /// The rule for outbound requests: public addresses, and what `outbound.allow` admits.
    pub fn outbound_policy(&self) -> Result<bbb_client::OutboundPolicy, GatewayError> {
        self.outbound.allow.iter().enumerate().try_fold(
            bbb_client::OutboundPolicy::public_only(),
            |policy, (index, entry)| {
                policy.allow(entry).map_err(|_| {
                    GatewayError::config(
                        format!("outbound.allow[{index}]"),
                        format!(
                            "a network in CIDR notation (`10.0.0.0/8`), an IP address or a host \
                             name, but {entry:?} is none of these"
                        ),
                    )
                })
            },
        )
    }

    /// The key that authenticates the callback URLs the BBB endpoint hands to BBB, derived
    /// from `secret_key`: the same on every instance, unknown to tenants.
    pub fn relay_key(&self) -> Result<bbb_endpoint::RelayKey, GatewayError> {
        Ok(bbb_endpoint::RelayKey::from_bytes(
            self.secret_key()?.subkey("bbb-endpoint/callback-relay/v1"),
        ))
    }

    /// The HS256 key of locally issued tokens.
    pub fn jwt_secret(&self) -> Result<&str, GatewayError> {
        let expected = format!(
            "a random string of at least {MIN_JWT_SECRET_LEN} bytes (e.g. from `openssl rand -base64 48`)"
        );
        match &self.jwt.secret {
            Some(secret) if secret.expose().len() >= MIN_JWT_SECRET_LEN => Ok(secret.expose()),
            Some(_) => Err(GatewayError::config("jwt.secret", expected)),
            None => Err(GatewayError::config(
                "jwt.secret",
                format!("required: {expected}"),
            )),
        }
    }

    /// The database to connect to.
    pub fn database_url(&self) -> &str {
        self.database_url
            .as_ref()
            .map_or(DEFAULT_DATABASE_URL, |url| url.expose())
    }

    /// The URL clients reach the gateway at: `public_url`, or `http://<listen>`; no trailing
    /// slash.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// The effective configuration as TOML, secrets masked.
    pub fn to_masked_toml(&self) -> Result<String, GatewayError> {
        toml::to_string_pretty(self)
            .map_err(GatewayError::failed("writing the configuration as TOML"))
    }
}

impl IssuerConfig {
    fn validate(&self, key: &str, local_issuer: &str) -> Result<(), GatewayError> {
        if self.name.trim().is_empty() {
            return Err(GatewayError::config(
                format!("{key}.name"),
                "a non-empty string",
            ));
        }
        if self.issuer.trim().is_empty() || self.issuer == local_issuer {
            return Err(GatewayError::config(
                format!("{key}.issuer"),
                "the non-empty `iss` claim of the provider's tokens, different from `jwt.issuer`",
            ));
        }
        if self.audience.trim().is_empty() {
            return Err(GatewayError::config(
                format!("{key}.audience"),
                "a non-empty string",
            ));
        }
        let family = self.algorithm_family().ok_or_else(|| {
            GatewayError::config(
                format!("{key}.algorithms"),
                "a non-empty list of asymmetric algorithms of one family, \
                 e.g. [\"RS256\"], [\"ES256\"] or [\"EdDSA\"]",
            )
        })?;
        if family == AlgorithmFamily::Hmac {
            return Err(GatewayError::config(
                format!("{key}.algorithms"),
                "asymmetric algorithms (RS*, PS*, ES*, EdDSA); shared-secret HS* is only for \
                 tokens the gateway issues itself",
            ));
        }
        match (&self.public_key_pem, &self.jwks_file) {
            (Some(_), None) | (None, Some(_)) => Ok(()),
            _ => Err(GatewayError::config(
                format!("{key}.public_key_pem"),
                "exactly one of `public_key_pem` (PEM text) and `jwks_file` (path)",
            )),
        }
    }

    /// The one family all configured algorithms belong to, if they do.
    pub fn algorithm_family(&self) -> Option<AlgorithmFamily> {
        let family = family_of(*self.algorithms.first()?);
        self.algorithms
            .iter()
            .all(|algorithm| family_of(*algorithm) == family)
            .then_some(family)
    }
}

/// The family of an algorithm (jsonwebtoken only maps the other way).
pub fn family_of(algorithm: Algorithm) -> AlgorithmFamily {
    [
        AlgorithmFamily::Hmac,
        AlgorithmFamily::Rsa,
        AlgorithmFamily::Ec,
        AlgorithmFamily::Ed,
    ]
    .into_iter()
    .find(|family| family.algorithms().contains(&algorithm))
    .unwrap_or(AlgorithmFamily::Hmac)
}

fn figment_error(error: figment::Error) -> GatewayError {
    let key = if error.path.is_empty() {
        "(top level)".to_owned()
    } else {
        error.path.join(".")
    };
    let origin = error
        .metadata
        .as_ref()
        .map(|metadata| match &metadata.source {
            Some(source) => format!(" (from {} {source})", metadata.name),
            None => format!(" (from {})", metadata.name),
        })
        .unwrap_or_default();
    GatewayError::config(key, format!("{}{origin}", error.kind))
}

/// Walks the given keys along the configuration that was extracted from them: a given key
/// without a counterpart was ignored, most likely a typo.
fn collect_unknown_keys(
    given: &Dict,
    known: &serde_json::Value,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for (key, value) in given {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match known.get(key) {
            None => out.push(path),
            Some(known) => collect_unknown_in_value(value, known, &path, out),
        }
    }
}

fn collect_unknown_in_value(
    given: &Value,
    known: &serde_json::Value,
    path: &str,
    out: &mut Vec<String>,
) {
    match (given, known) {
        (Value::Dict(_, dict), known) if known.is_object() => {
            collect_unknown_keys(dict, known, path, out);
        }
        (Value::Array(_, items), serde_json::Value::Array(known_items)) => {
            for (index, (item, known_item)) in items.iter().zip(known_items).enumerate() {
                collect_unknown_in_value(item, known_item, &format!("{path}[{index}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
// figment's `Jail` closures return its (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use super::*;

    const JWT_SECRET: &str = "a-jwt-secret-for-tests-only-0123456789";
    const SECRET_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    fn load(jail: &Jail, file: Option<&str>) -> Result<Loaded, GatewayError> {
        Config::load(&Sources {
            file: file.map(|name| jail.directory().join(name)),
            dev_secrets: None,
        })
    }

    /// Writes `base.toml`, the valid minimum followed by `sections`, and loads it with the
    /// jail's environment: every key known, the whole valid.
    fn load_valid_with(jail: &Jail, sections: &str) -> Config {
        jail.create_file("base.toml", &format!("{}{sections}", valid_toml()))
            .unwrap();
        let loaded = load(jail, Some("base.toml")).unwrap();
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
        loaded.config.validate().unwrap();
        loaded.config
    }

    fn valid_toml() -> String {
        format!("secret_key = \"{SECRET_KEY}\"\n[jwt]\nsecret = \"{JWT_SECRET}\"\n")
    }

    fn config_key(result: Result<impl fmt::Debug, GatewayError>) -> String {
        match result {
            Err(GatewayError::Config { key, .. }) => key,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_apply_without_any_source() {
        Jail::expect_with(|jail| {
            let config = load(jail, None).unwrap().config;
            assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
            assert_eq!(config.jwt.issuer, "bbb-gateway");
            assert_eq!(config.jwt.ttl, Duration::from_secs(12 * 3600));
            assert_eq!(config.database_url(), DEFAULT_DATABASE_URL);
            assert_eq!(config.log.format, LogFormat::Pretty);
            assert!(config.issuers.is_empty());
            Ok(())
        });
    }

    #[test]
    fn toml_overrides_defaults_and_environment_overrides_toml() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "gateway.toml",
                &format!(
                    "listen = \"0.0.0.0:9000\"\n{}[graphql]\nmax_depth = 5\nmax_complexity = 50\n\
                     [bbb]\nrequest_timeout = \"30s\"\n",
                    valid_toml().replace("[jwt]", "[log]\nformat = \"json\"\n[jwt]")
                ),
            )?;
            jail.set_env("BBB_GATEWAY_GRAPHQL__MAX_DEPTH", "7");
            jail.set_env("BBB_GATEWAY_JWT__TTL", "15m");
            jail.set_env("BBB_GATEWAY_DATABASE_URL", "postgres://gw:pw@db/gw");
            let loaded = load(jail, Some("gateway.toml")).unwrap();
            assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
            let config = loaded.config;
            config.validate().unwrap();
            assert_eq!(config.listen, "0.0.0.0:9000".parse().unwrap());
            assert_eq!(config.graphql.max_depth, 7);
            assert_eq!(config.graphql.max_complexity, 50);
            assert_eq!(config.bbb.request_timeout, Duration::from_secs(30));
            assert_eq!(config.jwt.ttl, Duration::from_secs(15 * 60));
            assert_eq!(config.jwt.secret.as_ref().unwrap().expose(), JWT_SECRET);
            assert_eq!(config.log.format, LogFormat::Json);
            assert_eq!(config.database_url(), "postgres://gw:pw@db/gw");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_reported_with_their_path() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "gateway.toml",
                "lisen = \"0.0.0.0:1\"\n[jwt]\nsecrte = \"x\"\n\
                 [[issuers]]\nname = \"idp\"\nissuer = \"https://idp\"\naudience = \"gw\"\n\
                 algorithms = [\"RS256\"]\njwks_file = \"jwks.json\"\ncreate_user = true\n",
            )?;
            jail.set_env("BBB_GATEWAY_POLLER__INTERVALL", "5s");
            let mut unknown = load(jail, Some("gateway.toml")).unwrap().unknown_keys;
            unknown.sort();
            assert_eq!(
                unknown,
                [
                    "issuers[0].create_user",
                    "jwt.secrte",
                    "lisen",
                    "poller.intervall"
                ]
            );
            Ok(())
        });
    }

    #[test]
    fn type_errors_name_the_key() {
        Jail::expect_with(|jail| {
            jail.create_file("gateway.toml", "[graphql]\nmax_depth = \"deep\"\n")?;
            assert_eq!(
                config_key(load(jail, Some("gateway.toml"))),
                "graphql.max_depth"
            );
            jail.create_file("other.toml", "[bbb]\nconnect_timeout = \"soon\"\n")?;
            assert_eq!(
                config_key(load(jail, Some("other.toml"))),
                "bbb.connect_timeout"
            );
            jail.set_env("BBB_GATEWAY_LISTEN", "not an address");
            assert_eq!(config_key(load(jail, None)), "listen");
            Ok(())
        });
    }

    #[test]
    fn the_base_url_is_the_public_url_or_the_listen_address() {
        Jail::expect_with(|jail| {
            jail.set_env("BBB_GATEWAY_LISTEN", "0.0.0.0:9000");
            assert_eq!(
                load(jail, None).unwrap().config.base_url(),
                "http://0.0.0.0:9000"
            );
            jail.set_env("BBB_GATEWAY_PUBLIC_URL", "https://gw.example/");
            assert_eq!(
                load(jail, None).unwrap().config.base_url(),
                "https://gw.example"
            );
            Ok(())
        });
    }

    #[test]
    fn shutdown_timeout_is_a_positive_duration() {
        Jail::expect_with(|jail| {
            jail.create_file("base.toml", &valid_toml())?;
            jail.set_env("BBB_GATEWAY_HTTP__SHUTDOWN_TIMEOUT", "2m");
            let config = load(jail, Some("base.toml")).unwrap().config;
            assert_eq!(config.http.shutdown_timeout, Duration::from_secs(120));
            config.validate().unwrap();
            jail.set_env("BBB_GATEWAY_HTTP__SHUTDOWN_TIMEOUT", "0s");
            let config = load(jail, Some("base.toml")).unwrap().config;
            assert_eq!(config_key(config.validate()), "http.shutdown_timeout");
            Ok(())
        });
    }

    #[test]
    fn lookup_cache_ttl_is_zero_to_ten_minutes() {
        Jail::expect_with(|jail| {
            jail.create_file("base.toml", &valid_toml())?;
            assert_eq!(
                load(jail, Some("base.toml"))
                    .unwrap()
                    .config
                    .lookup_cache_ttl,
                Duration::from_secs(2)
            );
            for (value, expected) in [("0s", Duration::ZERO), ("10m", Duration::from_secs(600))] {
                jail.set_env("BBB_GATEWAY_LOOKUP_CACHE_TTL", value);
                let config = load(jail, Some("base.toml")).unwrap().config;
                assert_eq!(config.lookup_cache_ttl, expected);
                config.validate().unwrap();
            }
            jail.set_env("BBB_GATEWAY_LOOKUP_CACHE_TTL", "11m");
            let config = load(jail, Some("base.toml")).unwrap().config;
            assert_eq!(config_key(config.validate()), "lookup_cache_ttl");
            Ok(())
        });
    }

    #[test]
    fn endpoint_limits_and_form_rule_load_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env("BBB_GATEWAY_ENDPOINT__MAX_UPLOAD_BYTES", "1048576");
            let config = load_valid_with(
                jail,
                "[endpoint]\nmax_params = 200\nunsigned_form_params = \"refuse\"\n",
            );
            assert_eq!(config.endpoint.max_params, 200);
            assert_eq!(config.endpoint.max_upload_bytes, 1024 * 1024);
            assert_eq!(config.endpoint.max_query_bytes, 16 * 1024);
            assert_eq!(
                config.endpoint.unsigned_form_params,
                UnsignedFormParams::Refuse
            );
            for key in ["MAX_UPLOAD_BYTES", "MAX_PARAMS", "MAX_QUERY_BYTES"] {
                jail.set_env(format!("BBB_GATEWAY_ENDPOINT__{key}"), "0");
                let config = load(jail, Some("base.toml")).unwrap().config;
                assert_eq!(
                    config_key(config.validate()),
                    format!("endpoint.{}", key.to_ascii_lowercase())
                );
                jail.set_env(format!("BBB_GATEWAY_ENDPOINT__{key}"), "10");
            }
            jail.set_env("BBB_GATEWAY_ENDPOINT__UNSIGNED_FORM_PARAMS", "sometimes");
            assert_eq!(
                config_key(load(jail, Some("base.toml"))),
                "endpoint.unsigned_form_params"
            );
            Ok(())
        });
    }

    #[test]
    fn endpoint_caches_and_balancer_settings_load_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "base.toml",
                &format!(
                    "{}[endpoint]\nsecret_cache_ttl = \"1m\"\nplacement_cache_capacity = 50\n\
                     [balancer]\ndefault_seats = 12\n",
                    valid_toml()
                ),
            )?;
            jail.set_env("BBB_GATEWAY_ENDPOINT__FAN_OUT_TIMEOUT", "750ms");
            jail.set_env("BBB_GATEWAY_BALANCER__RESERVATION_DECAY", "90s");
            let loaded = load(jail, Some("base.toml")).unwrap();
            assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
            let config = loaded.config;
            config.validate().unwrap();
            assert_eq!(config.endpoint.secret_cache_ttl, Duration::from_secs(60));
            assert_eq!(config.endpoint.placement_cache_capacity, 50);
            assert_eq!(config.endpoint.fan_out_timeout, Duration::from_millis(750));
            let defaults = bbb_endpoint::EndpointTunables::default();
            assert_eq!(config.endpoint.server_cache_ttl, defaults.server_cache_ttl);
            assert_eq!(
                config.endpoint.placement_cache_ttl,
                defaults.placement_cache_ttl
            );
            assert_eq!(
                config.endpoint.token_cache_capacity,
                defaults.token_cache_capacity
            );
            let balancer = config.balancer.settings();
            assert_eq!(balancer.default_seats, 12);
            assert_eq!(balancer.reservation_decay, Duration::from_secs(90));
            // `config show` prints them, in the form they are written in.
            let shown = config.to_masked_toml().unwrap();
            for line in [
                "[endpoint]",
                "secret_cache_ttl = \"1m\"",
                "fan_out_timeout = \"750ms\"",
                "placement_cache_capacity = 50",
                "[balancer]",
                "default_seats = 12",
                "reservation_decay = \"1m 30s\"",
            ] {
                assert!(shown.lines().any(|shown| shown == line), "{line}: {shown}");
            }

            for (key, bad, good) in [
                ("ENDPOINT__SECRET_CACHE_TTL", "0s", "5s"),
                ("ENDPOINT__SERVER_CACHE_TTL", "0s", "5s"),
                ("ENDPOINT__PLACEMENT_CACHE_TTL", "0s", "5s"),
                ("ENDPOINT__FAN_OUT_TIMEOUT", "0s", "5s"),
                ("ENDPOINT__TOKEN_CACHE_CAPACITY", "0", "5"),
                ("ENDPOINT__PLACEMENT_CACHE_CAPACITY", "0", "5"),
                ("BALANCER__DEFAULT_SEATS", "0", "5"),
                ("BALANCER__RESERVATION_DECAY", "0s", "5s"),
            ] {
                let variable = format!("BBB_GATEWAY_{key}");
                let name = key.to_ascii_lowercase().replace("__", ".");
                jail.set_env(&variable, bad);
                let config = load(jail, Some("base.toml")).unwrap().config;
                assert_eq!(config_key(config.validate()), name);
                // Not a duration or not a number: refused while loading, naming the key.
                jail.set_env(&variable, "plenty");
                assert_eq!(config_key(load(jail, Some("base.toml"))), name);
                jail.set_env(&variable, good);
            }
            Ok(())
        });
    }

    #[test]
    fn the_access_log_setting_loads_and_is_checked() {
        Jail::expect_with(|jail| {
            let config = load_valid_with(jail, "[log]\naccess = \"sampled\"\naccess_one_in = 20\n");
            assert_eq!(config.log.access, AccessLogMode::Sampled);
            assert_eq!(config.log.access_one_in, 20);
            let shown = config.to_masked_toml().unwrap();
            assert!(
                shown.contains("access = \"sampled\"\naccess_one_in = 20\n"),
                "{shown}"
            );
            assert_eq!(Config::default().log.access, AccessLogMode::All);
            jail.set_env("BBB_GATEWAY_LOG__ACCESS", "off");
            assert_eq!(
                load(jail, Some("base.toml")).unwrap().config.log.access,
                AccessLogMode::Off
            );
            jail.set_env("BBB_GATEWAY_LOG__ACCESS", "sometimes");
            assert_eq!(config_key(load(jail, Some("base.toml"))), "log.access");
            jail.set_env("BBB_GATEWAY_LOG__ACCESS", "sampled");
            jail.set_env("BBB_GATEWAY_LOG__ACCESS_ONE_IN", "0");
            let config = load(jail, Some("base.toml")).unwrap().config;
            assert_eq!(config_key(config.validate()), "log.access_one_in");
            Ok(())
        });
    }

    #[test]
    fn login_limits_load_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env("BBB_GATEWAY_LOGIN__CONCURRENCY", "2");
            let config = load_valid_with(
                jail,
                "[login]\nmax_failures_per_user = 3\nwindow = \"2m\"\ntrust_forwarded_for = true\n",
            );
            assert_eq!(config.login.max_failures_per_user, 3);
            assert_eq!(config.login.max_failures_per_client, 50);
            assert_eq!(config.login.window, Duration::from_secs(120));
            assert_eq!(config.login.concurrency, Some(2));
            assert!(config.login.trust_forwarded_for);
            assert_eq!(Config::default().login.concurrency, None);
            for (key, bad) in [
                ("MAX_FAILURES_PER_USER", "0"),
                ("MAX_FAILURES_PER_CLIENT", "0"),
                ("CONCURRENCY", "0"),
                ("WINDOW", "0s"),
            ] {
                jail.set_env(format!("BBB_GATEWAY_LOGIN__{key}"), bad);
                let config = load(jail, Some("base.toml")).unwrap().config;
                assert_eq!(
                    config_key(config.validate()),
                    format!("login.{}", key.to_ascii_lowercase())
                );
                jail.set_env(format!("BBB_GATEWAY_LOGIN__{key}"), "4");
            }
            jail.set_env("BBB_GATEWAY_LOGIN__WINDOW", "4");
            assert_eq!(config_key(load(jail, Some("base.toml"))), "login.window");
            Ok(())
        });
    }

    #[test]
    fn the_outbound_allow_list_loads_and_bad_entries_name_their_index() {
        Jail::expect_with(|jail| {
            let config = load_valid_with(
                jail,
                "[outbound]\nallow = [\"10.0.0.0/8\", \"192.168.1.20\", \"bbb.internal\"]\n",
            );
            let policy = config.outbound_policy().unwrap();
            assert!(policy.check("h", "10.9.8.7".parse().unwrap()).is_ok());
            assert!(
                policy
                    .check("bbb.internal", "172.16.0.9".parse().unwrap())
                    .is_ok()
            );
            assert!(policy.check("h", "127.0.0.1".parse().unwrap()).is_err());
            // Strict by default.
            let strict = load(jail, None).unwrap().config.outbound_policy().unwrap();
            assert!(strict.check("h", "10.9.8.7".parse().unwrap()).is_err());

            // From the environment, as the tests' processes get it.
            jail.set_env("BBB_GATEWAY_OUTBOUND__ALLOW", r#"["127.0.0.0/8", "::1"]"#);
            let from_env = load(jail, None).unwrap().config;
            assert_eq!(from_env.outbound.allow, ["127.0.0.0/8", "::1"]);

            let mut config = config;
            config.outbound.allow.push("10.0.0.0/33".to_owned());
            assert_eq!(config_key(config.validate()), "outbound.allow[3]");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        Jail::expect_with(|jail| {
            assert_eq!(config_key(load(jail, Some("absent.toml"))), "--config");
            Ok(())
        });
    }

    #[test]
    fn validation_names_the_offending_key() {
        Jail::expect_with(|jail| {
            jail.create_file("base.toml", &valid_toml())?;
            let base = || load(jail, Some("base.toml")).unwrap().config;
            base().validate().unwrap();

            let mut config = base();
            config.jwt.secret = None;
            assert_eq!(config_key(config.validate()), "jwt.secret");
            config.jwt.secret = Some(Secret::new("short".to_owned()));
            assert_eq!(config_key(config.validate()), "jwt.secret");

            let mut config = base();
            config.secret_key = Some(Secret::new("dG9vIHNob3J0".to_owned()));
            assert_eq!(config_key(config.validate()), "secret_key");
            config.secret_key = None;
            assert_eq!(config_key(config.validate()), "secret_key");

            let mut config = base();
            config.graphql.max_depth = 0;
            assert_eq!(config_key(config.validate()), "graphql.max_depth");

            let mut config = base();
            config.graphql.max_mutation_fields = 0;
            assert_eq!(config_key(config.validate()), "graphql.max_mutation_fields");

            let mut config = base();
            config.graphql.max_slug_misses_per_client = 0;
            assert_eq!(
                config_key(config.validate()),
                "graphql.max_slug_misses_per_client"
            );

            let mut config = base();
            config.graphql.slug_miss_window = Duration::ZERO;
            assert_eq!(config_key(config.validate()), "graphql.slug_miss_window");

            let mut config = base();
            config.graphql.ws_init_timeout = Duration::ZERO;
            assert_eq!(config_key(config.validate()), "graphql.ws_init_timeout");

            let mut config = base();
            config.graphql.ws_max_operations = 0;
            assert_eq!(config_key(config.validate()), "graphql.ws_max_operations");

            let mut config = base();
            config.poller.interval = Duration::ZERO;
            assert_eq!(config_key(config.validate()), "poller.interval");

            let mut config = base();
            config.log.level = "gateway=loud".to_owned();
            assert_eq!(config_key(config.validate()), "log.level");

            let mut config = base();
            config.public_url = Some("ftp://example.org".parse().unwrap());
            assert_eq!(config_key(config.validate()), "public_url");
            Ok(())
        });
    }

    #[test]
    fn issuers_are_validated() {
        let issuer = || IssuerConfig {
            name: "idp".to_owned(),
            issuer: "https://idp.example".to_owned(),
            audience: "gw".to_owned(),
            algorithms: vec![Algorithm::RS256],
            public_key_pem: Some("-----BEGIN PUBLIC KEY-----".to_owned()),
            jwks_file: None,
            create_users: false,
            site: None,
        };
        let with = |issuers: Vec<IssuerConfig>| {
            let mut config = Config {
                secret_key: Some(Secret::new(SECRET_KEY.to_owned())),
                issuers,
                ..Config::default()
            };
            config.jwt.secret = Some(Secret::new(JWT_SECRET.to_owned()));
            config.validate()
        };
        with(vec![issuer()]).unwrap();

        let mut both = issuer();
        both.jwks_file = Some("jwks.json".into());
        assert_eq!(config_key(with(vec![both])), "issuers[0].public_key_pem");
        let mut neither = issuer();
        neither.public_key_pem = None;
        assert_eq!(config_key(with(vec![neither])), "issuers[0].public_key_pem");
        let mut shared_secret = issuer();
        shared_secret.algorithms = vec![Algorithm::HS256];
        assert_eq!(
            config_key(with(vec![shared_secret])),
            "issuers[0].algorithms"
        );
        let mut mixed = issuer();
        mixed.algorithms = vec![Algorithm::RS256, Algorithm::ES256];
        assert_eq!(config_key(with(vec![mixed])), "issuers[0].algorithms");
        let mut none = issuer();
        none.algorithms.clear();
        assert_eq!(config_key(with(vec![none])), "issuers[0].algorithms");
        let mut local = issuer();
        local.issuer = "bbb-gateway".to_owned();
        assert_eq!(config_key(with(vec![local])), "issuers[0].issuer");
        assert_eq!(
            config_key(with(vec![issuer(), issuer()])),
            "issuers[1].issuer"
        );
    }

    #[test]
    fn secrets_never_show() {
        Jail::expect_with(|jail| {
            jail.create_file("gateway.toml", &valid_toml())?;
            jail.set_env("BBB_GATEWAY_DATABASE_URL", "postgres://gw:hunter2@db/gw");
            let config = load(jail, Some("gateway.toml")).unwrap().config;
            let shown = config.to_masked_toml().unwrap();
            let debugged = format!("{config:?}");
            for secret in [JWT_SECRET, SECRET_KEY, "hunter2"] {
                assert!(!shown.contains(secret), "{shown}");
                assert!(!debugged.contains(secret), "{debugged}");
            }
            assert!(shown.contains("secret = \"***\""), "{shown}");
            assert!(shown.contains("database_url = \"***\""), "{shown}");
            assert_eq!(Secret::new("x").to_string(), "***");
            Ok(())
        });
    }

    #[test]
    fn shown_configuration_reads_back_as_the_same_configuration() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "gateway.toml",
                "listen = \"0.0.0.0:9000\"\npublic_url = \"https://gw.example/\"\n\
                 [[issuers]]\nname = \"idp\"\nissuer = \"https://idp\"\naudience = \"gw\"\n\
                 algorithms = [\"ES256\"]\njwks_file = \"jwks.json\"\n",
            )?;
            let shown = load(jail, Some("gateway.toml"))
                .unwrap()
                .config
                .to_masked_toml()
                .unwrap();
            jail.create_file("shown.toml", &shown)?;
            let reread = load(jail, Some("shown.toml")).unwrap();
            assert!(reread.unknown_keys.is_empty(), "{:?}", reread.unknown_keys);
            assert_eq!(reread.config.to_masked_toml().unwrap(), shown);
            assert_eq!(reread.config.issuers[0].algorithms, [Algorithm::ES256]);
            Ok(())
        });
    }

    #[test]
    fn dev_secrets_sit_below_the_file_and_pick_the_dev_database() {
        Jail::expect_with(|jail| {
            jail.create_file("dev.toml", &valid_toml())?;
            jail.create_file(
                "gateway.toml",
                "[jwt]\nsecret = \"from-the-file-0123456789abcdef0123\"\n",
            )?;
            let config = Config::load(&Sources {
                file: Some(jail.directory().join("gateway.toml")),
                dev_secrets: Some(jail.directory().join("dev.toml")),
            })
            .unwrap()
            .config;
            assert_eq!(config.database_url(), DEV_DATABASE_URL);
            assert_eq!(config.secret_key.as_ref().unwrap().expose(), SECRET_KEY);
            assert_eq!(
                config.jwt.secret.as_ref().unwrap().expose(),
                "from-the-file-0123456789abcdef0123"
            );
            Ok(())
        });
    }
}
