//! The `create` request (spec §2.1): a typed setter for every documented parameter, `meta_*`
//! and unknown parameters passed through, and pre-upload documents that turn the call into a
//! POST with a `<modules>` body.

use crate::documents::{Document, modules_xml};
use crate::params::{Params, csv, param_setters};
use crate::vocab::{Feature, GuestPolicy, MeetingLayout};

/// A `create` call. Parameters appear in the query in the order they were first set; setting
/// one again replaces its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateMeeting {
    params: Params,
    documents: Vec<Document>,
    client_settings_override: Option<String>,
}

impl CreateMeeting {
    /// `meeting_id` is the external meetingID (2–256 chars, no comma); `name` is required
    /// since 2.4.
    pub fn new(meeting_id: impl Into<String>, name: impl Into<String>) -> Self {
        let mut params = Params::new();
        params.push("name", name).push("meetingID", meeting_id);
        CreateMeeting {
            params,
            documents: Vec::new(),
            client_settings_override: None,
        }
    }

    param_setters! {
        /// Deprecated since 2.6; BBB generates one when absent.
        text attendee_pw => "attendeePW";
        /// Deprecated since 2.6; BBB generates one when absent.
        text moderator_pw => "moderatorPW";
        text welcome => "welcome";
        text dial_number => "dialNumber";
        /// Digits only; must be unique among running meetings.
        text voice_bridge => "voiceBridge";
        text web_voice => "webVoice";
        /// 0 = unlimited.
        number max_participants => "maxParticipants";
        text logout_url => "logoutURL";
        /// 3.0: shown by the client as an invite link.
        text login_url => "loginURL";
        flag record => "record";
        /// Minutes; 0 = no limit.
        number duration => "duration";
        /// Breakout rooms are created by BBB itself; third-party clients should not set this.
        flag is_breakout => "isBreakout";
        /// Breakout rooms only.
        text parent_meeting_id => "parentMeetingID";
        /// Breakout rooms only.
        number sequence => "sequence";
        /// Breakout rooms only.
        flag free_join => "freeJoin";
        /// Deprecated in 2.5: use `disabled_features([Feature::BreakoutRooms])`.
        flag breakout_rooms_enabled => "breakoutRoomsEnabled";
        flag breakout_rooms_record => "breakoutRoomsRecord";
        flag breakout_rooms_private_chat_enabled => "breakoutRoomsPrivateChatEnabled";
        flag breakout_rooms_capture_slides => "breakoutRoomsCaptureSlides";
        flag breakout_rooms_capture_notes => "breakoutRoomsCaptureNotes";
        text breakout_rooms_capture_slides_filename => "breakoutRoomsCaptureSlidesFilename";
        text breakout_rooms_capture_notes_filename => "breakoutRoomsCaptureNotesFilename";
        text moderator_only_message => "moderatorOnlyMessage";
        flag auto_start_recording => "autoStartRecording";
        flag allow_start_stop_recording => "allowStartStopRecording";
        flag record_full_duration_media => "recordFullDurationMedia";
        flag webcams_only_for_moderator => "webcamsOnlyForModerator";
        text banner_text => "bannerText";
        /// `#RRGGBB`.
        text banner_color => "bannerColor";
        text logo => "logo";
        /// 3.x.
        text dark_logo => "darklogo";
        text copyright => "copyright";
        flag mute_on_start => "muteOnStart";
        flag allow_mods_to_unmute_users => "allowModsToUnmuteUsers";
        flag allow_mods_to_eject_cameras => "allowModsToEjectCameras";
        flag lock_settings_disable_cam => "lockSettingsDisableCam";
        flag lock_settings_disable_mic => "lockSettingsDisableMic";
        flag lock_settings_disable_private_chat => "lockSettingsDisablePrivateChat";
        flag lock_settings_disable_public_chat => "lockSettingsDisablePublicChat";
        flag lock_settings_disable_notes => "lockSettingsDisableNotes";
        flag lock_settings_hide_user_list => "lockSettingsHideUserList";
        flag lock_settings_lock_on_join => "lockSettingsLockOnJoin";
        flag lock_settings_lock_on_join_configurable => "lockSettingsLockOnJoinConfigurable";
        flag lock_settings_hide_viewers_cursor => "lockSettingsHideViewersCursor";
        flag lock_settings_hide_viewers_annotation => "lockSettingsHideViewersAnnotation";
        /// ≤2.4 era.
        flag lock_settings_locked_layout => "lockSettingsLockedLayout";
        flag allow_promote_guest_to_moderator => "allowPromoteGuestToModerator";
        flag meeting_keep_events => "meetingKeepEvents";
        flag end_when_no_moderator => "endWhenNoModerator";
        number end_when_no_moderator_delay_in_minutes => "endWhenNoModeratorDelayInMinutes";
        /// Deprecated in 2.5: use `disabled_features([Feature::LearningDashboard])`.
        flag learning_dashboard_enabled => "learningDashboardEnabled";
        /// 0 = keep forever.
        number learning_dashboard_cleanup_delay_in_minutes => "learningDashboardCleanupDelayInMinutes";
        /// Deprecated in 2.5: use `disabled_features([Feature::VirtualBackgrounds])`.
        flag virtual_backgrounds_disabled => "virtualBackgroundsDisabled";
        flag allow_requests_without_session => "allowRequestsWithoutSession";
        /// 0 = no limit.
        number user_camera_cap => "userCameraCap";
        number meeting_camera_cap => "meetingCameraCap";
        number max_pinned_cameras => "maxPinnedCameras";
        number meeting_expire_if_no_user_joined_in_minutes => "meetingExpireIfNoUserJoinedInMinutes";
        /// 0 disables the expiry.
        number meeting_expire_when_last_user_left_in_minutes => "meetingExpireWhenLastUserLeftInMinutes";
        /// JSON: `[{"id":"1","name":"GroupA","roster":["extUserId",…]},…]`.
        text groups => "groups";
        flag pre_uploaded_presentation_override_default => "preUploadedPresentationOverrideDefault";
        /// 2.7.2: a URL BBB downloads as the presentation (no POST body needed).
        text pre_uploaded_presentation => "preUploadedPresentation";
        text pre_uploaded_presentation_name => "preUploadedPresentationName";
        flag notify_recording_is_on => "notifyRecordingIsOn";
        text presentation_upload_external_url => "presentationUploadExternalUrl";
        text presentation_upload_external_description => "presentationUploadExternalDescription";
        /// A server-side end callback (GET).
        text meeting_ended_url => "meetingEndedURL";
        /// Minutes.
        number logout_timer => "logoutTimer";
        flag allow_override_client_settings_on_create_call => "allowOverrideClientSettingsOnCreateCall";
        /// JSON: `[{"url":"https://…/manifest.json"}]` (3.0).
        text plugin_manifests => "pluginManifests";
        /// Set by bbb-web's own load balancing.
        number html5_instance_id => "html5InstanceId";
    }

    /// Sets `guestPolicy`.
    pub fn guest_policy(mut self, policy: GuestPolicy) -> Self {
        self.params.set("guestPolicy", policy.as_str());
        self
    }

    /// Sets `meetingLayout`.
    pub fn meeting_layout(mut self, layout: MeetingLayout) -> Self {
        self.params.set("meetingLayout", layout.as_str());
        self
    }

    /// Sets `disabledFeatures` (comma-separated).
    pub fn disabled_features(mut self, features: impl IntoIterator<Item = Feature>) -> Self {
        let list = csv(features.into_iter().map(|f| f.as_str().to_owned()));
        self.params.set("disabledFeatures", list);
        self
    }

    /// Sets `disabledFeaturesExclude` (comma-separated, 2.6.9): re-enables features the server
    /// disables by default.
    pub fn disabled_features_exclude(
        mut self,
        features: impl IntoIterator<Item = Feature>,
    ) -> Self {
        let list = csv(features.into_iter().map(|f| f.as_str().to_owned()));
        self.params.set("disabledFeaturesExclude", list);
        self
    }

    /// Sets `meta_<name>`; `name` comes without the prefix and should match
    /// `[a-zA-Z][a-zA-Z0-9-]*` (BBB lower-cases it).
    pub fn meta(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.set(format!("meta_{name}"), value);
        self
    }

    /// Sets any parameter, typed or not (newer BBB versions' parameters pass through).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.set(name, value);
        self
    }

    /// Adds a pre-upload document; any document makes the call a POST with a `<modules>` body.
    pub fn presentation(mut self, document: Document) -> Self {
        self.documents.push(document);
        self
    }

    /// Sends a `clientSettingsOverride` module (JSON, BBB 3.0); makes the call a POST.
    pub fn client_settings_override(mut self, json: impl Into<String>) -> Self {
        self.client_settings_override = Some(json.into());
        self
    }

    /// The URL parameters, in order.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The `<modules>` POST body, when documents or a settings override were given.
    pub fn body(&self) -> Option<String> {
        if self.documents.is_empty() && self.client_settings_override.is_none() {
            return None;
        }
        Some(modules_xml(
            &self.documents,
            self.client_settings_override.as_deref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::ChecksumAlgorithm;
    use crate::server::Server;

    #[test]
    fn spec_vector_query_and_checksum() {
        let create = CreateMeeting::new("abc123", "Test Meeting")
            .attendee_pw("111222")
            .moderator_pw("333444");
        assert_eq!(
            create.params().to_query(),
            "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
        );
        let server = Server::new(
            "https://bbb.example.com/bigbluebutton/api/",
            "639259d4-9dd8-4b25-bf01-95f9567eaf4b",
        )
        .unwrap()
        .with_algorithm(ChecksumAlgorithm::Sha1);
        assert!(
            server
                .signed_url("create", create.params())
                .ends_with("&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17")
        );
        assert_eq!(create.body(), None);
    }

    #[test]
    fn typed_setters_write_bbb_names_and_spellings() {
        let create = CreateMeeting::new("m1", "Room")
            .record(true)
            .duration(90)
            .max_participants(25)
            .mute_on_start(false)
            .guest_policy(GuestPolicy::AskModerator)
            .meeting_layout(MeetingLayout::Other("NEW_LAYOUT".into()))
            .disabled_features([Feature::Chat, Feature::Polls, Feature::Other("x".into())])
            .disabled_features_exclude([Feature::Captions])
            .lock_settings_disable_cam(true)
            .logout_url("https://example.com/bye")
            .dark_logo("https://example.com/d.png")
            .meta("bbb-origin", "gateway")
            .meta("endCallbackUrl", "https://cb.example/end?x=1")
            .param("sharedNotesEditor", "blockNote");
        assert_eq!(
            create.params().to_query(),
            "name=Room&meetingID=m1&record=true&duration=90&maxParticipants=25&muteOnStart=false\
             &guestPolicy=ASK_MODERATOR&meetingLayout=NEW_LAYOUT&disabledFeatures=chat%2Cpolls%2Cx\
             &disabledFeaturesExclude=captions&lockSettingsDisableCam=true\
             &logoutURL=https%3A%2F%2Fexample.com%2Fbye&darklogo=https%3A%2F%2Fexample.com%2Fd.png\
             &meta_bbb-origin=gateway&meta_endCallbackUrl=https%3A%2F%2Fcb.example%2Fend%3Fx%3D1\
             &sharedNotesEditor=blockNote"
        );
    }

    #[test]
    fn setting_again_replaces_in_place() {
        let create = CreateMeeting::new("m1", "Room")
            .record(true)
            .welcome("hi")
            .record(false)
            .param("welcome", "hello");
        assert_eq!(
            create.params().to_query(),
            "name=Room&meetingID=m1&record=false&welcome=hello"
        );
    }

    #[test]
    fn documents_switch_to_a_modules_body() {
        let create = CreateMeeting::new("m1", "Room")
            .presentation(Document::url("https://host/a.pdf").current(true))
            .presentation(Document::inline("b.pdf", b"PDF".to_vec()));
        assert_eq!(
            create.body().as_deref(),
            Some(
                "<modules><module name=\"presentation\">\
                 <document url=\"https://host/a.pdf\" current=\"true\"/>\
                 <document name=\"b.pdf\">UERG</document></module></modules>"
            )
        );
        // The documents never leak into the signed URL parameters.
        assert_eq!(create.params().to_query(), "name=Room&meetingID=m1");
    }

    #[test]
    fn settings_override_alone_also_posts() {
        let create = CreateMeeting::new("m1", "Room").client_settings_override("{}");
        assert!(
            create
                .body()
                .unwrap()
                .contains("<module name=\"clientSettingsOverride\"><![CDATA[{}]]></module>")
        );
    }
}
