//! Building answers the way bbb-web sends them: XML without declaration, `text/xml`, HTTP 200;
//! JSON for the text-track calls.

use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use bbb_client::model::{ErrorItem, ErrorList, MessageResponse, ReturnCode, VersionResponse};
use serde::Serialize;

const XML: &str = "text/xml;charset=utf-8";
const JSON: &str = "application/json;charset=utf-8";

/// A BBB document as the answer. Serialising our own model types cannot fail in practice; if
/// it ever did, the client still gets a `FAILED` document.
pub fn xml<T: Serialize>(document: &T) -> HttpResponse {
    match bbb_client::xml::to_response_xml(document) {
        Ok(body) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, XML))
            .body(body),
        Err(error) => {
            tracing::error!(%error, "cannot serialise a BBB answer");
            failed("internalError", "An internal error occurred.", &[])
        }
    }
}

/// A BBB document already serialised as [`xml`] would serialise it.
pub fn xml_bytes(body: bytes::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, XML))
        .body(body)
}

/// The `FAILED` envelope; with more than one error, bbb-web's multi-error form (spec §0).
pub fn failed(key: &str, message: &str, errors: &[ErrorItem]) -> HttpResponse {
    let document = if errors.len() > 1 {
        MessageResponse {
            returncode: ReturnCode::Failed,
            errors: Some(ErrorList {
                error: errors.to_vec(),
            }),
            ..MessageResponse::default()
        }
    } else {
        MessageResponse {
            returncode: ReturnCode::Failed,
            message_key: Some(key.to_owned()),
            message: Some(message.to_owned()),
            errors: None,
        }
    };
    match bbb_client::xml::to_response_xml(&document) {
        Ok(body) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, XML))
            .body(body),
        // Only reachable if quick-xml cannot write three plain elements.
        Err(_) => HttpResponse::Ok().insert_header((CONTENT_TYPE, XML)).body(
            "<response><returncode>FAILED</returncode><messageKey>internalError</messageKey>\
             <message>An internal error occurred.</message></response>",
        ),
    }
}

/// A JSON answer (getRecordingTextTracks, putRecordingTextTrack).
pub fn json(body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, JSON))
        .body(body)
}

/// The messageKey of a `FAILED` answer (an HTTP 200, as BBB's), kept on the response's
/// extensions: for the request metrics, and for whoever serves the endpoint (the gateway's
/// access log counts the answer as an error). The text-track calls' JSON failures get it here,
/// every [`EndpointError`](crate::EndpointError) where the request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedOutcome(pub &'static str);

/// The JSON failure of the text-track calls: `{"response":{"returncode":"FAILED",…}}`.
pub fn json_failed(key: &str, message: &str) -> HttpResponse {
    let mut response = json(
        serde_json::json!({
            "response": {"returncode": "FAILED", "messageKey": key, "message": message}
        })
        .to_string(),
    );
    response
        .extensions_mut()
        .insert(FailedOutcome(crate::error::outcome_of_key(key)));
    response
}

/// `GET /bigbluebutton/api`: the version document, which needs no checksum.
pub fn version() -> HttpResponse {
    xml(&VersionResponse {
        returncode: ReturnCode::Success,
        version: "2.0".to_owned(),
        api_version: Some("2.0".to_owned()),
        ..VersionResponse::default()
    })
}
