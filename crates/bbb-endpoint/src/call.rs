//! The calls the endpoint serves: those of bbb-client's catalogue (names, methods, body kinds,
//! checksum texts: what bbb-web allows), less the webhooks calls, and with the one body the
//! endpoint reads differently from bbb-web (multipart forms, below).

pub use bbb_client::catalogue::{BodyKind, Call};

/// The call of spec §2 named `name`. The webhooks calls (spec §6) are bbb-webhooks' API, not
/// forwarded here; their paths have two segments and never reach this anyway.
pub fn served(name: &str) -> Option<Call> {
    Call::from_name(name).filter(|call| !call.is_hooks_call())
}

/// The kind of body the endpoint reads for `call` sent with `content_type`, or `None` for
/// `unsupportedContentType`: bbb-web's rule, except that a multipart body is taken only as
/// putRecordingTextTrack's upload, which is forwarded whole. bbb-web also reads parameters
/// from the parts of a multipart form (spec §1.2); the endpoint does not parse those, and
/// forwarding such a body whole would hand the backend parameters that the endpoint never saw
/// (a `meetingID` outside the token's namespace), so it refuses them instead.
pub fn accepted_body(call: Call, content_type: &str) -> Option<BodyKind> {
    match call.body_kind(content_type)? {
        BodyKind::Multipart if call != Call::PutRecordingTextTrack => None,
        kind => Some(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_calls_are_not_served() {
        assert_eq!(served("getMeetings"), Some(Call::GetMeetings));
        assert_eq!(served("hooks/create"), None);
        assert_eq!(served("hooks/list"), None);
        assert_eq!(served("GetMeetings"), None);
    }

    #[test]
    fn multipart_bodies_are_only_uploads() {
        let multipart = "multipart/form-data; boundary=x";
        assert_eq!(
            accepted_body(Call::PutRecordingTextTrack, multipart),
            Some(BodyKind::Multipart)
        );
        for call in [Call::Create, Call::GetMeetings, Call::Join, Call::End] {
            assert_eq!(accepted_body(call, multipart), None, "{call:?}");
        }
        assert_eq!(
            accepted_body(Call::Create, "text/xml; charset=utf-8"),
            Some(BodyKind::Xml)
        );
        assert_eq!(
            accepted_body(Call::End, "application/x-www-form-urlencoded"),
            Some(BodyKind::Form)
        );
        assert_eq!(accepted_body(Call::End, "application/xml"), None);
    }
}
