//! Recording calls: getRecordings, publishRecordings, deleteRecordings, updateRecordings
//! (spec §2.7–§2.10).

use bbb_client::model::{
    DeleteResponse, Image, Images, Playback, PlaybackFormat, Preview, PublishResponse,
    Recording as RecordingXml, RecordingBreakout, Recordings, RecordingsResponse, ReturnCode,
    UpdateResponse,
};

use crate::ids::sha1_hex;
use crate::params::Params;
use crate::reply::{Failure, Reply};
use crate::request::ApiRequest;
use crate::sim::Sim;
use crate::state::{Recording, RecordingState};
use crate::validate;

const MAX_LIMIT: u64 = 100;

fn csv(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// Which recordings a getRecordings request selects.
struct Filter {
    /// Record id prefixes (from `recordID`, or the sha1 of each `meetingID`).
    prefixes: Option<Vec<String>>,
    /// `None` = any state.
    states: Option<Vec<RecordingState>>,
    metadata: Vec<(String, String)>,
}

impl Filter {
    fn from_params(p: &Params) -> Self {
        let prefixes = if let Some(ids) = p.non_empty("recordID") {
            Some(csv(ids).into_iter().map(str::to_owned).collect())
        } else {
            p.non_empty("meetingID")
                .map(|ids| csv(ids).into_iter().map(sha1_hex).collect())
        };
        let states = match p.non_empty("state") {
            None => Some(vec![RecordingState::Published, RecordingState::Unpublished]),
            Some(list) if csv(list).contains(&"any") => None,
            Some(list) => Some(
                csv(list)
                    .into_iter()
                    .filter_map(RecordingState::parse)
                    .collect(),
            ),
        };
        Self {
            prefixes,
            states,
            metadata: validate::metadata(p),
        }
    }

    fn matches(&self, recording: &Recording) -> bool {
        self.prefixes.as_ref().is_none_or(|ps| {
            ps.iter()
                .any(|prefix| recording.record_id.starts_with(prefix.as_str()))
        }) && self
            .states
            .as_ref()
            .is_none_or(|states| states.contains(&recording.state))
            && self
                .metadata
                .iter()
                .all(|(name, value)| recording.metadata.get(name) == Some(value))
    }
}

/// `offset`/`limit` (2.6+): offset ≥ 0, limit 1..=100; with neither the answer is not paged.
fn page(p: &Params) -> Option<(usize, usize)> {
    let number = |name| p.non_empty(name).and_then(|v| v.trim().parse::<u64>().ok());
    let (offset, limit) = (number("offset"), number("limit"));
    if offset.is_none() && limit.is_none() {
        return None;
    }
    let limit = limit.unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT);
    let offset = offset.unwrap_or(0);
    Some((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(usize::MAX),
    ))
}

pub fn get_recordings(sim: &Sim, request: &ApiRequest) -> Reply {
    let filter = Filter::from_params(&request.params);
    let state = sim.read();
    let selected: Vec<&Recording> = state
        .recordings
        .iter()
        .filter(|r| filter.matches(r))
        .collect();
    let total = selected.len() as u64;
    let paging = page(&request.params);
    let shown: Vec<RecordingXml> = match paging {
        Some((offset, limit)) => selected
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect::<Vec<_>>(),
        None => selected,
    }
    .into_iter()
    .map(|r| recording_xml(r, &sim.base_url))
    .collect();
    let empty = shown.is_empty();
    Reply::xml(&RecordingsResponse {
        returncode: ReturnCode::Success,
        recordings: Recordings { recording: shown },
        total_elements: paging.map(|_| total),
        pagination: None,
        message_key: empty.then(|| "noRecordings".into()),
        message: empty.then(|| "There are no recordings for the meeting(s).".into()),
    })
}

fn recording_xml(recording: &Recording, base_url: &str) -> RecordingXml {
    let id = &recording.record_id;
    let image = |n: u32, alt: &str| Image {
        alt: alt.into(),
        height: "136".into(),
        width: "176".into(),
        url: format!("{base_url}/presentation/{id}/presentation/{id}/thumbnails/thumb-{n}.png"),
    };
    RecordingXml {
        record_id: id.clone(),
        meeting_id: recording.meeting_id.clone(),
        internal_meeting_id: Some(id.clone()),
        name: recording.name.clone(),
        is_breakout: Some(recording.is_breakout),
        published: recording.state == RecordingState::Published,
        state: recording.state.as_str().into(),
        start_time: recording.start_time,
        end_time: recording.end_time,
        participants: Some(recording.participants),
        raw_size: Some(recording.raw_size),
        metadata: recording.metadata.clone(),
        breakout: recording
            .breakout
            .as_ref()
            .map(|(parent_id, sequence)| RecordingBreakout {
                parent_id: parent_id.clone(),
                sequence: *sequence,
            }),
        playback: Playback {
            format: vec![PlaybackFormat {
                format_type: "presentation".into(),
                url: format!("{base_url}/playback/presentation/2.3/{id}"),
                processing_time: Some(recording.processing_time),
                length: recording.length_minutes,
                size: Some(recording.size),
                preview: Some(Preview {
                    images: Images {
                        image: vec![
                            image(1, "Welcome"),
                            image(2, "Slide 2"),
                            image(3, "Slide 3"),
                        ],
                    },
                }),
            }],
        },
    }
}

fn record_ids(p: &Params) -> Result<Vec<String>, Failure> {
    p.non_empty("recordID")
        .map(|ids| csv(ids).into_iter().map(str::to_owned).collect::<Vec<_>>())
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| Failure::new("missingParamRecordID", "You must specify a recordID."))
}

fn not_found() -> Failure {
    Failure::new("notFound", "We could not find recordings")
}

/// Applies `change` to every recording listed; `notFound` if none of them exists.
fn for_each_recording(
    sim: &Sim,
    ids: &[String],
    mut change: impl FnMut(&mut Recording),
) -> Result<(), Failure> {
    let mut state = sim.lock();
    let mut found = false;
    for recording in state
        .recordings
        .iter_mut()
        .filter(|r| ids.contains(&r.record_id))
    {
        found = true;
        change(recording);
    }
    if found { Ok(()) } else { Err(not_found()) }
}

pub fn publish_recordings(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let ids = record_ids(&request.params)?;
    let publish = request.params.non_empty("publish").ok_or_else(|| {
        Failure::new(
            "missingParamPublish",
            "You must specify a publish value true or false.",
        )
    })?;
    let publish = publish.eq_ignore_ascii_case("true");
    for_each_recording(sim, &ids, |recording| {
        // A deleted recording stays deleted.
        recording.state = match (&recording.state, publish) {
            (RecordingState::Deleted, _) => RecordingState::Deleted,
            (_, true) => RecordingState::Published,
            (_, false) => RecordingState::Unpublished,
        };
    })?;
    Ok(Reply::xml(&PublishResponse {
        returncode: ReturnCode::Success,
        published: publish,
    }))
}

pub fn delete_recordings(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let ids = record_ids(&request.params)?;
    for_each_recording(sim, &ids, |recording| {
        recording.state = RecordingState::Deleted
    })?;
    Ok(Reply::xml(&DeleteResponse {
        returncode: ReturnCode::Success,
        deleted: true,
    }))
}

pub fn update_recordings(sim: &Sim, request: &ApiRequest) -> Result<Reply, Failure> {
    let ids = record_ids(&request.params)?;
    let changes = validate::metadata(&request.params);
    for_each_recording(sim, &ids, |recording| {
        for (name, value) in &changes {
            if value.is_empty() {
                recording.metadata.remove(name);
            } else {
                recording.metadata.insert(name.clone(), value.clone());
            }
        }
    })?;
    Ok(Reply::xml(&UpdateResponse {
        returncode: ReturnCode::Success,
        updated: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(id: &str, state: RecordingState) -> Recording {
        Recording {
            record_id: id.into(),
            meeting_id: "m".into(),
            name: "n".into(),
            is_breakout: false,
            state,
            start_time: 0,
            end_time: 0,
            participants: 1,
            raw_size: 0,
            metadata: [("origin".to_owned(), "x".to_owned())].into(),
            length_minutes: 0,
            processing_time: 0,
            size: 0,
            breakout: None,
            text_tracks: Vec::new(),
        }
    }

    #[test]
    fn default_filter_hides_deleted_and_processing() {
        let filter = Filter::from_params(&Params::parse(""));
        assert!(filter.matches(&recording("a", RecordingState::Published)));
        assert!(filter.matches(&recording("a", RecordingState::Unpublished)));
        assert!(!filter.matches(&recording("a", RecordingState::Deleted)));
        assert!(!filter.matches(&recording("a", RecordingState::Processing)));
        let any = Filter::from_params(&Params::parse("state=any"));
        assert!(any.matches(&recording("a", RecordingState::Deleted)));
        let deleted = Filter::from_params(&Params::parse("state=deleted,bogus"));
        assert!(deleted.matches(&recording("a", RecordingState::Deleted)));
        assert!(!deleted.matches(&recording("a", RecordingState::Published)));
    }

    #[test]
    fn ids_match_by_prefix_and_meeting_ids_by_sha1() {
        let sha = sha1_hex("room");
        let rec = recording(&format!("{sha}-123"), RecordingState::Published);
        assert!(Filter::from_params(&Params::parse(&format!("recordID=zzz,{sha}"))).matches(&rec));
        assert!(Filter::from_params(&Params::parse("meetingID=other,room")).matches(&rec));
        assert!(!Filter::from_params(&Params::parse("meetingID=other")).matches(&rec));
        // recordID wins over meetingID.
        assert!(!Filter::from_params(&Params::parse("meetingID=room&recordID=nope")).matches(&rec));
    }

    #[test]
    fn metadata_filters_must_all_match() {
        let rec = recording("a", RecordingState::Published);
        assert!(Filter::from_params(&Params::parse("meta_origin=x")).matches(&rec));
        assert!(Filter::from_params(&Params::parse("meta_ORIGIN=x")).matches(&rec));
        assert!(!Filter::from_params(&Params::parse("meta_origin=y")).matches(&rec));
        assert!(!Filter::from_params(&Params::parse("meta_origin=x&meta_other=z")).matches(&rec));
    }

    #[test]
    fn paging_is_clamped() {
        assert_eq!(page(&Params::parse("")), None);
        assert_eq!(page(&Params::parse("limit=5")), Some((0, 5)));
        assert_eq!(page(&Params::parse("offset=3")), Some((3, 100)));
        assert_eq!(page(&Params::parse("offset=1&limit=1000")), Some((1, 100)));
        assert_eq!(page(&Params::parse("limit=0")), Some((0, 1)));
        assert_eq!(page(&Params::parse("limit=abc")), None);
    }
}
