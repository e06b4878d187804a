//! Refusals of requests that never reach GraphQL execution, shaped like GraphQL responses:
//! `{"errors": [{"message": …, "extensions": {"code": …}}]}`.

use actix_web::{HttpResponse, http::StatusCode};

use crate::error::GatewayError;

pub fn response(status: StatusCode, error: &GatewayError) -> HttpResponse {
    let body = async_graphql::Response::from_errors(vec![error.to_server_error()]);
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header(("WWW-Authenticate", "Bearer"));
    }
    response.json(body)
}

/// The status of a refusal, by its code.
pub fn status_of(error: &GatewayError) -> StatusCode {
    use crate::error::ErrorCode;
    match error.code() {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::BbbUnavailable => StatusCode::BAD_GATEWAY,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::MeetingNotStarted => StatusCode::CONFLICT,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
