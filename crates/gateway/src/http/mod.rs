//! The HTTP server: routes, and the translation between HTTP requests and GraphQL executions.
//! Every answer — including refusals of unreadable requests, unknown paths and wrong methods —
//! is JSON with coded errors, never an HTML page.

mod errors;
mod graphql;
mod ops;
mod request_id;

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
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(schema.clone())
            .wrap(from_fn(request_id::middleware))
            .configure(routes)
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
        .route("/graphiql", web::get().to(graphql::graphiql))
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .default_service(web::to(|| async {
            errors::response(StatusCode::NOT_FOUND, &GatewayError::not_found("endpoint"))
        }));
}
