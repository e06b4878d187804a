//! BBB's response documents as Rust types (spec §2–§3, §6).
//!
//! Each type both parses (tolerantly: unknown elements are ignored, most elements may be
//! missing) and serializes (in bbb-web's element order, optional elements left out when absent),
//! so the client, the simulator and the gateway's BBB endpoint share one definition of every
//! shape. Field order in each struct *is* the element order on the wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// `<returncode>`: anything but `SUCCESS` is a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ReturnCode {
    #[default]
    #[serde(rename = "SUCCESS")]
    Success,
    #[serde(rename = "FAILED", other)]
    Failed,
}

/// Element-name → text maps: `<metadata>` and an attendee's `<customdata>`.
pub type XmlMap = BTreeMap<String, String>;

// Text around a CDATA section survives XML parsing (`<name>\n  <![CDATA[x]]></name>` reads as
// "\n  x"), and real servers indent such elements, so these CDATA-prone values are trimmed.

fn trimmed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(text.trim().to_owned())
}

fn trimmed_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<XmlMap, D::Error> {
    let map = XmlMap::deserialize(deserializer)?;
    Ok(map
        .into_iter()
        .map(|(name, value)| (name, value.trim().to_owned()))
        .collect())
}

fn trimmed_optional_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<XmlMap>, D::Error> {
    trimmed_map(deserializer).map(Some)
}

/// The plain envelope: end, insertDocument, sendChatMessage and every `FAILED` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageResponse {
    pub returncode: ReturnCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The rare multi-error envelope (`respondWithErrors`), e.g. `nonUniqueVoiceBridge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<ErrorList>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorList {
    #[serde(default)]
    pub error: Vec<ErrorItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorItem {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub message: String,
}

/// `GET /bigbluebutton/api` (spec §3.1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbb_version: Option<String>,
    /// Later 3.0.x servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html5_plugin_sdk_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql_websocket_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql_api_url: Option<String>,
}

/// `create` (spec §2.1, `create-meeting.ftlx`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResponse {
    pub returncode: ReturnCode,
    #[serde(rename = "meetingID", default)]
    pub meeting_id: String,
    #[serde(rename = "internalMeetingID", default)]
    pub internal_meeting_id: String,
    #[serde(rename = "parentMeetingID", default)]
    pub parent_meeting_id: String,
    #[serde(
        rename = "attendeePW",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub attendee_pw: Option<String>,
    #[serde(
        rename = "moderatorPW",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub moderator_pw: Option<String>,
    #[serde(default)]
    pub create_time: u64,
    #[serde(default)]
    pub voice_bridge: String,
    #[serde(default)]
    pub dial_number: String,
    #[serde(default)]
    pub create_date: String,
    #[serde(default)]
    pub has_user_joined: bool,
    #[serde(default)]
    pub duration: u64,
    #[serde(default)]
    pub has_been_forcibly_ended: bool,
    /// Empty on a fresh create, `duplicateWarning` on a repeat.
    #[serde(default)]
    pub message_key: String,
    #[serde(default)]
    pub message: String,
}

/// `join` with `redirect=false` (spec §2.2, `join-meeting.ftlx`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub message_key: String,
    #[serde(default)]
    pub message: String,
    /// BBB's *internal* meeting id.
    #[serde(rename = "meeting_id", default)]
    pub meeting_id: String,
    #[serde(rename = "user_id", default)]
    pub user_id: String,
    #[serde(rename = "auth_token", default)]
    pub auth_token: String,
    #[serde(rename = "session_token", default)]
    pub session_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_status: Option<String>,
    #[serde(default)]
    pub url: String,
}

/// `isMeetingRunning` (spec §2.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunningResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub running: bool,
}

/// One meeting as `getMeetingInfo` (with `returncode`) and each `<meeting>` of `getMeetings`
/// (without) describe it (spec §3.2, §3.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingInfo {
    /// Present only at the top of a `getMeetingInfo` response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returncode: Option<ReturnCode>,
    #[serde(default)]
    pub meeting_name: String,
    #[serde(rename = "meetingID", default)]
    pub meeting_id: String,
    #[serde(rename = "internalMeetingID", default)]
    pub internal_meeting_id: String,
    #[serde(default)]
    pub create_time: u64,
    #[serde(default)]
    pub create_date: String,
    #[serde(default)]
    pub voice_bridge: String,
    #[serde(default)]
    pub dial_number: String,
    #[serde(
        rename = "attendeePW",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub attendee_pw: Option<String>,
    #[serde(
        rename = "moderatorPW",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub moderator_pw: Option<String>,
    #[serde(default)]
    pub running: bool,
    #[serde(default)]
    pub duration: u64,
    #[serde(default)]
    pub has_user_joined: bool,
    #[serde(default)]
    pub recording: bool,
    #[serde(default)]
    pub has_been_forcibly_ended: bool,
    #[serde(default)]
    pub start_time: u64,
    #[serde(default)]
    pub end_time: u64,
    #[serde(default)]
    pub participant_count: u32,
    #[serde(default)]
    pub listener_count: u32,
    #[serde(default)]
    pub voice_participant_count: u32,
    #[serde(default)]
    pub video_count: u32,
    #[serde(default)]
    pub max_users: u32,
    #[serde(default)]
    pub moderator_count: u32,
    #[serde(default)]
    pub attendees: Attendees,
    #[serde(default, deserialize_with = "trimmed_map")]
    pub metadata: XmlMap,
    #[serde(default)]
    pub is_breakout: bool,
    /// Breakout rooms only: direct children of the meeting, as the template emits them.
    #[serde(
        rename = "parentMeetingID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_meeting_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_join: Option<bool>,
    /// The docs' variant, which wraps the three fields above in `<breakout>`; parsed, never written.
    #[serde(default, skip_serializing)]
    pub breakout: Option<BreakoutInfo>,
    /// Internal ids of this meeting's breakout rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakout_rooms: Option<BreakoutRooms>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attendees {
    #[serde(default)]
    pub attendee: Vec<Attendee>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    #[serde(rename = "userID", default)]
    pub user_id: String,
    #[serde(default)]
    pub full_name: String,
    /// `MODERATOR` or `VIEWER`.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub is_presenter: bool,
    #[serde(default)]
    pub is_listening_only: bool,
    #[serde(default)]
    pub has_joined_voice: bool,
    #[serde(default)]
    pub has_video: bool,
    #[serde(default)]
    pub client_type: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "trimmed_optional_map"
    )]
    pub customdata: Option<XmlMap>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakoutInfo {
    #[serde(rename = "parentMeetingID", default)]
    pub parent_meeting_id: String,
    #[serde(default)]
    pub sequence: u32,
    #[serde(default)]
    pub free_join: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BreakoutRooms {
    #[serde(default)]
    pub breakout: Vec<String>,
}

/// `getMeetings` (spec §2.6, §3.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingsResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub meetings: Meetings,
    /// `noMeetings` when the list is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Meetings {
    #[serde(default)]
    pub meeting: Vec<MeetingInfo>,
}

/// `getRecordings` (spec §2.7, §3.4).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingsResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub recordings: Recordings,
    /// Paginated answers of late 2.7.x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_elements: Option<u64>,
    /// Paginated answers of 2.6 and early 3.0; parsed for its count, never written.
    #[serde(default, skip_serializing)]
    pub pagination: Option<Pagination>,
    /// `noRecordings` when the list is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl RecordingsResponse {
    /// The total count of a paginated answer, in whichever shape the server sent it.
    pub fn total(&self) -> Option<u64> {
        self.total_elements
            .or_else(|| self.pagination.as_ref().and_then(|p| p.total_elements))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default)]
    pub total_elements: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Recordings {
    #[serde(default)]
    pub recording: Vec<Recording>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    #[serde(rename = "recordID", default)]
    pub record_id: String,
    /// The *external* meeting id.
    #[serde(rename = "meetingID", default)]
    pub meeting_id: String,
    #[serde(
        rename = "internalMeetingID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub internal_meeting_id: Option<String>,
    #[serde(default, deserialize_with = "trimmed")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_breakout: Option<bool>,
    #[serde(default)]
    pub published: bool,
    /// `processing`, `processed`, `published`, `unpublished` or `deleted`.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub start_time: u64,
    #[serde(default)]
    pub end_time: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_size: Option<u64>,
    #[serde(default, deserialize_with = "trimmed_map")]
    pub metadata: XmlMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakout: Option<RecordingBreakout>,
    #[serde(default)]
    pub playback: Playback,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingBreakout {
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Playback {
    #[serde(default)]
    pub format: Vec<PlaybackFormat>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaybackFormat {
    /// `presentation`, `podcast`, `video`, …
    #[serde(rename = "type", default)]
    pub format_type: String,
    #[serde(default)]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<u64>,
    /// Minutes.
    #[serde(default)]
    pub length: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Preview {
    #[serde(default)]
    pub images: Images,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Images {
    #[serde(default)]
    pub image: Vec<Image>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Image {
    #[serde(rename = "@alt", default)]
    pub alt: String,
    #[serde(rename = "@height", default)]
    pub height: String,
    #[serde(rename = "@width", default)]
    pub width: String,
    #[serde(rename = "$text", default)]
    pub url: String,
}

/// `publishRecordings` (spec §2.8).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PublishResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub published: bool,
}

/// `deleteRecordings` (spec §2.9).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeleteResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub deleted: bool,
}

/// `updateRecordings` (spec §2.10).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub updated: bool,
}

/// `hooks/create` (spec §6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookCreateResponse {
    pub returncode: ReturnCode,
    #[serde(rename = "hookID", default)]
    pub hook_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanent_hook: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<bool>,
    /// `duplicateWarning` when the callback URL was already registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `hooks/destroy` (spec §6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HookDestroyResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub removed: bool,
}

/// `hooks/list` (spec §6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HookListResponse {
    pub returncode: ReturnCode,
    #[serde(default)]
    pub hooks: Hooks,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hooks {
    #[serde(default)]
    pub hook: Vec<Hook>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    #[serde(rename = "hookID", default)]
    pub hook_id: u64,
    #[serde(rename = "callbackURL", default)]
    pub callback_url: String,
    #[serde(rename = "meetingID", default, skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<String>,
    #[serde(rename = "eventID", default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(default)]
    pub permanent_hook: bool,
    #[serde(default)]
    pub raw_data: bool,
}

/// The JSON envelope of the text-track calls: `{"response": {...}}` (spec §2.11, §2.12).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JsonEnvelope<T> {
    pub response: T,
}

/// `getRecordingTextTracks` and `putRecordingTextTrack` bodies, and their JSON errors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextTrackResponse {
    pub returncode: ReturnCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<TextTrack>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextTrack {
    pub href: String,
    /// `subtitles` or `captions`.
    pub kind: String,
    pub label: String,
    pub lang: String,
    /// `live`, `automatic` or `upload`.
    pub source: String,
}
