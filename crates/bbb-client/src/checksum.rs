//! BBB request checksums (spec §1.1): `HEX(HASH(call + query + secret))`, with the hash chosen
//! by the checksum's length, and the checksum removed from the raw query by literal replacement
//! exactly as bbb-web does it. Shared by the client (signing), the simulator and the gateway
//! (verifying), so all three agree byte for byte.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

/// The hash functions BBB ≥ 2.5 accepts; the checksum's hex length says which one was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChecksumAlgorithm {
    Sha1,
    #[default]
    Sha256,
    Sha384,
    Sha512,
}

impl ChecksumAlgorithm {
    pub const ALL: [ChecksumAlgorithm; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The algorithm bbb-web picks for a submitted checksum of `len` hex characters.
    pub fn from_hex_len(len: usize) -> Option<Self> {
        match len {
            40 => Some(Self::Sha1),
            64 => Some(Self::Sha256),
            96 => Some(Self::Sha384),
            128 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Length of this algorithm's digest in hex characters.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha384 => 96,
            Self::Sha512 => 128,
        }
    }

    /// The lower-case name used in configuration (`sha1`, `sha256`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// Parses a configuration name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// Lower-case hex digest of the concatenation of `parts`.
    pub fn hex_digest(self, parts: &[&[u8]]) -> String {
        let mut digest = [0; MAX_DIGEST_BYTES];
        let mut hex = String::with_capacity(self.hex_len());
        push_lower_hex(self.digest(parts, &mut digest), &mut hex);
        hex
    }

    /// The digest of the concatenation of `parts`, written to the front of `out`.
    fn digest<'d>(self, parts: &[&[u8]], out: &'d mut [u8; MAX_DIGEST_BYTES]) -> &'d [u8] {
        fn run<'d, D: Digest>(parts: &[&[u8]], out: &'d mut [u8; MAX_DIGEST_BYTES]) -> &'d [u8] {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            let digest = hasher.finalize();
            let written = &mut out[..digest.len()];
            written.copy_from_slice(&digest);
            written
        }
        match self {
            Self::Sha1 => run::<Sha1>(parts, out),
            Self::Sha256 => run::<Sha256>(parts, out),
            Self::Sha384 => run::<Sha384>(parts, out),
            Self::Sha512 => run::<Sha512>(parts, out),
        }
    }
}

/// The longest digest, SHA-512's.
const MAX_DIGEST_BYTES: usize = 64;

/// Appends the lower-case hex of `bytes`. Every call is signed or verified at least once, and
/// the `hex` crate's encoder goes character by character through an iterator.
fn push_lower_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
}

/// The value of one hex digit, either case.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The checksum of a call: `HEX(HASH(call + query + secret))`. `query` is exactly the bytes
/// that will stand in the URL (without the checksum parameter).
pub fn checksum(algorithm: ChecksumAlgorithm, call: &str, query: &str, secret: &str) -> String {
    algorithm.hex_digest(&[call.as_bytes(), query.as_bytes(), secret.as_bytes()])
}

/// Signs the query that `url` holds from `query_start` on for `call`: appends `checksum=…`,
/// after a `&` unless the query is empty. A signed URL is so written in one buffer.
pub(crate) fn append_checksum(
    url: &mut String,
    query_start: usize,
    algorithm: ChecksumAlgorithm,
    call: &str,
    secret: &str,
) {
    let mut digest = [0; MAX_DIGEST_BYTES];
    let query = &url[query_start..];
    let digest = algorithm.digest(
        &[call.as_bytes(), query.as_bytes(), secret.as_bytes()],
        &mut digest,
    );
    if url.len() > query_start {
        url.push('&');
    }
    url.push_str("checksum=");
    push_lower_hex(digest, url);
}

/// Checks a submitted checksum against `call + query + secret`: the algorithm comes from the
/// checksum's length, hex case is ignored (bbb-web ≥ 2.5 uses `equalsIgnoreCase`), and the
/// comparison takes the same time wherever the first difference is.
pub fn verify(call: &str, query: &str, secret: &str, submitted: &str) -> bool {
    let Some(algorithm) = ChecksumAlgorithm::from_hex_len(submitted.len()) else {
        return false;
    };
    let mut expected = [0; MAX_DIGEST_BYTES];
    let expected = algorithm.digest(
        &[call.as_bytes(), query.as_bytes(), secret.as_bytes()],
        &mut expected,
    );
    // The submitted hex read back into bytes (either case): comparing bytes is comparing the
    // hex case-insensitively. A checksum that is no hex cannot match; that it is not shows
    // only in its own characters, never in the secret's digest.
    let mut given = [0; MAX_DIGEST_BYTES];
    let given = &mut given[..expected.len()];
    for (byte, pair) in given.iter_mut().zip(submitted.as_bytes().chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(high), Some(low)) => *byte = high << 4 | low,
            _ => return false,
        }
    }
    expected.ct_eq(given).into()
}

/// A raw query string split into the submitted checksum and the signed rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedQuery<'a> {
    /// The value of the `checksum` parameter, as it stood in the URL.
    pub checksum: &'a str,
    /// The raw query with the checksum removed the way bbb-web removes it: this is what was signed.
    pub signed: String,
}

/// Why a raw query carries no usable checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumParamError {
    /// No `checksum=` parameter, or an empty one.
    Missing,
    /// More than one `checksum=` parameter: rejected before anything else, as recent bbb-web
    /// does, so a second checksum can never smuggle an unsigned value through.
    Duplicate,
}

/// Finds the `checksum` parameter in a raw query string and removes it by literal replacement,
/// in bbb-web's order: `"&checksum=" + v`, else `"checksum=" + v + "&"`, else `"checksum=" + v`.
/// Nothing is decoded, re-encoded or sorted: every other byte of the query stays signed.
pub fn split_checksum(raw_query: &str) -> Result<SignedQuery<'_>, ChecksumParamError> {
    const NAME: &str = "checksum=";
    let mut found = None;
    let mut pair_start = 0;
    for pair in raw_query.split('&') {
        if let Some(value) = pair.strip_prefix(NAME) {
            if found.is_some() {
                return Err(ChecksumParamError::Duplicate);
            }
            found = Some((pair_start, value));
        }
        pair_start += pair.len() + 1;
    }
    let (at, value) = found.ok_or(ChecksumParamError::Missing)?;
    if value.is_empty() {
        return Err(ChecksumParamError::Missing);
    }
    let signed = if at > 0 {
        // `"&checksum=" + value` stands in the query exactly once: every `&checksum=` opens a
        // checksum pair, and there is one. So the replacement removes this pair and the `&`
        // before it, and nothing else.
        let end = at + NAME.len() + value.len();
        [&raw_query[..at - 1], &raw_query[end..]].concat()
    } else {
        // The checksum comes first. `"checksum=" + value + "&"` may also stand inside other
        // pairs (`x=checksum=…&`), and bbb-web's replacement removes it there too.
        let widest = format!("{NAME}{value}&");
        if raw_query.len() > widest.len() - 1 {
            raw_query.replace(&widest, "")
        } else {
            // The pair is the whole query.
            String::new()
        }
    };
    Ok(SignedQuery {
        checksum: value,
        signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
    const QUERY: &str = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";

    #[test]
    fn spec_vectors_for_every_algorithm() {
        let vectors = [
            (
                ChecksumAlgorithm::Sha1,
                "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17",
            ),
            (
                ChecksumAlgorithm::Sha256,
                "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e",
            ),
            (
                ChecksumAlgorithm::Sha384,
                "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1",
            ),
            (
                ChecksumAlgorithm::Sha512,
                "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4",
            ),
        ];
        for (algorithm, expected) in vectors {
            assert_eq!(checksum(algorithm, "create", QUERY, SECRET), expected);
            assert_eq!(expected.len(), algorithm.hex_len());
            assert_eq!(
                ChecksumAlgorithm::from_hex_len(expected.len()),
                Some(algorithm)
            );
            assert!(verify("create", QUERY, SECRET, expected));
            assert!(verify("create", QUERY, SECRET, &expected.to_uppercase()));
            assert!(!verify("create", QUERY, "other-secret", expected));
            assert!(!verify("join", QUERY, SECRET, expected));
        }
        assert_eq!(
            checksum(ChecksumAlgorithm::Sha1, "getMeetings", "", SECRET),
            "2027baa7771026e9e93392f55031535d1444c41f"
        );
    }

    #[test]
    fn wrong_lengths_never_verify() {
        let good = checksum(ChecksumAlgorithm::Sha1, "create", QUERY, SECRET);
        assert!(!verify("create", QUERY, SECRET, &good[..39]));
        assert!(!verify("create", QUERY, SECRET, &format!("{good}0")));
        assert!(!verify("create", QUERY, SECRET, ""));
    }

    #[test]
    fn checksum_is_removed_literally_wherever_it_stands() {
        let cases = [
            ("a=1&checksum=abc", "a=1"),
            ("checksum=abc&a=1", "a=1"),
            ("a=1&checksum=abc&b=2", "a=1&b=2"),
            ("checksum=abc", ""),
        ];
        for (raw, signed) in cases {
            let split = split_checksum(raw).unwrap();
            assert_eq!(split.checksum, "abc");
            assert_eq!(split.signed, signed, "{raw}");
        }
    }

    /// bbb-web's removal as it is written: three patterns tried in order, the first found
    /// replaced wherever it stands.
    fn literal_removal(raw: &str, value: &str) -> String {
        let before = format!("&checksum={value}");
        let after = format!("checksum={value}&");
        if raw.contains(&before) {
            raw.replace(&before, "")
        } else if raw.contains(&after) {
            raw.replace(&after, "")
        } else {
            raw.replace(&format!("checksum={value}"), "")
        }
    }

    #[test]
    fn removal_is_bbb_webs_literal_replacement() {
        // Queries of one to four of these pairs, in every order: the checksum first, last,
        // in between, alone, and its text standing inside other pairs too.
        let pairs = [
            "a=1",
            "checksum=abc",
            "x=checksum=abc",
            "xchecksum=abc",
            "",
            "checksum=ab",
            "z=abc",
            "checksum=abc=d",
        ];
        let mut queries: Vec<String> = pairs.iter().map(|pair| pair.to_string()).collect();
        let mut longer = queries.clone();
        for _ in 1..4 {
            longer = longer
                .iter()
                .flat_map(|query| pairs.iter().map(move |pair| format!("{query}&{pair}")))
                .collect();
            queries.extend(longer.iter().cloned());
        }
        let mut split_ok = 0;
        for query in &queries {
            if let Ok(split) = split_checksum(query) {
                split_ok += 1;
                assert_eq!(
                    split.signed,
                    literal_removal(query, split.checksum),
                    "{query}"
                );
            }
        }
        // Most queries carry two checksums; enough carry one to cover every position.
        assert!(split_ok > 500, "{split_ok} of {}", queries.len());
    }

    #[test]
    fn checksums_that_are_not_hex_never_verify() {
        let good = checksum(ChecksumAlgorithm::Sha1, "create", QUERY, SECRET);
        for at in [0, 17, 39] {
            let mut bad = good.clone().into_bytes();
            bad[at] = b'g';
            let bad = String::from_utf8(bad).unwrap();
            assert!(!verify("create", QUERY, SECRET, &bad), "{bad}");
        }
        assert!(!verify("create", QUERY, SECRET, &"z".repeat(40)));
        // Two-byte characters make the right byte length but are no hex.
        assert!(!verify("create", QUERY, SECRET, &"é".repeat(20)));
    }

    #[test]
    fn parameters_after_the_checksum_stay_signed() {
        let split = split_checksum("meetingID=x&checksum=abc&role=MODERATOR").unwrap();
        assert_eq!(split.signed, "meetingID=x&role=MODERATOR");
    }

    #[test]
    fn missing_and_duplicate_checksums_are_refused() {
        assert_eq!(split_checksum("a=1"), Err(ChecksumParamError::Missing));
        assert_eq!(split_checksum(""), Err(ChecksumParamError::Missing));
        assert_eq!(
            split_checksum("a=1&checksum="),
            Err(ChecksumParamError::Missing)
        );
        assert_eq!(
            split_checksum("checksum=abc&a=1&checksum=def"),
            Err(ChecksumParamError::Duplicate)
        );
        // `xchecksum=` is another parameter, not the checksum.
        assert_eq!(
            split_checksum("xchecksum=abc"),
            Err(ChecksumParamError::Missing)
        );
    }

    #[test]
    fn algorithm_names_round_trip() {
        for algorithm in ChecksumAlgorithm::ALL {
            assert_eq!(
                ChecksumAlgorithm::from_name(algorithm.name()),
                Some(algorithm)
            );
        }
        assert_eq!(
            ChecksumAlgorithm::from_name("SHA256"),
            Some(ChecksumAlgorithm::Sha256)
        );
        assert_eq!(ChecksumAlgorithm::from_name("md5"), None);
    }
}
