//! The client side of the BBB API: a [`Client`] built from a [`ClientBuilder`], and the raw
//! call that signs, sends and returns an answer untouched. The typed calls build on it (see
//! [`crate::api`]); the gateway's BBB endpoint forwards through it. Requests go out through
//! this crate's own lean HTTP/1.1 transport ([`crate::transport`]).

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue, LOCATION,
    USER_AGENT,
};
use hyper::{Method, Request, Uri};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::catalogue::Call;
use crate::error::{Cause, Error};
use crate::origin::Origin;
use crate::outbound::OutboundPolicy;
use crate::response::RawResponse;
use crate::server::Server;
use crate::tls;
use crate::transport::{Pool, Transport};

/// The default for the whole request, answer included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default for establishing the TCP/TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default limit on an answer's body. BBB's biggest answers (getRecordings of a large
/// server) stay far below; the limit only keeps a broken server from exhausting memory.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

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
    max_answer_bytes: usize,
    extra_roots: Vec<CertificateDer<'static>>,
    outbound: OutboundPolicy,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("bbb-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            extra_roots: Vec::new(),
            outbound: OutboundPolicy::unrestricted(),
        }
    }
}

impl ClientBuilder {
    /// Limit for a whole request, from connecting to the last byte of the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Limit for establishing a connection (TCP and TLS).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Limit on an answer's body; a bigger answer fails with [`Error::AnswerTooLarge`].
    pub fn max_answer_bytes(mut self, limit: usize) -> Self {
        self.max_answer_bytes = limit;
        self
    }

    /// Which addresses the client may connect to, checked on every new connection after DNS
    /// resolution. Unrestricted unless set: a service whose server URLs others choose sets
    /// [`OutboundPolicy::public_only`] with its operator's exceptions.
    pub fn outbound_policy(mut self, policy: OutboundPolicy) -> Self {
        self.outbound = policy;
        self
    }

    /// Trusts `der` (one DER-encoded certificate) as a root for `https` servers, besides the
    /// system's roots: for servers whose certificates come from a private CA.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Trusts every certificate of a PEM bundle (`-----BEGIN CERTIFICATE-----` blocks, other
    /// blocks skipped) as in [`Self::add_root_certificate`]. [`Error::InvalidInput`] if the
    /// PEM is malformed or holds no certificate.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let before = self.extra_roots.len();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate
                .map_err(|error| Error::InvalidInput(format!("root certificates: {error}")))?;
            self.extra_roots.push(certificate);
        }
        if self.extra_roots.len() == before {
            return Err(Error::InvalidInput(
                "root certificates: the PEM holds no certificate".to_owned(),
            ));
        }
        Ok(self)
    }

    /// The client. [`Error::InvalidInput`] for a user agent that cannot be a header value or
    /// a root certificate that is no usable CA certificate. The system's roots are read when
    /// the first `https` connection is opened.
    pub fn build(self) -> Result<Client, Error> {
        // The process-wide rustls provider for the TLS config built later, and for other
        // rustls users in the process built without one (reqwest with `rustls-no-provider`).
        // Installing fails harmlessly when a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            Error::InvalidInput(format!(
                "user agent {:?} is no header value",
                self.user_agent
            ))
        })?;
        for (index, root) in self.extra_roots.iter().enumerate() {
            tls::check_root(root).map_err(|error| {
                Error::InvalidInput(format!("root certificate #{}: {error}", index + 1))
            })?;
        }
        let transport = Transport {
            connect_timeout: self.connect_timeout,
            max_answer_bytes: self.max_answer_bytes,
            extra_roots: self.extra_roots,
            tls: OnceLock::new(),
            outbound: self.outbound,
        };
        Ok(Client {
            shared: Arc::new(Shared {
                timeout: self.timeout,
                user_agent,
                transport,
                pool: Pool::new(),
            }),
        })
    }
}

/// A BBB API client. Cheap to clone: all clones share one configuration and its connections.
///
/// On a current-thread runtime (every actix worker runs one) each thread sends through a
/// connection pool of its own: a pooled connection is driven by a task on the runtime that
/// opened it, so a shared pool would make about every other request hop between threads and
/// back. Elsewhere (multi-threaded runtimes) all clones share one pool.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

/// What the clones of one client share.
struct Shared {
    timeout: Duration,
    user_agent: HeaderValue,
    transport: Transport,
    /// The pool used outside current-thread runtimes.
    pool: Pool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Client")
            .field("timeout", &shared.timeout)
            .field("connect_timeout", &shared.transport.connect_timeout)
            .field("user_agent", &shared.user_agent)
            .field("max_answer_bytes", &shared.transport.max_answer_bytes)
            .field("extra_roots", &shared.transport.extra_roots.len())
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// This thread's pools, by the client they belong to.
    static THREAD_POOLS: RefCell<Vec<(Weak<Shared>, Pool)>> = const { RefCell::new(Vec::new()) };
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the default timeouts.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// The addresses this client may connect to.
    pub fn outbound_policy(&self) -> &OutboundPolicy {
        &self.shared.transport.outbound
    }

    /// Signs `params` for `call` with the server's secret and sends them: GET without a body,
    /// POST with one. The answer comes back as it is, whatever its status; redirects are not
    /// followed (the `Location` is in the answer). Only transport failures are errors here.
    pub async fn call_raw<'p>(
        &self,
        server: &Server,
        call: &str,
        params: impl IntoIterator<Item = (&'p str, &'p str)>,
        body: Option<RawBody>,
    ) -> Result<RawResponse, Error> {
        self.send(
            call,
            server.origin(),
            server.signed_target(call, params),
            body,
        )
        .await
    }

    /// The pool to send through on `runtime`: this thread's own on a current-thread runtime,
    /// else the shared one.
    fn pool(&self, runtime: &Handle) -> Pool {
        if runtime.runtime_flavor() != RuntimeFlavor::CurrentThread {
            return self.shared.pool.clone();
        }
        THREAD_POOLS
            .try_with(|pools| {
                let mut pools = pools.borrow_mut();
                let key = Arc::as_ptr(&self.shared);
                if let Some((_, pool)) = pools.iter().find(|(shared, _)| shared.as_ptr() == key) {
                    return pool.clone();
                }
                // Pools of dropped clients go (a Weak keeps its address from being reused).
                pools.retain(|(shared, _)| shared.strong_count() > 0);
                let pool = Pool::new();
                pools.push((Arc::downgrade(&self.shared), pool.clone()));
                pool
            })
            // Only while this thread's locals are being torn down.
            .unwrap_or_else(|_| self.shared.pool.clone())
    }

    /// Sends one request for `target` (path and query) to `origin`: GET without a body, POST
    /// with one. `call` names it in logs and errors; the target is never logged or put in an
    /// error, since a join URL is a credential.
    pub(crate) async fn send(
        &self,
        call: &str,
        origin: &Origin,
        target: String,
        body: Option<RawBody>,
    ) -> Result<RawResponse, Error> {
        let runtime = Handle::try_current().map_err(|error| {
            Error::Transport(Cause::within("BBB calls need a tokio runtime", error))
        })?;
        let request = self.request(call, origin, target, body)?;
        let pool = self.pool(&runtime);
        let started = Instant::now();
        let exchange = self
            .shared
            .transport
            .exchange(&runtime, &pool, origin, request);
        // Boxed: the exchange is a large future, and an unboxed one would be copied into every
        // future that awaits this call.
        let (head, body) = tokio::time::timeout(self.shared.timeout, Box::pin(exchange))
            .await
            .unwrap_or(Err(Error::Timeout))?;
        let status = head.status.as_u16();
        tracing::debug!(
            call,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "BBB call"
        );
        let header = |name: HeaderName| {
            head.headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Ok(RawResponse {
            status,
            content_type: header(CONTENT_TYPE),
            body,
            location: header(LOCATION),
        })
    }

    fn request(
        &self,
        call: &str,
        origin: &Origin,
        target: String,
        body: Option<RawBody>,
    ) -> Result<Request<Full<Bytes>>, Error> {
        // The target is origin-form (`/path?query`), what HTTP/1.1 sends to an origin server.
        let uri = Uri::from_maybe_shared(Bytes::from(target))
            .map_err(|_| Error::InvalidInput(format!("{call}: not a valid request target")))?;
        let mut headers = HeaderMap::with_capacity(5);
        headers.insert(HOST, origin.host_header.clone());
        headers.insert(USER_AGENT, self.shared.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static(accept_for(call)));
        let (method, bytes) = match body {
            None => (Method::GET, Bytes::new()),
            Some(body) => {
                let content_type = HeaderValue::from_maybe_shared(Bytes::from(body.content_type))
                    .map_err(|_| {
                    Error::InvalidInput(format!("{call}: the content type is no header value"))
                })?;
                headers.insert(CONTENT_TYPE, content_type);
                headers.insert(CONTENT_LENGTH, HeaderValue::from(body.bytes.len()));
                (Method::POST, body.bytes)
            }
        };
        let mut request = Request::new(Full::new(bytes));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        Ok(request)
    }
}

/// The text-track calls answer JSON; asking for JSON elsewhere would turn bbb-web's XML errors
/// into JSON (spec §0, content negotiation).
fn accept_for(call: &str) -> &'static str {
    if Call::from_name(call).is_some_and(Call::answers_json) {
        "application/json"
    } else {
        "application/xml"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

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
        // The operating system's answer is kept as the source, not only as words.
        let refused =
            std::iter::successors(std::error::Error::source(&error), |cause| (*cause).source())
                .find_map(|cause| cause.downcast_ref::<std::io::Error>())
                .map(std::io::Error::kind);
        assert_eq!(refused, Some(std::io::ErrorKind::ConnectionRefused));
    }

    #[tokio::test]
    async fn the_outbound_policy_decides_where_connections_go() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = tokio::spawn(async move { listener.accept().await.is_ok() });
        let strict = Client::builder()
            .outbound_policy(OutboundPolicy::public_only())
            .build()
            .unwrap();
        // By address and by a name that resolves to loopback alike.
        for host in ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"] {
            let server =
                Server::new(&format!("http://{host}:{port}/bigbluebutton/api"), "s").unwrap();
            let error = strict
                .call_raw(&server, "getMeetings", &Params::new(), None)
                .await
                .unwrap_err();
            assert!(
                matches!(&error, Error::Connect(reason) if reason.as_str().contains("loopback")),
                "{host}: {error:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !accepted.is_finished(),
            "a refused address was connected to"
        );
        let admitted = Client::builder()
            .outbound_policy(OutboundPolicy::public_only().allow("127.0.0.0/8").unwrap())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let server =
            Server::new(&format!("http://127.0.0.1:{port}/bigbluebutton/api"), "s").unwrap();
        let _ = admitted
            .call_raw(&server, "getMeetings", &Params::new(), None)
            .await;
        assert!(
            accepted.await.unwrap(),
            "the admitted address was not connected to"
        );
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
