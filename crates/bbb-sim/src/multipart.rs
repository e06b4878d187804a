//! A small `multipart/form-data` reader: enough for create's form fields and
//! putRecordingTextTrack's `file` part, without pulling in a streaming parser.

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// Splits `body` into parts using the boundary of `content_type`; `None` if the body does not
/// follow the format.
pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = content_type.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
    })?;
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let start = find(body, delimiter.as_bytes())?;
    let mut rest = &body[start + delimiter.len()..];
    let mut parts = Vec::new();
    while !rest.starts_with(b"--") {
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, next_delimiter.as_bytes())?;
        parts.push(parse_part(&rest[..end])?);
        rest = &rest[end + next_delimiter.len()..];
    }
    Some(parts)
}

fn parse_part(raw: &[u8]) -> Option<Part> {
    let (headers, data) = match raw.strip_prefix(b"\r\n") {
        Some(data) => (&b""[..], data),
        None => {
            let split = find(raw, b"\r\n\r\n")?;
            (&raw[..split], &raw[split + 4..])
        }
    };
    let headers = std::str::from_utf8(headers).ok()?;
    let disposition = headers.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let attribute = |wanted: &str| {
        disposition.split(';').find_map(|param| {
            let (name, value) = param.split_once('=')?;
            (name.trim() == wanted).then(|| value.trim().trim_matches('"').to_owned())
        })
    };
    Some(Part {
        name: attribute("name")?,
        filename: attribute("filename"),
        data: data.to_vec(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    #[test]
    fn reads_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.vtt\"\r\n\
            Content-Type: text/vtt\r\n\r\nWEBVTT\r\n\r\nline\r\n--XyZ--\r\n";
        let parts = parse(TYPE, body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "a");
        assert_eq!(parts[0].data, b"1");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("t.vtt"));
        assert_eq!(parts[1].data, b"WEBVTT\r\n\r\nline");
    }

    #[test]
    fn rejects_malformed_bodies() {
        assert_eq!(parse("multipart/form-data", b"--XyZ--"), None);
        assert_eq!(parse(TYPE, b"no delimiter"), None);
        assert_eq!(
            parse(
                TYPE,
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"
            ),
            None
        );
        assert_eq!(
            parse(TYPE, b"--XyZ\r\nX: y\r\n\r\nno name\r\n--XyZ--"),
            None
        );
        assert_eq!(parse(TYPE, b"--XyZ--").unwrap(), []);
    }
}
