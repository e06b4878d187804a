//! The HTTP server: routes, and the translation between HTTP requests and GraphQL executions.
//! Every answer — including refusals of unreadable requests, unknown paths and wrong methods —
//! is JSON with coded errors, never an HTML page.

mod errors;
mod graphql;
mod ops;
mod request_id;
mod subscriptions;

use std::net::TcpListener;

use actix_web::{App, HttpServer, dev::Server, http::StatusCode, middleware::from_fn, web};

use crate::{app::AppState, error::GatewayError};

pub use ops::{health_name, state_name};

/// Starts serving on `listener`; the returned server runs until stopped through its handle.
/// Signal handling is the caller's (see `cli::serve`), so tests can run several servers.
pub fn start(state: AppState, listener: TcpListener) -> Result<Server, GatewayError> {
    let schema = web::Data::new(state.schema());
    // actix counts whole seconds; round up so that a sub-second timeout is not none at all.
    let shutdown_timeout = state.config.http.shutdown_timeout.as_secs_f64().ceil() as u64;
    // The BBB-compatible endpoint (crates/bbb-endpoint), sharing the store, client and balancer.
    let bbb_api = bbb_endpoint::configure(bbb_endpoint::Endpoint::new(
        state.store.clone(),
        state.bbb.clone(),
        state.balancer.clone(),
        bbb_endpoint::EndpointSettings {
            public_url: state.config.public_url.as_ref().map(|url| url.to_string()),
            ..bbb_endpoint::EndpointSettings::default()
        },
    ));
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(schema.clone())
            .wrap(from_fn(request_id::middleware))
            .configure(routes)
            .configure(bbb_api.clone())
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .listen(listener)
    .map_err(|error| GatewayError::internal(format!("cannot listen: {error}")))?
    .run();
    Ok(server)
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .default_service(web::to(|| async {
                    errors::response(
                        StatusCode::METHOD_NOT_ALLOWED,
                        &GatewayError::bad_input("use GET (queries) or POST on /graphql"),
                    )
                })),
        )
        .service(
            web::resource("/graphql/ws")
                .route(web::get().to(subscriptions::subscribe))
                .default_service(web::to(|| async {
                    errors::response(
                        StatusCode::METHOD_NOT_ALLOWED,
                        &GatewayError::bad_input("open a WebSocket (GET) on /graphql/ws"),
                    )
                })),
        )
        .route("/graphiql", web::get().to(graphql::graphiql))
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .default_service(web::to(|| async {
            errors::response(StatusCode::NOT_FOUND, &GatewayError::not_found("endpoint"))
        }));
}
