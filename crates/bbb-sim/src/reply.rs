//! Turning answers into HTTP responses the way bbb-web sends them: HTTP 200 with
//! `text/xml;charset=utf-8` and no XML declaration for every XML document, SUCCESS or FAILED.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use bbb_client::model::{ErrorItem, ErrorList, MessageResponse, ReturnCode};
use bbb_client::xml::to_response_xml;
use serde::Serialize;

pub const XML_CONTENT_TYPE: &str = "text/xml;charset=utf-8";
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// A failed call: a messageKey and its English message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub key: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(key: &'static str, message: impl Into<String>) -> Self {
        Self {
            key,
            message: message.into(),
        }
    }
}

/// What a handler answers.
#[derive(Debug)]
pub enum Reply {
    Xml(String),
    Json(String),
    /// HTTP 302 to this URL, with the session cookie a join sets.
    Redirect {
        location: String,
        cookie: Option<String>,
    },
    /// A non-200 status carrying a BBB error document (routing failures).
    XmlWithStatus(StatusCode, String, Option<&'static str>),
}

impl Reply {
    /// Serializes a response type from the shared model. Serialization cannot fail for the
    /// values the simulator builds, but if it ever did the client still gets a BBB document.
    pub fn xml<T: Serialize>(value: &T) -> Self {
        match to_response_xml(value) {
            Ok(body) => Self::Xml(body),
            Err(error) => {
                tracing::error!(%error, "cannot serialize a response");
                Self::failed(&Failure::new(
                    "internalError",
                    "The response could not be built.",
                ))
            }
        }
    }

    pub fn json<T: Serialize>(value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(body) => Self::Json(body),
            Err(error) => {
                tracing::error!(%error, "cannot serialize a JSON response");
                Self::failed(&Failure::new(
                    "internalError",
                    "The response could not be built.",
                ))
            }
        }
    }

    /// The `api-error.ftlx` envelope.
    pub fn failed(failure: &Failure) -> Self {
        Self::xml(&MessageResponse {
            returncode: ReturnCode::Failed,
            message_key: Some(failure.key.to_owned()),
            message: Some(failure.message.clone()),
            errors: None,
        })
    }

    /// The rare multi-error envelope (`api-errors.ftlx`).
    pub fn failed_with_errors(failures: &[Failure]) -> Self {
        let error = failures
            .iter()
            .map(|f| ErrorItem {
                key: f.key.to_owned(),
                message: f.message.clone(),
            })
            .collect();
        Self::xml(&MessageResponse {
            returncode: ReturnCode::Failed,
            message_key: None,
            message: None,
            errors: Some(ErrorList { error }),
        })
    }

    pub fn into_response(self) -> HttpResponse {
        match self {
            Self::Xml(body) => HttpResponse::Ok().content_type(XML_CONTENT_TYPE).body(body),
            Self::Json(body) => HttpResponse::Ok()
                .content_type(JSON_CONTENT_TYPE)
                .body(body),
            Self::Redirect { location, cookie } => {
                let mut response = HttpResponse::Found();
                response.insert_header((header::LOCATION, location));
                if let Some(cookie) = cookie {
                    response.insert_header((header::SET_COOKIE, cookie));
                }
                response.finish()
            }
            Self::XmlWithStatus(status, body, allow) => {
                let mut response = HttpResponse::build(status);
                if let Some(allow) = allow {
                    response.insert_header((header::ALLOW, allow));
                }
                response.content_type(XML_CONTENT_TYPE).body(body)
            }
        }
    }
}

impl From<Failure> for Reply {
    fn from(failure: Failure) -> Self {
        Self::failed(&failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_use_the_error_envelope() {
        let Reply::Xml(body) = Reply::failed(&Failure::new("notFound", "gone & away")) else {
            panic!("not XML");
        };
        assert_eq!(
            body,
            "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>\
             <message>gone &amp; away</message></response>"
        );
    }

    #[test]
    fn multi_errors_use_the_errors_envelope() {
        let failures = [Failure::new("nonUniqueVoiceBridge", "in use")];
        let Reply::Xml(body) = Reply::failed_with_errors(&failures) else {
            panic!("not XML");
        };
        assert_eq!(
            body,
            "<response><returncode>FAILED</returncode><errors><error>\
             <key>nonUniqueVoiceBridge</key><message>in use</message></error></errors></response>"
        );
    }
}
