//! `multipart/form-data` request bodies (RFC 7578) for uploads: putRecordingTextTrack sends
//! its track as a `file` part. The whole body is built in memory: uploads are subtitle files,
//! and the transport sends bodies of known length.

use bytes::{BufMut, Bytes, BytesMut};

use crate::client::RawBody;
use crate::error::Error;

/// One file field of a form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilePart<'a> {
    /// The form field's name (`file`).
    pub(crate) name: &'a str,
    pub(crate) file_name: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) content: &'a [u8],
}

/// The boundary is this plus the first number that makes it occur nowhere in the parts, so the
/// same form always encodes to the same bytes and a delimiter never shows up inside a part.
const BOUNDARY_PREFIX: &str = "bbb-client-form-boundary-";

/// Encodes `parts` as a `multipart/form-data` body. [`Error::InvalidInput`] if a content type
/// is no MIME type (it is sent as a header line of its part).
pub(crate) fn encode(parts: &[FilePart<'_>]) -> Result<RawBody, Error> {
    let headers = parts
        .iter()
        .map(part_headers)
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = (0..=u64::MAX)
        .map(|n| format!("{BOUNDARY_PREFIX}{n}"))
        .find(|boundary| {
            let boundary = boundary.as_bytes();
            parts.iter().zip(&headers).all(|(part, headers)| {
                !contains(part.content, boundary) && !contains(headers.as_bytes(), boundary)
            })
        })
        // Running out takes a body holding every one of 2^64 boundaries, which no body that
        // fits in memory does.
        .ok_or_else(|| Error::InvalidInput("no multipart boundary fits the upload".into()))?;

    let size = parts
        .iter()
        .zip(&headers)
        .map(|(part, headers)| boundary.len() + headers.len() + part.content.len() + 8)
        .sum::<usize>()
        + boundary.len()
        + 6;
    let mut body = BytesMut::with_capacity(size);
    for (part, headers) in parts.iter().zip(&headers) {
        body.put_slice(b"--");
        body.put_slice(boundary.as_bytes());
        body.put_slice(b"\r\n");
        body.put_slice(headers.as_bytes());
        body.put_slice(b"\r\n");
        body.put_slice(part.content);
        body.put_slice(b"\r\n");
    }
    body.put_slice(b"--");
    body.put_slice(boundary.as_bytes());
    body.put_slice(b"--\r\n");
    Ok(RawBody {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        bytes: Bytes::from(body),
    })
}

/// The header lines of one part, each ending with CRLF.
fn part_headers(part: &FilePart<'_>) -> Result<String, Error> {
    if !is_mime_type(part.content_type) {
        return Err(Error::InvalidInput(format!(
            "{:?} is not a MIME type",
            part.content_type
        )));
    }
    Ok(format!(
        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n",
        quoted(part.name),
        quoted(part.file_name),
        part.content_type
    ))
}

/// A name or file name inside double quotes, escaped as browsers do (WHATWG HTML's form
/// encoding): `"`, CR and LF percent-encoded, everything else (UTF-8 included) as it is.
/// Servers' multipart parsers (bbb-web's among them) read this form; RFC 5987's `filename*`
/// is not universally understood.
fn quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `type/subtype` with optional `; parameters`, all printable ASCII: what may follow
/// `Content-Type:` without changing the meaning of the lines around it.
fn is_mime_type(text: &str) -> bool {
    let essence = text.split_once(';').map_or(text, |(essence, _)| essence);
    let Some((kind, subtype)) = essence.trim().split_once('/') else {
        return false;
    };
    is_token(kind)
        && is_token(subtype)
        && text
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// An RFC 9110 token: what a MIME type and subtype are made of.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(content: &[u8]) -> FilePart<'_> {
        FilePart {
            name: "file",
            file_name: "en.vtt",
            content_type: "text/vtt",
            content,
        }
    }

    #[test]
    fn one_file_part_byte_for_byte() {
        let body = encode(&[track(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")]).unwrap();
        assert_eq!(
            body.content_type,
            "multipart/form-data; boundary=bbb-client-form-boundary-0"
        );
        assert_eq!(
            body.bytes,
            &b"--bbb-client-form-boundary-0\r\n\
               Content-Disposition: form-data; name=\"file\"; filename=\"en.vtt\"\r\n\
               Content-Type: text/vtt\r\n\
               \r\n\
               WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n\r\n\
               --bbb-client-form-boundary-0--\r\n"[..]
        );
    }

    #[test]
    fn several_parts_share_one_boundary() {
        let body = encode(&[
            track(b"one"),
            FilePart {
                name: "other",
                file_name: "b.srt",
                content_type: "application/x-subrip",
                content: b"two",
            },
        ])
        .unwrap();
        let text = std::str::from_utf8(&body.bytes).unwrap();
        assert_eq!(text.matches("--bbb-client-form-boundary-0\r\n").count(), 2);
        assert!(text.ends_with("\r\ntwo\r\n--bbb-client-form-boundary-0--\r\n"));
        assert!(text.contains("name=\"other\"; filename=\"b.srt\"\r\n"));
    }

    #[test]
    fn the_boundary_never_occurs_in_the_content() {
        let content = b"--bbb-client-form-boundary-0 and bbb-client-form-boundary-1";
        let body = encode(&[track(content)]).unwrap();
        assert!(
            body.content_type
                .ends_with("boundary=bbb-client-form-boundary-2"),
            "{}",
            body.content_type
        );
    }

    #[test]
    fn quotes_and_line_breaks_in_names_cannot_break_out() {
        let body = encode(&[FilePart {
            file_name: "a\"b\r\nX-Evil: 1.vtt",
            ..track(b"x")
        }])
        .unwrap();
        let text = std::str::from_utf8(&body.bytes).unwrap();
        assert!(
            text.contains("filename=\"a%22b%0D%0AX-Evil: 1.vtt\"\r\n"),
            "{text}"
        );
        let utf8 = encode(&[FilePart {
            file_name: "Português.vtt",
            ..track(b"x")
        }])
        .unwrap();
        assert!(
            std::str::from_utf8(&utf8.bytes)
                .unwrap()
                .contains("filename=\"Português.vtt\"")
        );
    }

    #[test]
    fn content_types_must_be_mime_types() {
        for good in [
            "text/vtt",
            "text/plain; charset=utf-8",
            "application/x-subrip",
        ] {
            assert!(
                encode(&[FilePart {
                    content_type: good,
                    ..track(b"x")
                }])
                .is_ok(),
                "{good}"
            );
        }
        for bad in [
            "",
            "text",
            "/vtt",
            "text/",
            "te xt/vtt",
            "text/vtt\r\nX-Evil: 1",
            "tëxt/vtt",
        ] {
            assert!(
                matches!(
                    encode(&[FilePart {
                        content_type: bad,
                        ..track(b"x")
                    }]),
                    Err(Error::InvalidInput(_))
                ),
                "{bad:?}"
            );
        }
    }
}
