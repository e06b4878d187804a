//! Endpoints for operators and orchestrators: liveness, readiness and Prometheus metrics.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use metrics::{CONTENT_TYPE, ServerSample};
use serde_json::json;

use crate::{app::AppState, error::GatewayError};

/// A readiness probe must answer even when the database hangs.
const READINESS_TIMEOUT: Duration = Duration::from_secs(5);

/// Liveness: the process answers HTTP.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: the database answers and every migration is applied.
pub async fn readyz(app: web::Data<AppState>) -> HttpResponse {
    let status = tokio::time::timeout(
        READINESS_TIMEOUT,
        service::ops::pending_migrations(&app.store),
    )
    .await;
    let reason = match status {
        Ok(Ok(pending)) => {
            if pending.is_empty() {
                return HttpResponse::Ok().json(json!({ "status": "ready" }));
            }
            format!("migrations not applied: {}", pending.join(", "))
        }
        Ok(Err(error)) => {
            tracing::warn!(error = %service::ErrorChain(&error), "readiness: database unavailable");
            "database unavailable".to_owned()
        }
        Err(_) => "database did not answer in time".to_owned(),
    };
    HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "reason": reason }))
}

/// Prometheus metrics. Per-server and per-token meeting gauges are read from the database at
/// each scrape, so every instance reports the same fleet.
pub async fn metrics(app: web::Data<AppState>) -> HttpResponse {
    if let Err(error) = refresh_from_database(&app).await {
        tracing::warn!(
            error = %service::ErrorChain(&error),
            "metrics: cannot read servers and placements"
        );
    }
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(app.metrics.render())
}

async fn refresh_from_database(app: &AppState) -> Result<(), GatewayError> {
    let servers = service::ops::all_servers(&app.store).await?;
    app.metrics.set_servers(servers.into_iter().map(|server| {
        ServerSample {
            server_id: server.id,
            group_id: server.group_id,
            health: server.health.as_str(),
            state: server.state.as_str(),
            meetings: i64::from(server.meeting_count),
            attendees: i64::from(server.attendee_count),
            last_polled_at: server
                .last_polled_at
                .map(|at| at.timestamp_millis() as f64 / 1000.0),
            name: server.name,
        }
    }));
    app.metrics
        .set_token_meetings(service::ops::live_meetings_per_token(&app.store).await?);
    Ok(())
}
