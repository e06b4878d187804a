//! The BBB lifecycle of persistent meetings: placing them on a server, creating them there with
//! all their settings, signing join URLs, ending them.
//!
//! Placing and re-placing are the one routine the BBB endpoint uses too
//! ([`super::placements`]); what is particular here is how a persistent meeting is created
//! (every stored setting) and that a running one is asked about rather than created again.

use bbb_client::{CreateMeeting, JoinMeeting, Role};
use store::{Meeting, Placement, Server};

use super::Orchestrator;
use super::balancer::keeps_meetings;
use super::placements::{
    Existing, Landing, PERSISTENT_NAMESPACE, PlaceError, StartFailure, Started, Wanted,
};
use crate::meetings::VisibleMeeting;
use crate::permissions::{self, EffectivePermissions, JoinRole};
use crate::{Actor, ServiceError};

/// The longest display name a guest may give.
pub const GUEST_NAME_MAX_CHARS: usize = 100;

/// A meeting that runs on BBB: where, and what BBB answered to create.
#[derive(Debug, Clone)]
pub struct RunningMeeting {
    pub placement: Placement,
    pub server: Server,
    /// BBB's createTime (ms): join URLs carry it, so they stop working once the meeting is
    /// re-created.
    pub create_time: u64,
    pub internal_meeting_id: String,
}

/// A signed BBB join URL for the user's browser and the role it joins in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinLink {
    pub url: String,
    pub role: JoinRole,
}

impl Orchestrator {
    /// Starts a meeting on BBB (or finds it running). Needs `join_as_moderator`.
    pub async fn start(
        &self,
        actor: &Actor,
        meeting_id: i64,
    ) -> Result<(VisibleMeeting, RunningMeeting), ServiceError> {
        let meeting = self.store.meetings().get(meeting_id).await?;
        let allowed = permissions::load_meeting_permissions(&self.store, actor, &meeting).await?;
        permissions::require(allowed.can_start(), "starting this meeting")?;
        let running = self.ensure_running(&meeting).await?;
        Ok((visible(meeting, allowed), running))
    }

    /// A join URL for the signed-in actor: in `requested` role if given and allowed, else in
    /// the best role the actor may join in. Starts the meeting on BBB if needed.
    pub async fn join_url(
        &self,
        actor: &Actor,
        meeting_id: i64,
        requested: Option<JoinRole>,
    ) -> Result<JoinLink, ServiceError> {
        let user = actor.require_user()?;
        let meeting = self.store.meetings().get(meeting_id).await?;
        let allowed = permissions::load_meeting_permissions(&self.store, actor, &meeting).await?;
        let role = match requested {
            Some(role) if allowed.can_join_as(role) => role,
            Some(JoinRole::Moderator) => {
                return Err(ServiceError::Forbidden("joining this meeting as moderator"));
            }
            _ => allowed
                .best_join_role()
                .ok_or(ServiceError::Forbidden("joining this meeting"))?,
        };
        let running = self.ensure_running(&meeting).await?;
        let display_name = if user.display_name.trim().is_empty() {
            &user.username
        } else {
            &user.display_name
        };
        let join = JoinMeeting::new(meeting.guid.to_string(), display_name.as_str())
            .role(bbb_role(role))
            .user_id(user.id.to_string())
            .create_time(running.create_time);
        self.signed_join(&running, &join, role)
    }

    /// A join URL for whoever holds a meeting URL that admits guests: always an attendee
    /// (BBB viewer), under the name they give. Never starts the meeting: a guest would start
    /// it without a moderator (and anonymous callers could make BBB create meetings at will),
    /// so until someone allowed to start it has, the answer is `MeetingNotStarted`. A URL that
    /// is not for the actor is NOT_FOUND, like an unknown slug (see `meetings::get_by_url`).
    pub async fn join_by_url(
        &self,
        actor: &Actor,
        slug: &str,
        display_name: &str,
    ) -> Result<JoinLink, ServiceError> {
        let display_name = guest_display_name(display_name)?;
        let through = crate::meetings::get_by_url(&self.store, actor, slug).await?;
        // Only those who see the meeting anyway get this far with a members-only URL.
        permissions::require(
            permissions::url_admits_guests(&through.url),
            "joining through this URL without an account",
        )?;
        let meeting = through.meeting;
        let running = self
            .find_running(&meeting)
            .await?
            .ok_or(ServiceError::MeetingNotStarted)?;
        let mut join = JoinMeeting::new(meeting.guid.to_string(), display_name)
            .role(Role::Viewer)
            .guest(true)
            .create_time(running.create_time);
        if let Some(user) = actor.session_user() {
            join = join.user_id(user.id.to_string());
        }
        self.signed_join(&running, &join, JoinRole::Attendee)
    }

    /// Ends a meeting on BBB and closes its placement. Needs `join_as_moderator`. Returns
    /// whether the meeting was running; ending a meeting that is not is no error.
    pub async fn end(
        &self,
        actor: &Actor,
        meeting_id: i64,
    ) -> Result<(VisibleMeeting, bool), ServiceError> {
        let meeting = self.store.meetings().get(meeting_id).await?;
        let allowed = permissions::load_meeting_permissions(&self.store, actor, &meeting).await?;
        permissions::require(allowed.can_end(), "ending this meeting")?;
        let Some(placement) = self.live_placement(&meeting).await? else {
            return Ok((visible(meeting, allowed), false));
        };
        let server = self.store.servers().get(placement.server_id).await?;
        let endpoint = super::endpoint(&self.store, &server)?;
        let was_running = match self.client.end(&endpoint, &placement.bbb_meeting_id).await {
            Ok(_) => true,
            // BBB already forgot it (expired or ended from inside): only our record is left.
            Err(error) if error.is_not_found() => false,
            Err(error) => return Err(error.into()),
        };
        self.store.placements().mark_ended(placement.id).await?;
        Ok((visible(meeting, allowed), was_running))
    }

    /// Makes sure `meeting` runs on a BBB server and returns where, through the one placement
    /// routine ([`super::placements`], which also says when a meeting is placed anew).
    /// Idempotent and safe to call concurrently: every caller ends up with the same placement
    /// and one BBB meeting. A meeting BBB reports running is left alone: no `create` per join,
    /// which would make every joiner cost BBB a create. No permission check: callers check
    /// first.
    pub async fn ensure_running(&self, meeting: &Meeting) -> Result<RunningMeeting, ServiceError> {
        let servers = self.store.servers().list(meeting.group_id).await?;
        let live = self.live_placement(meeting).await?;
        let placed = self
            .placer()
            .start(
                &servers,
                &Wanted::persistent(meeting),
                live,
                Existing::Ask,
                |landing: Landing| async move {
                    if let Some(info) = landing.running {
                        return Ok(Started {
                            internal_meeting_id: info.internal_meeting_id,
                            create_time: info.create_time,
                            output: (),
                        });
                    }
                    // Not on BBB (never created, or ended there): `create` brings it up.
                    let endpoint = landing.endpoint().map_err(StartFailure::Other)?;
                    let request = create_request(meeting, &landing.placement.bbb_meeting_id);
                    let created = self
                        .client
                        .create(&endpoint, &request)
                        .await
                        .map_err(StartFailure::of_call)?;
                    Ok(Started {
                        internal_meeting_id: created.internal_meeting_id,
                        create_time: created.create_time,
                        output: (),
                    })
                },
            )
            .await
            .map_err(PlaceError::into_service)?;
        Ok(RunningMeeting {
            placement: placed.placement,
            server: placed.server,
            create_time: placed.create_time,
            internal_meeting_id: placed.internal_meeting_id,
        })
    }

    /// Where `meeting` runs on BBB right now, if it does: its live placement, on a server that
    /// keeps meetings, where BBB knows it. Changes nothing on BBB (one `getMeetingInfo`).
    pub async fn find_running(
        &self,
        meeting: &Meeting,
    ) -> Result<Option<RunningMeeting>, ServiceError> {
        let Some(placement) = self.live_placement(meeting).await? else {
            return Ok(None);
        };
        let server = self.store.servers().get(placement.server_id).await?;
        if !keeps_meetings(&server) {
            return Ok(None);
        }
        let placer = self.placer();
        let Some(info) = placer.probe(&server, &placement).await?? else {
            return Ok(None);
        };
        let placement = placer
            .record_answer(
                placement,
                &server,
                &info.internal_meeting_id,
                info.create_time,
            )
            .await?;
        Ok(Some(RunningMeeting {
            placement,
            server,
            create_time: info.create_time,
            internal_meeting_id: info.internal_meeting_id,
        }))
    }

    async fn live_placement(&self, meeting: &Meeting) -> Result<Option<Placement>, ServiceError> {
        Ok(self
            .store
            .placements()
            .find_live(
                meeting.group_id,
                PERSISTENT_NAMESPACE,
                &meeting.guid.to_string(),
            )
            .await?)
    }

    fn signed_join(
        &self,
        running: &RunningMeeting,
        join: &JoinMeeting,
        role: JoinRole,
    ) -> Result<JoinLink, ServiceError> {
        let endpoint = super::endpoint(&self.store, &running.server)?;
        Ok(JoinLink {
            url: self.client.join_url(&endpoint, join),
            role,
        })
    }
}

/// The BBB create call for a meeting: every stored setting, under BBB meetingID
/// `bbb_meeting_id`. The meeting stores lock settings as `enable_*`; BBB wants
/// `lockSettingsDisable*`, hence the negations.
pub(crate) fn create_request(meeting: &Meeting, bbb_meeting_id: &str) -> CreateMeeting {
    let mut create = CreateMeeting::new(bbb_meeting_id, meeting.name.as_str())
        .record(meeting.record)
        .auto_start_recording(meeting.auto_start_recording)
        .allow_start_stop_recording(meeting.allow_start_stop_recording)
        .webcams_only_for_moderator(meeting.webcams_only_for_moderator)
        .mute_on_start(meeting.mute_on_start)
        .allow_mods_to_unmute_users(meeting.allow_mods_to_unmute_users)
        .lock_settings_disable_cam(!meeting.enable_cam)
        .lock_settings_disable_mic(!meeting.enable_mic)
        .lock_settings_disable_private_chat(!meeting.enable_private_chat)
        .lock_settings_disable_public_chat(!meeting.enable_public_chat)
        .lock_settings_disable_notes(!meeting.enable_note);
    if let Some(max) = meeting.max_participants.and_then(|m| u64::try_from(m).ok()) {
        create = create.max_participants(max);
    }
    if let Some(minutes) = meeting.duration.and_then(|d| u64::try_from(d).ok()) {
        create = create.duration(minutes);
    }
    if let Some(pin) = &meeting.conference_pin {
        create = create.voice_bridge(pin.as_str());
    }
    // Empty messages stay unset, so BBB shows its own default welcome.
    if !meeting.welcome_message.is_empty() {
        create = create.welcome(meeting.welcome_message.as_str());
    }
    if !meeting.moderator_message.is_empty() {
        create = create.moderator_only_message(meeting.moderator_message.as_str());
    }
    create
}

fn visible(meeting: Meeting, permissions: EffectivePermissions) -> VisibleMeeting {
    VisibleMeeting {
        meeting,
        permissions,
    }
}

fn bbb_role(role: JoinRole) -> Role {
    match role {
        JoinRole::Attendee => Role::Viewer,
        JoinRole::Moderator => Role::Moderator,
    }
}

/// A guest's display name, trimmed: 1 to [`GUEST_NAME_MAX_CHARS`] characters, no control
/// characters (BBB would strip them silently and could leave an empty name).
fn guest_display_name(name: &str) -> Result<&str, ServiceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::BadInput(
            "a display name is required".to_owned(),
        ));
    }
    if name.chars().count() > GUEST_NAME_MAX_CHARS {
        return Err(ServiceError::BadInput(format!(
            "the display name must be at most {GUEST_NAME_MAX_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ServiceError::BadInput(
            "the display name must not contain control characters".to_owned(),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    fn meeting() -> Meeting {
        Meeting {
            id: 7,
            group_id: 1,
            owner_id: Some(1),
            name: "Weekly sync".to_owned(),
            welcome_message: "Welcome!".to_owned(),
            moderator_message: "Mods only".to_owned(),
            conference_pin: Some("4711".to_owned()),
            record: true,
            auto_start_recording: true,
            allow_start_stop_recording: false,
            webcams_only_for_moderator: true,
            mute_on_start: true,
            allow_mods_to_unmute_users: true,
            enable_cam: false,
            enable_mic: true,
            enable_private_chat: false,
            enable_public_chat: true,
            enable_note: false,
            max_participants: Some(30),
            duration: Some(90),
            guid: Uuid::nil(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn create_carries_every_setting_with_lock_settings_inverted() {
        let create = create_request(&meeting(), "bbb-id");
        let params = create.params();
        let expected = [
            ("name", "Weekly sync"),
            ("meetingID", "bbb-id"),
            ("record", "true"),
            ("autoStartRecording", "true"),
            ("allowStartStopRecording", "false"),
            ("webcamsOnlyForModerator", "true"),
            ("muteOnStart", "true"),
            ("allowModsToUnmuteUsers", "true"),
            ("lockSettingsDisableCam", "true"),
            ("lockSettingsDisableMic", "false"),
            ("lockSettingsDisablePrivateChat", "true"),
            ("lockSettingsDisablePublicChat", "false"),
            ("lockSettingsDisableNotes", "true"),
            ("maxParticipants", "30"),
            ("duration", "90"),
            ("voiceBridge", "4711"),
            ("welcome", "Welcome!"),
            ("moderatorOnlyMessage", "Mods only"),
        ];
        for (name, value) in expected {
            assert_eq!(params.get(name), Some(value), "{name}");
        }
        assert_eq!(params.len(), expected.len());
    }

    #[test]
    fn unset_optional_settings_are_not_sent() {
        let mut bare = meeting();
        bare.welcome_message.clear();
        bare.moderator_message.clear();
        bare.conference_pin = None;
        bare.max_participants = None;
        bare.duration = None;
        let create = create_request(&bare, "bbb-id");
        for absent in [
            "welcome",
            "moderatorOnlyMessage",
            "voiceBridge",
            "maxParticipants",
            "duration",
        ] {
            assert_eq!(create.params().get(absent), None, "{absent}");
        }
    }

    #[test]
    fn guest_names_are_trimmed_and_validated() {
        assert_eq!(guest_display_name("  Ann  ").unwrap(), "Ann");
        for bad in ["", "   ", "Ann\u{7}", &"x".repeat(GUEST_NAME_MAX_CHARS + 1)] {
            assert!(
                matches!(guest_display_name(bad), Err(ServiceError::BadInput(_))),
                "{bad:?}"
            );
        }
        assert!(guest_display_name(&"é".repeat(GUEST_NAME_MAX_CHARS)).is_ok());
    }
}
