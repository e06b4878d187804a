//! Every request gets an id — the client's `X-Request-Id` when it is a sane token, a fresh UUID
//! otherwise — carried by a tracing span around its handling (so every log line it causes
//! names it) and returned in the `X-Request-Id` response header.
//!
//! The access log line ("request answered", with status and time) is written for every
//! request, a sample, or none (`log.access`): at 800k BBB calls a day, every request is
//! 150 MB of log. It names the path only: query strings carry BBB checksums and GraphQL
//! variables, which must never reach a log. The request's span stays whatever the access log
//! does, so that the lines a request causes still name its id.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{
        StatusCode,
        header::{HeaderName, HeaderValue},
    },
    middleware::Next,
    web,
};
use tracing::Instrument;

use crate::config::{AccessLogMode, LogConfig};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longer ids than this are replaced: they only bloat the logs.
const MAX_CLIENT_ID_LEN: usize = 64;

/// Which answered requests get an access log line. One per server, shared by its workers.
#[derive(Debug)]
pub struct AccessLog {
    mode: AccessLogMode,
    one_in: u64,
    /// Answers seen that the sample may pick (those without an error status).
    sampled: AtomicU64,
}

impl AccessLog {
    pub fn new(config: &LogConfig) -> Self {
        AccessLog {
            mode: config.access,
            one_in: u64::from(config.access_one_in.max(1)),
            sampled: AtomicU64::new(0),
        }
    }

    /// Whether any answer may get a line, known before the request is handled (then its
    /// time is measured).
    fn enabled(&self) -> bool {
        self.mode != AccessLogMode::Off
    }

    /// Whether the answer with `status` gets a line: every error when sampling (they are few
    /// and each may matter) — an error status, or a BBB endpoint's `FAILED` answer (`failed`),
    /// which is an HTTP 200 as BBB's — and every `one_in`-th of the others: a counter, not a
    /// random draw, so that the share is exact and costs one atomic addition.
    fn records(&self, status: StatusCode, failed: bool) -> bool {
        match self.mode {
            AccessLogMode::All => true,
            AccessLogMode::Off => false,
            AccessLogMode::Sampled => {
                failed
                    || status.is_client_error()
                    || status.is_server_error()
                    || self
                        .sampled
                        .fetch_add(1, Ordering::Relaxed)
                        .is_multiple_of(self.one_in)
            }
        }
    }
}

pub async fn middleware(
    access_log: web::Data<AccessLog>,
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_acceptable(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.path(),
    );
    let started = access_log.enabled().then(Instant::now);
    let mut response = next.call(request).instrument(span.clone()).await?;
    if let Some(started) = started
        && access_log.records(
            response.status(),
            response
                .response()
                .extensions()
                .contains::<bbb_endpoint::FailedOutcome>(),
        )
    {
        span.in_scope(|| {
            tracing::info!(
                status = response.status().as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request answered"
            );
        });
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

/// Letters, digits and `-_.:` only, so that a client cannot forge log lines with it.
fn is_acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_LEN
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access_log(mode: AccessLogMode, one_in: u32) -> AccessLog {
        AccessLog::new(&LogConfig {
            access: mode,
            access_one_in: one_in,
            ..LogConfig::default()
        })
    }

    #[test]
    fn the_access_log_takes_all_none_or_errors_and_every_nth_other_answer() {
        let all = access_log(AccessLogMode::All, 3);
        assert!(all.enabled());
        assert!((0..5).all(|_| all.records(StatusCode::OK, false)));

        let off = access_log(AccessLogMode::Off, 3);
        assert!(!off.enabled());
        assert!(!off.records(StatusCode::INTERNAL_SERVER_ERROR, false));

        let sampled = access_log(AccessLogMode::Sampled, 3);
        assert!(sampled.enabled());
        let picked: Vec<bool> = (0..7)
            .map(|_| sampled.records(StatusCode::OK, false))
            .collect();
        assert_eq!(picked, [true, false, false, true, false, false, true]);
        // Errors always, and without taking a turn of the sample.
        for status in [StatusCode::NOT_FOUND, StatusCode::BAD_GATEWAY] {
            assert!(sampled.records(status, false));
        }
        assert!(!sampled.records(StatusCode::OK, false));
        // A BBB FAILED answer (HTTP 200) too, without taking a turn either.
        assert!(sampled.records(StatusCode::OK, true));
        assert!(!sampled.records(StatusCode::OK, false));

        let every = access_log(AccessLogMode::Sampled, 1);
        assert!((0..5).all(|_| every.records(StatusCode::NO_CONTENT, false)));
    }

    #[test]
    fn only_plain_ids_are_taken_from_clients() {
        assert!(is_acceptable("3f2a-11:req.7_x"));
        assert!(!is_acceptable(""));
        assert!(!is_acceptable("a b"));
        assert!(!is_acceptable("line\nbreak"));
        assert!(!is_acceptable(&"x".repeat(65)));
    }
}
