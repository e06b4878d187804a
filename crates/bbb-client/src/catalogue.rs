//! The calls of BBB's third-party API and what bbb-web allows for each: the name it is routed
//! (and signed) under, the HTTP methods routed to it (spec §0), the bodies it takes (spec §1.2)
//! and the code path that checks its checksum (spec §1.3). One catalogue, read by the
//! simulator's request gate and by the gateway's endpoint alike, so that the two cannot drift.

/// Every call of spec §2 and the webhooks calls of spec §6 (the session-token endpoints of
/// §2.15 are the BBB host's business, not an API client's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Create,
    Join,
    IsMeetingRunning,
    End,
    GetMeetingInfo,
    GetMeetings,
    GetRecordings,
    PublishRecordings,
    DeleteRecordings,
    UpdateRecordings,
    GetRecordingTextTracks,
    PutRecordingTextTrack,
    InsertDocument,
    SendChatMessage,
    HooksCreate,
    HooksDestroy,
    HooksList,
}

/// Which HTTP methods bbb-web routes to a call (spec §0, UrlMappings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    Get,
    Post,
    GetAndPost,
}

impl Methods {
    /// Whether `method` (an HTTP method name, e.g. `GET`) is routed. HEAD is not: a server
    /// that answers HEAD like GET (as a servlet container does) asks with `GET`.
    pub fn allows(self, method: &str) -> bool {
        match self {
            Methods::Get => method == "GET",
            Methods::Post => method == "POST",
            Methods::GetAndPost => method == "GET" || method == "POST",
        }
    }

    /// The `Allow` header of a 405 answer.
    pub fn allow_header(self) -> &'static str {
        match self {
            Methods::Get => "GET",
            Methods::Post => "POST",
            Methods::GetAndPost => "GET, POST",
        }
    }
}

/// What a request body is, by its Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded`: more parameters (unsigned, as in bbb-web).
    Form,
    /// `multipart/form-data`: more parameters in its parts, and files (putRecordingTextTrack's
    /// `file`).
    Multipart,
    /// `application/xml` or `text/xml`: create's pre-upload modules, insertDocument's
    /// documents.
    Xml,
}

impl BodyKind {
    /// The kind of a body sent with `content_type` (parameters such as `charset` and the case
    /// of the MIME type do not matter); `None` for a type no call takes.
    pub fn of(content_type: &str) -> Option<BodyKind> {
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        [
            ("application/x-www-form-urlencoded", BodyKind::Form),
            ("multipart/form-data", BodyKind::Multipart),
            ("application/xml", BodyKind::Xml),
            ("text/xml", BodyKind::Xml),
        ]
        .into_iter()
        .find_map(|(name, kind)| mime.eq_ignore_ascii_case(name).then_some(kind))
    }
}

/// The bodies of calls that take parameters only: bbb-web's "form types".
const FORM_BODIES: &[BodyKind] = &[BodyKind::Form, BodyKind::Multipart];

/// Which code path checks a call's checksum, and so which failure texts it answers with
/// (spec §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumCheck {
    /// The ≥2.5 validation layer: `Checksums do not match`, `You must provide the checksum`.
    Validation,
    /// RecordingController's legacy check: `You did not pass the checksum security check`.
    Recording,
    /// putRecordingTextTrack: the legacy text, but a missing checksum is a JSON `paramError`.
    TextTrackUpload,
    /// bbb-webhooks: case-sensitive comparison, message with a trailing period.
    Hooks,
}

/// bbb-web's answer to a body whose Content-Type the call does not take (spec §1.2):
/// messageKey and message.
pub const UNSUPPORTED_CONTENT_TYPE: (&str, &str) = (
    "unsupportedContentType",
    "POST request Content-Type is missing or unsupported",
);

/// Whether a `FAILED` answer's messageKey says the meeting (or recording) does not exist:
/// `notFound` from most calls, `invalidMeetingIdentifier` from join.
pub fn says_not_found(message_key: &str) -> bool {
    matches!(message_key, "notFound" | "invalidMeetingIdentifier")
}

/// Whether a messageKey says the meeting is gone from the server: not found, or ended by
/// force (join's `meetingForciblyEnded`).
pub fn says_meeting_gone(message_key: &str) -> bool {
    says_not_found(message_key) || message_key == "meetingForciblyEnded"
}

impl ChecksumCheck {
    /// The messageKey of every checksum failure (spec §1.3).
    pub const MESSAGE_KEY: &'static str = "checksumError";

    /// The message answering a wrong, duplicate or malformed checksum on this code path.
    pub const fn mismatch_message(self) -> &'static str {
        match self {
            ChecksumCheck::Validation => "Checksums do not match",
            ChecksumCheck::Recording | ChecksumCheck::TextTrackUpload => {
                "You did not pass the checksum security check"
            }
            ChecksumCheck::Hooks => "You did not pass the checksum security check.",
        }
    }

    /// The message answering a missing checksum on the validation path; the legacy paths
    /// answer it as a mismatch (and putRecordingTextTrack with a JSON `paramError`).
    pub const MISSING_MESSAGE: &'static str = "You must provide the checksum";
}

impl Call {
    /// Every call, in declaration order (so `call as usize` indexes this array).
    pub const ALL: [Call; 17] = [
        Call::Create,
        Call::Join,
        Call::IsMeetingRunning,
        Call::End,
        Call::GetMeetingInfo,
        Call::GetMeetings,
        Call::GetRecordings,
        Call::PublishRecordings,
        Call::DeleteRecordings,
        Call::UpdateRecordings,
        Call::GetRecordingTextTracks,
        Call::PutRecordingTextTrack,
        Call::InsertDocument,
        Call::SendChatMessage,
        Call::HooksCreate,
        Call::HooksDestroy,
        Call::HooksList,
    ];

    /// The call routed under `name`, the path after `/bigbluebutton/api/` (`create`,
    /// `hooks/list`); names are case-sensitive, as bbb-web's routes.
    pub fn from_name(name: &str) -> Option<Call> {
        Call::ALL.into_iter().find(|call| call.name() == name)
    }

    /// The name as routed, which is also the name the checksum covers.
    pub const fn name(self) -> &'static str {
        match self {
            Call::Create => "create",
            Call::Join => "join",
            Call::IsMeetingRunning => "isMeetingRunning",
            Call::End => "end",
            Call::GetMeetingInfo => "getMeetingInfo",
            Call::GetMeetings => "getMeetings",
            Call::GetRecordings => "getRecordings",
            Call::PublishRecordings => "publishRecordings",
            Call::DeleteRecordings => "deleteRecordings",
            Call::UpdateRecordings => "updateRecordings",
            Call::GetRecordingTextTracks => "getRecordingTextTracks",
            Call::PutRecordingTextTrack => "putRecordingTextTrack",
            Call::InsertDocument => "insertDocument",
            Call::SendChatMessage => "sendChatMessage",
            Call::HooksCreate => "hooks/create",
            Call::HooksDestroy => "hooks/destroy",
            Call::HooksList => "hooks/list",
        }
    }

    /// The HTTP methods bbb-web (or bbb-webhooks) routes to the call.
    pub fn methods(self) -> Methods {
        match self {
            Call::Join
            | Call::PublishRecordings
            | Call::DeleteRecordings
            | Call::SendChatMessage
            | Call::HooksCreate
            | Call::HooksDestroy
            | Call::HooksList => Methods::Get,
            Call::InsertDocument | Call::PutRecordingTextTrack => Methods::Post,
            Call::Create
            | Call::IsMeetingRunning
            | Call::End
            | Call::GetMeetingInfo
            | Call::GetMeetings
            | Call::GetRecordings
            | Call::UpdateRecordings
            | Call::GetRecordingTextTracks => Methods::GetAndPost,
        }
    }

    /// Whether the call is routed for `method` (an HTTP method name).
    pub fn allows(self, method: &str) -> bool {
        self.methods().allows(method)
    }

    /// The kinds of body the call takes (bbb-web's `ContentTypeConstraint`); a body of any
    /// other type is answered `unsupportedContentType`.
    pub fn body_kinds(self) -> &'static [BodyKind] {
        match self {
            Call::Create => &[BodyKind::Form, BodyKind::Multipart, BodyKind::Xml],
            Call::InsertDocument => &[BodyKind::Xml],
            Call::PutRecordingTextTrack => &[BodyKind::Multipart],
            _ => FORM_BODIES,
        }
    }

    /// The kind of a body the call takes with `content_type`, or `None` when bbb-web answers
    /// `unsupportedContentType`.
    pub fn body_kind(self, content_type: &str) -> Option<BodyKind> {
        BodyKind::of(content_type).filter(|kind| self.body_kinds().contains(kind))
    }

    /// The code path that checks the call's checksum.
    pub fn checksum_check(self) -> ChecksumCheck {
        match self {
            Call::GetRecordings
            | Call::PublishRecordings
            | Call::DeleteRecordings
            | Call::UpdateRecordings
            | Call::GetRecordingTextTracks => ChecksumCheck::Recording,
            Call::PutRecordingTextTrack => ChecksumCheck::TextTrackUpload,
            Call::HooksCreate | Call::HooksDestroy | Call::HooksList => ChecksumCheck::Hooks,
            Call::Create
            | Call::Join
            | Call::IsMeetingRunning
            | Call::End
            | Call::GetMeetingInfo
            | Call::GetMeetings
            | Call::InsertDocument
            | Call::SendChatMessage => ChecksumCheck::Validation,
        }
    }

    /// The recording calls answer checksum failures with bbb-web's legacy text (spec §1.3).
    pub fn is_recording_call(self) -> bool {
        matches!(
            self.checksum_check(),
            ChecksumCheck::Recording | ChecksumCheck::TextTrackUpload
        )
    }

    /// The webhooks calls (spec §6), served by bbb-webhooks beside bbb-web.
    pub fn is_hooks_call(self) -> bool {
        self.checksum_check() == ChecksumCheck::Hooks
    }

    /// The calls that answer JSON rather than XML (spec §0; their checksum failures are
    /// still XML).
    pub fn answers_json(self) -> bool {
        matches!(
            self,
            Call::GetRecordingTextTracks | Call::PutRecordingTextTrack
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls_where(predicate: fn(Call) -> bool) -> Vec<Call> {
        Call::ALL
            .into_iter()
            .filter(|call| predicate(*call))
            .collect()
    }

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for call in Call::ALL {
            assert_eq!(Call::from_name(call.name()), Some(call));
        }
        for path in [
            "create",
            "hooks/list",
            "getRecordingTextTracks",
            "sendChatMessage",
        ] {
            assert_eq!(Call::from_name(path).unwrap().name(), path);
        }
        assert_eq!(Call::from_name("GetMeetings"), None);
        assert_eq!(Call::from_name("Create"), None);
        assert_eq!(Call::from_name("enter"), None);
        assert_eq!(Call::from_name(""), None);
    }

    #[test]
    fn all_is_in_declaration_order() {
        for (index, call) in Call::ALL.into_iter().enumerate() {
            assert_eq!(call as usize, index, "{call:?}");
        }
    }

    #[test]
    fn methods_follow_bbb_web_routes() {
        assert!(Call::Join.allows("GET"));
        assert!(!Call::Join.allows("POST"));
        assert!(Call::Create.allows("POST"));
        assert!(!Call::InsertDocument.allows("GET"));
        assert!(Call::InsertDocument.allows("POST"));
        assert!(!Call::GetMeetings.allows("DELETE"));
        assert!(!Call::GetMeetings.allows("HEAD"));
        // Spec §0, call by call: GET-only, POST-only, and the ones routed for both.
        let get_only = [
            Call::Join,
            Call::PublishRecordings,
            Call::DeleteRecordings,
            Call::SendChatMessage,
            Call::HooksCreate,
            Call::HooksDestroy,
            Call::HooksList,
        ];
        let post_only = [Call::InsertDocument, Call::PutRecordingTextTrack];
        for call in Call::ALL {
            let expected = if get_only.contains(&call) {
                Methods::Get
            } else if post_only.contains(&call) {
                Methods::Post
            } else {
                Methods::GetAndPost
            };
            assert_eq!(call.methods(), expected, "{call:?}");
        }
        assert_eq!(Methods::Get.allow_header(), "GET");
        assert_eq!(Methods::Post.allow_header(), "POST");
        assert_eq!(Methods::GetAndPost.allow_header(), "GET, POST");
    }

    #[test]
    fn content_types_follow_bbb_web() {
        assert_eq!(
            Call::Create.body_kind("text/xml; charset=utf-8"),
            Some(BodyKind::Xml)
        );
        assert_eq!(
            Call::Create.body_kind("application/x-www-form-urlencoded"),
            Some(BodyKind::Form)
        );
        assert_eq!(
            Call::InsertDocument.body_kind("application/x-www-form-urlencoded"),
            None
        );
        assert_eq!(Call::End.body_kind("application/xml"), None);
        assert_eq!(
            Call::PutRecordingTextTrack.body_kind("multipart/form-data; boundary=x"),
            Some(BodyKind::Multipart)
        );
        assert_eq!(
            Call::PutRecordingTextTrack.body_kind("application/x-www-form-urlencoded"),
            None
        );
        assert_eq!(Call::GetMeetings.body_kind("application/json"), None);
        assert_eq!(Call::GetMeetings.body_kind(""), None);
    }

    /// Spec §1.2: "form types" are both form encodings, multipart included, for create and
    /// for every call that is not insertDocument or putRecordingTextTrack.
    #[test]
    fn multipart_form_bodies_are_form_bodies() {
        let multipart = "multipart/form-data; boundary=b";
        for call in Call::ALL {
            let expected = call != Call::InsertDocument;
            assert_eq!(
                call.body_kind(multipart) == Some(BodyKind::Multipart),
                expected,
                "{call:?}"
            );
            let form = call.body_kind("application/x-www-form-urlencoded");
            let takes_form = !matches!(call, Call::InsertDocument | Call::PutRecordingTextTrack);
            assert_eq!(form == Some(BodyKind::Form), takes_form, "{call:?}");
        }
    }

    #[test]
    fn mime_types_are_read_without_parameters_or_case() {
        assert_eq!(
            BodyKind::of(" Application/X-WWW-Form-Urlencoded ; charset=UTF-8"),
            Some(BodyKind::Form)
        );
        assert_eq!(BodyKind::of("TEXT/XML"), Some(BodyKind::Xml));
        assert_eq!(BodyKind::of("application/xml+foo"), None);
    }

    #[test]
    fn a_meeting_is_gone_when_not_found_or_ended_by_force() {
        for key in ["notFound", "invalidMeetingIdentifier"] {
            assert!(says_not_found(key) && says_meeting_gone(key), "{key}");
        }
        assert!(!says_not_found("meetingForciblyEnded"));
        assert!(says_meeting_gone("meetingForciblyEnded"));
        assert!(!says_meeting_gone("checksumError"));
    }

    #[test]
    fn checksum_checks_follow_the_code_paths() {
        assert_eq!(
            Call::GetMeetings.checksum_check(),
            ChecksumCheck::Validation
        );
        assert_eq!(
            Call::InsertDocument.checksum_check(),
            ChecksumCheck::Validation
        );
        assert_eq!(
            Call::GetRecordingTextTracks.checksum_check(),
            ChecksumCheck::Recording
        );
        assert_eq!(
            Call::PutRecordingTextTrack.checksum_check(),
            ChecksumCheck::TextTrackUpload
        );
        assert_eq!(Call::HooksList.checksum_check(), ChecksumCheck::Hooks);
        assert_eq!(
            calls_where(Call::is_recording_call),
            [
                Call::GetRecordings,
                Call::PublishRecordings,
                Call::DeleteRecordings,
                Call::UpdateRecordings,
                Call::GetRecordingTextTracks,
                Call::PutRecordingTextTrack,
            ]
        );
        let hooks: Vec<Call> = Call::ALL
            .into_iter()
            .filter(|call| call.is_hooks_call())
            .collect();
        assert_eq!(
            hooks,
            [Call::HooksCreate, Call::HooksDestroy, Call::HooksList]
        );
    }

    #[test]
    fn only_the_text_track_calls_answer_json() {
        assert_eq!(
            calls_where(Call::answers_json),
            [Call::GetRecordingTextTracks, Call::PutRecordingTextTrack]
        );
    }
}
