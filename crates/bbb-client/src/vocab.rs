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
}
