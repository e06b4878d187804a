//! Property tests (proptest) of what the BBB endpoint parses before it trusts anything: query
//! decoding, the checksum's removal and its verification. Arbitrary input never panics, a
//! duplicated checksum is always refused, a signed query always verifies and any change to it
//! never does. `PROPTEST_CASES` sets the number of cases (256 by default; CI runs more).

use bbb_client::Params;
use bbb_client::checksum::{
    ChecksumAlgorithm, ChecksumParamError, checksum, split_checksum, verify,
};
use proptest::prelude::*;

/// Names and values as integrations send them, and as attackers do: any character, including
/// the query's own `&`, `=`, `+`, `%` and the letters of `checksum`.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{0,12}",
        "[&=+%;#?/ a-z]{0,6}",
        "(checksum|check|sum|=|&)*",
        any::<String>(),
    ]
}

/// Parameters other than `checksum` (which the client adds last).
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    let pair = (text(), text()).prop_filter("not the checksum", |(name, _)| name != "checksum");
    prop::collection::vec(pair, 0..8)
}

fn algorithm() -> impl Strategy<Value = ChecksumAlgorithm> {
    prop::sample::select(ChecksumAlgorithm::ALL.to_vec())
}

/// A raw query of the given parameters, encoded as clients encode them.
fn query_of(pairs: &[(String, String)]) -> String {
    pairs.iter().cloned().collect::<Params>().to_query()
}

proptest! {
    #[test]
    fn any_query_string_parses_without_panicking(raw in any::<String>()) {
        let params = Params::from_query(&raw);
        prop_assert!(params.len() <= raw.split('&').count());
        let _ = split_checksum(&raw);
        let _ = verify("create", &raw, "secret", &raw);
    }

    #[test]
    fn any_bytes_as_a_query_parse_without_panicking(raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let raw = String::from_utf8_lossy(&raw);
        let _ = Params::from_query(&raw);
        let _ = split_checksum(&raw);
    }

    #[test]
    fn encoded_parameters_decode_to_themselves(pairs in params()) {
        let decoded = Params::from_query(&query_of(&pairs));
        let decoded: Vec<(String, String)> = decoded
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        prop_assert_eq!(decoded, pairs);
    }

    #[test]
    fn a_signed_query_verifies_in_any_hex_case_and_wherever_the_checksum_stands(
        pairs in params(),
        secret in "[ -~]{1,40}",
        algorithm in algorithm(),
        call in "[a-zA-Z]{1,20}",
        first in any::<bool>(),
    ) {
        let query = query_of(&pairs);
        let sum = checksum(algorithm, &call, &query, &secret);
        let raw = match (query.is_empty(), first) {
            (true, _) => format!("checksum={sum}"),
            (false, false) => format!("{query}&checksum={sum}"),
            (false, true) => format!("checksum={sum}&{query}"),
        };
        let split = split_checksum(&raw);
        // A checksum-looking pair inside the encoded parameters cannot be: `=` is encoded.
        prop_assert!(split.is_ok(), "{:?}", split);
        let split = split.unwrap();
        prop_assert_eq!(split.checksum, sum.as_str());
        prop_assert_eq!(&split.signed, &query);
        prop_assert!(verify(&call, &split.signed, &secret, split.checksum));
        prop_assert!(verify(&call, &split.signed, &secret, &sum.to_uppercase()));
    }

    #[test]
    fn any_change_to_a_signed_query_fails_verification(
        pairs in params(),
        secret in "[ -~]{1,40}",
        algorithm in algorithm(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        change in 0..5u8,
    ) {
        let query = query_of(&pairs);
        let sum = checksum(algorithm, "join", &query, &secret);
        // One byte changed, added or removed in the query, the checksum, the call or the
        // secret: none of them verifies (a change that leaves the text as it was is none).
        let mut tampered = query.clone().into_bytes();
        let mut tampered_sum = sum.clone().into_bytes();
        let mut call = String::from("join");
        let mut key = secret.clone();
        match change {
            0 if !tampered.is_empty() => {
                let at = at.index(tampered.len());
                tampered[at] = byte;
            }
            1 => tampered.insert(at.index(tampered.len() + 1), byte),
            2 if !tampered.is_empty() => {
                tampered.remove(at.index(tampered.len()));
            }
            3 => {
                let at = at.index(tampered_sum.len());
                tampered_sum[at] = b"0123456789abcdefX"[usize::from(byte % 17)];
            }
            _ => {
                if byte % 2 == 0 {
                    call.push('s');
                } else {
                    key.push(char::from(b'!' + byte % 90));
                }
            }
        }
        let tampered = String::from_utf8_lossy(&tampered).into_owned();
        let tampered_sum = String::from_utf8(tampered_sum).unwrap();
        let unchanged = tampered == query
            && tampered_sum.eq_ignore_ascii_case(&sum)
            && call == "join"
            && key == secret;
        prop_assert_eq!(verify(&call, &tampered, &key, &tampered_sum), unchanged);
    }

    #[test]
    fn a_second_checksum_anywhere_is_refused(
        pairs in params(),
        first in "[0-9a-f]{1,128}",
        second in "[0-9a-zA-Z%]{0,128}",
        at in any::<prop::sample::Index>(),
    ) {
        let mut parts: Vec<String> = if pairs.is_empty() {
            Vec::new()
        } else {
            query_of(&pairs).split('&').map(str::to_owned).collect()
        };
        parts.push(format!("checksum={first}"));
        parts.insert(at.index(parts.len() + 1), format!("checksum={second}"));
        let raw = parts.join("&");
        prop_assert_eq!(split_checksum(&raw), Err(ChecksumParamError::Duplicate));
    }

    #[test]
    fn a_query_without_a_checksum_pair_has_none(pairs in params()) {
        let query = query_of(&pairs);
        prop_assert_eq!(split_checksum(&query), Err(ChecksumParamError::Missing));
    }
}
