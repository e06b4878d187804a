//! `/graphql` (POST and GET) and `/graphiql`.

use std::time::Instant;

use actix_web::{
    Either, HttpMessage, HttpRequest, HttpResponse, Responder, http::StatusCode, http::header, web,
};
use async_graphql::{
    BatchRequest, BatchResponse,
    http::GraphiQLSource,
    parser::types::{DocumentOperations, OperationType},
};
use async_graphql_actix_web::GraphQLResponse;
use metrics::FrontDoor;
use store::Site;

use super::errors;
use crate::{
    app::AppState,
    auth,
    error::{ErrorCode, GatewayError},
    graphql::{GatewaySchema, RequestContext},
};

/// Most operations a client may send in one batch.
const MAX_BATCH_SIZE: usize = 10;

type Answer = Either<GraphQLResponse, HttpResponse>;

pub async fn post(
    request: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
    schema: web::Data<GatewaySchema>,
) -> Answer {
    match read_post(&request, payload, app.config.http.max_body_bytes).await {
        Ok(batch) => execute(&request, &app, &schema, batch).await,
        Err((status, error)) => Either::Right(errors::response(status, &error)),
    }
}

pub async fn get(
    request: HttpRequest,
    app: web::Data<AppState>,
    schema: web::Data<GatewaySchema>,
) -> Answer {
    let mut graphql_request = match parse_query_string(request.query_string()) {
        Ok(graphql_request) => graphql_request,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, error),
    };
    if !is_query(&mut graphql_request) {
        // GET must be safe: a link or a prefetch must never change anything.
        return Either::Right(
            errors::response(
                StatusCode::METHOD_NOT_ALLOWED,
                &GatewayError::bad_input("only queries may be sent with GET; use POST"),
            )
            .customize()
            .insert_header((header::ALLOW, "POST"))
            .respond_to(&request)
            .map_into_boxed_body(),
        );
    }
    execute(
        &request,
        &app,
        &schema,
        BatchRequest::Single(graphql_request),
    )
    .await
}

pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("bbb-gateway GraphiQL")
                .finish(),
        )
}

fn refuse(status: StatusCode, error: GatewayError) -> Answer {
    Either::Right(errors::response(status, &error))
}

/// Resolves the site and viewer, then runs the operations; each is counted in the metrics by
/// its operation type and outcome.
async fn execute(
    request: &HttpRequest,
    app: &AppState,
    schema: &GatewaySchema,
    mut batch: BatchRequest,
) -> Answer {
    let started = Instant::now();
    let calls: Vec<&'static str> = batch.iter_mut().map(operation_type).collect();
    let observe = |outcomes: Vec<&str>| {
        for (call, outcome) in calls.iter().zip(outcomes) {
            app.metrics
                .observe_request(FrontDoor::Graphql, call, outcome, started.elapsed());
        }
    };
    match request_context(request, app).await {
        Ok(context) => {
            let response = schema.execute_batch(batch.data(context)).await;
            observe(match &response {
                BatchResponse::Single(response) => vec![outcome(response)],
                BatchResponse::Batch(responses) => responses.iter().map(outcome).collect(),
            });
            Either::Left(response.into())
        }
        Err(error) => {
            observe(vec![error.code().as_str(); calls.len()]);
            refuse(errors::status_of(&error), error)
        }
    }
}

/// `query`, `mutation` or `subscription`; `invalid` for documents that do not parse or do not
/// say which operation to run.
fn operation_type(request: &mut async_graphql::Request) -> &'static str {
    match selected_operation_type(request) {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "invalid",
    }
}

/// `ok`, or the code of the first error.
fn outcome(response: &async_graphql::Response) -> &str {
    match response.errors.first() {
        None => "ok",
        Some(error) => match error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
        {
            Some(async_graphql::Value::String(code)) => code,
            _ => ErrorCode::Internal.as_str(),
        },
    }
}

async fn request_context(
    request: &HttpRequest,
    app: &AppState,
) -> Result<RequestContext, GatewayError> {
    let site = site_of(request, app).await?;
    let authorization = authorization_header(request)?;
    let viewer = auth::authenticate(&app.store, &app.verifier, &site, authorization).await?;
    Ok(RequestContext { site, viewer })
}

/// The site the request's Host header picks (the default site for unknown hosts).
pub(super) async fn site_of(request: &HttpRequest, app: &AppState) -> Result<Site, GatewayError> {
    let host = request.connection_info().host().to_owned();
    Ok(app.store.sites().for_host(&host).await?)
}

/// The `Authorization` header, if the request has one.
pub(super) fn authorization_header(request: &HttpRequest) -> Result<Option<&str>, GatewayError> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| GatewayError::unauthenticated("the Authorization header is not ASCII"))
        })
        .transpose()
}

/// Reads a POST body: `application/json`, at most `limit` bytes, a request or a batch.
async fn read_post(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<BatchRequest, (StatusCode, GatewayError)> {
    let is_json = matches!(
        request.mime_type(),
        Ok(Some(mime)) if mime.essence_str() == "application/json"
    );
    if !is_json {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            GatewayError::bad_input("send the GraphQL request as Content-Type: application/json"),
        ));
    }
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::bad_input(format!("the request body exceeds {limit} bytes")),
        )
    };
    let body = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| too_large())?
        .map_err(|error| {
            (
                StatusCode::BAD_REQUEST,
                GatewayError::bad_input(format!("the request body could not be read: {error}")),
            )
        })?;
    let batch: BatchRequest = serde_json::from_slice(&body).map_err(|error| {
        (
            StatusCode::BAD_REQUEST,
            GatewayError::bad_input(format!(
                "the request body is not a GraphQL request: {error}"
            )),
        )
    })?;
    if let BatchRequest::Batch(requests) = &batch
        && !(1..=MAX_BATCH_SIZE).contains(&requests.len())
    {
        return Err((
            StatusCode::BAD_REQUEST,
            GatewayError::bad_input(format!("a batch holds 1 to {MAX_BATCH_SIZE} operations")),
        ));
    }
    if batch.iter().any(has_no_query) {
        return Err((StatusCode::BAD_REQUEST, no_query()));
    }
    Ok(batch)
}

/// Reads a GET request's `query`, `operationName` and `variables` (JSON) parameters, as
/// GraphQL over HTTP names them.
fn parse_query_string(query_string: &str) -> Result<async_graphql::Request, GatewayError> {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        match key.as_ref() {
            "query" => query = Some(value.into_owned()),
            "operationName" => operation_name = Some(value.into_owned()),
            "variables" => {
                let json = serde_json::from_str(&value).map_err(|error| {
                    GatewayError::bad_field("variables", format!("not a JSON object: {error}"))
                })?;
                variables = Some(async_graphql::Variables::from_json(json));
            }
            _ => {}
        }
    }
    let mut request = async_graphql::Request::new(query.unwrap_or_default());
    if let Some(operation_name) = operation_name {
        request = request.operation_name(operation_name);
    }
    if let Some(variables) = variables {
        request = request.variables(variables);
    }
    if has_no_query(&request) {
        return Err(no_query());
    }
    Ok(request)
}

fn has_no_query(request: &async_graphql::Request) -> bool {
    request.query.trim().is_empty()
}

fn no_query() -> GatewayError {
    GatewayError::bad_field("query", "the request has no GraphQL document in `query`")
}

/// Whether the operation to run is a query. Unparsable documents count as queries: execution
/// reports their syntax errors.
fn is_query(request: &mut async_graphql::Request) -> bool {
    selected_operation_type(request).is_none_or(|ty| ty == OperationType::Query)
}

/// The type of the operation the request runs, if the document parses and names one.
fn selected_operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match &document.operations {
        DocumentOperations::Single(operation) => Some(operation.node.ty),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations
                .iter()
                .find(|(candidate, _)| candidate.as_str() == name)
                .map(|(_, operation)| operation.node.ty),
            // Execution refuses several operations without a name.
            None if operations.len() > 1 => None,
            None => operations
                .values()
                .next()
                .map(|operation| operation.node.ty),
        },
    }
}
