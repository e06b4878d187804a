//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both protocols clients speak —
//! graphql-transport-ws (the `graphql-ws` library) and the older graphql-ws
//! (`subscriptions-transport-ws`), chosen by `Sec-WebSocket-Protocol`.
//!
//! The site comes from the Host header of the upgrade request, as for `/graphql`. Credentials
//! are checked at `connection_init`: a bearer token in its payload, else the upgrade
//! request's `Authorization` header (browsers cannot set headers on a WebSocket, other clients
//! often do). Refused credentials close the connection; a connection without any is
//! anonymous, as on `/graphql`.
//!
//! Every operation started on the socket goes through [`SocketExecutor`], which holds it to
//! the rules of `/graphql` that live in the HTTP layer, and to the socket's own bounds:
//! - persisted queries and trusted documents, resolved by the same [`PersistedQueries`] with
//!   the same codes: an allow-list that one door ignores would allow everything;
//! - subscriptions only (`OPERATION_NOT_ALLOWED` for queries and mutations): the socket is
//!   for what HTTP cannot do, and every client library sends queries and mutations over HTTP
//!   by default — a second door for them would have to repeat every check of the first;
//! - at most `graphql.ws_max_operations` operations at once (`BAD_USER_INPUT` beyond them);
//! - credentials expire on the socket as on HTTP: at the token's `exp`, every operation ends
//!   with `UNAUTHENTICATED`, later ones are refused, and a moment later the connection closes
//!   (clients reconnect with fresh credentials).
//!
//! A connection that sends no `connection_init` within `graphql.ws_init_timeout` is closed.
//! Peers that stop answering WebSocket pings are dropped by `async-graphql-actix-web` (a ping
//! every 5 s, closed after 10 s of silence).

use std::{
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{
    Data, ErrorExtensions, Executor, Request, Response, ServerError, parser::types::OperationType,
};
use async_graphql_actix_web::GraphQLSubscription;
use futures_util::{
    Stream, StreamExt,
    stream::{self, BoxStream},
};
use serde_json::Value;
use tokio::{sync::Notify, time::Instant};

use super::{errors, graphql, persisted::PersistedQueries};
use crate::{
    app::AppState,
    auth,
    error::GatewayError,
    graphql::{GatewaySchema, RequestContext},
};

/// How long after its credentials expire a connection is closed: time for the
/// `UNAUTHENTICATED` ends of its operations to reach the client first.
const CLOSE_AFTER_EXPIRY: Duration = Duration::from_secs(1);

pub async fn subscribe(
    request: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
    schema: web::Data<GatewaySchema>,
    persisted: web::Data<PersistedQueries>,
) -> HttpResponse {
    let site = match graphql::site_of(&request, &app).await {
        Ok(site) => site,
        Err(error) => return errors::response(errors::status_of(&error), &error),
    };
    let header = match graphql::authorization_header(&request) {
        Ok(header) => header.map(str::to_owned),
        Err(error) => return errors::response(errors::status_of(&error), &error),
    };
    let client_address = graphql::client_address(&request, &app.config);
    let connection = Arc::new(Connection::new(app.config.graphql.ws_max_operations));
    let app = app.into_inner();
    let executor = SocketExecutor {
        schema: schema.get_ref().clone(),
        app: app.clone(),
        persisted: persisted.into_inner(),
        connection: connection.clone(),
    };
    let frames = close_when_due(
        payload,
        connection.clone(),
        app.config.graphql.ws_init_timeout,
    );
    let upgrade = GraphQLSubscription::new(executor)
        .on_connection_init(move |init_payload| async move {
            connection.initialised.store(true, Ordering::SeqCst);
            connection.changed.notify_waiters();
            let authorization = authorization_in_init_payload(&init_payload)
                .map_err(|error| error.extend())?
                .or(header);
            let (viewer, expires_at) = auth::authenticate_until(
                &app.store,
                &app.verifier,
                &site,
                authorization.as_deref(),
            )
            .await
            .map_err(|error| error.extend())?;
            let _ = connection
                .credentials_expire_at
                .set(expires_at.map(instant_of));
            connection.changed.notify_waiters();
            let mut data = Data::default();
            data.insert(RequestContext::new(site, viewer, client_address));
            Ok(data)
        })
        .start(&request, frames);
    upgrade.unwrap_or_else(|refusal| {
        // Not a WebSocket upgrade, or no protocol we speak: answered like other refusals.
        let error = GatewayError::bad_input(format!(
            "connect with a WebSocket speaking graphql-transport-ws or graphql-ws: {refusal}"
        ));
        errors::response(refusal.as_response_error().status_code(), &error)
    })
}

/// What the operations of one connection share.
struct Connection {
    /// `connection_init` has arrived.
    initialised: AtomicBool,
    /// Set once `connection_init` is accepted: when its credentials expire (`None`: never,
    /// for anonymous connections).
    credentials_expire_at: OnceLock<Option<Instant>>,
    /// Wakes [`close_when_due`] when one of the above changes.
    changed: Notify,
    running_operations: AtomicUsize,
    max_operations: usize,
}

impl Connection {
    fn new(max_operations: usize) -> Connection {
        Connection {
            initialised: AtomicBool::new(false),
            credentials_expire_at: OnceLock::new(),
            changed: Notify::new(),
            running_operations: AtomicUsize::new(0),
            max_operations,
        }
    }

    fn credentials_expire_at(&self) -> Option<Instant> {
        self.credentials_expire_at.get().copied().flatten()
    }

    /// When the connection is to be closed: `init_deadline` until `connection_init` arrives,
    /// then a moment after its credentials expire.
    fn closes_at(&self, init_deadline: Instant) -> Option<Instant> {
        if !self.initialised.load(Ordering::SeqCst) {
            return Some(init_deadline);
        }
        self.credentials_expire_at()
            .map(|expiry| expiry + CLOSE_AFTER_EXPIRY)
    }
}

/// A place among the `max_operations` of a connection, given back when the operation's
/// stream is dropped (it ended, or the client stopped it).
struct OperationSlot(Arc<Connection>);

impl OperationSlot {
    fn take(connection: &Arc<Connection>) -> Option<OperationSlot> {
        connection
            .running_operations
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |running| {
                (running < connection.max_operations).then_some(running + 1)
            })
            .ok()
            .map(|_| OperationSlot(connection.clone()))
    }
}

impl Drop for OperationSlot {
    fn drop(&mut self) {
        self.0.running_operations.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The schema as the socket runs it (see the module documentation).
#[derive(Clone)]
struct SocketExecutor {
    schema: GatewaySchema,
    app: Arc<AppState>,
    persisted: Arc<PersistedQueries>,
    connection: Arc<Connection>,
}

impl Executor for SocketExecutor {
    /// Not used by the WebSocket, which only streams; held to the same rules all the same.
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        let mut responses = self.execute_stream(request, None);
        async move { responses.next().await.unwrap_or_default() }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let expires_at = self.connection.credentials_expire_at();
        if expires_at.is_some_and(|expiry| expiry <= Instant::now()) {
            return refusal(credentials_expired());
        }
        // First: a hash stands for a document, and the rules below apply to that document.
        if let Err(refusal_of_document) = self.persisted.resolve(&mut request) {
            return refusal(refusal_of_document.to_server_error());
        }
        // Documents that do not parse or name no operation go on: the schema reports them.
        if graphql::selected_operation_type(&mut request)
            .is_some_and(|operation| operation != OperationType::Subscription)
        {
            let mut error = ServerError::new(
                "only subscriptions run over /graphql/ws: send queries and mutations to /graphql",
                None,
            );
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "OPERATION_NOT_ALLOWED");
            return refusal(error);
        }
        let Some(slot) = OperationSlot::take(&self.connection) else {
            return refusal(
                GatewayError::bad_input(format!(
                    "at most {} operations run at once on one connection: complete one first",
                    self.connection.max_operations
                ))
                .to_server_error(),
            );
        };
        if let Err(error) =
            crate::graphql::prepare_operations(&self.app, std::slice::from_mut(&mut request))
        {
            return refusal(error.to_server_error());
        }
        let responses = self
            .schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(|mut response| {
                crate::graphql::finish_operation(&mut response);
                response
            })
            .boxed();
        until_expiry(responses, expires_at, slot)
    }
}

/// The responses of an operation, holding its slot; at `expires_at` they end with
/// UNAUTHENTICATED.
fn until_expiry(
    responses: BoxStream<'static, Response>,
    expires_at: Option<Instant>,
    slot: OperationSlot,
) -> BoxStream<'static, Response> {
    let expiry = Box::pin(async move {
        match expires_at {
            Some(expiry) => tokio::time::sleep_until(expiry).await,
            None => std::future::pending().await,
        }
    });
    stream::unfold(Some((responses, expiry, slot)), |state| async move {
        let (mut responses, mut expiry, slot) = state?;
        tokio::select! {
            response = responses.next() => {
                response.map(|response| (response, Some((responses, expiry, slot))))
            }
            () = &mut expiry => {
                let ended = Response::from_errors(vec![credentials_expired()]);
                Some((ended, None))
            }
        }
    })
    .boxed()
}

fn credentials_expired() -> ServerError {
    GatewayError::unauthenticated(
        "the token of this connection has expired: connect again with a fresh one",
    )
    .to_server_error()
}

/// A refused operation: one response with the error, then the operation is complete.
fn refusal(error: ServerError) -> BoxStream<'static, Response> {
    stream::once(async move { Response::from_errors(vec![error]) }).boxed()
}

/// The monotonic instant of an expiry given in seconds since the epoch (now, if it passed).
fn instant_of(expires_at: i64) -> Instant {
    let left = expires_at.saturating_sub(chrono::Utc::now().timestamp());
    Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

/// The client's frames, ending — which closes the connection — when it is due to close (see
/// [`Connection::closes_at`]).
fn close_when_due(
    payload: web::Payload,
    connection: Arc<Connection>,
    init_timeout: Duration,
) -> impl Stream<Item = <web::Payload as Stream>::Item> {
    let init_deadline = Instant::now() + init_timeout;
    stream::unfold(Box::pin(payload), move |mut payload| {
        let connection = connection.clone();
        async move {
            loop {
                // Before looking: a change from now on wakes this.
                let changed = connection.changed.notified();
                let closes_at = connection.closes_at(init_deadline);
                let due = async {
                    match closes_at {
                        Some(deadline) => tokio::time::sleep_until(deadline).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    frame = payload.next() => return frame.map(|frame| (frame, payload)),
                    () = changed => {}
                    () = due => {
                        // Initialised meanwhile: the deadline moved; look again.
                        if connection
                            .closes_at(init_deadline)
                            .is_some_and(|deadline| deadline <= Instant::now())
                        {
                            return None;
                        }
                    }
                }
            }
        }
    })
}

/// The `Authorization` value a `connection_init` payload carries, in the shapes clients
/// send: `{"Authorization": "Bearer <jwt>"}` (any case), `{"headers": {"Authorization": …}}`
/// (Apollo), or `{"token": "<jwt>"}` / `{"authToken": …}` with or without `Bearer `.
/// `None` when the payload holds none of them.
fn authorization_in_init_payload(payload: &Value) -> Result<Option<String>, GatewayError> {
    let Some(fields) = payload.as_object() else {
        return Ok(None);
    };
    let field = |object: &serde_json::Map<String, Value>, names: &[&str]| {
        object
            .iter()
            .find(|(key, _)| names.iter().any(|name| key.eq_ignore_ascii_case(name)))
            .map(|(key, value)| {
                value.as_str().map(str::to_owned).ok_or_else(|| {
                    GatewayError::unauthenticated(format!(
                        "`{key}` of connection_init must be a string"
                    ))
                })
            })
            .transpose()
    };
    if let Some(authorization) = field(fields, &["authorization"])? {
        return Ok(Some(authorization));
    }
    if let Some(headers) = fields.get("headers").and_then(Value::as_object)
        && let Some(authorization) = field(headers, &["authorization"])?
    {
        return Ok(Some(authorization));
    }
    Ok(field(fields, &["token", "authToken"])?.map(|token| {
        let has_scheme = token
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "));
        if has_scheme {
            token
        } else {
            format!("Bearer {token}")
        }
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ErrorCode;

    fn authorization(payload: Value) -> Option<String> {
        authorization_in_init_payload(&payload).unwrap()
    }

    #[test]
    fn the_common_payload_shapes_carry_a_bearer_token() {
        for payload in [
            json!({ "Authorization": "Bearer abc" }),
            json!({ "authorization": "Bearer abc" }),
            json!({ "headers": { "Authorization": "Bearer abc" } }),
            json!({ "token": "abc" }),
            json!({ "authToken": "abc" }),
            json!({ "token": "Bearer abc" }),
            json!({ "token": "bearer abc" }),
        ] {
            let expected = if payload.to_string().contains("bearer abc") {
                "bearer abc"
            } else {
                "Bearer abc"
            };
            assert_eq!(
                authorization(payload.clone()).as_deref(),
                Some(expected),
                "{payload}"
            );
        }
    }

    #[test]
    fn payloads_without_credentials_are_anonymous() {
        for payload in [
            Value::Null,
            json!({}),
            json!({ "headers": {} }),
            json!({ "locale": "de" }),
            json!("Bearer abc"),
        ] {
            assert_eq!(authorization(payload.clone()), None, "{payload}");
        }
    }

    #[test]
    fn credentials_that_are_not_strings_are_refused() {
        for payload in [
            json!({ "token": 42 }),
            json!({ "Authorization": ["Bearer x"] }),
        ] {
            let error = authorization_in_init_payload(&payload).unwrap_err();
            assert_eq!(error.code(), ErrorCode::Unauthenticated, "{payload}");
        }
    }
}
