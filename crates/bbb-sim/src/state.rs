//! Everything a simulated server remembers: meetings with their attendees, recordings, hooks
//! and join sessions. Plain data behind one lock; the API modules implement the behaviour.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

/// `MODERATOR` or `VIEWER` (only these: the simulator stores what [`Role::parse`] gives), and
/// a recording's state (one of [`RecordingState::STATES`]): BBB's vocabulary, read as the
/// client library reads it.
pub use bbb_client::{RecordingState, Role};

/// The `guestPolicy` create parameter. bbb-web does not validate it; unknown values behave
/// like the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GuestPolicy {
    #[default]
    AlwaysAccept,
    AlwaysDeny,
    AskModerator,
    /// Authenticated guests (`auth=true`) enter, the others wait.
    AlwaysAcceptAuth,
}

impl GuestPolicy {
    pub fn parse(value: &str) -> Self {
        match value {
            "ALWAYS_DENY" => Self::AlwaysDeny,
            "ASK_MODERATOR" => Self::AskModerator,
            "ALWAYS_ACCEPT_AUTH" => Self::AlwaysAcceptAuth,
            _ => Self::AlwaysAccept,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendee {
    /// bbb-web's id for this session (`w_…`).
    pub internal_user_id: String,
    /// The `userID` join parameter, or the internal id when none was given.
    pub user_id: String,
    pub full_name: String,
    pub role: Role,
    pub is_presenter: bool,
    pub is_listening_only: bool,
    pub has_joined_voice: bool,
    pub has_video: bool,
    pub client_type: String,
    /// `userdata-<key>` join parameters.
    pub customdata: BTreeMap<String, String>,
    pub guest: bool,
    /// Added through the attendee knob rather than a join.
    pub simulated: bool,
}

/// A presentation from a create pre-upload or insertDocument. The simulator does not
/// download anything; it remembers what was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub url: Option<String>,
    /// `filename` or `name` attribute.
    pub name: Option<String>,
    /// Inline base64 content was given.
    pub inline: bool,
    pub current: bool,
    pub downloadable: bool,
    pub removable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub user_name: String,
    pub message: String,
    pub time: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meeting {
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub name: String,
    pub create_time: u64,
    pub create_date: String,
    pub voice_bridge: String,
    pub dial_number: String,
    pub attendee_pw: String,
    pub moderator_pw: String,
    /// Minutes; 0 = no limit.
    pub duration: u64,
    /// 0 = unlimited.
    pub max_participants: u32,
    pub record: bool,
    pub guest_policy: GuestPolicy,
    pub logout_url: Option<String>,
    pub running: bool,
    pub has_user_joined: bool,
    pub forcibly_ended: bool,
    pub start_time: u64,
    pub end_time: u64,
    pub attendees: Vec<Attendee>,
    /// Guests held in the waiting room (policy `ASK_MODERATOR`): not attendees yet.
    pub waiting_guests: Vec<Attendee>,
    /// `meta_*` parameters, names lower-cased.
    pub metadata: BTreeMap<String, String>,
    pub is_breakout: bool,
    /// Breakout rooms: the parent's internal id, the sequence and freeJoin.
    pub parent_meeting_id: Option<String>,
    pub sequence: Option<u32>,
    pub free_join: Option<bool>,
    /// Internal ids of this meeting's breakout rooms.
    pub breakout_rooms: Vec<String>,
    pub disabled_features: Vec<String>,
    /// Every create parameter as received (checksum excluded), for assertions on what a
    /// client sent.
    pub create_params: Vec<(String, String)>,
    pub documents: Vec<Document>,
    pub chat_messages: Vec<ChatMessage>,
    /// Everyone who was ever in the meeting, by userID: a recording's participant count.
    pub participants_seen: BTreeSet<String>,
    /// When the meeting last became empty, for `meetingExpireWhenLastUserLeftInMinutes`.
    pub emptied_at: Option<u64>,
    pub expire_if_no_user_joined_minutes: u64,
    pub expire_when_last_user_left_minutes: u64,
}

impl Meeting {
    pub fn moderator_count(&self) -> usize {
        self.attendees
            .iter()
            .filter(|a| a.role == Role::Moderator)
            .count()
    }

    /// Why the meeting should end on its own at `now`, if it should (spec §2.1 expiry rules).
    pub fn expiry_reason(&self, now: u64) -> Option<&'static str> {
        const MINUTE: u64 = 60_000;
        if self.forcibly_ended {
            return None;
        }
        if self.duration > 0 && now >= self.create_time + self.duration * MINUTE {
            return Some("duration elapsed");
        }
        let no_join_limit = self.expire_if_no_user_joined_minutes;
        if !self.has_user_joined
            && no_join_limit > 0
            && now >= self.create_time + no_join_limit * MINUTE
        {
            return Some("nobody joined");
        }
        let left_limit = self.expire_when_last_user_left_minutes;
        match self.emptied_at {
            Some(at) if left_limit > 0 && now >= at + left_limit * MINUTE => Some("last user left"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextTrackFile {
    pub kind: String,
    pub lang: String,
    pub label: String,
    /// Path segment of the track's download URL.
    pub token: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recording {
    /// = the internal id of the recorded meeting.
    pub record_id: String,
    /// The external meetingID.
    pub meeting_id: String,
    pub name: String,
    pub is_breakout: bool,
    pub state: RecordingState,
    pub start_time: u64,
    pub end_time: u64,
    pub participants: u32,
    pub raw_size: u64,
    pub metadata: BTreeMap<String, String>,
    pub length_minutes: u64,
    pub processing_time: u64,
    pub size: u64,
    /// Parent internal id and sequence of a breakout room's recording.
    pub breakout: Option<(String, u32)>,
    pub text_tracks: Vec<TextTrackFile>,
}

/// A registered webhook (bbb-webhooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub id: u64,
    pub callback_url: String,
    /// External meetingID; `None` = every meeting.
    pub meeting_id: Option<String>,
    /// Subscribed event ids; `None` = all.
    pub event_ids: Option<Vec<String>>,
    pub raw: bool,
}

impl Hook {
    pub fn wants(&self, meeting_id: &str, event_id: &str) -> bool {
        self.meeting_id.as_deref().is_none_or(|m| m == meeting_id)
            && self
                .event_ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|id| id == event_id))
    }
}

/// A join's session token, so the client page it redirects to can say who joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub meeting_id: String,
    pub internal_user_id: String,
    pub full_name: String,
    pub guest_status: &'static str,
}

#[derive(Debug, Default)]
pub struct SimState {
    /// Bumped whenever the state is taken for writing; rendered documents are cached per
    /// revision.
    pub revision: u64,
    /// By external meetingID: at most one meeting per id, as in bbb-web.
    pub meetings: HashMap<String, Meeting>,
    /// In the order they were produced.
    pub recordings: Vec<Recording>,
    pub hooks: Vec<Hook>,
    pub next_hook_id: u64,
    pub sessions: HashMap<String, Session>,
}

impl SimState {
    /// Attendees across all meetings: what the capacity knob limits.
    pub fn total_attendees(&self) -> usize {
        self.meetings.values().map(|m| m.attendees.len()).sum()
    }

    pub fn voice_bridge_in_use(&self, voice_bridge: &str) -> bool {
        self.meetings
            .values()
            .any(|m| !m.forcibly_ended && m.voice_bridge == voice_bridge)
    }

    pub fn meeting_by_internal_id(&self, internal_id: &str) -> Option<&Meeting> {
        self.meetings
            .values()
            .find(|m| m.internal_meeting_id == internal_id)
    }

    /// Callback URLs of the hooks that want `event_id` of `meeting_id`.
    pub fn hook_targets(&self, meeting_id: &str, event_id: &str) -> Vec<String> {
        self.hooks
            .iter()
            .filter(|h| h.wants(meeting_id, event_id))
            .map(|h| h.callback_url.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(create_time: u64) -> Meeting {
        Meeting {
            meeting_id: "m".into(),
            internal_meeting_id: "i".into(),
            name: "n".into(),
            create_time,
            create_date: String::new(),
            voice_bridge: "12345".into(),
            dial_number: String::new(),
            attendee_pw: "ap".into(),
            moderator_pw: "mp".into(),
            duration: 0,
            max_participants: 0,
            record: false,
            guest_policy: GuestPolicy::AlwaysAccept,
            logout_url: None,
            running: false,
            has_user_joined: false,
            forcibly_ended: false,
            start_time: create_time,
            end_time: 0,
            attendees: Vec::new(),
            waiting_guests: Vec::new(),
            metadata: BTreeMap::new(),
            is_breakout: false,
            parent_meeting_id: None,
            sequence: None,
            free_join: None,
            breakout_rooms: Vec::new(),
            disabled_features: Vec::new(),
            create_params: Vec::new(),
            documents: Vec::new(),
            chat_messages: Vec::new(),
            participants_seen: BTreeSet::new(),
            emptied_at: None,
            expire_if_no_user_joined_minutes: 5,
            expire_when_last_user_left_minutes: 1,
        }
    }

    #[test]
    fn unjoined_meetings_expire_after_the_no_join_limit() {
        let m = meeting(0);
        assert_eq!(m.expiry_reason(5 * 60_000 - 1), None);
        assert_eq!(m.expiry_reason(5 * 60_000), Some("nobody joined"));
        let mut joined = meeting(0);
        joined.has_user_joined = true;
        assert_eq!(joined.expiry_reason(60 * 60_000), None);
    }

    #[test]
    fn empty_meetings_expire_after_the_last_user_left() {
        let mut m = meeting(0);
        m.has_user_joined = true;
        m.emptied_at = Some(10_000);
        assert_eq!(m.expiry_reason(69_999), None);
        assert_eq!(m.expiry_reason(70_000), Some("last user left"));
        m.expire_when_last_user_left_minutes = 0;
        assert_eq!(m.expiry_reason(10_000_000), None);
    }

    #[test]
    fn duration_ends_meetings_and_ended_meetings_never_expire_again() {
        let mut m = meeting(0);
        m.has_user_joined = true;
        m.duration = 2;
        assert_eq!(m.expiry_reason(119_999), None);
        assert_eq!(m.expiry_reason(120_000), Some("duration elapsed"));
        m.forcibly_ended = true;
        assert_eq!(m.expiry_reason(120_000), None);
    }

    #[test]
    fn hooks_filter_by_meeting_and_event() {
        let global = Hook {
            id: 1,
            callback_url: "a".into(),
            meeting_id: None,
            event_ids: None,
            raw: false,
        };
        let scoped = Hook {
            id: 2,
            callback_url: "b".into(),
            meeting_id: Some("m1".into()),
            event_ids: Some(vec!["user-joined".into()]),
            raw: false,
        };
        assert!(global.wants("any", "meeting-ended"));
        assert!(scoped.wants("m1", "user-joined"));
        assert!(!scoped.wants("m2", "user-joined"));
        assert!(!scoped.wants("m1", "meeting-ended"));
        let state = SimState {
            hooks: vec![global, scoped],
            ..SimState::default()
        };
        assert_eq!(state.hook_targets("m1", "user-joined"), ["a", "b"]);
        assert_eq!(state.hook_targets("m2", "user-joined"), ["a"]);
    }

    #[test]
    fn roles_and_states_parse() {
        assert_eq!(Role::parse("moderator"), Some(Role::Moderator));
        assert_eq!(Role::parse("Viewer"), Some(Role::Viewer));
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(GuestPolicy::parse("ALWAYS_DENY"), GuestPolicy::AlwaysDeny);
        assert_eq!(GuestPolicy::parse("whatever"), GuestPolicy::AlwaysAccept);
        for state in RecordingState::STATES {
            assert_eq!(RecordingState::parse(state.as_str()), Some(state));
        }
        assert_eq!(RecordingState::parse("any"), None);
    }
}
