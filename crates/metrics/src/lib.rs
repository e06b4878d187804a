//! bbb-gateway's Prometheus metrics. One [`Metrics`] handle per process, cloned into every
//! front door (GraphQL, the BBB-compatible endpoint) and the health poller, which report what
//! they do; `/metrics` renders it in the OpenMetrics text format.
//!
//! It lives in its own crate so that the front doors, which the gateway depends on, can report
//! without depending on the gateway.
//!
//! Label values are kept few on purpose: `call` must be a known call or operation type, never
//! raw client input, and tokens and servers are labelled by their database ids.
//!
//! A front door reports each answered request once, and each authenticated API-token use:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use metrics::{FrontDoor, Metrics};
//!
//! let metrics = Metrics::new(); // in the gateway: `AppState::metrics`, cloned
//! let started = Instant::now();
//! // … authenticate (token 7), handle `getMeetingInfo`, answer FAILED/notFound …
//! metrics.token_request(7);
//! metrics.observe_request(FrontDoor::Bbb, "getMeetingInfo", "notFound", started.elapsed());
//! assert!(metrics.render().contains(r#"call="getMeetingInfo",outcome="notFound"} 1"#));
//! ```

use std::{
    borrow::Cow,
    fmt,
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64},
    },
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// The Content-Type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Which API a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontDoor {
    /// `/graphql`.
    Graphql,
    /// The BBB-compatible endpoint (`/bigbluebutton/api/…`, `/t/{token}/bigbluebutton/api/…`).
    Bbb,
}

impl FrontDoor {
    pub fn as_str(self) -> &'static str {
        match self {
            FrontDoor::Graphql => "graphql",
            FrontDoor::Bbb => "bbb",
        }
    }
}

// `Cow`: a front door whose call names and outcomes are fixed strings reports without
// allocating ([`Metrics::observe_known`]); a borrowed and an owned label hash alike.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    front_door: &'static str,
    call: Cow<'static, str>,
    outcome: Cow<'static, str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    front_door: &'static str,
    call: Cow<'static, str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerLabels {
    server_id: i64,
    server: String,
    group_id: i64,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerStatusLabels {
    server_id: i64,
    server: String,
    group_id: i64,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    token_id: i64,
}

/// What the database says about one BBB server (from the poller's last round).
#[derive(Debug, Clone)]
pub struct ServerSample {
    pub server_id: i64,
    pub name: String,
    pub group_id: i64,
    /// `healthy`, `unhealthy` or `unknown`.
    pub health: &'static str,
    /// `enabled`, `cordoned` or `disabled`.
    pub state: &'static str,
    pub meetings: i64,
    pub attendees: i64,
    /// Seconds since the epoch of the last poll, if any.
    pub last_polled_at: Option<f64>,
}

/// Live meetings and attendees of one API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSample {
    pub token_id: i64,
    pub meetings: i64,
    pub attendees: i64,
}

type Gauges<L> = Family<L, Gauge<i64, AtomicI64>>;

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<CallLabels, Histogram, fn() -> Histogram>,
    server_health: Gauges<ServerStatusLabels>,
    server_state: Gauges<ServerStatusLabels>,
    server_meetings: Gauges<ServerLabels>,
    server_attendees: Gauges<ServerLabels>,
    server_last_poll: Family<ServerLabels, Gauge<f64, AtomicU64>>,
    token_requests: Family<TokenLabels, Counter>,
    token_meetings: Gauges<TokenLabels>,
    token_attendees: Gauges<TokenLabels>,
    poller_leader: Gauge<i64, AtomicI64>,
}

/// The process's metrics. Cheap to clone: clones share the registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn latency_histogram() -> Histogram {
    // 5 ms … ~20 s: from a cached answer to a slow BBB server at the request timeout.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::default();
        registry.register(
            "bbb_gateway_requests",
            "Requests by front door, call and outcome",
            requests.clone(),
        );
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "bbb_gateway_request_duration_seconds",
            "Time to answer a request, by front door and call",
            latency.clone(),
        );
        let server_health = Family::default();
        registry.register(
            "bbb_gateway_server_health",
            "1 for the BBB server's current health (healthy, unhealthy, unknown)",
            server_health.clone(),
        );
        let server_state = Family::default();
        registry.register(
            "bbb_gateway_server_state",
            "1 for the BBB server's administrative state (enabled, cordoned, disabled)",
            server_state.clone(),
        );
        let server_meetings = Family::default();
        registry.register(
            "bbb_gateway_server_meetings",
            "Meetings on the BBB server at its last poll",
            server_meetings.clone(),
        );
        let server_attendees = Family::default();
        registry.register(
            "bbb_gateway_server_attendees",
            "Attendees on the BBB server at its last poll",
            server_attendees.clone(),
        );
        let server_last_poll = Family::default();
        registry.register(
            "bbb_gateway_server_last_poll_timestamp_seconds",
            "When the BBB server was last polled",
            server_last_poll.clone(),
        );
        let token_requests = Family::default();
        registry.register(
            "bbb_gateway_token_requests",
            "Authenticated BBB API requests per API token",
            token_requests.clone(),
        );
        let token_meetings = Family::default();
        registry.register(
            "bbb_gateway_token_meetings",
            "Live meetings created through the API token",
            token_meetings.clone(),
        );
        let token_attendees = Family::default();
        registry.register(
            "bbb_gateway_token_attendees",
            "Attendees in the API token's meetings at the last poll (reported by the poller leader)",
            token_attendees.clone(),
        );
        let poller_leader = Gauge::default();
        registry.register(
            "bbb_gateway_poller_leader",
            "1 while this instance runs the health poller",
            poller_leader.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                server_health,
                server_state,
                server_meetings,
                server_attendees,
                server_last_poll,
                token_requests,
                token_meetings,
                token_attendees,
                poller_leader,
            }),
        }
    }

    /// One answered request. `call` is the BBB call name or the GraphQL operation type;
    /// `outcome` is `ok`, or an error code / BBB messageKey.
    pub fn observe_request(
        &self,
        front_door: FrontDoor,
        call: &str,
        outcome: &str,
        elapsed: Duration,
    ) {
        self.observe(
            front_door,
            Cow::Owned(call.to_owned()),
            Cow::Owned(outcome.to_owned()),
            elapsed,
        );
    }

    /// [`Self::observe_request`] for a call and an outcome from a fixed set, without
    /// allocating.
    pub fn observe_known(
        &self,
        front_door: FrontDoor,
        call: &'static str,
        outcome: &'static str,
        elapsed: Duration,
    ) {
        self.observe(
            front_door,
            Cow::Borrowed(call),
            Cow::Borrowed(outcome),
            elapsed,
        );
    }

    fn observe(
        &self,
        front_door: FrontDoor,
        call: Cow<'static, str>,
        outcome: Cow<'static, str>,
        elapsed: Duration,
    ) {
        let front_door = front_door.as_str();
        let mut labels = RequestLabels {
            front_door,
            call,
            outcome,
        };
        self.inner.requests.get_or_create(&labels).inc();
        let labels = CallLabels {
            front_door,
            call: std::mem::take(&mut labels.call),
        };
        self.inner
            .latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// One request authenticated with the API token `token_id`.
    pub fn token_request(&self, token_id: i64) {
        self.inner
            .token_requests
            .get_or_create(&TokenLabels { token_id })
            .inc();
    }

    /// Whether this instance currently runs the health poller.
    pub fn set_poller_leader(&self, leader: bool) {
        self.inner.poller_leader.set(i64::from(leader));
    }

    /// Replaces the per-server gauges: servers that are gone disappear.
    pub fn set_servers(&self, servers: impl IntoIterator<Item = ServerSample>) {
        let inner = &self.inner;
        inner.server_health.clear();
        inner.server_state.clear();
        inner.server_meetings.clear();
        inner.server_attendees.clear();
        inner.server_last_poll.clear();
        for server in servers {
            let labels = ServerLabels {
                server_id: server.server_id,
                server: server.name,
                group_id: server.group_id,
            };
            let status = |status| ServerStatusLabels {
                server_id: labels.server_id,
                server: labels.server.clone(),
                group_id: labels.group_id,
                status,
            };
            inner
                .server_health
                .get_or_create(&status(server.health))
                .set(1);
            inner
                .server_state
                .get_or_create(&status(server.state))
                .set(1);
            inner
                .server_meetings
                .get_or_create(&labels)
                .set(server.meetings);
            inner
                .server_attendees
                .get_or_create(&labels)
                .set(server.attendees);
            if let Some(at) = server.last_polled_at {
                inner.server_last_poll.get_or_create(&labels).set(at);
            }
        }
    }

    /// Replaces the per-token meeting gauges.
    pub fn set_token_meetings(&self, meetings: impl IntoIterator<Item = (i64, i64)>) {
        self.inner.token_meetings.clear();
        for (token_id, count) in meetings {
            self.inner
                .token_meetings
                .get_or_create(&TokenLabels { token_id })
                .set(count);
        }
    }

    /// Replaces the per-token attendee gauges.
    pub fn set_token_attendees(&self, attendees: impl IntoIterator<Item = (i64, i64)>) {
        self.inner.token_attendees.clear();
        for (token_id, count) in attendees {
            self.inner
                .token_attendees
                .get_or_create(&TokenLabels { token_id })
                .set(count);
        }
    }

    /// Everything in the OpenMetrics text format (see [`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.inner.registry).expect("writing to a String cannot fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_front_door_call_and_outcome() {
        let metrics = Metrics::new();
        metrics.observe_request(FrontDoor::Bbb, "create", "ok", Duration::from_millis(30));
        metrics.observe_request(FrontDoor::Bbb, "create", "ok", Duration::from_millis(3));
        metrics.observe_request(
            FrontDoor::Graphql,
            "mutation",
            "FORBIDDEN",
            Duration::from_millis(1),
        );
        let text = metrics.render();
        assert!(
            text.contains(
                r#"bbb_gateway_requests_total{front_door="bbb",call="create",outcome="ok"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"bbb_gateway_requests_total{front_door="graphql",call="mutation",outcome="FORBIDDEN"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"bbb_gateway_request_duration_seconds_bucket{le="0.005",front_door="bbb",call="create"} 1"#
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn known_and_owned_labels_count_as_one_series() {
        let metrics = Metrics::new();
        metrics.observe_known(FrontDoor::Bbb, "join", "ok", Duration::from_millis(1));
        metrics.observe_request(FrontDoor::Bbb, "join", "ok", Duration::from_millis(1));
        let text = metrics.render();
        assert!(
            text.contains(
                r#"bbb_gateway_requests_total{front_door="bbb",call="join",outcome="ok"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"bbb_gateway_request_duration_seconds_count{front_door="bbb",call="join"} 2"#
            ),
            "{text}"
        );
    }

    #[test]
    fn server_gauges_are_replaced_not_accumulated() {
        let metrics = Metrics::new();
        let sample = |id, name: &str, health| ServerSample {
            server_id: id,
            name: name.to_owned(),
            group_id: 1,
            health,
            state: "enabled",
            meetings: 2,
            attendees: 7,
            last_polled_at: Some(1_700_000_000.0),
        };
        metrics.set_servers([sample(1, "bbb-1", "healthy"), sample(2, "bbb-2", "unknown")]);
        metrics.set_servers([sample(1, "bbb-1", "unhealthy")]);
        let text = metrics.render();
        assert!(
            text.contains(
                r#"bbb_gateway_server_health{server_id="1",server="bbb-1",group_id="1",status="unhealthy"} 1"#
            ),
            "{text}"
        );
        assert!(!text.contains("bbb-2"), "{text}");
        assert!(!text.contains(r#"status="healthy""#), "{text}");
        assert!(
            text.contains(
                r#"bbb_gateway_server_attendees{server_id="1",server="bbb-1",group_id="1"} 7"#
            ),
            "{text}"
        );
    }

    #[test]
    fn token_metrics_and_leadership_show() {
        let metrics = Metrics::new();
        metrics.token_request(5);
        metrics.token_request(5);
        metrics.set_token_meetings([(5, 3)]);
        metrics.set_token_attendees([(5, 12)]);
        metrics.set_poller_leader(true);
        let text = metrics.render();
        for line in [
            r#"bbb_gateway_token_requests_total{token_id="5"} 2"#,
            r#"bbb_gateway_token_meetings{token_id="5"} 3"#,
            r#"bbb_gateway_token_attendees{token_id="5"} 12"#,
            "bbb_gateway_poller_leader 1",
        ] {
            assert!(text.contains(line), "{line} missing in\n{text}");
        }
    }
}
