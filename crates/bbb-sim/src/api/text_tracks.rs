//! Text tracks of recordings (spec §2.11–§2.12): JSON answers, XML for checksum errors.

use bbb_client::model::{JsonEnvelope, ReturnCode, TextTrack, TextTrackResponse};

use crate::ids;
use crate::reply::{Failure, Reply};
use crate::request::ApiRequest;
use crate::sim::Sim;
use crate::state::TextTrackFile;

/// A JSON `FAILED` answer.
pub fn json_failure(failure: &Failure) -> Reply {
    Reply::json(&JsonEnvelope {
        response: TextTrackResponse {
            returncode: ReturnCode::Failed,
            message_key: Some(failure.key.into()),
            message: Some(failure.message.clone()),
            record_id: None,
            tracks: None,
        },
    })
}

pub fn get_text_tracks(sim: &Sim, request: &ApiRequest) -> Reply {
    // bbb-web answers this one error with its XML envelope.
    let Some(record_id) = request.params.non_empty("recordID") else {
        return Reply::failed(&Failure::new(
            "missingParamRecordID",
            "You must specify a recordID.",
        ));
    };
    let state = sim.read();
    let Some(recording) = state.recordings.iter().find(|r| r.record_id == record_id) else {
        return json_failure(&Failure::new(
            "noRecordings",
            format!("No recording found for {record_id}"),
        ));
    };
    let tracks = recording
        .text_tracks
        .iter()
        .map(|t| TextTrack {
            href: track_url(&sim.base_url, record_id, t),
            kind: t.kind.clone(),
            label: t.label.clone(),
            lang: t.lang.clone(),
            source: "upload".into(),
        })
        .collect();
    Reply::json(&JsonEnvelope {
        response: TextTrackResponse {
            returncode: ReturnCode::Success,
            message_key: None,
            message: None,
            record_id: None,
            tracks: Some(tracks),
        },
    })
}

/// Where a stored track can be downloaded from this server.
pub fn track_url(base_url: &str, record_id: &str, track: &TextTrackFile) -> String {
    format!(
        "{base_url}/textTrack/{}/{record_id}/{}_{}.vtt",
        track.token, track.kind, track.lang
    )
}

pub fn put_text_track(sim: &Sim, request: &ApiRequest) -> Reply {
    match store_text_track(sim, request) {
        Ok(record_id) => Reply::json(&JsonEnvelope {
            response: TextTrackResponse {
                returncode: ReturnCode::Success,
                message_key: Some("upload_text_track_success".into()),
                message: Some("Text track uploaded successfully".into()),
                record_id: Some(record_id),
                tracks: None,
            },
        }),
        Err(failure) => json_failure(&failure),
    }
}

fn store_text_track(sim: &Sim, request: &ApiRequest) -> Result<String, Failure> {
    let p = &request.params;
    let required = |name: &str| {
        p.non_empty(name)
            .ok_or_else(|| Failure::new("paramError", format!("Missing param {name}.")))
    };
    let record_id = required("recordID")?;
    let kind = required("kind")?;
    let lang = required("lang")?;
    if kind != "subtitles" && kind != "captions" {
        return Err(Failure::new(
            "invalidKind",
            format!("Invalid kind parameter, expected='subtitles|captions' actual={kind}"),
        ));
    }
    if !is_language_tag(lang) {
        return Err(Failure::new(
            "invalidLang",
            format!("Malformed lang param, received={lang}"),
        ));
    }
    let mut state = sim.lock();
    let recording = state
        .recordings
        .iter_mut()
        .find(|r| r.record_id == record_id)
        .ok_or_else(|| {
            Failure::new(
                "noRecordings",
                format!("No recording was found for {record_id}"),
            )
        })?;
    let content = request
        .files
        .iter()
        .find(|f| f.name == "file")
        .map(|f| f.data.as_slice())
        .filter(|data| !data.is_empty())
        .ok_or_else(|| Failure::new("empty_uploaded_text_track", "Empty uploaded text track."))?;
    let track = TextTrackFile {
        kind: kind.into(),
        lang: lang.into(),
        label: p.non_empty("label").unwrap_or(lang).into(),
        token: ids::lower_alnum(40),
        content: String::from_utf8_lossy(content).into_owned(),
    };
    recording
        .text_tracks
        .retain(|t| !(t.kind == track.kind && t.lang == track.lang));
    recording.text_tracks.push(track);
    Ok(record_id.to_owned())
}

/// A BCP-47 tag's shape: a 2–3 or 4–8 letter language, then 1–8 character alphanumeric
/// subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language_ok = subtags.next().is_some_and(|language| {
        matches!(language.len(), 2..=3 | 5..=8) && language.chars().all(|c| c.is_ascii_alphabetic())
    });
    language_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for good in ["en", "en-US", "pt-BR", "zh-Hant-TW", "de-CH-1996"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "english-",
            "en_US",
            "12",
            "en--US",
            "en-toolongsubtag",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
