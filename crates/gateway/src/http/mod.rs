//! The HTTP server: routes, and the translation between HTTP requests and GraphQL executions.
//! Every answer — including refusals of unreadable requests, unknown paths and wrong methods —
//! is JSON with coded errors, never an HTML page.

mod cors;
mod documents;
mod errors;
mod graphiql;
mod graphql;
mod ops;
mod persisted;
mod request_id;
mod subscriptions;

use std::net::TcpListener;

use actix_web::{App, HttpServer, dev::Server, http::StatusCode, middleware::from_fn, web};

use crate::{app::AppState, error::GatewayError};

pub use cors::OriginPattern;

/// Starts serving on `listener`; the returned server runs until stopped through its handle.
/// Signal handling is the caller's (see `cli::serve`), so tests can run several servers.
pub fn start(state: AppState, listener: TcpListener) -> Result<Server, GatewayError> {
    let schema = web::Data::new(state.schema());
    // actix counts whole seconds; round up so that a sub-second timeout is not none at all.
    let shutdown_timeout = state.config.http.shutdown_timeout.as_secs_f64().ceil() as u64;
    // The BBB-compatible endpoint (crates/bbb-endpoint), built by the composition root.
    let bbb_api = bbb_endpoint::configure(state.endpoint.clone());
    // Per instance, built at start (a bad trusted-documents file stops the start).
    let persisted = web::Data::new(persisted::PersistedQueries::from_config(
        &state.config.graphql,
    )?);
    let cors = cors::CorsPolicy::new(&state.config.cors);
    graphiql::warn_if_not_built(&state.config.graphql.graphiql_assets);
    let access_log = web::Data::new(request_id::AccessLog::new(&state.config.log));
    let documents = web::Data::new(documents::ParsedDocuments::default());
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(schema.clone())
            .app_data(persisted.clone())
            .app_data(documents.clone())
            .app_data(access_log.clone())
            .wrap(from_fn(request_id::middleware))
            .configure(|config| routes(config, &cors))
            .configure(bbb_api.clone())
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .listen(listener)
    .map_err(GatewayError::caused("cannot listen"))?
    .run();
    Ok(server)
}

fn routes(config: &mut web::ServiceConfig, cors: &cors::CorsPolicy) {
    config
        .service(
            // CORS on the GraphQL front door only (see `cors`); the JSON wrapper is outermost.
            web::resource("/graphql")
                .wrap(cors.middleware())
                .wrap(from_fn(cors::refusals))
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
        .route("/graphiql/assets/{name}", web::get().to(graphiql::asset))
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .default_service(web::to(|| async {
            errors::response(StatusCode::NOT_FOUND, &GatewayError::not_found("endpoint"))
        }));
}
