//! Meeting calls: create, join, isMeetingRunning, end, getMeetingInfo, getMeetings
//! (spec §2.1–§2.6).

use std::collections::BTreeMap;

use bbb_client::model::{
    Attendee as AttendeeXml, Attendees, BreakoutRooms, CreateResponse, JoinResponse, MeetingInfo,
    Meetings, MeetingsResponse, MessageResponse, ReturnCode, RunningResponse,
};

use crate::documents;
use crate::ids;
use crate::params::{Params, strip_control_chars};
use crate::reply::{Failure, Reply};
use crate::request::ApiRequest;
use crate::sim::Sim;
use crate::state::{Attendee, GuestPolicy, Meeting, Role, Session, SimState};
use crate::validate::{self, VALIDATION_ERROR};

const DEFAULT_DIAL_NUMBER: &str = "613-555-1234";
const NOT_FOUND: &str = "A meeting with that ID does not exist";

pub fn create(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let p = &request.params;
    let meeting_id = validate::meeting_id(p)?;
    let name = validate::meeting_name(p)?;
    let attendee_pw = validate::password(p, "attendeePW")?;
    let moderator_pw = validate::password(p, "moderatorPW")?;
    let voice_bridge =
        validate::integral(p, "voiceBridge", "Voice bridge must be an integral value")?;
    let is_breakout = validate::boolean(
        p,
        "isBreakout",
        "You must provide a boolean value (true or false) for the breakout room",
    )?
    .unwrap_or(false);
    let record = validate::boolean(
        p,
        "record",
        "Record must be a boolean value (true or false)",
    )?
    .unwrap_or(false);
    let documents = match &request.xml_body {
        Some(xml) => documents::parse_presentations(xml).ok_or_else(malformed_xml)?,
        None => Vec::new(),
    };

    let mut state = sim.lock();
    if let Some(existing) = state.meetings.get(&meeting_id) {
        if !existing.forcibly_ended {
            let same_passwords = (attendee_pw.is_none() && moderator_pw.is_none())
                || (attendee_pw.as_deref() == Some(existing.attendee_pw.as_str())
                    && moderator_pw.as_deref() == Some(existing.moderator_pw.as_str()));
            if !same_passwords {
                return Err(Failure::new(
                    "idNotUnique",
                    "A meeting already exists with that meeting ID.  Please use a different meeting ID.",
                ));
            }
            let mut response = create_response(existing);
            response.message_key = "duplicateWarning".into();
            response.message =
                "This conference was already in existence and may currently be in progress.".into();
            return Ok(Reply::xml(&response));
        }
        // An ended meeting waiting for removal gives way to the new one at once.
        state.meetings.remove(&meeting_id);
    }

    let voice_bridge = match voice_bridge {
        Some(number) => {
            let number = number.to_string();
            if state.voice_bridge_in_use(&number) {
                return Ok(Reply::failed_with_errors(&[Failure::new(
                    "nonUniqueVoiceBridge",
                    "The selected voice bridge is already in use.",
                )]));
            }
            number
        }
        None => unused_voice_bridge(&state),
    };

    let (parent_meeting_id, sequence, free_join) = if is_breakout {
        let parent = p
            .non_empty("parentMeetingID")
            .filter(|id| state.meeting_by_internal_id(id).is_some_and(|m| m.running))
            .ok_or_else(|| {
                Failure::new(
                    "parentMeetingIdMissing",
                    "No parent meeting ID was provided for the breakout room",
                )
            })?;
        let sequence = u32::try_from(validate::number_or(p, "sequence", 0)).unwrap_or_default();
        (
            Some(parent.to_owned()),
            Some(sequence),
            Some(validate::parse_boolean(p, "freeJoin", false)),
        )
    } else {
        (None, None, None)
    };

    let create_time = ids::now_millis();
    let text = |name: &str| p.non_empty(name).map(strip_control_chars);
    let meeting = Meeting {
        internal_meeting_id: ids::internal_meeting_id(&meeting_id, create_time),
        meeting_id: meeting_id.clone(),
        name,
        create_time,
        create_date: ids::java_date(create_time),
        voice_bridge,
        dial_number: text("dialNumber").unwrap_or_else(|| DEFAULT_DIAL_NUMBER.into()),
        attendee_pw: attendee_pw.unwrap_or_else(ids::password),
        moderator_pw: moderator_pw.unwrap_or_else(ids::password),
        duration: validate::number_or(p, "duration", 0),
        max_participants: u32::try_from(validate::number_or(p, "maxParticipants", 0))
            .unwrap_or(u32::MAX),
        record,
        guest_policy: p
            .get("guestPolicy")
            .map(GuestPolicy::parse)
            .unwrap_or_default(),
        logout_url: text("logoutURL"),
        running: false,
        has_user_joined: false,
        forcibly_ended: false,
        start_time: create_time,
        end_time: 0,
        attendees: Vec::new(),
        waiting_guests: Vec::new(),
        metadata: validate::metadata(p).into_iter().collect(),
        is_breakout,
        parent_meeting_id,
        sequence,
        free_join,
        breakout_rooms: Vec::new(),
        disabled_features: p
            .get("disabledFeatures")
            .map(|csv| {
                csv.split(',')
                    .map(|f| f.trim().to_owned())
                    .filter(|f| !f.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        create_params: p
            .pairs()
            .iter()
            .filter(|(name, _)| name != "checksum")
            .cloned()
            .collect(),
        documents,
        chat_messages: Vec::new(),
        participants_seen: Default::default(),
        emptied_at: None,
        expire_if_no_user_joined_minutes: validate::number_or(
            p,
            "meetingExpireIfNoUserJoinedInMinutes",
            5,
        ),
        expire_when_last_user_left_minutes: validate::number_or(
            p,
            "meetingExpireWhenLastUserLeftInMinutes",
            1,
        ),
    };
    let response = create_response(&meeting);
    if let Some(parent_id) = &meeting.parent_meeting_id
        && let Some(parent) = state
            .meetings
            .values_mut()
            .find(|m| &m.internal_meeting_id == parent_id)
    {
        parent
            .breakout_rooms
            .push(meeting.internal_meeting_id.clone());
    }
    sim.emit_meeting_created(&state, &meeting);
    state.meetings.insert(meeting_id, meeting);
    Ok(Reply::xml(&response))
}

fn malformed_xml() -> Failure {
    Failure::new(VALIDATION_ERROR, "The XML body could not be parsed")
}

fn unused_voice_bridge(state: &SimState) -> String {
    loop {
        let candidate = ids::voice_bridge();
        if !state.voice_bridge_in_use(&candidate) {
            return candidate;
        }
    }
}

fn create_response(meeting: &Meeting) -> CreateResponse {
    CreateResponse {
        returncode: ReturnCode::Success,
        meeting_id: meeting.meeting_id.clone(),
        internal_meeting_id: meeting.internal_meeting_id.clone(),
        parent_meeting_id: meeting
            .parent_meeting_id
            .clone()
            .unwrap_or_else(|| "bbb-none".into()),
        attendee_pw: Some(meeting.attendee_pw.clone()),
        moderator_pw: Some(meeting.moderator_pw.clone()),
        create_time: meeting.create_time,
        voice_bridge: meeting.voice_bridge.clone(),
        dial_number: meeting.dial_number.clone(),
        create_date: meeting.create_date.clone(),
        has_user_joined: meeting.has_user_joined,
        duration: meeting.duration,
        has_been_forcibly_ended: meeting.forcibly_ended,
        message_key: String::new(),
        message: String::new(),
    }
}

/// How join reports a failure: a redirect carrying `errors=[…]` unless `redirect=false`
/// (spec §2.2). Role/password errors never come here: they are always XML.
pub fn join_failure(
    sim: &Sim,
    params: &Params,
    failure: &Failure,
    logout_url: Option<&str>,
) -> Reply {
    if !wants_redirect(params) {
        return Reply::failed(failure);
    }
    let errors = serde_json::json!([{"message": failure.message, "key": failure.key}]).to_string();
    let target = params
        .non_empty("errorRedirectUrl")
        .map(str::to_owned)
        .or_else(|| logout_url.map(str::to_owned))
        .unwrap_or_else(|| format!("{}/", sim.base_url));
    let separator = if target.contains('?') { '&' } else { '?' };
    let encoded: String = form_urlencoded::byte_serialize(errors.as_bytes()).collect();
    Reply::Redirect {
        location: format!("{target}{separator}errors={encoded}"),
        cookie: None,
    }
}

/// `redirect` defaults to true; any other value than `true` turns it off (`parseBoolean`).
fn wants_redirect(params: &Params) -> bool {
    params
        .non_empty("redirect")
        .is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

pub fn join(sim: &Sim, request: &ApiRequest) -> Reply {
    let p = &request.params;
    let mut state = sim.lock();
    match admit_joiner(sim, &mut state, p) {
        Ok(reply) => reply,
        Err(JoinError::Xml(failure)) => Reply::failed(&failure),
        Err(JoinError::Delivered(failure, logout_url)) => {
            join_failure(sim, p, &failure, logout_url.as_deref())
        }
    }
}

enum JoinError {
    /// Delivered per `redirect`, to the meeting's logout URL when known.
    Delivered(Failure, Option<String>),
    /// Always an XML answer (`Params required`).
    Xml(Failure),
}

impl From<Failure> for JoinError {
    fn from(failure: Failure) -> Self {
        Self::Delivered(failure, None)
    }
}

fn admit_joiner(sim: &Sim, state: &mut SimState, p: &Params) -> Result<Reply, JoinError> {
    let meeting_id = validate::meeting_id(p)?;
    let meeting = state
        .meetings
        .get(&meeting_id)
        .ok_or_else(|| Failure::new("invalidMeetingIdentifier", NOT_FOUND))?;
    let fail = |failure: Failure| JoinError::Delivered(failure, meeting.logout_url.clone());
    if meeting.forcibly_ended {
        return Err(fail(Failure::new(
            "meetingForciblyEnded",
            "You can not join a meeting that has already been forcibly ended",
        )));
    }
    let full_name = p
        .get("fullName")
        .map(|n| strip_control_chars(n).trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            fail(Failure::new(
                "missingParamFullName",
                "You must provide your name",
            ))
        })?;
    validate::password(p, "password").map_err(fail)?;
    let guest = validate::boolean(p, "guest", "Guest must be a boolean value (true or false)")
        .map_err(fail)?
        .unwrap_or(false);
    let auth = validate::boolean(p, "auth", "Auth must be a boolean value (true or false)")
        .map_err(fail)?
        .unwrap_or(false);
    let create_time =
        validate::integral(p, "createTime", "Value must be an integral number").map_err(fail)?;

    let role = resolve_role(meeting, p).map_err(JoinError::Xml)?;

    if create_time.is_some_and(|t| u64::try_from(t).ok() != Some(meeting.create_time)) {
        return Err(fail(Failure::new(
            "mismatchCreateTimeParam",
            "The createTime parameter submitted mismatches with the current meeting.",
        )));
    }
    let waits = guest
        && match meeting.guest_policy {
            GuestPolicy::AlwaysAccept => false,
            GuestPolicy::AlwaysAcceptAuth => !auth,
            GuestPolicy::AskModerator => true,
            GuestPolicy::AlwaysDeny => {
                return Err(fail(Failure::new(
                    "guestDeniedAccess",
                    "You have been denied access to this meeting based on the meeting's guest policy",
                )));
            }
        };

    let internal_user_id = ids::user_id();
    let user_id = p
        .non_empty("userID")
        .map_or_else(|| internal_user_id.clone(), str::to_owned);
    let rejoining = meeting.attendees.iter().position(|a| a.user_id == user_id);
    if !waits && rejoining.is_none() {
        let full = meeting.max_participants > 0
            && meeting.attendees.len() >= meeting.max_participants as usize;
        if full || !sim.knobs.has_room(state.total_attendees(), 1) {
            return Err(fail(Failure::new(
                "maxParticipantsReached",
                "The number of participants allowed for this meeting has been reached.",
            )));
        }
    }

    let internal_meeting_id = meeting.internal_meeting_id.clone();
    let attendee = Attendee {
        internal_user_id: internal_user_id.clone(),
        user_id,
        full_name: full_name.clone(),
        role,
        is_presenter: false,
        is_listening_only: false,
        has_joined_voice: false,
        has_video: false,
        client_type: "HTML5".into(),
        customdata: custom_data(p),
        guest,
        simulated: false,
    };
    let session_token = ids::lower_alnum(16);
    let (guest_status, url, message_key, message) = if waits {
        if let Some(meeting) = state.meetings.get_mut(&meeting_id) {
            meeting.waiting_guests.push(attendee);
        }
        (
            "WAIT",
            format!(
                "{}/html5client/guestWait?sessionToken={session_token}",
                sim.base_url
            ),
            "guestWait",
            "Guest waiting for approval to join meeting.",
        )
    } else {
        if let Some(index) = rejoining {
            sim.remove_attendee(state, &meeting_id, index);
        }
        sim.add_attendee(state, &meeting_id, attendee);
        (
            "ALLOW",
            format!(
                "{}/html5client/join?sessionToken={session_token}",
                sim.base_url
            ),
            "successfullyJoined",
            "You have joined successfully.",
        )
    };
    state.sessions.insert(
        session_token.clone(),
        Session {
            meeting_id,
            internal_user_id: internal_user_id.clone(),
            full_name,
            guest_status,
        },
    );

    if wants_redirect(p) {
        return Ok(Reply::Redirect {
            location: url,
            cookie: Some(format!(
                "JSESSIONID={}; Path=/; HttpOnly",
                ids::lower_alnum(32)
            )),
        });
    }
    Ok(Reply::xml(&JoinResponse {
        returncode: ReturnCode::Success,
        message_key: message_key.into(),
        message: message.into(),
        meeting_id: internal_meeting_id,
        user_id: internal_user_id,
        auth_token: ids::lower_alnum(12),
        session_token,
        guest_status: Some(guest_status.into()),
        url,
    }))
}

/// 2.6+ role resolution: a valid `role` wins; otherwise the password decides (spec §2.2).
fn resolve_role(meeting: &Meeting, p: &Params) -> Result<Role, Failure> {
    if let Some(role) = p.get("role").and_then(Role::parse) {
        return Ok(role);
    }
    match p.non_empty("password") {
        Some(pw) if pw == meeting.moderator_pw => Ok(Role::Moderator),
        Some(pw) if pw == meeting.attendee_pw => Ok(Role::Viewer),
        Some(_) => Err(Failure::new(
            "Params required",
            "You must enter a valid password",
        )),
        None => Err(Failure::new(
            "Params required",
            "You must either send the valid role of the user, or the password, sould the meeting has one.",
        )),
    }
}

/// `userdata-<key>` parameters: the name must split on `-` into exactly two parts, and the
/// key must be usable as an XML element name.
fn custom_data(p: &Params) -> BTreeMap<String, String> {
    p.first_values()
        .filter_map(|(name, value)| {
            let mut parts = name.split('-');
            let (Some("userdata"), Some(key), None) = (parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            validate::xml_element_name(key).then(|| (key.to_owned(), value.to_owned()))
        })
        .collect()
}

pub fn is_meeting_running(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let meeting_id = validate::meeting_id(&request.params)?;
    let running = sim
        .read()
        .meetings
        .get(&meeting_id)
        .is_some_and(|m| m.running);
    Ok(Reply::xml(&RunningResponse {
        returncode: ReturnCode::Success,
        running,
    }))
}

pub fn end(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let meeting_id = validate::meeting_id(&request.params)?;
    let mut state = sim.lock();
    let meeting = state
        .meetings
        .get(&meeting_id)
        .ok_or_else(|| Failure::new("notFound", NOT_FOUND))?;
    if let Some(pw) = request.params.non_empty("password")
        && pw != meeting.moderator_pw
    {
        return Err(Failure::new(
            "invalidPassword",
            "The supplied moderator password is incorrect.",
        ));
    }
    sim.end_meeting(&mut state, &meeting_id);
    Ok(Reply::xml(&MessageResponse {
        returncode: ReturnCode::Success,
        message_key: Some("sentEndMeetingRequest".into()),
        message: Some(
            "A request to end the meeting was sent.  Please wait a few seconds, and then use the \
             getMeetingInfo or isMeetingRunning API calls to verify that it was ended."
                .into(),
        ),
        errors: None,
    }))
}

pub fn get_meeting_info(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let meeting_id = validate::meeting_id(&request.params)?;
    let state = sim.read();
    let meeting = state
        .meetings
        .get(&meeting_id)
        .ok_or_else(|| Failure::new("notFound", NOT_FOUND))?;
    Ok(
        sim.cached_xml(state.revision, &format!("info/{meeting_id}"), || {
            Reply::xml(&meeting_info(meeting, Some(ReturnCode::Success)))
        }),
    )
}

pub fn get_meetings(sim: &Sim) -> Reply {
    let state = sim.read();
    sim.cached_xml(state.revision, "meetings", || render_meetings(&state))
}

fn render_meetings(state: &SimState) -> Reply {
    let mut meetings: Vec<&Meeting> = state.meetings.values().collect();
    meetings.sort_by_key(|m| m.create_time);
    let meeting = meetings
        .into_iter()
        .map(|m| meeting_info(m, None))
        .collect::<Vec<_>>();
    let empty = meeting.is_empty();
    Reply::xml(&MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings { meeting },
        message_key: empty.then(|| "noMeetings".into()),
        message: empty.then(|| "no meetings were found on this server".into()),
    })
}

/// A meeting as getMeetingInfo (with a returncode) and getMeetings (without) show it.
pub fn meeting_info(meeting: &Meeting, returncode: Option<ReturnCode>) -> MeetingInfo {
    let count = |f: fn(&Attendee) -> bool| {
        u32::try_from(meeting.attendees.iter().filter(|a| f(a)).count()).unwrap_or(u32::MAX)
    };
    MeetingInfo {
        returncode,
        meeting_name: meeting.name.clone(),
        meeting_id: meeting.meeting_id.clone(),
        internal_meeting_id: meeting.internal_meeting_id.clone(),
        create_time: meeting.create_time,
        create_date: meeting.create_date.clone(),
        voice_bridge: meeting.voice_bridge.clone(),
        dial_number: meeting.dial_number.clone(),
        attendee_pw: Some(meeting.attendee_pw.clone()),
        moderator_pw: Some(meeting.moderator_pw.clone()),
        running: meeting.running,
        duration: meeting.duration,
        has_user_joined: meeting.has_user_joined,
        recording: meeting.record,
        has_been_forcibly_ended: meeting.forcibly_ended,
        start_time: meeting.start_time,
        end_time: meeting.end_time,
        participant_count: count(|_| true),
        listener_count: count(|a| a.is_listening_only),
        voice_participant_count: count(|a| a.has_joined_voice),
        video_count: count(|a| a.has_video),
        max_users: meeting.max_participants,
        moderator_count: count(|a| a.role == Role::Moderator),
        attendees: Attendees {
            attendee: meeting.attendees.iter().map(attendee_xml).collect(),
        },
        metadata: meeting.metadata.clone(),
        is_breakout: meeting.is_breakout,
        parent_meeting_id: meeting.parent_meeting_id.clone(),
        sequence: meeting.sequence,
        free_join: meeting.free_join,
        breakout: None,
        breakout_rooms: (!meeting.breakout_rooms.is_empty()).then(|| BreakoutRooms {
            breakout: meeting.breakout_rooms.clone(),
        }),
    }
}

fn attendee_xml(attendee: &Attendee) -> AttendeeXml {
    AttendeeXml {
        user_id: attendee.user_id.clone(),
        full_name: attendee.full_name.clone(),
        role: attendee.role.as_str().into(),
        is_presenter: attendee.is_presenter,
        is_listening_only: attendee.is_listening_only,
        has_joined_voice: attendee.has_joined_voice,
        has_video: attendee.has_video,
        client_type: attendee.client_type.clone(),
        customdata: Some(attendee.customdata.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_keys_follow_bbb_web_rules() {
        let p = Params::parse(
            "userdata-bbb_skip_check_audio=true&userdata-a-b=x&userdataX=y&userdata-1x=z&userdata-k=first&userdata-k=second",
        );
        let data = custom_data(&p);
        assert_eq!(data.len(), 2);
        assert_eq!(data["bbb_skip_check_audio"], "true");
        assert_eq!(data["k"], "first");
    }

    #[test]
    fn redirect_defaults_to_true_and_anything_but_true_disables_it() {
        assert!(wants_redirect(&Params::parse("")));
        assert!(wants_redirect(&Params::parse("redirect=TRUE")));
        assert!(wants_redirect(&Params::parse("redirect=")));
        assert!(!wants_redirect(&Params::parse("redirect=false")));
        assert!(!wants_redirect(&Params::parse("redirect=no")));
    }
}
