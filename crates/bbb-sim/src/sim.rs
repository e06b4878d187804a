//! One simulated server's shared core: its configuration, state, knobs and outbox, and the
//! state changes several entry points share (attendees coming and going, meetings ending).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde_json::{Value, json};

use crate::callbacks::{self, Delivery, Outbox};
use crate::config::SimConfig;
use crate::counts::CallCounts;
use crate::ids::{self, now_millis};
use crate::knobs::Knobs;
use crate::reply::Reply;
use crate::state::{Attendee, Meeting, Recording, RecordingState, Role, SimState};

pub struct Sim {
    pub config: SimConfig,
    /// Where clients reach this server, without a trailing slash.
    pub base_url: String,
    pub knobs: Knobs,
    pub call_counts: CallCounts,
    state: Mutex<SimState>,
    rendered: Mutex<RenderedDocuments>,
    outbox: Outbox,
    /// The runtime the server was started from: background work (removals, expiry,
    /// callbacks) runs there rather than on an HTTP worker that may be stopped.
    runtime: tokio::runtime::Handle,
    me: Weak<Sim>,
}

impl Sim {
    pub fn new(config: SimConfig, base_url: String, runtime: tokio::runtime::Handle) -> Arc<Self> {
        let domain = base_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or("localhost")
            .to_owned();
        // reqwest is built without a default TLS provider; callbacks may go to https URLs.
        // Installing fails only if another provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let outbox = Outbox::start(
            &runtime,
            callbacks::Sender {
                client: reqwest::Client::new(),
                secret: config.secret.clone(),
                domain,
            },
        );
        Arc::new_cyclic(|me| Self {
            config,
            base_url,
            knobs: Knobs::default(),
            call_counts: CallCounts::default(),
            state: Mutex::new(SimState::default()),
            rendered: Mutex::new(RenderedDocuments::default()),
            outbox,
            runtime,
            me: me.clone(),
        })
    }

    /// The state, for changing it. Taking it counts as a change: documents rendered before
    /// are no longer served from the cache.
    pub fn lock(&self) -> MutexGuard<'_, SimState> {
        let mut state = self.guard();
        state.revision = state.revision.wrapping_add(1);
        state
    }

    /// The state, for reading only; rendered documents stay valid.
    pub fn read(&self) -> StateReader<'_> {
        StateReader(self.guard())
    }

    /// A panic while holding the lock cannot leave the state half-changed in a way that
    /// matters to a simulator, so a poisoned lock is simply taken over.
    fn guard(&self) -> MutexGuard<'_, SimState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The XML document `key` as rendered for state `revision`, rendering it if needed.
    /// getMeetingInfo and getMeetings are polled far more often than meetings change; this
    /// keeps the simulator from being the bottleneck of a load test.
    pub fn cached_xml(&self, revision: u64, key: &str, render: impl FnOnce() -> Reply) -> Reply {
        let mut cache = self
            .rendered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.revision != revision {
            cache.documents.clear();
            cache.revision = revision;
        }
        if let Some(body) = cache.documents.get(key) {
            return Reply::Xml(body.clone());
        }
        let reply = render();
        if let Reply::Xml(body) = &reply {
            cache.documents.insert(key.to_owned(), body.clone());
        }
        reply
    }

    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    /// Sends `event_id` to every hook that wants it; builds the event only if one does.
    pub fn emit(
        &self,
        state: &SimState,
        meeting_id: &str,
        event_id: &str,
        attributes: impl FnOnce() -> Value,
    ) {
        let targets = state.hook_targets(meeting_id, event_id);
        if targets.is_empty() {
            return;
        }
        let event = callbacks::event(event_id, attributes());
        for callback_url in targets {
            self.outbox.send(Delivery::Webhook {
                callback_url,
                event: event.clone(),
            });
        }
    }

    /// Puts `attendee` into the meeting: it now runs and has had a user.
    pub fn add_attendee(&self, state: &mut SimState, meeting_id: &str, attendee: Attendee) {
        let Some(meeting) = state.meetings.get_mut(meeting_id) else {
            return;
        };
        meeting.running = true;
        meeting.has_user_joined = true;
        meeting.emptied_at = None;
        meeting.participants_seen.insert(attendee.user_id.clone());
        let mut attendee = attendee;
        // The first moderator in becomes presenter, as in the HTML5 client.
        if attendee.role == Role::Moderator && !meeting.attendees.iter().any(|a| a.is_presenter) {
            attendee.is_presenter = true;
        }
        meeting.attendees.push(attendee.clone());
        let meeting = &state.meetings[meeting_id];
        let attrs = || {
            json!({
                "meeting": meeting_ids(meeting),
                "user": user_attributes(&attendee),
            })
        };
        self.emit(state, meeting_id, "user-joined", attrs);
    }

    /// Takes the attendee at `index` out of the meeting.
    pub fn remove_attendee(&self, state: &mut SimState, meeting_id: &str, index: usize) {
        let Some(meeting) = state.meetings.get_mut(meeting_id) else {
            return;
        };
        if index >= meeting.attendees.len() {
            return;
        }
        let attendee = meeting.attendees.remove(index);
        if meeting.attendees.is_empty() {
            meeting.emptied_at = Some(now_millis());
        }
        let meeting = &state.meetings[meeting_id];
        let attrs = || {
            json!({
                "meeting": meeting_ids(meeting),
                "user": user_attributes(&attendee),
            })
        };
        self.emit(state, meeting_id, "user-left", attrs);
    }

    /// Ends a meeting the way bbb-web does asynchronously: it is marked forcibly ended and
    /// stops running, everyone leaves, callbacks fire, a recorded meeting that had users
    /// yields a recording, and the meeting disappears after the retention delay.
    pub fn end_meeting(&self, state: &mut SimState, meeting_id: &str) {
        let now = now_millis();
        let Some(meeting) = state.meetings.get_mut(meeting_id) else {
            return;
        };
        if meeting.forcibly_ended {
            return;
        }
        meeting.forcibly_ended = true;
        meeting.running = false;
        meeting.end_time = now;
        meeting.attendees.clear();
        meeting.waiting_guests.clear();
        let meeting = meeting.clone();
        state
            .sessions
            .retain(|_, session| session.meeting_id != meeting.meeting_id);

        let recording = (meeting.record && !meeting.participants_seen.is_empty())
            .then(|| self.recording_of(&meeting, now));
        if let Some(url) = meeting.metadata.get("endcallbackurl") {
            self.outbox.send(Delivery::MeetingEnded {
                url: url.clone(),
                recording_marks: recording.is_some(),
            });
        }
        self.emit(
            state,
            meeting_id,
            "meeting-ended",
            || json!({"meeting": meeting_ids(&meeting)}),
        );
        // bbb-web's server-side end callback (`meetingEndedURL`, not shown in metadata): a GET
        // of the URL as it is.
        if let Some((_, url)) = meeting
            .create_params
            .iter()
            .find(|(name, value)| name == "meetingEndedURL" && !value.is_empty())
        {
            self.outbox
                .send(Delivery::MeetingEndedUrl { url: url.clone() });
        }
        // BBB's post_events analytics script, run once the meeting's events are archived
        // (bbb-web keeps them when `meetingKeepEvents` or `keepEvents` is set; the simulator
        // always does).
        if let Some(url) = meeting.metadata.get("analytics-callback-url") {
            self.outbox.send(Delivery::Analytics {
                url: url.clone(),
                meeting_id: meeting.meeting_id.clone(),
                internal_meeting_id: meeting.internal_meeting_id.clone(),
                meeting_name: meeting.name.clone(),
                metadata: meeting.metadata.clone(),
            });
        }
        if let Some(recording) = recording {
            if let Some(url) = recording_ready_url(&meeting.metadata) {
                self.outbox.send(Delivery::RecordingReady {
                    url: url.clone(),
                    meeting_id: meeting.meeting_id.clone(),
                    record_id: recording.record_id.clone(),
                });
            }
            self.emit(state, meeting_id, "rap-publish-ended", || {
                json!({
                    "meeting": meeting_ids(&meeting),
                    "record-id": recording.record_id,
                    "success": true,
                    "step-time": recording.processing_time,
                    "workflow": "presentation",
                })
            });
            state.recordings.push(recording);
        }
        self.schedule_removal(meeting.meeting_id, meeting.internal_meeting_id);
    }

    fn schedule_removal(&self, meeting_id: String, internal_id: String) {
        let me = self.me.clone();
        let delay = self.config.ended_meeting_retention;
        self.runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(sim) = me.upgrade() {
                let mut state = sim.lock();
                if state
                    .meetings
                    .get(&meeting_id)
                    .is_some_and(|m| m.internal_meeting_id == internal_id)
                {
                    state.meetings.remove(&meeting_id);
                }
            }
        });
    }

    /// Ends every meeting whose duration or expiry limits have passed.
    pub fn end_expired_meetings(&self) {
        let now = now_millis();
        // Checked under the read lock first, so an idle server keeps its rendered documents.
        if !self
            .read()
            .meetings
            .values()
            .any(|m| m.expiry_reason(now).is_some())
        {
            return;
        }
        let mut state = self.lock();
        let expired: Vec<String> = state
            .meetings
            .values()
            .filter_map(|m| {
                let reason = m.expiry_reason(now)?;
                tracing::info!(meeting_id = %m.meeting_id, reason, "meeting expired");
                Some(m.meeting_id.clone())
            })
            .collect();
        for meeting_id in expired {
            self.end_meeting(&mut state, &meeting_id);
        }
    }

    /// Runs [`Self::end_expired_meetings`] periodically until the server is gone.
    pub fn start_expiry_checks(&self) {
        let me = self.me.clone();
        let interval = self.config.expiry_check_interval;
        self.runtime.spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                match me.upgrade() {
                    Some(sim) => sim.end_expired_meetings(),
                    None => break,
                }
            }
        });
    }

    /// The published recording of a meeting that just ended.
    fn recording_of(&self, meeting: &Meeting, now: u64) -> Recording {
        let mut metadata = meeting.metadata.clone();
        metadata.insert("isBreakout".into(), meeting.is_breakout.to_string());
        metadata.insert("meetingId".into(), meeting.meeting_id.clone());
        metadata.insert("meetingName".into(), meeting.name.clone());
        let length_ms = now.saturating_sub(meeting.start_time);
        let breakout = meeting.parent_meeting_id.clone().zip(meeting.sequence);
        Recording {
            record_id: meeting.internal_meeting_id.clone(),
            meeting_id: meeting.meeting_id.clone(),
            name: meeting.name.clone(),
            is_breakout: meeting.is_breakout,
            state: RecordingState::Published,
            start_time: meeting.start_time,
            end_time: now,
            participants: u32::try_from(meeting.participants_seen.len()).unwrap_or(u32::MAX),
            raw_size: 1_000_000 + length_ms,
            metadata,
            length_minutes: length_ms.div_ceil(60_000),
            processing_time: 5_000,
            size: 100_000 + length_ms / 10,
            breakout,
            text_tracks: Vec::new(),
        }
    }

    /// The `meeting-created` webhook event.
    pub fn emit_meeting_created(&self, state: &SimState, meeting: &Meeting) {
        self.emit(state, &meeting.meeting_id, "meeting-created", || {
            json!({
                "meeting": {
                    "internal-meeting-id": meeting.internal_meeting_id,
                    "external-meeting-id": meeting.meeting_id,
                    "name": meeting.name,
                    "is-breakout": meeting.is_breakout,
                    "duration": meeting.duration,
                    "create-time": meeting.create_time,
                    "create-date": meeting.create_date,
                    "moderator-pass": meeting.moderator_pw,
                    "viewer-pass": meeting.attendee_pw,
                    "record": meeting.record,
                    "voice-conf": meeting.voice_bridge,
                    "dial-number": meeting.dial_number,
                    "max-users": meeting.max_participants,
                    "metadata": meeting.metadata,
                }
            })
        });
    }

    /// A simulated attendee for the load knob.
    pub fn simulated_attendee(number: usize) -> Attendee {
        let internal_user_id = ids::user_id();
        Attendee {
            user_id: internal_user_id.clone(),
            internal_user_id,
            full_name: format!("Simulated User {number}"),
            role: Role::Viewer,
            is_presenter: false,
            is_listening_only: true,
            has_joined_voice: false,
            has_video: false,
            client_type: "HTML5".into(),
            customdata: Default::default(),
            guest: false,
            simulated: true,
        }
    }
}

/// Read access to the state: a guard that only hands out `&SimState`.
pub struct StateReader<'a>(MutexGuard<'a, SimState>);

impl Deref for StateReader<'_> {
    type Target = SimState;

    fn deref(&self) -> &SimState {
        &self.0
    }
}

/// Rendered XML documents by key, valid for one state revision.
#[derive(Default)]
struct RenderedDocuments {
    revision: u64,
    documents: HashMap<String, String>,
}

/// The URL BBB's recording-ready script posts to: `bbb-recording-ready-url`, else (for some
/// third-party integrations) `bn-recording-ready-url`, else `canvas-recording-ready-url`.
fn recording_ready_url(metadata: &std::collections::BTreeMap<String, String>) -> Option<&String> {
    [
        "bbb-recording-ready-url",
        "bn-recording-ready-url",
        "canvas-recording-ready-url",
    ]
    .into_iter()
    .find_map(|name| metadata.get(name))
}

fn meeting_ids(meeting: &Meeting) -> Value {
    json!({
        "internal-meeting-id": meeting.internal_meeting_id,
        "external-meeting-id": meeting.meeting_id,
    })
}

fn user_attributes(attendee: &Attendee) -> Value {
    json!({
        "internal-user-id": attendee.internal_user_id,
        "external-user-id": attendee.user_id,
        "name": attendee.full_name,
        "role": attendee.role.as_str(),
        "presenter": attendee.is_presenter,
        "userdata": attendee.customdata,
    })
}
