//! Shared helpers of the simulator's HTTP-level tests: signed requests with the shared
//! checksum code, XML element paths, and a tiny HTTP receiver for callbacks.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::time::Duration;

use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use bbb_sim::{SimConfig, SimServer};
use quick_xml::Reader;
use quick_xml::events::Event;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub fn spawn() -> SimServer {
    spawn_with(SimConfig::default())
}

pub fn spawn_with(config: SimConfig) -> SimServer {
    SimServer::spawn(SimConfig {
        ended_meeting_retention: Duration::from_millis(300),
        ..config
    })
    .expect("simulator starts")
}

/// An HTTP client that does not follow redirects, so join's 302 can be inspected.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `query` plus its checksum, for `call` on `sim`.
pub fn sign(sim: &SimServer, call: &str, query: &str, algorithm: ChecksumAlgorithm) -> String {
    let sum = checksum(algorithm, call, query, sim.secret());
    if query.is_empty() {
        format!("checksum={sum}")
    } else {
        format!("{query}&checksum={sum}")
    }
}

pub fn url(sim: &SimServer, call: &str, query: &str) -> String {
    format!(
        "{}{call}?{}",
        sim.api_url(),
        sign(sim, call, query, ChecksumAlgorithm::Sha1)
    )
}

pub fn raw_url(sim: &SimServer, call: &str, raw_query: &str) -> String {
    format!("{}{call}?{raw_query}", sim.api_url())
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn text(&self, path: &str) -> Option<String> {
        text_at(&self.body, path)
    }

    pub fn key(&self) -> Option<String> {
        self.text("response/messageKey")
    }

    pub fn returncode(&self) -> Option<String> {
        self.text("response/returncode")
    }

    /// Asserts a BBB `FAILED` document with `key`, served as BBB serves XML.
    #[track_caller]
    pub fn assert_failed(&self, key: &str) {
        assert_eq!(self.content_type, "text/xml;charset=utf-8", "{}", self.body);
        assert!(!self.body.starts_with("<?xml"), "{}", self.body);
        assert_eq!(
            self.returncode().as_deref(),
            Some("FAILED"),
            "{}",
            self.body
        );
        assert_eq!(self.key().as_deref(), Some(key), "{}", self.body);
    }

    #[track_caller]
    pub fn assert_success(&self) {
        assert_eq!(self.status, 200, "{}", self.body);
        assert_eq!(self.content_type, "text/xml;charset=utf-8", "{}", self.body);
        assert_eq!(
            self.returncode().as_deref(),
            Some("SUCCESS"),
            "{}",
            self.body
        );
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let body = response.text().await.unwrap();
    Answer {
        status,
        content_type,
        location,
        body,
    }
}

pub async fn get(url: &str) -> Answer {
    answer(http().get(url).send().await.expect("request")).await
}

/// A signed GET of `call` with `query`.
pub async fn call(sim: &SimServer, call: &str, query: &str) -> Answer {
    get(&url(sim, call, query)).await
}

/// Creates meeting `id` with fixed passwords and returns the create answer.
pub async fn create(sim: &SimServer, id: &str, extra: &str) -> Answer {
    let query = format!("name=Room+{id}&meetingID={id}&attendeePW=ap&moderatorPW=mp{extra}");
    let answer = call(sim, "create", &query).await;
    answer.assert_success();
    answer
}

/// Joins as a moderator with `redirect=false` and returns the answer.
pub async fn join(sim: &SimServer, id: &str, extra: &str) -> Answer {
    call(
        sim,
        "join",
        &format!("meetingID={id}&fullName=Ann&role=MODERATOR&redirect=false{extra}"),
    )
    .await
}

/// Element paths (`response/meetings/meeting/…`) in document order; values, attributes and
/// whitespace are ignored.
pub fn element_paths(xml: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut paths = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                stack.push(e.name().as_ref().to_owned());
                paths.push(stack.join("/"));
            }
            Event::Empty(e) => {
                stack.push(e.name().as_ref().to_owned());
                paths.push(stack.join("/"));
                stack.pop();
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => return paths,
            _ => {}
        }
    }
}

/// The text of the first element at `path` (CDATA included, trimmed).
pub fn text_at(xml: &str, path: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut text: Option<String> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                stack.push(e.name().as_ref().to_owned());
                if stack.join("/") == path {
                    text = Some(String::new());
                }
            }
            Event::Empty(e) => {
                stack.push(e.name().as_ref().to_owned());
                if stack.join("/") == path {
                    return Some(String::new());
                }
                stack.pop();
            }
            Event::Text(t) => {
                if let Some(text) = text.as_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = text.as_mut() {
                    let resolved = match r.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    };
                    text.push_str(resolved);
                }
            }
            Event::CData(c) => {
                if let Some(text) = text.as_mut() {
                    text.push_str(&c);
                }
            }
            Event::End(_) => {
                if stack.join("/") == path {
                    return text.map(|t| t.trim().to_owned());
                }
                stack.pop();
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// How many elements stand at `path`.
pub fn count(xml: &str, path: &str) -> usize {
    element_paths(xml).iter().filter(|p| *p == path).count()
}

pub fn fixtures_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bbb-api");
    assert!(dir.is_dir(), "fixtures folder {} not found", dir.display());
    dir
}

pub fn fixture(name: &str) -> String {
    let path = fixtures_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub content_type: Option<String>,
    pub body: String,
}

/// A minimal HTTP server on 127.0.0.1 that records every request and answers `status`.
pub struct Receiver {
    pub url: String,
    requests: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    pub async fn start() -> Self {
        Self::start_answering(200).await
    }

    pub async fn start_answering(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, requests) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(request) = read_request(&mut stream).await {
                        let _ = tx.send(request);
                    }
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        Self { url, requests }
    }

    /// The next request, waiting up to five seconds.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(5), self.requests.recv())
            .await
            .expect("a request within 5 s")
            .expect("receiver alive")
    }

    /// Asserts that nothing arrives within `wait`.
    pub async fn assert_silent(&mut self, wait: Duration) {
        if let Ok(Some(request)) = tokio::time::timeout(wait, self.requests.recv()).await {
            panic!("unexpected request {request:?}");
        }
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        method,
        target,
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Form fields of a body or query, decoded.
pub fn form(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

pub fn field(raw: &str, name: &str) -> Option<String> {
    form(raw)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
