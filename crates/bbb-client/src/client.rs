//! The HTTP side: one pooled `reqwest` client that never follows redirects, and the raw call
//! that signs, sends and returns an answer untouched. The typed calls build on it
//! (see [`crate::api`]); the gateway's BBB endpoint forwards through it.

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use tokio::runtime::RuntimeFlavor;

use crate::error::Error;
use crate::params::Params;
use crate::response::RawResponse;
use crate::server::Server;

/// The default for the whole request, answer included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default for establishing the TCP/TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A request body sent as it is (create's `<modules>`, insertDocument, forwarded bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBody {
    pub content_type: String,
    pub bytes: Bytes,
}

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("bbb-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl ClientBuilder {
    /// Limit for a whole request, from connecting to the last byte of the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Limit for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        // reqwest is built without a bundled crypto provider; ring is the workspace's choice.
        // Installing fails harmlessly when a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = self.http().map_err(|e| Error::Transport(describe(&e)))?;
        Ok(Client {
            http,
            config: Arc::new(self),
        })
    }

    fn http(&self) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            // join answers 302 into the BBB client: that redirect is the answer, not a hop.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.clone())
            .build()
    }
}

/// A BBB API client. Cheap to clone: all clones share one configuration and its connections.
///
/// On a current-thread runtime (every actix worker runs one) each thread sends through a
/// connection pool of its own: a pooled connection is driven by a task on the runtime that
/// opened it, so a shared pool would make about every other request hop between threads and
/// back. Elsewhere (multi-threaded runtimes) all clones share one pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientBuilder>,
}

thread_local! {
    /// This thread's pools, by the client configuration they were built from.
    static THREAD_POOLS: RefCell<Vec<(Weak<ClientBuilder>, reqwest::Client)>> =
        const { RefCell::new(Vec::new()) };
}

/// What a request carries besides its URL.
pub(crate) enum Payload {
    Empty,
    Raw(RawBody),
    Multipart(reqwest::multipart::Form),
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the default timeouts.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// Signs `params` for `call` with the server's secret and sends them: GET without a body,
    /// POST with one. The answer comes back as it is, whatever its status; redirects are not
    /// followed (the `Location` is in the answer). Only transport failures are errors here.
    pub async fn call_raw(
        &self,
        server: &Server,
        call: &str,
        params: &Params,
        body: Option<RawBody>,
    ) -> Result<RawResponse, Error> {
        let payload = body.map_or(Payload::Empty, Payload::Raw);
        self.send(call, server.signed_url(call, params), payload)
            .await
    }

    /// The pool to send through: this thread's own on a current-thread runtime, else the
    /// shared one.
    fn pool(&self) -> reqwest::Client {
        let current_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|handle| handle.runtime_flavor() == RuntimeFlavor::CurrentThread);
        if !current_thread {
            return self.http.clone();
        }
        THREAD_POOLS
            .try_with(|pools| {
                let mut pools = pools.borrow_mut();
                let key = Arc::as_ptr(&self.config);
                if let Some((_, http)) = pools.iter().find(|(config, _)| config.as_ptr() == key) {
                    return http.clone();
                }
                // Pools of dropped clients go (a Weak keeps its address from being reused).
                pools.retain(|(config, _)| config.strong_count() > 0);
                match self.config.http() {
                    Ok(http) => {
                        pools.push((Arc::downgrade(&self.config), http.clone()));
                        http
                    }
                    Err(_) => self.http.clone(),
                }
            })
            .unwrap_or_else(|_| self.http.clone())
    }

    /// Sends one request to a ready URL. `call` names it in logs and errors; the URL is never
    /// logged, since a join URL is a credential.
    pub(crate) async fn send(
        &self,
        call: &str,
        url: String,
        payload: Payload,
    ) -> Result<RawResponse, Error> {
        let http = self.pool();
        let request = match payload {
            Payload::Empty => http.get(url),
            Payload::Raw(body) => http
                .post(url)
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes),
            Payload::Multipart(form) => http.post(url).multipart(form),
        };
        let started = Instant::now();
        let response = request
            .header(ACCEPT, accept_for(call))
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        let location = header(LOCATION);
        let body = response.bytes().await.map_err(transport_error)?;
        tracing::debug!(
            call,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "BBB call"
        );
        Ok(RawResponse {
            status,
            content_type,
            body,
            location,
        })
    }
}

/// The text-track calls answer JSON; asking for JSON elsewhere would turn bbb-web's XML errors
/// into JSON (spec §0, content negotiation).
fn accept_for(call: &str) -> &'static str {
    match call {
        "getRecordingTextTracks" | "putRecordingTextTrack" => "application/json",
        _ => "application/xml",
    }
}

fn transport_error(error: reqwest::Error) -> Error {
    // The URL may be a signed join URL: keep it out of errors.
    let error = error.without_url();
    if error.is_timeout() {
        Error::Timeout
    } else if error.is_connect() {
        Error::Connect(describe(&error))
    } else {
        Error::Transport(describe(&error))
    }
}

/// An error and its causes on one line (reqwest's own message is often just "error sending
/// request").
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_only_for_text_tracks() {
        assert_eq!(accept_for("getRecordingTextTracks"), "application/json");
        assert_eq!(accept_for("putRecordingTextTrack"), "application/json");
        assert_eq!(accept_for("getRecordings"), "application/xml");
        assert_eq!(accept_for("hooks/list"), "application/xml");
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        // Bind then drop a listener: the port is free and nothing accepts on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server =
            Server::new(&format!("http://127.0.0.1:{port}/bigbluebutton/api"), "s").unwrap();
        let error = Client::new()
            .unwrap()
            .call_raw(&server, "getMeetings", &Params::new(), None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Connect(_)), "{error:?}");
    }

    #[tokio::test]
    async fn silent_server_is_a_timeout() {
        // Accepts connections but never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let holder = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let server =
            Server::new(&format!("http://127.0.0.1:{port}/bigbluebutton/api"), "s").unwrap();
        let client = Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let error = client
            .call_raw(&server, "getMeetings", &Params::new(), None)
            .await
            .unwrap_err();
        assert_eq!(error, Error::Timeout);
        holder.abort();
    }
}
