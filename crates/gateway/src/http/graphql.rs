//! `/graphql` (POST and GET, with persisted queries) and `/graphiql`.

use std::{net::IpAddr, time::Instant};

use actix_web::{
    Either, HttpMessage, HttpRequest, HttpResponse, Responder, http::StatusCode, http::header, web,
};
use async_graphql::{
    BatchRequest, BatchResponse,
    parser::types::{DocumentOperations, OperationType},
};
use async_graphql_actix_web::GraphQLResponse;
use metrics::FrontDoor;
use service::model::Site;

use super::{
    documents::{FreshDocument, ParsedDocuments},
    errors,
    persisted::{PersistedQueries, PersistedQueryError},
};
use crate::{
    app::AppState,
    auth,
    config::Config,
    error::{ErrorCode, GatewayError},
    graphql::{self, GatewaySchema, RequestContext},
};

/// Most operations a client may send in one batch.
const MAX_BATCH_SIZE: usize = 10;

type Answer = Either<GraphQLResponse, HttpResponse>;

pub async fn post(
    request: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
    schema: web::Data<GatewaySchema>,
    persisted: web::Data<PersistedQueries>,
    documents: web::Data<ParsedDocuments>,
) -> Answer {
    let mut batch = match read_post(&request, payload, app.config.http.max_body_bytes).await {
        Ok(batch) => batch,
        Err((status, error)) => return refuse(status, error),
    };
    for graphql_request in batch.iter_mut() {
        if let Err(refusal) = persisted.resolve(graphql_request) {
            return refuse_persisted(&app, refusal);
        }
    }
    if batch.iter().any(has_no_query) {
        return refuse(StatusCode::BAD_REQUEST, no_query());
    }
    let fresh = batch
        .iter_mut()
        .map(|graphql_request| documents.prepare(graphql_request))
        .collect();
    execute(&request, &app, &schema, &documents, fresh, batch).await
}

pub async fn get(
    request: HttpRequest,
    app: web::Data<AppState>,
    schema: web::Data<GatewaySchema>,
    persisted: web::Data<PersistedQueries>,
    documents: web::Data<ParsedDocuments>,
) -> Answer {
    let mut graphql_request = match parse_query_string(request.query_string()) {
        Ok(graphql_request) => graphql_request,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, error),
    };
    // First: a hash stands for a document, and the rules below apply to that document.
    if let Err(refusal) = persisted.resolve(&mut graphql_request) {
        return refuse_persisted(&app, refusal);
    }
    if has_no_query(&graphql_request) {
        return refuse(StatusCode::BAD_REQUEST, no_query());
    }
    let fresh = documents.prepare(&mut graphql_request);
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
        &documents,
        vec![fresh],
        BatchRequest::Single(graphql_request),
    )
    .await
}

/// GraphiQL, from the bundle in `graphql.graphiql_assets` (see `super::graphiql`).
pub async fn graphiql(app: web::Data<AppState>) -> HttpResponse {
    super::graphiql::page(&app.config.graphql.graphiql_assets)
}

fn refuse(status: StatusCode, error: GatewayError) -> Answer {
    Either::Right(errors::response(status, &error))
}

/// A persisted query that cannot run, answered as Apollo's clients expect and counted.
fn refuse_persisted(app: &AppState, refusal: PersistedQueryError) -> Answer {
    app.metrics.observe_request(
        FrontDoor::Graphql,
        "invalid",
        refusal.code(),
        std::time::Duration::ZERO,
    );
    let body = async_graphql::Response::from_errors(vec![refusal.to_server_error()]);
    Either::Right(HttpResponse::build(refusal.status()).json(body))
}

/// Resolves the site and viewer, then runs the operations; each is counted in the metrics by
/// its operation type and outcome.
async fn execute(
    request: &HttpRequest,
    app: &AppState,
    schema: &GatewaySchema,
    documents: &ParsedDocuments,
    fresh: Vec<Option<FreshDocument>>,
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
    // One login and a bounded number of mutation fields per request, a batch as a whole,
    // before any of it runs; and each operation's own loaders.
    let requests = match &mut batch {
        BatchRequest::Single(request) => std::slice::from_mut(request),
        BatchRequest::Batch(requests) => requests.as_mut_slice(),
    };
    if let Err(error) = graphql::prepare_operations(app, requests) {
        observe(vec![error.code().as_str(); calls.len()]);
        return refuse(StatusCode::BAD_REQUEST, error);
    }
    match request_context(request, app).await {
        Ok(context) => {
            let mut response = schema.execute_batch(batch.data(context)).await;
            let responses = match &mut response {
                BatchResponse::Single(response) => std::slice::from_mut(response),
                BatchResponse::Batch(responses) => responses.as_mut_slice(),
            };
            for (response, fresh) in responses.iter_mut().zip(fresh) {
                graphql::finish_operation(response);
                documents.keep_if_clean(fresh, response);
            }
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
    Ok(RequestContext::new(
        site,
        viewer,
        client_address(request, &app.config),
    ))
}

/// The address of the client, for throttling: the TCP peer, or with
/// `login.trust_forwarded_for` the last `X-Forwarded-For` entry — the one the proxy in front
/// appended; entries before it are whatever the client sent. Never actix's `realip`, which
/// believes any `Forwarded` header a client sends.
pub(super) fn client_address(request: &HttpRequest, config: &Config) -> Option<IpAddr> {
    let peer = request.peer_addr().map(|address| address.ip());
    if !config.login.trust_forwarded_for {
        return peer;
    }
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .next_back()
        .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
    forwarded.or(peer)
}

/// The site the request's Host header picks (the default site for unknown hosts).
pub(super) async fn site_of(request: &HttpRequest, app: &AppState) -> Result<Site, GatewayError> {
    let host = request.connection_info().host().to_owned();
    Ok(service::sites::for_host(&app.store, &host).await?)
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
    Ok(batch)
}

/// Reads a GET request's `query`, `operationName`, `variables` and `extensions` (JSON)
/// parameters, as GraphQL over HTTP and Apollo's persisted queries name them.
fn parse_query_string(query_string: &str) -> Result<async_graphql::Request, GatewayError> {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    let mut extensions = None;
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
            "extensions" => {
                let extensions_json: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&value).map_err(|error| {
                        GatewayError::bad_field("extensions", format!("not a JSON object: {error}"))
                    })?;
                extensions = Some(extensions_json);
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
    for (name, value) in extensions.into_iter().flatten() {
        let value = async_graphql::Value::from_json(value).map_err(|error| {
            GatewayError::bad_field("extensions", format!("not a JSON object: {error}"))
        })?;
        request.extensions.insert(name, value);
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
pub(super) fn selected_operation_type(
    request: &mut async_graphql::Request,
) -> Option<OperationType> {
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
