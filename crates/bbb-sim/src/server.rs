//! Running a simulated server: binding, the HTTP routes, going down and coming back, and the
//! handle tests and the binary use to turn the knobs.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::config::SimConfig;
use crate::error::SimError;
use crate::sim::Sim;
use crate::state::{Meeting, Recording};
use crate::{api, control, pages};

/// How long a stopped server's workers get to drop their open connections. actix-web does not
/// report when a non-graceful stop has reached the workers, and callers of `set_down(true)`
/// rely on pooled keep-alive connections being gone when it returns.
const SETTLE: Duration = Duration::from_millis(100);

/// Request bodies up to this size are read (pre-upload XML with inline documents can be big).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A running simulated BBB server. Dereferences to its [`SimHandle`] for the knobs.
pub struct SimServer {
    handle: SimHandle,
}

/// A cloneable handle on a simulated server: knobs, simulated attendees and state snapshots.
#[derive(Clone)]
pub struct SimHandle {
    sim: Arc<Sim>,
    /// Where the server listens; it comes back on the same address after being down.
    addr: SocketAddr,
    listener: Arc<tokio::sync::Mutex<Listener>>,
}

struct Listener {
    /// `None` while the server is down.
    running: Option<ServerHandle>,
}

impl SimServer {
    /// Binds `config.bind` and starts serving on the current tokio runtime; background work
    /// (callbacks, removals, expiry) also runs there. Must be called inside a runtime.
    pub fn spawn(config: SimConfig) -> Result<SimServer, SimError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| SimError::Config("SimServer::spawn needs a tokio runtime".into()))?;
        if config.workers == 0 {
            return Err(SimError::Config("workers must be at least 1".into()));
        }
        let listener = TcpListener::bind(config.bind).map_err(|source| SimError::Bind {
            addr: config.bind,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.bind,
            source,
        })?;
        let base_url = match &config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => default_base_url(addr),
        };
        let sim = Sim::new(config, base_url, runtime);
        sim.start_expiry_checks();
        let handle = SimHandle {
            sim,
            addr,
            listener: Arc::new(tokio::sync::Mutex::new(Listener { running: None })),
        };
        let running = handle.serve(listener)?;
        handle
            .listener
            .try_lock()
            .map_err(|_| SimError::Config("listener busy during start".into()))?
            .running = Some(running);
        tracing::info!(%addr, base_url = %handle.base_url(), "bbb-sim listening");
        Ok(SimServer { handle })
    }

    /// A cloneable handle for the knobs, e.g. to hand to another task.
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Stops serving; in-flight requests get a second to finish.
    pub async fn shutdown(self) {
        let running = self.handle.listener.lock().await.running.take();
        if let Some(running) = running {
            running.stop(true).await;
            tokio::time::sleep(SETTLE).await;
        }
    }
}

impl std::ops::Deref for SimServer {
    type Target = SimHandle;

    fn deref(&self) -> &SimHandle {
        &self.handle
    }
}

/// `http://<ip>:<port>`, with an unspecified bind address shown as loopback.
fn default_base_url(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

impl SimHandle {
    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or the configured public URL), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.sim.base_url
    }

    /// `<base>/bigbluebutton/api/`: the URL a BBB client is configured with.
    pub fn api_url(&self) -> String {
        format!("{}/bigbluebutton/api/", self.sim.base_url)
    }

    pub fn secret(&self) -> &str {
        &self.sim.config.secret
    }

    /// Delays every API answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        tracing::info!(?latency, "knob: latency");
        self.sim.knobs.set_latency(latency);
    }

    /// Answers a share `rate` (0..=1) of API calls with HTTP 502 and nginx's error page,
    /// as a BBB server whose bbb-web is down does.
    pub fn set_error_rate(&self, rate: f64) {
        tracing::info!(rate, "knob: error rate");
        self.sim.knobs.set_error_rate(rate);
    }

    /// Limits attendees across all meetings; joins beyond it fail with
    /// `maxParticipantsReached`. `None` lifts the limit.
    pub fn set_capacity(&self, capacity: Option<u32>) {
        tracing::info!(?capacity, "knob: capacity");
        self.sim.knobs.set_capacity(capacity);
    }

    /// Takes the server down (the port is closed: connections are refused, open ones are
    /// dropped) or brings it back on the same port with its state intact.
    pub async fn set_down(&self, down: bool) -> Result<(), SimError> {
        let mut listener = self.listener.lock().await;
        if down {
            if let Some(running) = listener.running.take() {
                tracing::info!("knob: down");
                running.stop(false).await;
                tokio::time::sleep(SETTLE).await;
            }
        } else if listener.running.is_none() {
            tracing::info!("knob: up");
            let socket = rebind(self.addr).await?;
            listener.running = Some(self.serve(socket)?);
        }
        Ok(())
    }

    pub async fn is_down(&self) -> bool {
        self.listener.lock().await.running.is_none()
    }

    /// Lets `count` simulated users join `meeting_id` (the external meetingID) without a
    /// browser: they count as participants and make the meeting run. Joins stop at the
    /// meeting's maxParticipants and the server capacity; returns how many joined.
    pub fn add_attendees(&self, meeting_id: &str, count: usize) -> Result<usize, SimError> {
        let mut state = self.sim.lock();
        let meeting = state
            .meetings
            .get(meeting_id)
            .filter(|m| !m.forcibly_ended)
            .ok_or_else(|| SimError::UnknownMeeting(meeting_id.to_owned()))?;
        let mut room = count;
        if meeting.max_participants > 0 {
            room = room
                .min((meeting.max_participants as usize).saturating_sub(meeting.attendees.len()));
        }
        if let Some(capacity) = self.sim.knobs.capacity() {
            let free = usize::try_from(capacity)
                .unwrap_or(usize::MAX)
                .saturating_sub(state.total_attendees());
            room = room.min(free);
        }
        let first_number = state.meetings[meeting_id].attendees.len() + 1;
        for number in first_number..first_number + room {
            self.sim
                .add_attendee(&mut state, meeting_id, Sim::simulated_attendee(number));
        }
        Ok(room)
    }

    /// Makes the `count` most recent attendees of `meeting_id` leave; returns how many left.
    pub fn remove_attendees(&self, meeting_id: &str, count: usize) -> Result<usize, SimError> {
        let mut state = self.sim.lock();
        let present = state
            .meetings
            .get(meeting_id)
            .ok_or_else(|| SimError::UnknownMeeting(meeting_id.to_owned()))?
            .attendees
            .len();
        let leaving = count.min(present);
        for index in (present - leaving..present).rev() {
            self.sim.remove_attendee(&mut state, meeting_id, index);
        }
        Ok(leaving)
    }

    /// How many requests each API call got (by call name, `index` for the version document),
    /// counted before latency, error rate or capacity apply. Calls never made are absent.
    pub fn api_calls(&self) -> BTreeMap<String, u64> {
        self.sim.call_counts.snapshot()
    }

    pub fn reset_api_calls(&self) {
        self.sim.call_counts.reset();
    }

    /// Every meeting as the simulator holds it, oldest first.
    pub fn meetings_snapshot(&self) -> Vec<Meeting> {
        let mut meetings: Vec<Meeting> = self.sim.read().meetings.values().cloned().collect();
        meetings.sort_by_key(|m| m.create_time);
        meetings
    }

    /// Every recording, deleted ones included, in the order they were made.
    pub fn recordings_snapshot(&self) -> Vec<Recording> {
        self.sim.read().recordings.clone()
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Handle {
        self.sim.runtime()
    }

    /// Starts the HTTP server on `socket`; it runs on the simulator's runtime.
    fn serve(&self, socket: TcpListener) -> Result<ServerHandle, SimError> {
        let addr = self.addr;
        let sim = web::Data::from(self.sim.clone());
        let handle = web::Data::new(self.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(sim.clone())
                .app_data(handle.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .configure(routes)
        })
        .workers(self.sim.config.workers)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(socket)
        .map_err(|source| SimError::Bind { addr, source })?
        .run();
        let running = server.handle();
        self.sim.runtime().spawn(async move {
            if let Err(error) = server.await {
                tracing::error!(%error, "bbb-sim HTTP server failed");
            }
        });
        Ok(running)
    }
}

/// Binds `addr` again after going down; the old socket may take a moment to close.
async fn rebind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    let mut attempt = 0;
    loop {
        match TcpListener::bind(addr) {
            Ok(socket) => return Ok(socket),
            Err(source) if attempt >= 50 => return Err(SimError::Bind { addr, source }),
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/bigbluebutton/api", web::to(api::handle))
        .route("/bigbluebutton/api/{path:.*}", web::to(api::handle))
        .route("/html5client/join", web::get().to(pages::client))
        .route("/html5client/guestWait", web::get().to(pages::client))
        .route(
            "/playback/presentation/2.3/{record_id}",
            web::get().to(pages::playback),
        )
        .route(
            "/textTrack/{token}/{record_id}/{file}",
            web::get().to(pages::text_track),
        )
        .route("/sim/latency", web::post().to(control::latency))
        .route("/sim/error-rate", web::post().to(control::error_rate))
        .route("/sim/down", web::post().to(control::down))
        .route("/sim/capacity", web::post().to(control::capacity))
        .route("/sim/meetings", web::get().to(control::meetings))
        .route("/sim/recordings", web::get().to(control::recordings))
        .route("/sim/calls", web::get().to(control::calls))
        .route("/sim/calls", web::delete().to(control::reset_calls))
        .route(
            "/sim/meetings/{meeting_id}/attendees",
            web::post().to(control::add_attendees),
        )
        .route(
            "/sim/meetings/{meeting_id}/attendees",
            web::delete().to(control::remove_attendees),
        )
        .default_service(web::to(|| async {
            HttpResponse::NotFound().body("not found")
        }));
}
