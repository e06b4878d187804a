//! The calls the endpoint serves, and what bbb-web allows for each: HTTP methods (spec §0) and
//! body content types (spec §1.2).

use actix_web::http::Method;

/// Every call of spec §2 the endpoint serves (the session-token endpoints of §2.15 are the BBB
/// host's business, not an API client's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// Which HTTP methods bbb-web routes to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Methods {
    GetOnly,
    GetAndPost,
    PostOnly,
}

/// What a request body may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded`: more parameters (unsigned, as in bbb-web).
    Form,
    /// `application/xml`/`text/xml`: create's pre-upload modules, insertDocument's documents.
    Xml,
    /// `multipart/form-data`: putRecordingTextTrack's file.
    Multipart,
}

impl Call {
    const ALL: [Call; 14] = [
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
    ];

    /// The call named by the last path segment; names are case-sensitive, as bbb-web's routes.
    pub fn from_name(name: &str) -> Option<Call> {
        Call::ALL.into_iter().find(|call| call.name() == name)
    }

    /// The name as routed, which is also the name the checksum covers.
    pub fn name(self) -> &'static str {
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
        }
    }

    fn methods(self) -> Methods {
        match self {
            Call::Join
            | Call::PublishRecordings
            | Call::DeleteRecordings
            | Call::SendChatMessage => Methods::GetOnly,
            Call::InsertDocument | Call::PutRecordingTextTrack => Methods::PostOnly,
            _ => Methods::GetAndPost,
        }
    }

    pub fn allows(self, method: &Method) -> bool {
        match self.methods() {
            Methods::GetOnly => method == Method::GET,
            Methods::PostOnly => method == Method::POST,
            Methods::GetAndPost => method == Method::GET || method == Method::POST,
        }
    }

    /// The kind of body a call accepts with `content_type`, or `None` when bbb-web answers
    /// `unsupportedContentType`.
    pub fn body_kind(self, content_type: &str) -> Option<BodyKind> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let kind = match mime.as_str() {
            "application/x-www-form-urlencoded" => BodyKind::Form,
            "application/xml" | "text/xml" => BodyKind::Xml,
            "multipart/form-data" => BodyKind::Multipart,
            _ => return None,
        };
        let allowed = match self {
            Call::Create => matches!(kind, BodyKind::Form | BodyKind::Xml),
            Call::InsertDocument => kind == BodyKind::Xml,
            Call::PutRecordingTextTrack => kind == BodyKind::Multipart,
            _ => kind == BodyKind::Form,
        };
        allowed.then_some(kind)
    }

    /// The recording calls answer checksum failures with bbb-web's legacy text (spec §1.3).
    pub fn is_recording_call(self) -> bool {
        matches!(
            self,
            Call::GetRecordings
                | Call::PublishRecordings
                | Call::DeleteRecordings
                | Call::UpdateRecordings
                | Call::GetRecordingTextTracks
                | Call::PutRecordingTextTrack
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for call in Call::ALL {
            assert_eq!(Call::from_name(call.name()), Some(call));
        }
        assert_eq!(Call::from_name("GetMeetings"), None);
        assert_eq!(Call::from_name("enter"), None);
        assert_eq!(Call::from_name(""), None);
    }

    #[test]
    fn methods_follow_bbb_web_routes() {
        assert!(Call::Join.allows(&Method::GET));
        assert!(!Call::Join.allows(&Method::POST));
        assert!(Call::Create.allows(&Method::POST));
        assert!(!Call::InsertDocument.allows(&Method::GET));
        assert!(Call::InsertDocument.allows(&Method::POST));
        assert!(!Call::GetMeetings.allows(&Method::DELETE));
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
        assert_eq!(Call::GetMeetings.body_kind("application/json"), None);
    }
}
