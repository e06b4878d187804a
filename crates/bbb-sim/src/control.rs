//! The knobs over HTTP, outside `/bigbluebutton/api`, for simulators in another process
//! (benchmarks, docker-compose, multi-process tests). Answers are JSON. No authentication:
//! the simulator is a test tool.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::params::Params;
use crate::server::SimHandle;

/// The longest outage `/sim/down` accepts, so a typo cannot take a server away for good.
const MAX_DOWN: Duration = Duration::from_secs(600);

fn query(req: &HttpRequest) -> Params {
    Params::parse(req.query_string())
}

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": message}))
}

/// `POST /sim/latency?ms=N`: delay every API answer by N milliseconds (0 = none).
pub async fn latency(req: HttpRequest, sim: web::Data<SimHandle>) -> HttpResponse {
    match query(&req).get("ms").and_then(|v| v.parse::<u64>().ok()) {
        Some(ms) => {
            sim.set_latency(Duration::from_millis(ms));
            HttpResponse::Ok().json(json!({"latencyMs": ms}))
        }
        None => bad_request("ms must be a non-negative integer"),
    }
}

/// `POST /sim/error-rate?p=F`: answer a share F (0..1) of API calls with HTTP 502.
pub async fn error_rate(req: HttpRequest, sim: web::Data<SimHandle>) -> HttpResponse {
    match query(&req).get("p").and_then(|v| v.parse::<f64>().ok()) {
        Some(p) if (0.0..=1.0).contains(&p) => {
            sim.set_error_rate(p);
            HttpResponse::Ok().json(json!({"errorRate": p}))
        }
        _ => bad_request("p must be a number between 0 and 1"),
    }
}

/// `POST /sim/down?ms=N`: stop listening for N milliseconds (connections are refused), then
/// come back with the same state. A duration is required: a server that is down cannot be
/// told over HTTP to come back.
pub async fn down(req: HttpRequest, sim: web::Data<SimHandle>) -> HttpResponse {
    let duration = query(&req)
        .get("ms")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .filter(|d| !d.is_zero() && *d <= MAX_DOWN);
    let Some(duration) = duration else {
        return bad_request("ms must be between 1 and 600000");
    };
    let handle = sim.get_ref().clone();
    sim.runtime().spawn(async move {
        // Let this answer leave before the listener goes.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Err(error) = handle.set_down(true).await {
            tracing::error!(%error, "cannot take the simulator down");
        }
        tokio::time::sleep(duration).await;
        if let Err(error) = handle.set_down(false).await {
            tracing::error!(%error, "cannot bring the simulator back up");
        }
    });
    HttpResponse::Ok().json(json!({"downForMs": duration.as_millis()}))
}

/// `POST /sim/capacity?max=N` limits attendees across the server; `max=none` (or no `max`)
/// lifts the limit.
pub async fn capacity(req: HttpRequest, sim: web::Data<SimHandle>) -> HttpResponse {
    let params = query(&req);
    let capacity = match params.non_empty("max") {
        None | Some("none") => None,
        Some(v) => match v.parse::<u32>() {
            Ok(max) => Some(max),
            Err(_) => return bad_request("max must be a non-negative integer or none"),
        },
    };
    sim.set_capacity(capacity);
    HttpResponse::Ok().json(json!({"capacity": capacity}))
}

fn count(req: &HttpRequest) -> Option<usize> {
    query(req).get("count").and_then(|v| v.parse().ok())
}

/// `POST /sim/meetings/{meetingID}/attendees?count=N`: N simulated attendees join.
pub async fn add_attendees(
    req: HttpRequest,
    path: web::Path<String>,
    sim: web::Data<SimHandle>,
) -> HttpResponse {
    let Some(n) = count(&req) else {
        return bad_request("count must be a non-negative integer");
    };
    match sim.add_attendees(&path, n) {
        Ok(added) => HttpResponse::Ok().json(json!({"added": added})),
        Err(error) => HttpResponse::NotFound().json(json!({"error": error.to_string()})),
    }
}

/// `DELETE /sim/meetings/{meetingID}/attendees?count=N`: the N latest attendees leave.
pub async fn remove_attendees(
    req: HttpRequest,
    path: web::Path<String>,
    sim: web::Data<SimHandle>,
) -> HttpResponse {
    let Some(n) = count(&req) else {
        return bad_request("count must be a non-negative integer");
    };
    match sim.remove_attendees(&path, n) {
        Ok(removed) => HttpResponse::Ok().json(json!({"removed": removed})),
        Err(error) => HttpResponse::NotFound().json(json!({"error": error.to_string()})),
    }
}

/// `GET /sim/meetings`: every meeting with all the simulator knows about it.
pub async fn meetings(sim: web::Data<SimHandle>) -> HttpResponse {
    HttpResponse::Ok().json(sim.meetings_snapshot())
}

/// `GET /sim/recordings`: every recording, deleted ones included.
pub async fn recordings(sim: web::Data<SimHandle>) -> HttpResponse {
    HttpResponse::Ok().json(sim.recordings_snapshot())
}

/// `GET /sim/calls`: requests per API call name since start or the last reset.
pub async fn calls(sim: web::Data<SimHandle>) -> HttpResponse {
    HttpResponse::Ok().json(sim.api_calls())
}

/// `DELETE /sim/calls`: start counting afresh.
pub async fn reset_calls(sim: web::Data<SimHandle>) -> HttpResponse {
    sim.reset_api_calls();
    HttpResponse::Ok().json(json!({"reset": true}))
}
