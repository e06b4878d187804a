//! BBB's enumerated parameter values as Rust enums. Each keeps an `Other(String)` escape,
//! because new BBB versions add values faster than clients learn them and bbb-web does not
//! validate most of them (spec §2.1).

use std::fmt;

/// Declares an enum of wire values with `as_str`, `Display` and a lossless `From<&str>`.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* #[doc = concat!("`", $wire, "`")] $variant,)*
            /// A value this library does not know; sent as it is.
            Other(String),
        }

        impl $name {
            /// The value as it stands in the query string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// As its wire value, so that a document written with it reads as BBB's.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// create `guestPolicy`.
    GuestPolicy {
        AlwaysAccept => "ALWAYS_ACCEPT",
        AlwaysDeny => "ALWAYS_DENY",
        AskModerator => "ASK_MODERATOR",
    }
}

wire_enum! {
    /// create `meetingLayout`, join `enforceLayout`.
    MeetingLayout {
        CustomLayout => "CUSTOM_LAYOUT",
        SmartLayout => "SMART_LAYOUT",
        PresentationFocus => "PRESENTATION_FOCUS",
        VideoFocus => "VIDEO_FOCUS",
        /// 3.0
        CamerasOnly => "CAMERAS_ONLY",
        /// 3.0
        PresentationOnly => "PRESENTATION_ONLY",
        /// 3.0
        ParticipantsAndChatOnly => "PARTICIPANTS_AND_CHAT_ONLY",
        /// Later 3.x (client libraries)
        ParticipantsChatOnly => "PARTICIPANTS_CHAT_ONLY",
        /// Later 3.x (client libraries)
        MediaOnly => "MEDIA_ONLY",
        /// Later 3.x (client libraries)
        PluginsOnly => "PLUGINS_ONLY",
        /// Later 3.x (client libraries)
        UnifiedLayout => "UNIFIED_LAYOUT",
    }
}

wire_enum! {
    /// A client feature for create `disabledFeatures` / `disabledFeaturesExclude` (2.5+).
    Feature {
        BreakoutRooms => "breakoutRooms",
        Captions => "captions",
        Chat => "chat",
        PrivateChat => "privateChat",
        DownloadPresentationWithAnnotations => "downloadPresentationWithAnnotations",
        DownloadPresentationConvertedToPdf => "downloadPresentationConvertedToPdf",
        DownloadPresentationOriginalFile => "downloadPresentationOriginalFile",
        SnapshotOfCurrentSlide => "snapshotOfCurrentSlide",
        ExternalVideos => "externalVideos",
        ImportPresentationWithAnnotationsFromBreakoutRooms => "importPresentationWithAnnotationsFromBreakoutRooms",
        ImportSharedNotesFromBreakoutRooms => "importSharedNotesFromBreakoutRooms",
        Layouts => "layouts",
        LearningDashboard => "learningDashboard",
        LearningDashboardDownloadSessionData => "learningDashboardDownloadSessionData",
        Polls => "polls",
        Screenshare => "screenshare",
        SharedNotes => "sharedNotes",
        VirtualBackgrounds => "virtualBackgrounds",
        CustomVirtualBackgrounds => "customVirtualBackgrounds",
        LiveTranscription => "liveTranscription",
        Presentation => "presentation",
        CameraAsContent => "cameraAsContent",
        Timer => "timer",
        InfiniteWhiteboard => "infiniteWhiteboard",
        DeleteChatMessage => "deleteChatMessage",
        EditChatMessage => "editChatMessage",
        ReplyChatMessage => "replyChatMessage",
        ChatMessageReactions => "chatMessageReactions",
        PinChatMessage => "pinChatMessage",
        RaiseHand => "raiseHand",
        UserReactions => "userReactions",
        ChatEmojiPicker => "chatEmojiPicker",
        Quizzes => "quizzes",
        Plugins => "plugins",
        MultiFunctionalMode => "multiFunctionalMode",
    }
}

wire_enum! {
    /// join `role` (2.4+; bbb-web compares case-insensitively).
    Role {
        Moderator => "MODERATOR",
        Viewer => "VIEWER",
    }
}

wire_enum! {
    /// getRecordings `state` filter.
    RecordingState {
        Processing => "processing",
        Processed => "processed",
        Published => "published",
        Unpublished => "unpublished",
        Deleted => "deleted",
        /// Every state.
        Any => "any",
    }
}

impl Role {
    /// A role as bbb-web reads it (the join `role` parameter, an attendee's `<role>`): in
    /// either case; `None` for anything else, which bbb-web takes for no role at all. The one
    /// reading of a role for the simulator, the endpoint and the gateway.
    pub fn parse(value: &str) -> Option<Role> {
        [Role::Moderator, Role::Viewer]
            .into_iter()
            .find(|role| value.eq_ignore_ascii_case(role.as_str()))
    }
}

impl RecordingState {
    /// The states a recording can be in (`any` is a word of the filter, not a state).
    pub const STATES: [RecordingState; 5] = [
        RecordingState::Processing,
        RecordingState::Processed,
        RecordingState::Published,
        RecordingState::Unpublished,
        RecordingState::Deleted,
    ];

    /// A recording's `<state>`, or one word of the getRecordings `state` filter: exactly one
    /// of the [`Self::STATES`] (BBB writes them in lower case); `None` for `any` and for
    /// anything else. The one reading of a state for the simulator and the gateway.
    pub fn parse(value: &str) -> Option<RecordingState> {
        Self::STATES
            .into_iter()
            .find(|state| state.as_str() == value)
    }
}

wire_enum! {
    /// putRecordingTextTrack `kind`.
    TrackKind {
        Subtitles => "subtitles",
        Captions => "captions",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip() {
        for layout in [
            MeetingLayout::SmartLayout,
            MeetingLayout::ParticipantsAndChatOnly,
        ] {
            assert_eq!(MeetingLayout::from(layout.as_str()), layout);
        }
        assert_eq!(GuestPolicy::AskModerator.as_str(), "ASK_MODERATOR");
        assert_eq!(
            Feature::from("infiniteWhiteboard"),
            Feature::InfiniteWhiteboard
        );
        assert_eq!(Role::Moderator.to_string(), "MODERATOR");
        assert_eq!(RecordingState::Any.as_str(), "any");
        assert_eq!(TrackKind::Captions.as_str(), "captions");
    }

    #[test]
    fn unknown_values_pass_through() {
        let policy = GuestPolicy::from("ALWAYS_ACCEPT_AUTH");
        assert_eq!(policy, GuestPolicy::Other("ALWAYS_ACCEPT_AUTH".into()));
        assert_eq!(policy.as_str(), "ALWAYS_ACCEPT_AUTH");
        // Wire values are case-sensitive: a differently spelled value is kept verbatim.
        assert_eq!(Role::from("moderator"), Role::Other("moderator".into()));
    }

    #[test]
    fn roles_parse_in_either_case_and_nothing_else() {
        assert_eq!(Role::parse("MODERATOR"), Some(Role::Moderator));
        assert_eq!(Role::parse("moderator"), Some(Role::Moderator));
        assert_eq!(Role::parse("Viewer"), Some(Role::Viewer));
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse(""), None);
        assert_eq!(Role::parse("MODERATOR "), None);
    }

    #[test]
    fn recording_states_parse_exactly() {
        for state in RecordingState::STATES {
            assert_eq!(RecordingState::parse(state.as_str()), Some(state));
        }
        assert_eq!(RecordingState::parse("any"), None);
        assert_eq!(RecordingState::parse("Published"), None);
        assert_eq!(RecordingState::parse("archived"), None);
    }

    #[test]
    fn wire_values_serialise_as_themselves() {
        let json = serde_json::to_string(&(Role::Viewer, RecordingState::Unpublished)).unwrap();
        assert_eq!(json, r#"["VIEWER","unpublished"]"#);
    }
}
