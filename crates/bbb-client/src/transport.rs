//! The HTTP/1.1 transport under [`crate::Client`], built on hyper's connection-level client:
//! a keep-alive pool per origin, connections opened with TCP_NODELAY (and TLS for `https`),
//! pooled connections checked for a server's close before reuse, one retry when one turns
//! out closed before the request went out, and the answer read whole up to a size limit.
//! Nothing else sits between a call and the socket: no redirect following (join's 302 is an
//! answer), no proxy lookup, no URL re-parsing.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio_rustls::TlsConnector;

use crate::error::{Cause, Error};
use crate::origin::{Origin, Scheme};
use crate::outbound::OutboundPolicy;
use crate::tls;

/// The sending half of one connection; its other half runs as a task on a runtime.
type Sender = SendRequest<Full<Bytes>>;

/// One open connection as the pool holds it.
struct Connection {
    sender: Sender,
    /// A second handle on the connection's TCP socket, to look for a server's close before
    /// reusing the connection (see [`Connection::looks_open`]).
    probe: std::net::TcpStream,
}

impl Connection {
    /// Whether the server has neither closed the connection nor sent anything unasked since
    /// the last answer. The connection's task cannot tell yet when the close arrived since
    /// the runtime last polled for I/O events (a busy runtime, or one blocked for a while):
    /// hyper would then write the request and only afterwards read the close, too late to
    /// know whether the server saw the request. Peeking at the socket asks the kernel itself.
    fn looks_open(&self) -> bool {
        matches!(self.probe.peek(&mut [0; 1]), Err(error) if error.kind() == ErrorKind::WouldBlock)
    }
}

/// How long an idle connection is kept for reuse, as reqwest did. Servers close idle ones too
/// (nginx after 75 s); one closed under us is skipped, or its request retried.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Idle connections kept per origin; one coming back to a full list is closed.
const MAX_IDLE_PER_ORIGIN: usize = 32;

/// Connections idle at least this long are peeked at before reuse. Servers close idle
/// connections after seconds (nginx 75 s, Tomcat 20 s, actix-web 5 s), so one reused sooner
/// — every one under load — skips the system call.
const PROBE_AFTER_IDLE: Duration = Duration::from_millis(100);

/// How connections are opened and answers read; one per client, shared by all its pools.
pub(crate) struct Transport {
    pub(crate) connect_timeout: Duration,
    pub(crate) max_answer_bytes: usize,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    /// Built on first use (see [`tls::connector`]); a failure is kept for every `https`
    /// connection to report.
    pub(crate) tls: OnceLock<Result<TlsConnector, Cause>>,
    /// Which addresses connections may go to, checked on the addresses resolved for each new
    /// connection (see [`OutboundPolicy::resolve`]).
    pub(crate) outbound: OutboundPolicy,
}

impl Transport {
    /// Sends `request` to `origin` over a pooled connection or a new one and reads the answer
    /// whole. A connection whose answer was read completely goes back to `pool`.
    pub(crate) async fn exchange(
        &self,
        runtime: &Handle,
        pool: &Pool,
        origin: &Origin,
        request: Request<Full<Bytes>>,
    ) -> Result<(hyper::http::response::Parts, Bytes), Error> {
        let (connection, reused) = match pool.checkout(origin).await {
            Some(connection) => (connection, true),
            // Boxed, as below: connecting (TCP, TLS) is a large future that most calls skip,
            // and unboxed it would make every call's future, moved about on each poll, as big.
            None => (Box::pin(self.connect(runtime, origin)).await?, false),
        };
        let (connection, response) = self
            .send(runtime, origin, connection, reused, request)
            .await?;
        let answer = self.read(response).await?;
        pool.checkin(origin, connection);
        Ok(answer)
    }

    /// Sends `request` on `connection` (`reused` if it came from the pool) and returns the
    /// connection the answer is coming in on.
    async fn send(
        &self,
        runtime: &Handle,
        origin: &Origin,
        mut connection: Connection,
        reused: bool,
        request: Request<Full<Bytes>>,
    ) -> Result<(Connection, Response<Incoming>), Error> {
        let response = match connection.sender.try_send_request(request).await {
            Ok(response) => response,
            Err(mut failed) => match failed.take_message() {
                // hyper hands the request back only when none of it was written: the pooled
                // connection had closed (a server ending idle connections) before it went out,
                // so sending it on a new connection cannot make the server act twice.
                Some(request) if reused => {
                    tracing::debug!("pooled BBB connection was closed; sending on a new one");
                    connection = Box::pin(self.connect(runtime, origin)).await?;
                    connection
                        .sender
                        .send_request(request)
                        .await
                        .map_err(|error| Error::Transport(Cause::new(error)))?
                }
                _ => return Err(Error::Transport(Cause::new(failed.into_error()))),
            },
        };
        Ok((connection, response))
    }

    /// The head and the whole body of an answer, refused as soon as it is known to exceed
    /// `max_answer_bytes`.
    async fn read(
        &self,
        response: Response<Incoming>,
    ) -> Result<(hyper::http::response::Parts, Bytes), Error> {
        let (head, mut body) = response.into_parts();
        let limit = self.max_answer_bytes;
        let too_large = || Error::AnswerTooLarge { limit };
        // Content-Length announces the size: a huge answer fails before any of it is read.
        let announced = body.size_hint().lower();
        if announced > limit as u64 {
            return Err(too_large());
        }
        let mut collected = Collected::Nothing;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| Error::Transport(Cause::new(error)))?;
            // Trailers are the only other kind of frame; BBB sends none worth keeping.
            if let Ok(data) = frame.into_data() {
                collected = collected.push(data, announced as usize);
                if collected.len() > limit {
                    return Err(too_large());
                }
            }
        }
        Ok((head, collected.into_bytes()))
    }

    /// A new connection to `origin`, its driver task spawned on `runtime`: TCP, TLS for
    /// `https`, all within the connect timeout.
    async fn connect(&self, runtime: &Handle, origin: &Origin) -> Result<Connection, Error> {
        tokio::time::timeout(self.connect_timeout, self.open(runtime, origin))
            .await
            .unwrap_or(Err(Error::Timeout))
    }

    async fn open(&self, runtime: &Handle, origin: &Origin) -> Result<Connection, Error> {
        let connect_error = |error: std::io::Error| Error::Connect(Cause::new(error));
        // Resolved here and connected to exactly the admitted addresses: a name is never
        // looked up a second time, so it cannot answer differently for the connection.
        let addresses = self.outbound.resolve(&origin.host, origin.port).await?;
        let tcp = TcpStream::connect(addresses.as_slice())
            .await
            .map_err(connect_error)?;
        // A request is written in one go; Nagle's algorithm would only delay its last segment.
        tcp.set_nodelay(true).map_err(connect_error)?;
        // The probe is a duplicate of the socket, taken through std (the portable way to
        // duplicate it); the socket goes back to the runtime right after.
        let tcp = tcp.into_std().map_err(connect_error)?;
        let probe = tcp.try_clone().map_err(connect_error)?;
        let tcp = TcpStream::from_std(tcp).map_err(connect_error)?;
        let sender = match origin.scheme {
            Scheme::Http => handshake(runtime, tcp).await?,
            Scheme::Https => {
                let tls = self.tls()?;
                let name = ServerName::try_from(origin.host.clone())
                    .map_err(|error| Error::Connect(Cause::new(error)))?;
                let stream = tls.connect(name, tcp).await.map_err(connect_error)?;
                handshake(runtime, stream).await?
            }
        };
        Ok(Connection { sender, probe })
    }

    fn tls(&self) -> Result<&TlsConnector, Error> {
        self.tls
            .get_or_init(|| {
                tls::connector(&self.extra_roots)
                    .map_err(|error| Cause::within("TLS setup failed", error))
            })
            .as_ref()
            .map_err(|cause| Error::Connect(cause.clone()))
    }
}

/// Starts HTTP/1.1 on an open stream. The connection's I/O runs in a task of its own on
/// `runtime`, where it stays for the connection's life.
async fn handshake<T>(runtime: &Handle, stream: T) -> Result<Sender, Error>
where
    T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| Error::Connect(Cause::new(error)))?;
    runtime.spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(error = %describe(&error), "BBB connection ended with an error");
        }
    });
    Ok(sender)
}

/// An answer body as it arrives: kept as the single chunk it usually is, copied together
/// only when it comes in several.
enum Collected {
    Nothing,
    One(Bytes),
    Several(BytesMut),
}

impl Collected {
    /// Adds a chunk; `expected` (the announced size, within the limit) sizes the buffer.
    fn push(self, data: Bytes, expected: usize) -> Self {
        match self {
            Collected::Nothing => Collected::One(data),
            Collected::One(first) => {
                let mut all = BytesMut::with_capacity(expected.max(first.len() + data.len()));
                all.put(first);
                all.put(data);
                Collected::Several(all)
            }
            Collected::Several(mut all) => {
                all.put(data);
                Collected::Several(all)
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Collected::Nothing => 0,
            Collected::One(data) => data.len(),
            Collected::Several(all) => all.len(),
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Collected::Nothing => Bytes::new(),
            Collected::One(data) => data,
            Collected::Several(all) => all.freeze(),
        }
    }
}

/// Idle keep-alive connections by origin. Cheap to clone: clones share the connections.
#[derive(Clone)]
pub(crate) struct Pool(Arc<Mutex<Idle>>);

struct Idle {
    /// Per origin, oldest first: connections come back in time order.
    by_origin: HashMap<Origin, Vec<IdleConnection>>,
    /// When expired and closed connections of every origin are next dropped, so origins no
    /// longer called do not keep theirs.
    next_sweep: Instant,
}

struct IdleConnection {
    connection: Connection,
    since: Instant,
}

impl Pool {
    pub(crate) fn new() -> Self {
        Pool(Arc::new(Mutex::new(Idle {
            by_origin: HashMap::new(),
            next_sweep: Instant::now() + IDLE_TIMEOUT,
        })))
    }

    /// The most recently used idle connection to `origin` that is still open and ready.
    async fn checkout(&self, origin: &Origin) -> Option<Connection> {
        loop {
            let mut connection = self.take(origin)?;
            // Ready at once on a healthy idle connection (its task finished the previous
            // answer); an error if the server closed it in the meantime.
            if connection.sender.ready().await.is_ok() {
                return Some(connection);
            }
        }
    }

    fn take(&self, origin: &Origin) -> Option<Connection> {
        let mut idle = self.lock();
        let connections = idle.by_origin.get_mut(origin)?;
        while let Some(IdleConnection { connection, since }) = connections.pop() {
            let idle_for = since.elapsed();
            if idle_for >= IDLE_TIMEOUT {
                // The rest are older still.
                connections.clear();
                return None;
            }
            if connection.sender.is_closed()
                || (idle_for >= PROBE_AFTER_IDLE && !connection.looks_open())
            {
                continue;
            }
            return Some(connection);
        }
        None
    }

    /// Keeps a connection whose answer was read completely for the next request to `origin`.
    fn checkin(&self, origin: &Origin, connection: Connection) {
        if connection.sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut idle = self.lock();
        idle.sweep(now);
        let connection = IdleConnection {
            connection,
            since: now,
        };
        match idle.by_origin.get_mut(origin) {
            Some(connections) if connections.len() < MAX_IDLE_PER_ORIGIN => {
                connections.push(connection);
            }
            // Full: dropping the connection closes it.
            Some(_) => {}
            None => {
                idle.by_origin.insert(origin.clone(), vec![connection]);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Idle> {
        // Nothing panics while holding the lock; were it poisoned, the map is still sound.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Idle {
    fn sweep(&mut self, now: Instant) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now + IDLE_TIMEOUT;
        self.by_origin.retain(|_, connections| {
            connections.retain(|idle| {
                now.duration_since(idle.since) < IDLE_TIMEOUT && !idle.connection.sender.is_closed()
            });
            !connections.is_empty()
        });
    }
}

/// An error and its causes on one line (hyper's own message is often just "connection
/// error"). Neither hyper, rustls nor the OS put the request's URL in theirs.
pub(crate) fn describe(error: &dyn std::error::Error) -> String {
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use hyper::header::HOST;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    fn transport() -> Transport {
        Transport {
            connect_timeout: Duration::from_secs(5),
            max_answer_bytes: 1024,
            extra_roots: Vec::new(),
            tls: OnceLock::new(),
            outbound: OutboundPolicy::unrestricted(),
        }
    }

    /// A server answering every request with an empty 200, counting its connections.
    async fn server() -> (Origin, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    while !head.ends_with(b"\r\n\r\n") {
                        match socket.read_u8().await {
                            Ok(byte) => head.push(byte),
                            Err(_) => return,
                        }
                    }
                    let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
                    let _ = socket.write_all(answer).await;
                    // Held open until the client is done with it.
                    let _ = socket.read_u8().await;
                });
            }
        });
        (Origin::of(&url).unwrap(), accepted)
    }

    /// A connection whose I/O task ended before it took a request, as a pooled connection
    /// does when its task sees the server's close just before the request is queued.
    async fn closed_connection() -> Connection {
        let (io, _far_end) = tokio::io::duplex(64);
        let (sender, io_task) = http1::handshake(TokioIo::new(io)).await.unwrap();
        drop(io_task);
        // Any socket does as a probe: `send` does not peek.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let probe = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        Connection { sender, probe }
    }

    fn request(origin: &Origin) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.uri_mut() = hyper::Uri::from_static("/bigbluebutton/api/isMeetingRunning");
        request
            .headers_mut()
            .insert(HOST, origin.host_header.clone());
        request
    }

    #[tokio::test]
    async fn a_request_handed_back_unsent_goes_out_on_a_new_connection() {
        let (origin, accepted) = server().await;
        let runtime = Handle::current();
        let (_, response) = transport()
            .send(
                &runtime,
                &origin,
                closed_connection().await,
                true,
                request(&origin),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_new_connection_is_not_given_a_second_try() {
        let (origin, accepted) = server().await;
        let runtime = Handle::current();
        let sent = transport()
            .send(
                &runtime,
                &origin,
                closed_connection().await,
                false,
                request(&origin),
            )
            .await;
        assert!(matches!(sent, Err(Error::Transport(_))));
        assert_eq!(accepted.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn one_chunk_is_kept_and_several_are_joined_in_order() {
        let one = Collected::Nothing.push(Bytes::from_static(b"<response/>"), 11);
        assert_eq!(one.into_bytes(), &b"<response/>"[..]);
        let mut several = Collected::Nothing;
        for chunk in [&b"<res"[..], b"ponse/", b">"] {
            several = several.push(Bytes::from_static(chunk), 11);
        }
        assert_eq!(several.len(), 11);
        assert_eq!(several.into_bytes(), &b"<response/>"[..]);
    }
}
