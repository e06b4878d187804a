//! Meeting IDs on both sides. A client's meetingID lives in its token's namespace; on the
//! backend it becomes `<namespace>-<client ID>`, so two tokens may use the same ID without
//! colliding. bbb-web allows 2–256 characters without commas (spec §2.1), and so must the
//! backend ID: a client ID too long to carry the prefix is replaced by its SHA-256.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::EndpointError;

/// bbb-web's bounds on a meetingID (`MeetingIDConstraint`).
const MIN_ID_CHARS: usize = 2;
const MAX_ID_CHARS: usize = 256;

/// The client's meetingID as bbb-web accepts it: trimmed, 2–256 characters, no comma.
pub fn client_meeting_id(raw: Option<&str>) -> Result<String, EndpointError> {
    let id = raw.map(str::trim).unwrap_or_default();
    if id.is_empty() {
        return Err(EndpointError::MissingMeetingId);
    }
    let chars = id.chars().count();
    if !(MIN_ID_CHARS..=MAX_ID_CHARS).contains(&chars) {
        return Err(EndpointError::InvalidMeetingId(
            "Meeting ID must be between 2 and 256 characters",
        ));
    }
    if id.contains(',') || id.chars().any(char::is_control) {
        return Err(EndpointError::InvalidMeetingId("Invalid meeting ID"));
    }
    Ok(id.to_owned())
}

/// The namespace of the meetings a token creates: its guid.
pub fn namespace(token_guid: Uuid) -> String {
    token_guid.to_string()
}

/// The meetingID on the backend: `<guid without dashes>-<client ID>`, or
/// `<guid without dashes>~<sha256 of the client ID>` when that would exceed 256 characters.
/// The separator tells the two forms apart, so a client ID can never pose as another's hash.
pub fn backend_meeting_id(token_guid: Uuid, client_id: &str) -> String {
    let prefix = token_guid.simple().to_string();
    let plain = format!("{prefix}-{client_id}");
    if plain.chars().count() <= MAX_ID_CHARS {
        plain
    } else {
        format!(
            "{prefix}~{}",
            hex::encode(Sha256::digest(client_id.as_bytes()))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_follow_bbb_web_rules() {
        assert_eq!(client_meeting_id(Some("  room-1 ")).unwrap(), "room-1");
        assert!(matches!(
            client_meeting_id(None),
            Err(EndpointError::MissingMeetingId)
        ));
        assert!(matches!(
            client_meeting_id(Some("   ")),
            Err(EndpointError::MissingMeetingId)
        ));
        for bad in ["a", "a,b", &"x".repeat(257), "a\u{1}b"] {
            assert!(
                matches!(
                    client_meeting_id(Some(bad)),
                    Err(EndpointError::InvalidMeetingId(_))
                ),
                "{bad:?}"
            );
        }
        assert!(client_meeting_id(Some(&"é".repeat(256))).is_ok());
    }

    #[test]
    fn backend_ids_are_namespaced_bounded_and_comma_free() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        assert_ne!(backend_meeting_id(a, "room"), backend_meeting_id(b, "room"));
        assert_eq!(
            backend_meeting_id(a, "room"),
            format!("{}-room", a.simple())
        );
        for len in [2, 100, 223, 224, 256] {
            let client = "m".repeat(len);
            let backend = backend_meeting_id(a, &client);
            assert!(backend.chars().count() <= MAX_ID_CHARS, "{len}");
            assert!(!backend.contains(','));
        }
        // Long IDs are hashed, and differ from each other and from any plain form.
        let long_one = backend_meeting_id(a, &"x".repeat(250));
        let long_two = backend_meeting_id(a, &"y".repeat(250));
        assert_ne!(long_one, long_two);
        assert_eq!(long_one.as_bytes()[32], b'~');
        let hash = &long_one[33..];
        assert_ne!(backend_meeting_id(a, hash), long_one);
    }
}
