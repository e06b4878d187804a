//! The test harness: the whole gateway on 127.0.0.1:0 over a fresh database, with simulated
//! BBB servers in a server group, spoken to through a real HTTP client.
//!
//! ```text
//! let app = TestApp::spawn().await;
//! let alice = app.create_user("alice", "password").await;
//! let body = app.graphql("{ viewer { username } }", json!({}), Some(&app.token_for(&alice))).await;
//! assert_eq!(body["data"]["viewer"]["username"], "alice");
//! ```

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;

use bbb_sim::SimServer;
use gateway::{
    app::{AppState, Application, BuildOptions, Running},
    auth,
    config::{Config, IssuerConfig, Secret},
    dev,
};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use store::{NewUser, ServerGroup, Site, TestDb, User};

/// The HS256 key of the test gateway's own tokens.
pub const JWT_SECRET: &str = "jwt-secret-of-the-test-gateway-0123456789";
/// Audience every configured test issuer expects.
pub const EXTERNAL_AUDIENCE: &str = "bbb-gateway-tests";
/// How many simulated BBB servers `spawn` starts.
pub const SIMULATED_SERVERS: usize = 2;

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub state: AppState,
    /// The default site, which requests to 127.0.0.1 resolve to.
    pub site: Site,
    /// The server group "test", holding one server per simulator.
    pub group: ServerGroup,
    pub simulators: Vec<SimServer>,
    pub http: reqwest::Client,
    running: Running,
    // Last: the database (its temporary directory) outlives the server that uses it.
    _db: TestDb,
}

/// A test-only key pair file under tests/keys.
pub fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keys")
        .join(name)
}

pub fn read_key(name: &str) -> String {
    std::fs::read_to_string(key_file(name)).unwrap()
}

/// An external issuer `https://<name>.example` trusting a test key.
pub fn test_issuer(
    name: &str,
    algorithm: Algorithm,
    public_key: &str,
    create_users: bool,
) -> IssuerConfig {
    IssuerConfig {
        name: name.to_owned(),
        issuer: format!("https://{name}.example"),
        audience: EXTERNAL_AUDIENCE.to_owned(),
        algorithms: vec![algorithm],
        public_key_pem: Some(read_key(public_key)),
        jwks_file: None,
        create_users,
        site: None,
    }
}

/// The test gateway's configuration over `db`, with external issuers `rsa` (RS256, creates
/// users), `ec` (ES256, creates users), `ed` (EdDSA, known users only) and `jwks` (keys by kid,
/// creates users), adjusted by `adjust`: what [`TestApp::spawn_with`] builds the gateway from,
/// and what tests of a refused start give [`Application::build`] themselves.
pub fn test_config(db: &TestDb, adjust: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(Secret::new(db.url().to_owned())),
        secret_key: Some(Secret::new(db.key().to_base64())),
        ..Config::default()
    };
    config.jwt.secret = Some(Secret::new(JWT_SECRET.to_owned()));
    // The simulators run on 127.0.0.1: admitted explicitly, as an operator would admit a
    // private BBB network (the default admits public addresses only).
    config.outbound.allow = vec!["127.0.0.0/8".to_owned()];
    let mut jwks = test_issuer("jwks", Algorithm::RS256, "rsa-public.pem", true);
    jwks.public_key_pem = None;
    jwks.jwks_file = Some(key_file("jwks.json"));
    config.issuers = vec![
        test_issuer("rsa", Algorithm::RS256, "rsa-public.pem", true),
        test_issuer("ec", Algorithm::ES256, "ec-public.pem", true),
        test_issuer("ed", Algorithm::EdDSA, "ed25519-public.pem", false),
        jwks,
    ];
    adjust(&mut config);
    config
}

impl TestApp {
    /// The gateway with external issuers `rsa` (RS256, creates users), `ec` (ES256, creates
    /// users), `ed` (EdDSA, known users only) and `jwks` (keys by kid, creates users).
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Like `spawn`, with the configuration adjusted first. The gateway is built as `serve`
    /// builds it ([`Application::build`]) and serves, but runs no health poller: tests of
    /// the poller start it themselves (`background::run`), when they choose to.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new().await;
        let config = test_config(&db, adjust);

        // Where the simulators reach the gateway, for relayed callbacks: the address
        // listened on, unless the test set a public URL.
        let application = Application::build_with(
            config,
            BuildOptions {
                listen_address_is_public: true,
            },
        )
        .await
        .expect("the test gateway builds");
        let address = format!("http://{}", application.address());
        let state = application.state().clone();
        let site = state.store.sites().default_site().await.unwrap();
        let simulators = dev::start_simulators(SIMULATED_SERVERS).unwrap();
        let group = dev::register_simulators(&state, &site, "test", &simulators)
            .await
            .unwrap();
        let running = application.start_serving_only();

        TestApp {
            address,
            state,
            site,
            group,
            simulators,
            http: reqwest::Client::new(),
            running,
            _db: db,
        }
    }

    /// A user of the default site with a password.
    pub async fn create_user(&self, username: &str, password: &str) -> User {
        self.create_user_with(NewUser {
            password_hash: Some(auth::hash_password(password).unwrap()),
            display_name: format!("{username} (test)"),
            email: format!("{username}@example.org"),
            ..NewUser::new(self.site.id, username)
        })
        .await
    }

    pub async fn create_user_with(&self, new: NewUser) -> User {
        self.state.store.users().create(new).await.unwrap()
    }

    /// A valid gateway token for `user`, as `login` would issue.
    pub fn token_for(&self, user: &User) -> String {
        self.state
            .tokens
            .issue(user.id, user.site_id)
            .unwrap()
            .token
    }

    /// POSTs a GraphQL operation and returns the JSON answer, whatever the status.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let body = json!({ "query": query, "variables": variables });
        let (_, answer) = self.post_json("/graphql", &body.to_string(), token).await;
        answer
    }

    /// POSTs a raw body as `application/json`; returns the status and the JSON answer.
    pub async fn post_json(&self, path: &str, body: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read_json(request.send().await.unwrap()).await
    }

    /// Sends any request built on the app's client; returns the status and the JSON answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        read_json(request.send().await.unwrap()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the server (waiting for requests in flight) and the simulators.
    pub async fn stop(self) {
        self.running.stop().await.expect("the test gateway stops");
        for simulator in self.simulators {
            simulator.shutdown().await;
        }
    }
}

async fn read_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
        panic!(
            "status {status}, content type {content_type:?}: not JSON ({error}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, body)
}

/// The `extensions.code` of the first error of a GraphQL answer.
pub fn error_code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {answer:#}"))
}
