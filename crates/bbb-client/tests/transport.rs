//! The client's own HTTP/1.1 transport over real sockets: keep-alive reuse (counted by a TCP
//! proxy in front of the simulator), pools per thread and shared, pooled connections the
//! server closed replaced without an error, what is never sent twice, redirects left alone,
//! answer-size limits, the request as it goes on the wire, TLS against a local tokio-rustls
//! server with certificates made in the test, and a multipart upload the simulator accepts.
//! (The retry of a request hyper hands back unsent is tested in `src/transport.rs`: from
//! outside, the moment for it cannot be brought about reliably.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bbb_client::{Client, Error, Params, RawBody, Server, TextTrackUpload, TrackKind};
use bbb_sim::{SimConfig, SimServer};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const RUNNING: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 80\r\n\r\n\
    <response><returncode>SUCCESS</returncode><running>false</running></response>\n\n\n";

/// A TCP proxy that counts the connections it accepts and passes bytes through to `target`.
async fn counting_proxy(target: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, accepted)
}

/// How a [`Scripted`] server behaves on each connection.
#[derive(Clone)]
struct Script {
    /// Written, as it is, after each request.
    answer: Vec<u8>,
    /// Requests answered per connection; the next one is read and the connection closed
    /// without an answer.
    answers_per_connection: usize,
    /// A connection idle this long after an answer is closed (a server ending idle
    /// keep-alive connections).
    idle_close: Option<Duration>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Script {
    fn answering(answer: &[u8]) -> Self {
        Script {
            answer: answer.to_vec(),
            answers_per_connection: usize::MAX,
            idle_close: None,
            tls: None,
        }
    }
}

/// What a [`Scripted`] server saw.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    /// Each request's head (request line and headers) and body.
    requests: Mutex<Vec<(String, Vec<u8>)>>,
    handshakes: Mutex<Vec<Handshake>>,
}

/// What the client said in a TLS handshake that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Handshake {
    sni: Option<String>,
    alpn: Option<Vec<u8>>,
}

/// A bare HTTP/1.1 server on a thread and runtime of its own, so that it keeps going while a
/// test blocks the client's runtime. Stops when dropped.
struct Scripted {
    addr: SocketAddr,
    seen: Arc<Seen>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Scripted {
    fn start(script: Script) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let seen_by_server = seen.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                let accepting = async {
                    while let Ok((socket, _)) = listener.accept().await {
                        seen_by_server.connections.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(serve(socket, script.clone(), seen_by_server.clone()));
                    }
                };
                tokio::select! {
                    _ = accepting => {}
                    _ = stopped => {}
                }
            });
        });
        Scripted {
            addr,
            seen,
            _stop: stop,
        }
    }

    fn server(&self, scheme: &str, host: &str) -> Server {
        let url = format!("{scheme}://{host}:{}/bigbluebutton/api/", self.addr.port());
        Server::new(&url, "secret").unwrap()
    }

    fn connections(&self) -> usize {
        self.seen.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<(String, Vec<u8>)> {
        self.seen.requests.lock().unwrap().clone()
    }
}

async fn serve(socket: TcpStream, script: Script, seen: Arc<Seen>) {
    match &script.tls {
        None => converse(socket, &script, &seen).await,
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            // A client refusing the certificate ends the handshake: nothing to serve.
            if let Ok(stream) = acceptor.accept(socket).await {
                let session = stream.get_ref().1;
                let handshake = Handshake {
                    sni: session.server_name().map(str::to_owned),
                    alpn: session.alpn_protocol().map(<[u8]>::to_vec),
                };
                seen.handshakes.lock().unwrap().push(handshake);
                converse(stream, &script, &seen).await;
            }
        }
    }
}

async fn converse<S: AsyncRead + AsyncWrite + Unpin>(stream: S, script: &Script, seen: &Seen) {
    let mut stream = BufReader::new(stream);
    let mut answered = 0;
    loop {
        let head = match script.idle_close {
            Some(limit) => match tokio::time::timeout(limit, read_head(&mut stream)).await {
                Ok(head) => head,
                Err(_) => return,
            },
            None => read_head(&mut stream).await,
        };
        let Some(head) = head else { return };
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().unwrap())
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        seen.requests.lock().unwrap().push((head, body));
        if answered == script.answers_per_connection {
            return;
        }
        answered += 1;
        if stream.write_all(&script.answer).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
}

/// The request line and headers up to the blank line; `None` at the end of the stream.
async fn read_head<R: AsyncBufReadExt + Unpin>(stream: &mut R) -> Option<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            return Some(head);
        }
        head.push_str(&line);
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

async fn running(client: &Client, server: &Server) -> Result<bool, Error> {
    client.is_meeting_running(server, "m1").await
}

// ---- keep-alive and the pool --------------------------------------------------------------

#[tokio::test]
async fn sequential_calls_reuse_one_connection() {
    let sim = SimServer::spawn(SimConfig::default()).unwrap();
    let (proxy, accepted) = counting_proxy(sim.addr()).await;
    let server = Server::new(&format!("http://{proxy}/bigbluebutton/api/"), sim.secret()).unwrap();
    let client = Client::new().unwrap();
    for _ in 0..50 {
        assert!(!running(&client, &server).await.unwrap());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(sim.api_calls().get("isMeetingRunning"), Some(&50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_a_multi_thread_runtime_share_one_pool() {
    const TASKS: usize = 8;
    let sim = SimServer::spawn(SimConfig::default()).unwrap();
    let (proxy, accepted) = counting_proxy(sim.addr()).await;
    let server = Server::new(&format!("http://{proxy}/bigbluebutton/api/"), sim.secret()).unwrap();
    let client = Client::new().unwrap();
    for _round in 0..3 {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (client, server) = (client.clone(), server.clone());
                tokio::spawn(async move {
                    for _ in 0..10 {
                        running(&client, &server).await?;
                    }
                    Ok::<_, Error>(())
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    }
    // Never more connections than calls in flight at once, whichever thread ran a task, and
    // later rounds found the earlier rounds' connections.
    let opened = accepted.load(Ordering::SeqCst);
    assert!((1..=TASKS).contains(&opened), "{opened} connections");
    assert_eq!(sim.api_calls().get("isMeetingRunning"), Some(&(3 * 10 * 8)));
}

#[test]
fn each_current_thread_runtime_thread_has_a_pool_of_its_own() {
    let scripted = Scripted::start(Script::answering(RUNNING));
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::new().unwrap();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (client, server) = (client.clone(), server.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    for _ in 0..5 {
                        running(&client, &server).await.unwrap();
                    }
                });
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(scripted.connections(), 2);
    assert_eq!(scripted.requests().len(), 10);
}

#[tokio::test]
async fn an_idle_connection_the_server_closed_is_replaced() {
    let scripted = Scripted::start(Script {
        idle_close: Some(Duration::from_millis(50)),
        ..Script::answering(RUNNING)
    });
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::new().unwrap();
    running(&client, &server).await.unwrap();
    // The connection's task sees the server's FIN while this one sleeps.
    tokio::time::sleep(Duration::from_millis(300)).await;
    running(&client, &server).await.unwrap();
    assert_eq!(scripted.connections(), 2);
    assert_eq!(scripted.requests().len(), 2);
}

#[tokio::test]
async fn a_close_the_runtime_has_not_seen_yet_still_keeps_the_connection_from_reuse() {
    let scripted = Scripted::start(Script {
        idle_close: Some(Duration::from_millis(50)),
        ..Script::answering(RUNNING)
    });
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::new().unwrap();
    running(&client, &server).await.unwrap();
    // Blocking the only runtime thread keeps the connection's task from seeing the server's
    // FIN, and hyper reads only what the runtime has seen: it would write the next request
    // and find the close only afterwards, too late to send it again safely. Peeking at the
    // socket before reuse finds the close.
    std::thread::sleep(Duration::from_millis(300));
    running(&client, &server).await.unwrap();
    assert_eq!(scripted.connections(), 2);
    // Nothing was written on the closed connection.
    assert_eq!(scripted.requests().len(), 2);
}

#[tokio::test]
async fn an_answer_announcing_a_close_ends_its_connection() {
    let closing = String::from_utf8(RUNNING.to_vec()).unwrap().replacen(
        "\r\n",
        "\r\nConnection: close\r\n",
        1,
    );
    let scripted = Scripted::start(Script::answering(closing.as_bytes()));
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::new().unwrap();
    for _ in 0..3 {
        running(&client, &server).await.unwrap();
    }
    // Each answer ended its connection, and no request went out on an ended one.
    assert_eq!(scripted.connections(), 3);
    assert_eq!(scripted.requests().len(), 3);
}

#[tokio::test]
async fn a_request_the_server_read_is_never_sent_twice() {
    let scripted = Scripted::start(Script {
        answers_per_connection: 1,
        ..Script::answering(RUNNING)
    });
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::new().unwrap();
    running(&client, &server).await.unwrap();
    // The server reads the second request and hangs up: join or end may have happened.
    let error = running(&client, &server).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(scripted.requests().len(), 2);
    assert_eq!(scripted.connections(), 1);
}

// ---- what goes on the wire ----------------------------------------------------------------

#[tokio::test]
async fn requests_carry_host_agent_accept_and_body_headers() {
    let scripted = Scripted::start(Script::answering(RUNNING));
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::builder()
        .user_agent("test-agent/1")
        .build()
        .unwrap();
    let params: Params = [("meetingID", "a b")].into_iter().collect();
    client
        .call_raw(&server, "getMeetingInfo", &params, None)
        .await
        .unwrap();
    let body = RawBody {
        content_type: "application/xml".into(),
        bytes: "<modules/>".into(),
    };
    client
        .call_raw(&server, "create", &params, Some(body))
        .await
        .unwrap();
    client
        .call_raw(&server, "getRecordingTextTracks", &Params::new(), None)
        .await
        .unwrap();

    let requests = scripted.requests();
    let (get, get_body) = &requests[0];
    let target = server
        .signed_url("getMeetingInfo", &params)
        .split_once(&format!(":{}", scripted.addr.port()))
        .unwrap()
        .1
        .to_owned();
    assert!(
        get.starts_with(&format!("GET {target} HTTP/1.1\r\n")),
        "{get}"
    );
    let host = format!("127.0.0.1:{}", scripted.addr.port());
    assert_eq!(header(get, "host"), Some(host.as_str()));
    assert_eq!(header(get, "user-agent"), Some("test-agent/1"));
    assert_eq!(header(get, "accept"), Some("application/xml"));
    assert_eq!(header(get, "content-length"), None);
    assert!(get_body.is_empty());

    let (post, post_body) = &requests[1];
    assert!(
        post.starts_with("POST /bigbluebutton/api/create?"),
        "{post}"
    );
    assert_eq!(header(post, "content-type"), Some("application/xml"));
    assert_eq!(header(post, "content-length"), Some("10"));
    assert_eq!(post_body, b"<modules/>");

    assert_eq!(header(&requests[2].0, "accept"), Some("application/json"));
    assert_eq!(scripted.connections(), 1);
}

#[tokio::test]
async fn redirects_are_answers_not_hops() {
    let scripted = Scripted::start(Script::answering(
        b"HTTP/1.1 302 Found\r\nLocation: https://bbb.example.com/html5client/join?sessionToken=t\r\n\
          Content-Length: 0\r\n\r\n",
    ));
    let server = scripted.server("http", "127.0.0.1");
    let answer = Client::new()
        .unwrap()
        .call_raw(&server, "join", &Params::new(), None)
        .await
        .unwrap();
    assert_eq!(answer.status, 302);
    assert_eq!(
        answer.location.as_deref(),
        Some("https://bbb.example.com/html5client/join?sessionToken=t")
    );
    assert_eq!(scripted.requests().len(), 1);
}

// ---- answer size ----------------------------------------------------------------------------

#[tokio::test]
async fn an_answer_announced_over_the_default_limit_fails_before_it_is_read() {
    // Only the head is ever sent: a client reading the body would wait for the timeout.
    let scripted = Scripted::start(Script::answering(
        b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n",
    ));
    let server = scripted.server("http", "127.0.0.1");
    let error = Client::new()
        .unwrap()
        .call_raw(&server, "getRecordings", &Params::new(), None)
        .await
        .unwrap_err();
    // An answer, however large: not taken for a server that is gone (a Transport error).
    assert_eq!(error, Error::AnswerTooLarge { limit: 67108864 });
    assert!(
        error.to_string().contains("larger than 67108864"),
        "{error}"
    );
}

fn chunked(size: usize) -> Vec<u8> {
    let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for chunk in vec![b'x'; size].chunks(300) {
        answer.extend(format!("{:x}\r\n", chunk.len()).bytes());
        answer.extend(chunk);
        answer.extend(b"\r\n");
    }
    answer.extend(b"0\r\n\r\n");
    answer
}

#[tokio::test]
async fn an_answer_growing_over_the_limit_fails() {
    let scripted = Scripted::start(Script::answering(&chunked(4096)));
    let server = scripted.server("http", "127.0.0.1");
    let client = Client::builder().max_answer_bytes(4095).build().unwrap();
    let error = client
        .call_raw(&server, "getRecordings", &Params::new(), None)
        .await
        .unwrap_err();
    assert_eq!(error, Error::AnswerTooLarge { limit: 4095 });

    let exact = Client::builder().max_answer_bytes(4096).build().unwrap();
    let answer = exact
        .call_raw(&server, "getRecordings", &Params::new(), None)
        .await
        .unwrap();
    assert_eq!(answer.body.len(), 4096);
}

// ---- TLS ------------------------------------------------------------------------------------

/// A private CA and a certificate it issued for `localhost` and 127.0.0.1.
struct Pki {
    ca: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
    leaf_key: PrivatePkcs8KeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "bbb-client test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf_params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    leaf_params
        .extended_key_usages
        .push(rcgen::ExtendedKeyUsagePurpose::ServerAuth);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca: ca.der().clone(),
        leaf: leaf.der().clone(),
        leaf_key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
    }
}

fn tls_script(pki: &Pki) -> Script {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.leaf.clone()],
            PrivateKeyDer::Pkcs8(pki.leaf_key.clone_key()),
        )
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Script {
        tls: Some(Arc::new(config)),
        ..Script::answering(RUNNING)
    }
}

#[tokio::test]
async fn https_with_a_private_root_works_and_keeps_its_connection() {
    let pki = pki();
    let scripted = Scripted::start(tls_script(&pki));
    let server = scripted.server("https", "localhost");
    let client = Client::builder()
        .add_root_certificate(pki.ca.to_vec())
        .build()
        .unwrap();
    for _ in 0..3 {
        assert!(!running(&client, &server).await.unwrap());
    }
    assert_eq!(scripted.connections(), 1);
    let handshakes = scripted.seen.handshakes.lock().unwrap().clone();
    assert_eq!(
        handshakes,
        [Handshake {
            sni: Some("localhost".to_owned()),
            alpn: Some(b"http/1.1".to_vec()),
        }]
    );

    // An IP address is checked against the certificate's IP names, and named in no SNI.
    let by_ip = scripted.server("https", "127.0.0.1");
    assert!(!running(&client, &by_ip).await.unwrap());
    let handshakes = scripted.seen.handshakes.lock().unwrap().clone();
    assert_eq!(handshakes.len(), 2);
    assert_eq!(handshakes[1].sni, None);
}

#[tokio::test]
async fn a_pem_bundle_adds_roots_too() {
    let pki = pki();
    let scripted = Scripted::start(tls_script(&pki));
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pki.ca);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    let client = Client::builder()
        .add_root_certificates_pem(pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    assert!(
        !running(&client, &scripted.server("https", "localhost"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_connect_error() {
    let pki = pki();
    let scripted = Scripted::start(tls_script(&pki));
    let error = running(
        &Client::new().unwrap(),
        &scripted.server("https", "localhost"),
    )
    .await
    .unwrap_err();
    match error {
        Error::Connect(reason) => assert!(reason.as_str().contains("certificate"), "{reason}"),
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(scripted.requests().is_empty());
}

#[test]
fn unusable_roots_are_refused_when_the_client_is_built() {
    let not_a_certificate = Client::builder()
        .add_root_certificate(b"not DER".to_vec())
        .build();
    assert!(
        matches!(not_a_certificate, Err(Error::InvalidInput(_))),
        "{not_a_certificate:?}"
    );
    let no_certificate = Client::builder().add_root_certificates_pem(b"just text\n");
    assert!(matches!(no_certificate, Err(Error::InvalidInput(_))));
}

// ---- multipart ------------------------------------------------------------------------------

#[tokio::test]
async fn the_simulator_accepts_a_text_track_upload() {
    let sim = SimServer::spawn(SimConfig::default()).unwrap();
    let server = Server::new(&sim.api_url(), sim.secret()).unwrap();
    let client = Client::new().unwrap();
    let created = client
        .create(
            &server,
            &bbb_client::CreateMeeting::new("lecture", "Lecture").record(true),
        )
        .await
        .unwrap();
    assert_eq!(sim.add_attendees("lecture", 1).unwrap(), 1);
    client.end(&server, "lecture").await.unwrap();
    let record_id = created.internal_meeting_id;

    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nOlá\n";
    let upload = TextTrackUpload::new(
        &record_id,
        TrackKind::Captions,
        "pt-BR",
        "Português \"final\".vtt",
        "text/vtt",
        vtt,
    )
    .label("Português");
    let accepted = client
        .put_recording_text_track(&server, &upload)
        .await
        .unwrap();
    assert_eq!(
        accepted.message_key.as_deref(),
        Some("upload_text_track_success")
    );
    let recordings = sim.recordings_snapshot();
    let recording = recordings
        .iter()
        .find(|recording| recording.record_id == record_id)
        .unwrap();
    let tracks: Vec<_> = recording
        .text_tracks
        .iter()
        .map(|track| {
            (
                track.kind.as_str(),
                track.lang.as_str(),
                track.label.as_str(),
                track.content.as_str(),
            )
        })
        .collect();
    assert_eq!(tracks, [("captions", "pt-BR", "Português", vtt)]);

    let bad_type = TextTrackUpload::new(
        &record_id,
        TrackKind::Captions,
        "pt-BR",
        "a.vtt",
        "text/vtt\r\nX: y",
        vtt,
    );
    assert!(matches!(
        client.put_recording_text_track(&server, &bad_type).await,
        Err(Error::InvalidInput(_))
    ));
}
