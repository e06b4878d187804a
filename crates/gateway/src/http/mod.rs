//! The HTTP server: routes, and the translation between HTTP requests and GraphQL executions.
//! Every answer — including refusals of unreadable requests, unknown paths and wrong methods —
//! is JSON with coded errors, never an HTML page.

mod errors;
mod graphql;

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, dev::Server, http::StatusCode, web};

use crate::{app::AppState, error::GatewayError};

/// Starts serving on `listener`; the returned server runs until stopped through its handle.
/// Signal handling is the caller's (see `cli::serve`), so tests can run several servers.
pub fn start(state: AppState, listener: TcpListener) -> Result<Server, GatewayError> {
    let schema = web::Data::new(state.schema());
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(schema.clone())
            .wrap(tracing_middleware())
            .configure(routes)
    })
    .disable_signals()
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
        .route("/healthz", web::get().to(healthz))
        .default_service(web::to(|| async {
            errors::response(StatusCode::NOT_FOUND, &GatewayError::not_found("endpoint"))
        }));
}

/// Liveness: the process answers HTTP.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

fn tracing_middleware() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%s %r %Dms").log_target("gateway::http")
}
