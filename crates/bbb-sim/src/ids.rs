//! The identifiers and timestamps bbb-web generates, in its formats.

use bbb_client::checksum::ChecksumAlgorithm;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random characters from `[a-z0-9]`: session tokens (16), auth tokens and user ids (12).
pub fn lower_alnum(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(LOWER_ALNUM[rng.random_range(0..LOWER_ALNUM.len())]))
        .collect()
}

/// A random mixed-case alphanumeric password, as bbb-web generates for a missing attendeePW or
/// moderatorPW.
pub fn password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(8)
        .map(char::from)
        .collect()
}

/// bbb-web's user id for a joining user: `w_` + 12 lower-case alphanumerics.
pub fn user_id() -> String {
    format!("w_{}", lower_alnum(12))
}

/// A random five-digit voice bridge.
pub fn voice_bridge() -> String {
    rand::rng().random_range(10_000..100_000u32).to_string()
}

pub fn sha1_hex(value: &str) -> String {
    ChecksumAlgorithm::Sha1.hex_digest(&[value.as_bytes()])
}

/// `sha1_hex(meetingID) + "-" + createTime`: the internal meeting id and the record id.
pub fn internal_meeting_id(meeting_id: &str, create_time: u64) -> String {
    format!("{}-{create_time}", sha1_hex(meeting_id))
}

/// Milliseconds since the epoch, as bbb-web's timestamps.
pub fn now_millis() -> u64 {
    u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default()
}

/// Java's `Date.toString()` in UTC, e.g. `Mon Jul 09 17:03:29 UTC 2018`.
pub fn java_date(millis: u64) -> String {
    let millis = i64::try_from(millis).unwrap_or_default();
    DateTime::<Utc>::from_timestamp_millis(millis)
        .unwrap_or_default()
        .format("%a %b %d %H:%M:%S UTC %Y")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_date_matches_the_fixture_format() {
        // createTime and createDate of fixtures/create_success_duplicateWarning.xml.
        assert_eq!(java_date(1_531_155_809_613), "Mon Jul 09 17:03:29 UTC 2018");
    }

    #[test]
    fn internal_id_is_sha1_of_the_meeting_id_plus_create_time() {
        // fixtures/create_success_duplicateWarning.xml: meetingID "Test".
        assert_eq!(
            internal_meeting_id("Test", 1_531_155_809_613),
            "640ab2bae07bedc4c163f679a746f7ab7fb5d1fa-1531155809613"
        );
    }

    #[test]
    fn generated_ids_have_bbb_shapes() {
        let token = lower_alnum(16);
        assert_eq!(token.len(), 16);
        assert!(token.bytes().all(|b| LOWER_ALNUM.contains(&b)));
        let user = user_id();
        assert!(user.starts_with("w_") && user.len() == 14);
        let pw = password();
        assert_eq!(pw.len(), 8);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
        let bridge = voice_bridge();
        assert_eq!(bridge.len(), 5);
        assert!(bridge.bytes().all(|b| b.is_ascii_digit()));
    }
}
