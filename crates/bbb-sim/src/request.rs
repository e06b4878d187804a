//! The gate every API call passes: routing by call name and HTTP method, body decoding,
//! the checksum (spec §1) and the Content-Type rule, in bbb-web's order.

use actix_web::http::Method;
pub use bbb_client::catalogue::Call;
use bbb_client::catalogue::{self, BodyKind, ChecksumCheck};
use bbb_client::checksum::{self, ChecksumAlgorithm, ChecksumParamError};

use crate::multipart;
use crate::params::Params;
use crate::reply::Failure;

/// What reaches a call handler once the request passed the gate.
#[derive(Debug, Default)]
pub struct ApiRequest {
    /// URL parameters, then form-body parameters.
    pub params: Params,
    /// An XML body (create pre-upload, insertDocument).
    pub xml_body: Option<String>,
    /// File parts of a multipart body.
    pub files: Vec<multipart::Part>,
}

/// Why a request was turned away before its handler ran.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The call is not routed for this method; carries the `Allow` header value.
    WrongMethod(&'static str),
    /// An XML `FAILED` answer.
    Failed(Failure),
    /// A JSON `FAILED` answer (putRecordingTextTrack without checksum).
    JsonFailed(Failure),
}

/// The parts of an HTTP request the gate looks at.
pub struct RawRequest<'a> {
    pub method: &'a Method,
    pub query: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// How the server checks checksums.
pub struct ChecksumPolicy<'a> {
    pub secret: &'a str,
    pub algorithms: &'a [ChecksumAlgorithm],
}

/// Runs the gate for `call`: method, body, checksum, Content-Type.
pub fn admit(
    call: Call,
    raw: &RawRequest<'_>,
    policy: &ChecksumPolicy<'_>,
) -> Result<ApiRequest, Rejection> {
    check_method(call, raw.method)?;
    let url_params = Params::parse(raw.query);
    let is_post = raw.method == Method::POST;
    let has_body = is_post && !raw.body.is_empty();
    let body_kind = raw.content_type.and_then(BodyKind::of);

    let mut request = ApiRequest::default();
    let mut body_params = Params::default();
    if has_body {
        match body_kind {
            Some(BodyKind::Form) => {
                body_params = Params::parse(&String::from_utf8_lossy(raw.body));
            }
            Some(BodyKind::Multipart) => {
                let parts = multipart::parse(raw.content_type.unwrap_or_default(), raw.body)
                    .unwrap_or_default();
                for part in parts {
                    if part.filename.is_some() {
                        request.files.push(part);
                    } else if let Ok(value) = String::from_utf8(part.data) {
                        body_params.push(part.name, value);
                    }
                }
            }
            Some(BodyKind::Xml) => {
                request.xml_body = Some(String::from_utf8_lossy(raw.body).into_owned());
            }
            None => {}
        }
    }

    check_checksum(call, raw.query, &url_params, &body_params, policy)?;

    if has_body && !body_kind.is_some_and(|kind| call.body_kinds().contains(&kind)) {
        let (key, message) = catalogue::UNSUPPORTED_CONTENT_TYPE;
        return Err(Rejection::Failed(Failure::new(key, message)));
    }

    request.params = url_params;
    request.params.extend(body_params);
    Ok(request)
}

fn check_method(call: Call, method: &Method) -> Result<(), Rejection> {
    // The servlet container answers HEAD as it answers GET (without the body).
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    let methods = call.methods();
    if methods.allows(method.as_str()) {
        Ok(())
    } else {
        Err(Rejection::WrongMethod(methods.allow_header()))
    }
}

fn check_checksum(
    call: Call,
    query: &str,
    url_params: &Params,
    body_params: &Params,
    policy: &ChecksumPolicy<'_>,
) -> Result<(), Rejection> {
    if policy.secret.is_empty() {
        // bbb-web with an empty securitySalt: "Security is disabled in this service".
        return Ok(());
    }
    let style = call.checksum_check();
    let mismatch = || Rejection::Failed(mismatch_failure(style));
    let (submitted, signed) = match checksum::split_checksum(query) {
        Ok(split) if !body_params.contains("checksum") => (split.checksum.to_owned(), split.signed),
        Ok(_) | Err(ChecksumParamError::Duplicate) => return Err(mismatch()),
        Err(ChecksumParamError::Missing) => match body_params.non_empty("checksum") {
            Some(value) if !url_params.contains("checksum") => (value.to_owned(), query.to_owned()),
            _ => return Err(missing(style)),
        },
    };
    // A parameter sent both in the URL and in the body breaks the checksum (spec §1.2).
    if body_params.names().any(|name| url_params.contains(name)) {
        return Err(mismatch());
    }
    let Some(algorithm) =
        ChecksumAlgorithm::from_hex_len(submitted.len()).filter(|a| policy.algorithms.contains(a))
    else {
        return Err(mismatch());
    };
    let valid = if style == ChecksumCheck::Hooks {
        // bbb-webhooks compares with `===`: upper-case hex does not pass.
        checksum::checksum(algorithm, call.name(), &signed, policy.secret) == submitted
    } else {
        checksum::verify(call.name(), &signed, policy.secret, &submitted)
    };
    if valid { Ok(()) } else { Err(mismatch()) }
}

fn missing(style: ChecksumCheck) -> Rejection {
    match style {
        ChecksumCheck::Validation => Rejection::Failed(Failure::new(
            ChecksumCheck::MESSAGE_KEY,
            ChecksumCheck::MISSING_MESSAGE,
        )),
        ChecksumCheck::TextTrackUpload => {
            Rejection::JsonFailed(Failure::new("paramError", "Missing param checksum."))
        }
        ChecksumCheck::Recording | ChecksumCheck::Hooks => {
            Rejection::Failed(mismatch_failure(style))
        }
    }
}

fn mismatch_failure(style: ChecksumCheck) -> Failure {
    Failure::new(ChecksumCheck::MESSAGE_KEY, style.mismatch_message())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bbb_client::checksum::checksum;

    const SECRET: &str = "s3cret";

    fn policy() -> ChecksumPolicy<'static> {
        ChecksumPolicy {
            secret: SECRET,
            algorithms: &ChecksumAlgorithm::ALL,
        }
    }

    fn signed(call: Call, query: &str, algorithm: ChecksumAlgorithm) -> String {
        let sum = checksum(algorithm, call.name(), query, SECRET);
        if query.is_empty() {
            format!("checksum={sum}")
        } else {
            format!("{query}&checksum={sum}")
        }
    }

    fn get(call: Call, query: &str) -> Result<ApiRequest, Rejection> {
        let raw = RawRequest {
            method: &Method::GET,
            query,
            content_type: None,
            body: b"",
        };
        admit(call, &raw, &policy())
    }

    fn post(call: Call, query: &str, ct: &str, body: &[u8]) -> Result<ApiRequest, Rejection> {
        let raw = RawRequest {
            method: &Method::POST,
            query,
            content_type: Some(ct),
            body,
        };
        admit(call, &raw, &policy())
    }

    fn key(result: Result<ApiRequest, Rejection>) -> (&'static str, String) {
        match result {
            Err(Rejection::Failed(f)) => (f.key, f.message),
            other => panic!("expected an XML failure, got {other:?}"),
        }
    }

    #[test]
    fn every_algorithm_passes_and_params_are_decoded() {
        for algorithm in ChecksumAlgorithm::ALL {
            let query = signed(Call::GetMeetingInfo, "meetingID=a+b", algorithm);
            let request = get(Call::GetMeetingInfo, &query).unwrap();
            assert_eq!(request.params.get("meetingID"), Some("a b"));
        }
    }

    #[test]
    fn unsupported_algorithms_are_refused() {
        let policy = ChecksumPolicy {
            secret: SECRET,
            algorithms: &[ChecksumAlgorithm::Sha256],
        };
        let query = signed(Call::GetMeetings, "", ChecksumAlgorithm::Sha1);
        let raw = RawRequest {
            method: &Method::GET,
            query: &query,
            content_type: None,
            body: b"",
        };
        assert!(matches!(
            admit(Call::GetMeetings, &raw, &policy),
            Err(Rejection::Failed(_))
        ));
    }

    #[test]
    fn checksum_errors_use_each_code_paths_text() {
        assert_eq!(
            key(get(Call::GetMeetings, "")),
            ("checksumError", "You must provide the checksum".into())
        );
        assert_eq!(
            key(get(Call::GetMeetings, "checksum=abc")),
            ("checksumError", "Checksums do not match".into())
        );
        assert_eq!(
            key(get(Call::GetRecordings, "")),
            (
                "checksumError",
                "You did not pass the checksum security check".into()
            )
        );
        assert_eq!(
            key(get(Call::HooksList, "")),
            (
                "checksumError",
                "You did not pass the checksum security check.".into()
            )
        );
        assert_eq!(
            post(
                Call::PutRecordingTextTrack,
                "recordID=x",
                "multipart/form-data; boundary=b",
                b""
            )
            .unwrap_err(),
            Rejection::JsonFailed(Failure::new("paramError", "Missing param checksum."))
        );
    }

    #[test]
    fn upper_case_hex_passes_except_for_hooks() {
        let upper = |call: Call| {
            let sum = checksum(ChecksumAlgorithm::Sha1, call.name(), "", SECRET).to_uppercase();
            format!("checksum={sum}")
        };
        assert!(get(Call::GetMeetings, &upper(Call::GetMeetings)).is_ok());
        assert!(get(Call::HooksList, &upper(Call::HooksList)).is_err());
        assert!(
            get(
                Call::HooksList,
                &signed(Call::HooksList, "", ChecksumAlgorithm::Sha1)
            )
            .is_ok()
        );
    }

    #[test]
    fn duplicate_checksums_and_wrong_lengths_fail() {
        let good = signed(Call::GetMeetings, "", ChecksumAlgorithm::Sha1);
        assert_eq!(
            key(get(Call::GetMeetings, &format!("{good}&{good}"))).0,
            "checksumError"
        );
        assert_eq!(
            key(get(Call::GetMeetings, &good[..good.len() - 1])).0,
            "checksumError"
        );
    }

    #[test]
    fn methods_are_routed_as_in_bbb_web() {
        let query = signed(Call::Join, "", ChecksumAlgorithm::Sha1);
        assert_eq!(
            post(Call::Join, &query, "application/x-www-form-urlencoded", b"").unwrap_err(),
            Rejection::WrongMethod("GET")
        );
        assert_eq!(
            get(Call::InsertDocument, "").unwrap_err(),
            Rejection::WrongMethod("POST")
        );
    }

    #[test]
    fn form_bodies_are_merged_but_not_signed() {
        let query = signed(Call::Create, "meetingID=m1", ChecksumAlgorithm::Sha256);
        let form = "application/x-www-form-urlencoded";
        let request = post(Call::Create, &query, form, b"name=Room+1").unwrap();
        assert_eq!(request.params.get("name"), Some("Room 1"));
        assert_eq!(request.params.get("meetingID"), Some("m1"));

        // Everything in the body, checksum included: the signed string is just call + secret.
        let sum = checksum(ChecksumAlgorithm::Sha1, "create", "", SECRET);
        let body = format!("meetingID=m1&checksum={sum}");
        assert!(post(Call::Create, "", form, body.as_bytes()).is_ok());

        // The same parameter in the URL and the body breaks the checksum.
        let dup = post(Call::Create, &query, form, b"meetingID=m2");
        assert_eq!(key(dup), ("checksumError", "Checksums do not match".into()));
    }

    #[test]
    fn bodies_need_an_allowed_content_type() {
        let query = signed(Call::GetMeetings, "", ChecksumAlgorithm::Sha1);
        assert_eq!(
            key(post(Call::GetMeetings, &query, "application/json", b"{}")).0,
            "unsupportedContentType"
        );
        let query = signed(
            Call::InsertDocument,
            "meetingID=m1",
            ChecksumAlgorithm::Sha1,
        );
        let form = "application/x-www-form-urlencoded";
        assert_eq!(
            key(post(Call::InsertDocument, &query, form, b"a=1")).0,
            "unsupportedContentType"
        );
        let xml = post(
            Call::InsertDocument,
            &query,
            "text/xml; charset=utf-8",
            b"<modules/>",
        );
        assert_eq!(xml.unwrap().xml_body.as_deref(), Some("<modules/>"));
        // An empty body needs no Content-Type.
        assert!(post(Call::GetMeetings, &query_for(Call::GetMeetings), "", b"").is_ok());
    }

    fn query_for(call: Call) -> String {
        signed(call, "", ChecksumAlgorithm::Sha1)
    }

    #[test]
    fn an_empty_secret_disables_checks() {
        let policy = ChecksumPolicy {
            secret: "",
            algorithms: &ChecksumAlgorithm::ALL,
        };
        let raw = RawRequest {
            method: &Method::GET,
            query: "",
            content_type: None,
            body: b"",
        };
        assert!(admit(Call::GetMeetings, &raw, &policy).is_ok());
    }

    #[test]
    fn head_is_answered_like_get() {
        let head = |call: Call, query: &str| {
            let raw = RawRequest {
                method: &Method::HEAD,
                query,
                content_type: None,
                body: b"",
            };
            admit(call, &raw, &policy())
        };
        let query = signed(Call::Join, "", ChecksumAlgorithm::Sha1);
        assert!(head(Call::Join, &query).is_ok());
        assert_eq!(
            head(Call::InsertDocument, "").unwrap_err(),
            Rejection::WrongMethod("POST")
        );
    }

    #[test]
    fn multipart_form_bodies_are_merged_but_not_signed() {
        let query = signed(Call::GetMeetingInfo, "", ChecksumAlgorithm::Sha1);
        let body =
            b"--b\r\nContent-Disposition: form-data; name=\"meetingID\"\r\n\r\nm1\r\n--b--\r\n";
        let request = post(
            Call::GetMeetingInfo,
            &query,
            "multipart/form-data; boundary=b",
            body,
        )
        .unwrap();
        assert_eq!(request.params.get("meetingID"), Some("m1"));
    }
}
