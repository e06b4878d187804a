//! What lies behind the URLs the API hands out: the client page a join redirects to, the
//! guest waiting page, recording playback and text-track files. Small stand-ins, so a
//! browser or an HTTP client following those links gets a 200 rather than a 404.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::params::Params;
use crate::sim::Sim;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body><h1>{}</h1><p>{}</p></body></html>\n",
            escape(title),
            escape(title),
            escape(body)
        ))
}

/// `/html5client/join?sessionToken=…` and `/html5client/guestWait?sessionToken=…`.
pub async fn client(req: HttpRequest, sim: web::Data<Sim>) -> HttpResponse {
    let params = Params::parse(req.query_string());
    let token = params.get("sessionToken").unwrap_or_default();
    let state = sim.read();
    match state.sessions.get(token) {
        Some(session) => {
            let meeting = state
                .meetings
                .get(&session.meeting_id)
                .map_or("", |m| m.name.as_str());
            page(
                "BigBlueButton (simulated)",
                &format!(
                    "{} ({}, guest status {}) is in meeting \"{meeting}\".",
                    session.full_name, session.internal_user_id, session.guest_status
                ),
            )
        }
        None => page("BigBlueButton (simulated)", "Session not found."),
    }
}

/// `/playback/presentation/2.3/{recordID}`.
pub async fn playback(path: web::Path<String>, sim: web::Data<Sim>) -> HttpResponse {
    let record_id = path.into_inner();
    let state = sim.read();
    match state.recordings.iter().find(|r| r.record_id == record_id) {
        Some(recording) => page(
            "Recording playback (simulated)",
            &format!("{} ({} minutes)", recording.name, recording.length_minutes),
        ),
        None => HttpResponse::NotFound().body("recording not found"),
    }
}

/// `/textTrack/{token}/{recordID}/{kind}_{lang}.vtt`: a stored track, as uploaded.
pub async fn text_track(
    path: web::Path<(String, String, String)>,
    sim: web::Data<Sim>,
) -> HttpResponse {
    let (token, record_id, _file) = path.into_inner();
    let state = sim.read();
    let track = state
        .recordings
        .iter()
        .filter(|r| r.record_id == record_id)
        .flat_map(|r| &r.text_tracks)
        .find(|t| t.token == token);
    match track {
        Some(track) => HttpResponse::Ok()
            .content_type("text/vtt; charset=utf-8")
            .body(track.content.clone()),
        None => HttpResponse::NotFound().body("text track not found"),
    }
}
