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
        fn run<D: Digest>(parts: &[&[u8]]) -> String {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            lower_hex(&hasher.finalize())
        }
        match self {
            Self::Sha1 => run::<Sha1>(parts),
            Self::Sha256 => run::<Sha256>(parts),
            Self::Sha384 => run::<Sha384>(parts),
            Self::Sha512 => run::<Sha512>(parts),
        }
    }
}

/// Lower-case hex of `bytes`. Every call is signed or verified at least once, and the `hex`
/// crate's encoder goes character by character through an iterator.
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// The checksum of a call: `HEX(HASH(call + query + secret))`. `query` is exactly the bytes
/// that will stand in the URL (without the checksum parameter).
pub fn checksum(algorithm: ChecksumAlgorithm, call: &str, query: &str, secret: &str) -> String {
    algorithm.hex_digest(&[call.as_bytes(), query.as_bytes(), secret.as_bytes()])
}

/// Checks a submitted checksum against `call + query + secret`: the algorithm comes from the
/// checksum's length, hex case is ignored (bbb-web ≥ 2.5 uses `equalsIgnoreCase`), and the
/// comparison takes the same time wherever the first difference is.
pub fn verify(call: &str, query: &str, secret: &str, submitted: &str) -> bool {
    let Some(algorithm) = ChecksumAlgorithm::from_hex_len(submitted.len()) else {
        return false;
    };
    let expected = checksum(algorithm, call, query, secret);
    let submitted = submitted.to_ascii_lowercase();
    expected.as_bytes().ct_eq(submitted.as_bytes()).into()
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
    let mut found = raw_query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("checksum="));
    let value = found.next().ok_or(ChecksumParamError::Missing)?;
    if found.next().is_some() {
        return Err(ChecksumParamError::Duplicate);
    }
    if value.is_empty() {
        return Err(ChecksumParamError::Missing);
    }
    // The three patterns are slices of one string: "&checksum=" + value + "&".
    let widest = format!("&checksum={value}&");
    let with_amp_before = &widest[..widest.len() - 1];
    let with_amp_after = &widest[1..];
    let bare = &widest[1..widest.len() - 1];
    let signed = if raw_query.contains(with_amp_before) {
        raw_query.replace(with_amp_before, "")
    } else if raw_query.contains(with_amp_after) {
        raw_query.replace(with_amp_after, "")
    } else {
        raw_query.replace(bare, "")
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
