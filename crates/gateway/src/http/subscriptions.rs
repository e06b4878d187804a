//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both protocols clients speak —
//! graphql-transport-ws (the `graphql-ws` library) and the older graphql-ws
//! (`subscriptions-transport-ws`), chosen by `Sec-WebSocket-Protocol`.
//!
//! The site comes from the Host header of the upgrade request, as for `/graphql`. Credentials
//! are checked at `connection_init`: a bearer token in its payload, else the upgrade
//! request's `Authorization` header (browsers cannot set headers on a WebSocket, other clients
//! often do). Refused credentials close the connection; a connection without any is
//! anonymous, as on `/graphql`.

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{Data, ErrorExtensions};
use async_graphql_actix_web::GraphQLSubscription;
use serde_json::Value;

use super::{errors, graphql};
use crate::{
    app::AppState,
    auth,
    error::GatewayError,
    graphql::{GatewaySchema, RequestContext},
};

pub async fn subscribe(
    request: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
    schema: web::Data<GatewaySchema>,
) -> HttpResponse {
    let site = match graphql::site_of(&request, &app).await {
        Ok(site) => site,
        Err(error) => return errors::response(errors::status_of(&error), &error),
    };
    let header = match graphql::authorization_header(&request) {
        Ok(header) => header.map(str::to_owned),
        Err(error) => return errors::response(errors::status_of(&error), &error),
    };
    let app = app.into_inner();
    let upgrade = GraphQLSubscription::new(schema.get_ref().clone())
        .on_connection_init(move |init_payload| async move {
            let authorization = authorization_in_init_payload(&init_payload)
                .map_err(|error| error.extend())?
                .or(header);
            let viewer =
                auth::authenticate(&app.store, &app.verifier, &site, authorization.as_deref())
                    .await
                    .map_err(|error| error.extend())?;
            let mut data = Data::default();
            data.insert(RequestContext { site, viewer });
            Ok(data)
        })
        .start(&request, payload);
    upgrade.unwrap_or_else(|refusal| {
        // Not a WebSocket upgrade, or no protocol we speak: answered like other refusals.
        let error = GatewayError::bad_input(format!(
            "connect with a WebSocket speaking graphql-transport-ws or graphql-ws: {refusal}"
        ));
        errors::response(refusal.as_response_error().status_code(), &error)
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
