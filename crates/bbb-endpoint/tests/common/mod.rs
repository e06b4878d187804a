//! A gateway endpoint on an actix test server in front of simulated BBB servers, on a fresh
//! database (SQLite, or PostgreSQL with TEST_DATABASE_URL), plus helpers to sign requests.

#![allow(dead_code)]
// each test binary uses its own subset
// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer};
use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use bbb_client::{Client, Server};
use bbb_endpoint::{Endpoint, EndpointSettings, EndpointTunables, configure};
use bbb_sim::{SimConfig, SimServer};
use service::bbb::balancer::{Balancer, BalancerSettings};
use service::bbb::poller::{PollSettings, poll_once};
use store::{
    ApiToken, HealthThresholds, NewApiToken, NewServer, NewUser, Placement, Secret, ServerGroup,
    ServerState, Site, TestDb, TokenScope, User,
};

pub struct Harness {
    pub db: TestDb,
    pub sims: Vec<SimServer>,
    /// Server ids, in the order of `sims`.
    pub server_ids: Vec<i64>,
    pub site: Site,
    pub group: ServerGroup,
    pub user: User,
    /// The gateway's base URL, `http://127.0.0.1:PORT`.
    pub base: String,
    pub client: Client,
    pub http: reqwest::Client,
    pub balancer: Arc<Balancer>,
    /// The endpoint behind `base`, for what its caches say (`Endpoint::cache_stats`).
    pub endpoint: Endpoint,
    server: actix_web::dev::ServerHandle,
}

/// A token and its secret, shown once at creation.
pub struct Tok {
    pub token: ApiToken,
    pub secret: String,
}

impl Harness {
    /// `servers` simulated BBB servers in one group, and the endpoint in front of them.
    pub async fn start(servers: usize) -> Harness {
        Harness::start_with(servers, |_| {}).await
    }

    /// Like `start`, with the endpoint's settings adjusted first.
    pub async fn start_with(servers: usize, adjust: impl FnOnce(&mut EndpointSettings)) -> Harness {
        let db = TestDb::new().await;
        let store = db.store().clone();
        let site = store.sites().default_site().await.unwrap();
        let group = store.groups().create(site.id, "main").await.unwrap();
        let user = store
            .users()
            .create(NewUser::new(site.id, "alice"))
            .await
            .unwrap();
        let mut sims = Vec::new();
        let mut server_ids = Vec::new();
        for n in 0..servers {
            let sim = SimServer::spawn(SimConfig {
                secret: format!("sim-secret-{n}-0123456789abcdef"),
                ended_meeting_retention: Duration::from_millis(300),
                ..SimConfig::default()
            })
            .expect("simulator starts");
            let row = store
                .servers()
                .add(NewServer {
                    group_id: group.id,
                    name: format!("bbb{n}"),
                    api_url: sim.api_url(),
                    secret: Secret::new(sim.secret()),
                    weight: 1,
                    state: ServerState::Enabled,
                })
                .await
                .unwrap();
            server_ids.push(row.id);
            sims.push(sim);
        }
        // The simulators (and the tests' receivers) are on 127.0.0.1: admitted explicitly,
        // through the operator's allow-list, for the servers and the relayed callbacks alike.
        let loopback = bbb_client::OutboundPolicy::public_only()
            .allow("127.0.0.0/8")
            .unwrap();
        let client = Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(1))
            .outbound_policy(loopback.clone())
            .build()
            .unwrap();
        let balancer = Arc::new(Balancer::new(BalancerSettings::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut settings = EndpointSettings {
            // Where the simulators reach the gateway, for relayed callbacks.
            public_url: Some(format!("http://127.0.0.1:{port}")),
            tunables: EndpointTunables {
                // Every request sees health changes at once.
                server_cache_ttl: Duration::ZERO,
                fan_out_timeout: Duration::from_secs(2),
                ..EndpointTunables::default()
            },
            outbound: loopback,
            ..EndpointSettings::default()
        };
        adjust(&mut settings);
        let endpoint = Endpoint::new(store, client.clone(), balancer.clone(), settings);
        let mount = configure(endpoint.clone());
        let server = HttpServer::new(move || App::new().configure(mount.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
        let handle = server.handle();
        tokio::spawn(server);
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Harness {
            db,
            sims,
            server_ids,
            site,
            group,
            user,
            base: format!("http://127.0.0.1:{port}"),
            client,
            http,
            balancer,
            endpoint,
            server: handle,
        }
    }

    pub fn store(&self) -> &store::Store {
        self.db.store()
    }

    pub async fn token(&self, name: &str, scope: TokenScope, user: Option<i64>) -> Tok {
        self.token_from(NewApiToken {
            scope,
            user_id: user,
            ..NewApiToken::new(name, self.group.id)
        })
        .await
    }

    /// A token as `new` describes it (quotas, say).
    pub async fn token_from(&self, new: NewApiToken) -> Tok {
        let created = self.store().tokens().create(new).await.unwrap();
        Tok {
            secret: created.secret.expose().to_owned(),
            token: created.token,
        }
    }

    /// The per-token API base of `tok`.
    pub fn token_base(&self, tok: &Tok) -> String {
        format!("{}/t/{}/bigbluebutton/api/", self.base, tok.token.guid)
    }

    /// `tok` as a BBB server for bbb-client, through the per-token path.
    pub fn api(&self, tok: &Tok) -> Server {
        Server::new(&self.token_base(tok), tok.secret.as_str()).unwrap()
    }

    /// `tok` as a BBB server for bbb-client, through the site-wide path.
    pub fn site_api(&self, tok: &Tok) -> Server {
        Server::new(
            &format!("{}/bigbluebutton/api/", self.base),
            tok.secret.as_str(),
        )
        .unwrap()
    }

    /// A signed URL on the per-token path, `query` signed with `algorithm`.
    pub fn url(&self, tok: &Tok, call: &str, query: &str, algorithm: ChecksumAlgorithm) -> String {
        format!(
            "{}{call}?{}",
            self.token_base(tok),
            signed(call, query, &tok.secret, algorithm)
        )
    }

    /// GET `url`; the status and body.
    pub async fn get(&self, url: &str) -> (u16, String) {
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// The live placement of a token's client meetingID.
    pub async fn placement(&self, tok: &Tok, client_id: &str) -> Placement {
        self.store()
            .placements()
            .find_live(self.group.id, &tok.token.guid.to_string(), client_id)
            .await
            .unwrap()
            .expect("the meeting is placed")
    }

    /// The simulator holding a placement.
    pub fn sim_of(&self, placement: &Placement) -> &SimServer {
        let index = self
            .server_ids
            .iter()
            .position(|id| *id == placement.server_id)
            .expect("a known server");
        &self.sims[index]
    }

    /// One health-poll round with thresholds of one, and its loads told to the balancer.
    pub async fn poll(&self) {
        let settings = PollSettings {
            interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
            thresholds: HealthThresholds { rise: 1, fall: 1 },
        };
        for poll in poll_once(self.store(), &self.client, &settings)
            .await
            .unwrap()
        {
            if let Ok(meetings) = &poll.outcome {
                self.balancer.observe(
                    poll.server.id,
                    meetings.iter().map(|(id, count)| (id.as_str(), *count)),
                );
            }
        }
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
        for sim in self.sims {
            sim.shutdown().await;
        }
    }
}

/// `query` with its checksum appended.
pub fn signed(call: &str, query: &str, secret: &str, algorithm: ChecksumAlgorithm) -> String {
    let sum = checksum(algorithm, call, query, secret);
    if query.is_empty() {
        format!("checksum={sum}")
    } else {
        format!("{query}&checksum={sum}")
    }
}

/// The text of the first `<name>` element of an XML body.
pub fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// Asserts a BBB FAILED document with `key` (HTTP 200, XML, never HTML).
pub fn assert_failed(status: u16, body: &str, key: &str) {
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("<response>"), "{body}");
    assert_eq!(element(body, "returncode"), Some("FAILED"), "{body}");
    assert_eq!(element(body, "messageKey"), Some(key), "{body}");
}

/// One HTTP request a [`Receiver`] got.
#[derive(Debug)]
pub struct Received {
    pub method: String,
    pub target: String,
    /// Header names and values, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A tiny HTTP server on 127.0.0.1 that answers 200 to everything and reports each request.
pub struct Receiver {
    pub base: String,
    requests: tokio::sync::mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (sender, requests) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let sender = sender.clone();
                tokio::spawn(async move {
                    let mut data = Vec::new();
                    let mut buffer = [0u8; 4096];
                    loop {
                        let n = socket.read(&mut buffer).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        data.extend_from_slice(&buffer[..n]);
                        let text = String::from_utf8_lossy(&data).into_owned();
                        let Some((head, body)) = text.split_once("\r\n\r\n") else {
                            continue;
                        };
                        let length = head
                            .lines()
                            .find_map(|line| {
                                let (name, value) = line.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if body.len() < length {
                            continue;
                        }
                        let mut request_line = head.lines().next().unwrap_or_default().split(' ');
                        let _ = sender.send(Received {
                            method: request_line.next().unwrap_or_default().to_owned(),
                            target: request_line.next().unwrap_or_default().to_owned(),
                            headers: head
                                .lines()
                                .skip(1)
                                .filter_map(|line| {
                                    let (name, value) = line.split_once(':')?;
                                    Some((name.trim().to_owned(), value.trim().to_owned()))
                                })
                                .collect(),
                            body: body.to_owned(),
                        });
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        break;
                    }
                });
            }
        });
        Receiver { base, requests }
    }

    /// The next request, or `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.requests.recv())
            .await
            .ok()
            .flatten()
    }
}
